"""Run by tests/test_park_protocol.py::test_deadlock_still_reported_with_only_default_handlers
in a subprocess; that test checks its output."""
import signal, gmp
signal.signal(signal.SIGUSR1, signal.SIG_IGN)
try:
    gmp.chan().recv()
except gmp.Deadlock as e:
    print("caught:", e)
