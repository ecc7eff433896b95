"""A goroutine's fatal panic: Go's report and status 2, but the program's
exception hook sees it first and logging handlers are flushed."""
import textwrap

import pytest

from gmptest import run_py

import gmp.debug

CRASH = """
    import gmp
    done = gmp.chan()
    def boom():
        raise ValueError("bad thing")
    gmp.go(boom)
    done.recv()
"""


def crash(setup=""):
    return textwrap.dedent(setup) + textwrap.dedent(CRASH)


def go_report_ok(r):
    assert r.returncode == 2, r.stderr
    assert "panic: ValueError: bad thing" in r.stderr
    assert "goroutine " in r.stderr and "[running]:" in r.stderr


def test_threading_excepthook_is_called():
    r = run_py(crash("""
        import threading, sys, atexit
        atexit.register(lambda: print("atexit ran", flush=True))
        def hook(args):
            print("hook:", args.exc_type.__name__, args.exc_value,
                  args.exc_traceback is not None, args.thread is threading.current_thread(),
                  flush=True)
        threading.excepthook = hook
    """), timeout=60)
    go_report_ok(r)
    assert "hook: ValueError bad thing True True" in r.stdout
    assert "atexit ran" not in r.stdout        # Go runs no deferred calls on a crash
    # the report comes before the hook's output, and only once
    assert r.stderr.count("panic: ValueError") == 1


def test_sys_excepthook_is_called_when_threading_hook_is_default():
    r = run_py(crash("""
        import sys
        def hook(t, v, tb):
            print("syshook:", t.__name__, v, tb is not None, flush=True)
        sys.excepthook = hook
    """), timeout=60)
    go_report_ok(r)
    assert "syshook: ValueError bad thing True" in r.stdout


def test_default_hooks_print_nothing_twice():
    r = run_py(crash(), timeout=60)
    go_report_ok(r)
    assert r.stderr.count("Traceback (most recent call last)") == 1
    assert "gmp:" not in r.stderr


def test_logging_handlers_are_flushed():
    r = run_py(crash("""
        import logging, io, sys
        class Buffered(logging.Handler):
            def __init__(self):
                super().__init__()
                self.buf = []
            def emit(self, record):
                self.buf.append(record.getMessage())
            def flush(self):
                sys.stdout.write("flushed: %s\\n" % ",".join(self.buf))
                sys.stdout.flush()
                self.buf = []
        logging.getLogger().addHandler(Buffered())
        logging.getLogger().warning("before the crash")
    """), timeout=60)
    go_report_ok(r)
    assert "flushed: before the crash" in r.stdout


def test_hook_that_raises_does_not_lose_the_exit():
    r = run_py(crash("""
        import threading
        def hook(args):
            raise RuntimeError("hook broke")
        threading.excepthook = hook
    """), timeout=60)
    go_report_ok(r)
    assert "gmp: the exception hook raised RuntimeError: hook broke" in r.stderr


@pytest.mark.parametrize("hang", ["while True: pass", "import time; time.sleep(3600)",
                                  "gmp.chan().recv()"])
def test_hook_that_hangs_does_not_lose_the_exit(hang):
    r = run_py(crash("""
        import threading, gmp, gmp.debug
        gmp.debug.set_crash_hook_timeout(0.5)
        def hook(args):
            print("hook started", flush=True)
            %s
        threading.excepthook = hook
    """ % hang), timeout=60)
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
    r = run_py("""
        import threading, gmp
        hooked = gmp.chan()
        release = gmp.chan()
        def hook(args):
            hooked.send(None)
            release.recv()              # parked until the watchdog fires
        threading.excepthook = hook
        gmp.debug.set_crash_hook_timeout(0.5)
        gmp.go(lambda: 1 / 0)
        hooked.recv()
        print("main returns", flush=True)
    """.replace("gmp.debug", "__import__('gmp.debug').debug"), timeout=60)
    assert r.returncode == 2, r.stderr
    assert "main returns" in r.stdout
    assert "panic: ZeroDivisionError: division by zero" in r.stderr
