"""Run by tests/test_crash_hooks.py::test_hook_that_raises_does_not_lose_the_exit
in a subprocess: threading.excepthook raises, then a goroutine panics."""
import threading
def hook(args):
    raise RuntimeError("hook broke")
threading.excepthook = hook
import gmp
done = gmp.chan()
def boom():
    raise ValueError("bad thing")
gmp.go(boom)
done.recv()
