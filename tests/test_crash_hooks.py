"""A goroutine's fatal panic: Go's report and status 2, but the program's
exception hook sees it first and logging handlers are flushed."""
import pytest

from gmptest import run_program

import gmp.debug

def go_report_ok(r):
    assert r.returncode == 2, r.stderr
    assert "panic: ValueError: bad thing" in r.stderr
    assert "goroutine " in r.stderr and "[running]:" in r.stderr


def test_threading_excepthook_is_called():
    r = run_program("crash_threading_excepthook.py", timeout=60)
    go_report_ok(r)
    assert "hook: ValueError bad thing True True" in r.stdout
    assert "atexit ran" not in r.stdout        # Go runs no deferred calls on a crash
    # the report comes before the hook's output, and only once
    assert r.stderr.count("panic: ValueError") == 1


def test_sys_excepthook_is_called_when_threading_hook_is_default():
    r = run_program("crash_sys_excepthook.py", timeout=60)
    go_report_ok(r)
    assert "syshook: ValueError bad thing True" in r.stdout


def test_default_hooks_print_nothing_twice():
    r = run_program("crash_default_hooks.py", timeout=60)
    go_report_ok(r)
    assert r.stderr.count("Traceback (most recent call last)") == 1
    assert "gmp:" not in r.stderr


def test_logging_handlers_are_flushed():
    r = run_program("crash_logging_handlers_flushed.py", timeout=60)
    go_report_ok(r)
    assert "flushed: before the crash" in r.stdout


def test_hook_that_raises_does_not_lose_the_exit():
    r = run_program("crash_hook_that_raises.py", timeout=60)
    go_report_ok(r)
    assert "gmp: the exception hook raised RuntimeError: hook broke" in r.stderr


@pytest.mark.parametrize("hang", ["spin", "sleep", "chan"])
def test_hook_that_hangs_does_not_lose_the_exit(hang):
    r = run_program("crash_hook_that_hangs.py", hang, timeout=60)
    go_report_ok(r)
    assert "hook started" in r.stdout
    assert "gmp: the crash hooks did not finish in time; exiting" in r.stderr


def test_set_crash_hook_timeout_checks_its_argument():
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            gmp.debug.set_crash_hook_timeout(bad)
    for bad in ("1", None, True):
        with pytest.raises(TypeError):
            gmp.debug.set_crash_hook_timeout(bad)
    old = gmp.debug.set_crash_hook_timeout(2)
    assert gmp.debug.set_crash_hook_timeout(old) == 2


def test_main_returning_while_the_hook_runs_does_not_change_the_status():
    # the main goroutine returns (runs its atexit) while the crash hook is
    # still busy: the process still exits 2, when the hook is done
    r = run_program("crash_main_returns_while_the_hook_runs.py", timeout=60)
    assert r.returncode == 2, r.stderr
    assert "main returns" in r.stdout
    assert "panic: ZeroDivisionError: division by zero" in r.stderr
