"""Run by tests/test_syscall.py::test_deadlock_still_detected_with_idle_helpers
in a subprocess; that test checks its output."""
import gmp
gmp.syscall(lambda: None)        # leaves an idle helper thread behind
try:
    gmp.chan().recv()
except gmp.Deadlock as e:
    print("caught:", e)
