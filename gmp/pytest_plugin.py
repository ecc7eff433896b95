"""pytest plugin for gmp (registered through the ``pytest11`` entry point).

- ``--gmp-goleak``: every test fails if goroutines it started are still
  alive when its body returns (those alive before the body, fixtures'
  included, are ignored), listing them in Go's traceback format. Mark a
  test ``@pytest.mark.gmp_leaks_goroutines`` when it leaks on purpose.
- the ``goleak`` fixture: the same check for one test, when its fixtures
  have been torn down; ``goleak.verify()`` checks at any point, and
  ``goleak.ignore_top_function`` (a list) names functions to ignore.
"""
import pytest


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "gmp_leaks_goroutines: the test leaves goroutines behind on purpose; "
        "--gmp-goleak does not check it")


def pytest_addoption(parser):
    group = parser.getgroup("gmp")
    group.addoption("--gmp-goleak", action="store_true", default=False,
                    help="fail tests that leave goroutines behind (gmp.testing.verify_none)")


class GoLeak:
    """The ``goleak`` fixture's value."""

    def __init__(self):
        from gmp import testing
        self._testing = testing
        self.snapshot = testing.ignore_current()
        self.ignore_top_function = []

    def find(self):
        return self._testing.find(ignore_current=self.snapshot,
                                  ignore_top_function=self.ignore_top_function)

    def verify(self):
        self._testing.verify_none(ignore_current=self.snapshot,
                                  ignore_top_function=self.ignore_top_function)


@pytest.fixture
def goleak():
    """Fails the test (at teardown) if goroutines started during it are
    still alive once its other fixtures are torn down."""
    g = GoLeak()
    yield g
    g.verify()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    if not item.config.getoption("gmp_goleak") or item.get_closest_marker("gmp_leaks_goroutines"):
        return (yield)
    from gmp import testing
    snap = testing.ignore_current()
    res = yield
    testing.verify_none(ignore_current=snap)
    return res
