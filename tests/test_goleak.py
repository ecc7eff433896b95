"""gmp.testing (goleak) and the pytest plugin."""
import pytest

import gmp
from gmp import testing

pytest_plugins = ["pytester"]


def test_find_none_when_goroutines_finish():
    snap = testing.ignore_current()
    done = gmp.chan()
    for _ in range(10):
        gmp.go(done.send, None)
    for _ in range(10):
        done.recv()
    # the senders may still be finishing: find() retries until they are gone
    assert testing.find(ignore_current=snap) == []
    testing.verify_none(ignore_current=snap)


def test_leak_reported_in_go_format():
    snap = testing.ignore_current()
    block = gmp.chan()

    def stuck_worker():
        block.recv()

    gmp.go(stuck_worker)
    with pytest.raises(testing.LeakError) as ei:
        testing.verify_none(ignore_current=snap, max_retries=3)
    (g,) = ei.value.goroutines
    assert g.top_function == __name__ + ".test_leak_reported_in_go_format.<locals>.stuck_worker"
    assert g.state == "chan receive"
    msg = str(ei.value)
    assert msg.startswith("found unexpected goroutines:\ngoroutine %d [chan receive]:\n" % g.id)
    assert "created by %s.test_leak_reported_in_go_format in goroutine" % __name__ in msg
    # ignored by its top function, or by any function on its stack
    assert testing.find(ignore_current=snap, ignore_top_function=g.top_function, max_retries=2) == []
    assert testing.find(ignore_current=snap, ignore_any_function=[g.top_function], max_retries=2) == []
    block.close()
    testing.verify_none(ignore_current=snap)


def test_unstarted_goroutine_is_listed_with_its_function():
    snap = testing.ignore_current()
    gate = gmp.chan()

    def later():
        gate.recv()

    gmp.go(later)                   # not yet run: it shows its function
    gs = testing.find(ignore_current=snap, max_retries=1)
    assert [g.top_function for g in gs] == [__name__ + ".test_unstarted_goroutine_is_listed_with_its_function.<locals>.later"]
    gate.close()
    testing.verify_none(ignore_current=snap)


def test_backoff_is_goleaks():
    # 20 tries, waits doubling from 1 us, capped at 100 ms
    import gmp.testing as t
    assert t.MAX_RETRIES == 20 and t.MAX_SLEEP == 0.1


def test_ignore_current_type_checked():
    with pytest.raises(TypeError, match="ignore_current"):
        testing.find(ignore_current=True)


def test_goleak_fixture_passes_clean_test(goleak):
    c = gmp.chan()
    gmp.go(c.send, 1)
    assert c.recv() == 1


LEAKY = """
import gmp

def test_leaks():
    gmp.go(gmp.chan().recv)

def test_clean():
    c = gmp.chan()
    gmp.go(c.send, 1)
    assert c.recv() == 1

def test_fixture_leak(goleak):
    gmp.go(gmp.chan().recv)
"""


def test_plugin_option_fails_leaking_tests(pytester):
    pytester.makepyfile(test_leaky=LEAKY)
    r = pytester.runpytest_subprocess("--gmp-goleak", "-p", "no:cacheprovider")
    r.assert_outcomes(passed=1, failed=2, errors=1)   # the fixture test: failed by the option, error from the fixture
    out = r.stdout.str()
    assert "found unexpected goroutines:" in out
    assert "[chan receive]:" in out
    assert "created by test_leaky.test_leaks in goroutine 1" in out


def test_plugin_fixture_without_option(pytester):
    pytester.makepyfile(test_leaky=LEAKY)
    r = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    r.assert_outcomes(passed=3, errors=1)        # only the fixture's test reports
