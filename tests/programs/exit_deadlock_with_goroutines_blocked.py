"""Run by tests/test_exit.py::test_deadlock_with_goroutines_blocked
in a subprocess; that test checks its output."""
import gmp
a, b = gmp.chan(), gmp.chan()
gmp.go(lambda: a.send(b.recv()))
a.recv()
