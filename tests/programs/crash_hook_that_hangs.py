"""Run by tests/test_crash_hooks.py::test_hook_that_hangs_does_not_lose_the_exit
in a subprocess: threading.excepthook hangs as argv[1] says (spin, sleep or
chan), then a goroutine panics."""
import sys, threading, gmp, gmp.debug
gmp.debug.set_crash_hook_timeout(0.5)
HOW = sys.argv[1]
def hook(args):
    print("hook started", flush=True)
    if HOW == "spin":
        while True: pass
    elif HOW == "sleep":
        import time; time.sleep(3600)
    else:
        gmp.chan().recv()
threading.excepthook = hook
import gmp
done = gmp.chan()
def boom():
    raise ValueError("bad thing")
gmp.go(boom)
done.recv()
