"""Run by tests/test_crash_hooks.py::test_main_returning_while_the_hook_runs_does_not_change_the_status
in a subprocess: the main goroutine returns while the crash hook is parked."""
import threading, gmp, gmp.debug
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
