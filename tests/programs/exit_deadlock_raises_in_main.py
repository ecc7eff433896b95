"""Run by tests/test_exit.py::test_deadlock_raises_in_main
in a subprocess; that test checks its output."""
import gmp
try:
    gmp.chan().recv()
except gmp.Deadlock as e:
    print("caught:", e)
