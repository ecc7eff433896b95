"""pytest plugin for gmp (registered through the ``pytest11`` entry point).

- ``--gmp-goleak``: every test fails if goroutines it started are still
  alive when its body returns (those alive before the body, fixtures'
  included, are ignored), listing them in Go's traceback format. Mark a
  test ``@pytest.mark.gmp_leaks_goroutines`` when it leaks on purpose.
- the ``goleak`` fixture: the same check for one test, when its fixtures
  have been torn down; ``goleak.verify()`` checks at any point, and
  ``goleak.ignore_top_function`` (a list) names functions to ignore.
- goroutine panics: an exception that escapes a goroutine (not the main
  one) ends a Go program with status 2, which would end the whole pytest
  run. During a run the plugin turns it into a failure of the test that
  was running (its setup, call or teardown) instead, with Go's panic
  report as the message (:class:`GoroutinePanic`), and the run goes on.
  The exception is raised in the test's main goroutine at its blocking
  call, or at its next park or scheduling point, so a test waiting for
  the dead goroutine does not hang; a test that does not park again fails
  when its phase ends. ``--gmp-panic=exit`` (ini ``gmp_panic = exit``)
  keeps Go's behaviour: report, exit status 2.
"""
from __future__ import annotations

import collections
import os
import sys
from collections.abc import Generator, Iterable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from gmp.testing import Goroutine, Snapshot


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "gmp_leaks_goroutines: the test leaves goroutines behind on purpose; "
        "--gmp-goleak does not check it")
    catcher = PanicCatcher(config, _panicmode(config))
    config.pluginmanager.register(catcher, "gmp-panic-catcher")
    catcher.install()


def pytest_unconfigure(config: pytest.Config) -> None:
    catcher = config.pluginmanager.get_plugin("gmp-panic-catcher")
    if catcher is not None:
        catcher.uninstall()
        config.pluginmanager.unregister(catcher)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gmp")
    group.addoption("--gmp-goleak", action="store_true", default=False,
                    help="fail tests that leave goroutines behind (gmp.testing.verify_none)")
    group.addoption("--gmp-panic", choices=("fail", "exit"), default=None,
                    help="a goroutine's panic fails the running test (fail, the default) or "
                         "ends the process with Go's report and status 2 (exit)")
    parser.addini("gmp_panic", default="fail",
                  help="the default of --gmp-panic: fail or exit")


def _panicmode(config: pytest.Config) -> str:
    mode = config.getoption("gmp_panic") or config.getini("gmp_panic") or "fail"
    if mode not in ("fail", "exit"):
        raise pytest.UsageError("gmp_panic must be 'fail' or 'exit', not %r" % (mode,))
    return mode


class GoroutinePanic(Exception):
    """A goroutine other than the test's main one panicked (an exception
    escaped its function). The message is Go's panic report: ``panic:``
    and the exception, its traceback, and the goroutine's stack with its
    ``created by`` line. ``reports`` lists them (one per goroutine, when
    several panicked in the same phase); ``goids`` their goroutine ids."""

    original: BaseException

    def __init__(self, reports: Iterable[str], goids: Iterable[int]) -> None:
        super().__init__("\n".join(r.rstrip("\n") + "\n" for r in reports).rstrip("\n"))
        self.reports = list(reports)
        self.goids = list(goids)


class PanicCatcher:
    """Holds the runtime's panic hook for the session. Invariants: every
    panic the hook takes fails exactly one phase (the phase running when it
    happened, else the next one to end, else the session's exit status) and
    is never lost; an exception thrown into the main goroutine for it never
    stays pending once its phase is over (the runtime's _main_window
    withdraws it), so none surfaces in another test or in pytest itself.
    No lock: the hook runs in a goroutine, which may share its thread with
    a preempted holder; deque appends and pops are atomic."""

    _core: Any                  # gmp._core once installed, else None

    def __init__(self, config: pytest.Config, mode: str) -> None:
        self._config = config
        self._mode = mode
        self._pending: collections.deque[GoroutinePanic] = collections.deque()     # GoroutinePanic not yet reported
        self._pid = os.getpid()
        self._core = None
        self._old: Any = None

    def install(self) -> None:
        from gmp import _core
        self._core = _core
        self._old = _core._set_panic_hook(self._hook)

    def uninstall(self) -> None:
        if self._core is not None:
            self._core._main_window(False)
            self._core._set_panic_hook(self._old)
            self._core = None

    def _hook(self, goid: int, exc: BaseException, report: str) -> bool:
        # in the panicking goroutine, on any M: record it first, then
        # interrupt the test's main goroutine if a phase is running
        # (_throw_main delivers nothing between phases, where the main
        # goroutine runs pytest's own code)
        if os.getpid() != self._pid:
            return False            # a forked child: Go's exit, as outside pytest
        if self._mode == "exit":
            self._uncapture()
            return False            # Go's exit: the runtime prints its report, status 2
        p = GoroutinePanic([report], [goid])
        p.original = exc
        self._pending.append(p)
        self._core._throw_main(p)
        return True

    def _uncapture(self) -> None:
        """Ends pytest's output capture and writes out what it holds, so that
        what the test printed and Go's report (written next, to fd 2) reach
        the terminal: os._exit leaves capture files unread."""
        capman = self._config.pluginmanager.get_plugin("capturemanager")
        if capman is None:
            return
        try:
            capman.suspend_global_capture(in_=True)
            out, err = capman.read_global_capture()
            sys.stdout.write(out)
            sys.stdout.flush()
            sys.stderr.write(err)
            sys.stderr.flush()
        except Exception:
            pass

    def _take(self) -> list[GoroutinePanic]:
        out = []
        while True:
            try:
                out.append(self._pending.popleft())
            except IndexError:
                return out

    def _wrap(self) -> Generator[None, object, object]:
        __tracebackhide__ = True
        self._core._main_window(True)
        try:
            res = yield
        except BaseException as e:
            self._leave(e)          # a panic left over is raised with e as its context
            raise
        self._leave(None)
        return res

    def _leave(self, exc: BaseException | None) -> None:
        __tracebackhide__ = True
        self._core._main_window(False)
        rest = [p for p in self._take() if p is not exc]
        if rest:
            raise _combine(rest)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, object, object]:
        __tracebackhide__ = True
        return (yield from self._wrap())

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
        __tracebackhide__ = True
        return (yield from self._wrap())

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_teardown(self, item: pytest.Item,
                                nextitem: pytest.Item | None) -> Generator[None, object, object]:
        __tracebackhide__ = True
        return (yield from self._wrap())

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        # panics after the last phase ended (a goroutine still running as
        # the session ends): reported, and the run fails
        left = self._take()
        if left:
            text = "gmp: goroutines panicked after the last test phase ended:\n%s" % _combine(left)
            tr = session.config.pluginmanager.get_plugin("terminalreporter")
            if tr is not None:
                tr.write_line(text, red=True)
            else:
                sys.stderr.write(text + "\n")
            if session.exitstatus == 0:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _combine(panics: list[GoroutinePanic]) -> GoroutinePanic:
    if len(panics) == 1:
        return panics[0]
    reports: list[str] = []
    goids: list[int] = []
    for p in panics:
        reports += p.reports
        goids += p.goids
    return GoroutinePanic(reports, goids)


class GoLeak:
    """The ``goleak`` fixture's value."""

    snapshot: Snapshot
    ignore_top_function: list[str]

    def __init__(self) -> None:
        from gmp import testing
        self._testing = testing
        self.snapshot = testing.ignore_current()
        self.ignore_top_function = []

    def find(self) -> list[Goroutine]:
        return self._testing.find(ignore_current=self.snapshot,
                                  ignore_top_function=self.ignore_top_function)

    def verify(self) -> None:
        self._testing.verify_none(ignore_current=self.snapshot,
                                  ignore_top_function=self.ignore_top_function)


@pytest.fixture
def goleak() -> Generator[GoLeak, None, None]:
    """Fails the test (at teardown) if goroutines started during it are
    still alive once its other fixtures are torn down."""
    g = GoLeak()
    yield g
    g.verify()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    if not item.config.getoption("gmp_goleak") or item.get_closest_marker("gmp_leaks_goroutines"):
        return (yield)
    from gmp import testing
    snap = testing.ignore_current()
    res = yield
    testing.verify_none(ignore_current=snap)
    return res
