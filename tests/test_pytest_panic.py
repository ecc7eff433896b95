"""gmp's pytest plugin turns a goroutine's panic into a failure of the test
that was running, instead of Go's exit with status 2 (which took the whole
pytest run down). Each check runs pytest in a subprocess (pytester), with a
timeout: a broken hook could kill or hang it."""
import re

import pytest

pytest_plugins = ["pytester"]

TIMEOUT = 120

PANICS = """
import time
import threading

import pytest

import gmp


def test_a_parked_when_a_helper_panics():
    c = gmp.chan()

    def boom():
        raise ValueError("boom")
    gmp.go(boom)
    c.recv()                # the dead goroutine would have sent: no hang


def test_b_runtime_still_works():
    gmp.runtime.gomaxprocs(2)
    out = gmp.chan()
    wg = gmp.WaitGroup()
    for i in range(20):
        wg.add(1)
        gmp.go(lambda i=i: (out.send(i), wg.done()))
    assert sorted(out.recv() for _ in range(20)) == list(range(20))
    wg.wait()
    gmp.sleep(0.001)


def test_c_never_parks_again():
    # the helper runs on the other P while this goroutine keeps its own,
    # blocked in time.sleep (not a park), until the panic ended it
    gmp.runtime.gomaxprocs(2)
    n = gmp.runtime.num_goroutine()
    gmp.go(lambda: {}["missing"])
    gmp.go(lambda: None)    # takes runnext: the first one can be stolen
    deadline = time.monotonic() + 60
    while gmp.runtime.num_goroutine() > n + 1 and time.monotonic() < deadline:
        time.sleep(0.001)
    assert gmp.runtime.num_goroutine() == n + 1


def test_c2_parks_after_it():
    # nothing of test_c's panic is left pending in the main goroutine
    for _ in range(3):
        gmp.sleep(0.001)
        c = gmp.chan()
        gmp.go(c.send, 1)
        assert c.recv() == 1


def test_d_swallows_what_is_thrown_in():
    c = gmp.chan()
    gmp.go(lambda: (_ for _ in ()).throw(RuntimeError("swallowed")))
    try:
        c.recv()
    except Exception:
        pass                # the panic still fails the test


def test_e_two_helpers_panic():
    def boom(tag):
        raise KeyError(tag)
    gmp.go(boom, "first")
    gmp.go(boom, "second")
    while gmp.runtime.num_goroutine() > 1:
        try:
            gmp.sleep(0.001)
        except Exception:
            pass            # swallowed: both are reported when the call ends


def test_f_a_go_panic_value():
    c = gmp.chan()
    c.close()
    gmp.go(c.send, 1)       # send on closed channel: Go's runtime panic
    gmp.sleep(0.01)
    gmp.sleep(0.01)


def test_g_after_them_all():
    c = gmp.chan()
    gmp.go(c.send, "fine")
    assert c.recv() == "fine"
"""


def run(pytester, *args, env=None):
    pytester.makepyfile(test_panics=PANICS)
    if env:
        for k, v in env.items():
            pytester._monkeypatch.setenv(k, v)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rfE", *args, timeout=TIMEOUT)


def section(out, name):
    """The failure section of test `name` in pytest's report."""
    m = re.search(r"_{3,} %s _{3,}\n(.*?)(?=\n_{3,} |\n=+ short test summary)" % name, out, re.S)
    assert m, out
    return m.group(1)


def test_a_panicking_helper_fails_its_test_and_the_run_goes_on(pytester):
    # preemption off: test_c's loop must not reach a scheduling point, so
    # its panic is reported when the phase ends, not thrown into it
    r = run(pytester, env={"GODEBUG": "asyncpreemptoff=1"})
    out = r.stdout.str()
    r.assert_outcomes(passed=3, failed=5)
    assert r.ret == pytest.ExitCode.TESTS_FAILED, out         # 1, not Go's 2
    # the tests after a panicking one pass: the runtime goes on working
    assert sorted(set(re.findall(r"^FAILED \S+::(\w+)", out, re.M))) == [
        "test_a_parked_when_a_helper_panics", "test_c_never_parks_again",
        "test_d_swallows_what_is_thrown_in", "test_e_two_helpers_panic",
        "test_f_a_go_panic_value"], out

    # the parked test gets Go's report, raised from its blocking call
    a = section(out, "test_a_parked_when_a_helper_panics")
    assert "GoroutinePanic: panic: ValueError: boom" in a
    assert re.search(r"goroutine \d+ \[running\]:\n\S*test_a_parked_when_a_helper_panics"
                     r"\.<locals>\.boom\(\.\.\.\)", a.replace("E   ", "").replace("E  ", "")), a
    assert "created by test_panics.test_a_parked_when_a_helper_panics in goroutine 1" in a
    assert "c.recv()" in a                      # where the test was waiting
    # the one that never parked again fails when its call ends
    c = section(out, "test_c_never_parks_again")
    assert "GoroutinePanic: panic: KeyError: 'missing'" in c
    # caught by the test: it fails all the same
    assert "GoroutinePanic: panic: RuntimeError: swallowed" in section(
        out, "test_d_swallows_what_is_thrown_in")
    # two panics in one test: both reported, in the order they happened
    e = section(out, "test_e_two_helpers_panic")
    assert "panic: KeyError: 'first'" in e and "panic: KeyError: 'second'" in e
    # a runtime panic keeps Go's text
    assert "GoroutinePanic: panic: send on closed channel" in section(out, "test_f_a_go_panic_value")


def test_with_preemption_the_never_parking_test_fails_too(pytester):
    # with asynchronous preemption on, test_c's panic may instead be raised
    # at the loop's next scheduling point: either way it fails, once
    r = run(pytester, "-k", "test_c or test_g")
    r.assert_outcomes(passed=2, failed=1)
    assert r.ret == pytest.ExitCode.TESTS_FAILED
    # once in the test's failure section (the short summary repeats the
    # message, cut to the terminal's width except where $CI is set)
    assert section(r.stdout.str(), "test_c_never_parks_again").count(
        "GoroutinePanic: panic: KeyError: 'missing'") == 1


def test_panics_in_setup_and_teardown_fail_those_phases(pytester):
    pytester.makepyfile(test_fixtures="""
        import pytest
        import gmp

        def boom(what):
            raise ValueError(what)

        @pytest.fixture
        def bad_setup():
            gmp.go(boom, "in setup")
            gmp.chan().recv()
            yield

        @pytest.fixture
        def bad_teardown():
            yield
            gmp.go(boom, "in teardown")
            gmp.chan().recv()

        def test_setup(bad_setup):
            pass

        def test_teardown(bad_teardown):
            pass

        def test_fine():
            gmp.sleep(0.001)
    """)
    r = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=TIMEOUT)
    out = r.stdout.str()
    r.assert_outcomes(passed=2, errors=2)    # test_teardown's call passed; its teardown errs
    assert r.ret == pytest.ExitCode.TESTS_FAILED
    assert "ERROR at setup of test_setup" in out and "panic: ValueError: in setup" in out
    assert "ERROR at teardown of test_teardown" in out and "panic: ValueError: in teardown" in out


def test_a_panic_after_the_last_phase_is_not_lost(pytester):
    pytester.makeconftest("""
        import pytest
        import gmp

        trigger = gmp.chan()

        def boom():
            trigger.recv()
            raise ValueError("late")

        @pytest.hookimpl(tryfirst=True)
        def pytest_sessionfinish(session):
            n = gmp.runtime.num_goroutine()
            trigger.send(1)         # the parked helper panics now, between phases
            while gmp.runtime.num_goroutine() >= n:
                gmp.sleep(0.001)
    """)
    pytester.makepyfile(test_late="""
        import conftest
        import gmp

        def test_starts_it():
            gmp.go(conftest.boom)
    """)
    r = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=TIMEOUT)
    out = r.stdout.str()
    r.assert_outcomes(passed=1)
    assert r.ret == pytest.ExitCode.TESTS_FAILED, out
    assert "gmp: goroutines panicked after the last test phase ended:" in out
    assert "panic: ValueError: late" in out


def test_exit_mode_keeps_gos_exit(pytester):
    r = run(pytester, "--gmp-panic=exit", "-k", "test_a or test_g")
    assert r.ret == 2, r.stdout.str()
    err = r.stderr.str()
    assert err.startswith("panic: ValueError: boom\n"), err
    assert "created by test_panics.test_a_parked_when_a_helper_panics in goroutine 1" in err
    assert "passed" not in r.stdout.str()       # the process ended in the first test


def test_exit_mode_from_the_ini_file_shows_what_was_captured(pytester):
    pytester.makeini("[pytest]\ngmp_panic = exit\n")
    pytester.makepyfile(test_exit="""
        import sys
        import gmp

        def test_prints_then_panics():
            print("printed by the test")
            sys.stderr.write("written to stderr by the test\\n")
            gmp.go(lambda: 1 / 0)
            gmp.chan().recv()
    """)
    r = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=TIMEOUT)
    assert r.ret == 2
    # pytest's capture would have kept these: os._exit reads no capture file
    assert "printed by the test" in r.stdout.str()
    err = r.stderr.str()
    assert err.startswith("written to stderr by the test\npanic: ZeroDivisionError: division by zero\n"), err


def test_a_bad_mode_is_a_usage_error(pytester):
    pytester.makeini("[pytest]\ngmp_panic = sometimes\n")
    r = run(pytester)
    assert r.ret == pytest.ExitCode.USAGE_ERROR
    assert "gmp_panic must be 'fail' or 'exit', not 'sometimes'" in r.stderr.str()


# ---- the runtime's hook itself (outside pytest: Go's exit stays) ----------

def test_without_a_taker_a_panic_is_gos_exit():
    from gmptest import run_program
    for setup in ("none", "false", "raise"):
        r = run_program("panic_without_a_hook_taker.py", setup, timeout=60)
        assert r.returncode == 2, (setup, r.stderr)
        head = ("gmp: the panic hook raised ZeroDivisionError: division by zero\n"
                if setup == "raise" else "")
        assert r.stderr.startswith(head + "panic: KeyError: 'k'\n"), (setup, r.stderr)
        assert "goroutine 2 [running]:" in r.stderr


def test_a_hook_that_takes_it_gets_gos_report_and_the_program_goes_on():
    from gmptest import run_program
    r = run_program("panic_hook_takes_the_panic.py", timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["finally ran", "2 ValueError('x') panic: ValueError: x",
                                     "True", "False", "still running"]


def test_the_hook_must_be_callable():
    from gmp import _core
    with pytest.raises(TypeError):
        _core._set_panic_hook(5)
