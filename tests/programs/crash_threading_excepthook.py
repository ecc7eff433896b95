"""Run by tests/test_crash_hooks.py::test_threading_excepthook_is_called
in a subprocess: sets threading.excepthook and an atexit function, then a goroutine panics."""
import threading, sys, atexit
atexit.register(lambda: print("atexit ran", flush=True))
def hook(args):
    print("hook:", args.exc_type.__name__, args.exc_value,
          args.exc_traceback is not None, args.thread is threading.current_thread(),
          flush=True)
threading.excepthook = hook
import gmp
done = gmp.chan()
def boom():
    raise ValueError("bad thing")
gmp.go(boom)
done.recv()
