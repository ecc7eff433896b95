"""Run by tests/test_crash_hooks.py::test_sys_excepthook_is_called_when_threading_hook_is_default
in a subprocess: sets sys.excepthook, then a goroutine panics."""
import sys
def hook(t, v, tb):
    print("syshook:", t.__name__, v, tb is not None, flush=True)
sys.excepthook = hook
import gmp
done = gmp.chan()
def boom():
    raise ValueError("bad thing")
gmp.go(boom)
done.recv()
