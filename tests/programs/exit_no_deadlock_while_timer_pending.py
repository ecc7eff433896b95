"""Run by tests/test_exit.py::test_no_deadlock_while_timer_pending
in a subprocess; that test checks its output."""
import gmp
c = gmp.chan()
gmp.after_func(0.05, lambda: c.send("late"))
print(c.recv())
