"""Run by tests/test_syscall.py::test_dump_shows_syscall_and_no_false_deadlock
in a subprocess; that test checks its output."""
import gmp, time
print(gmp.syscall(time.sleep, 0.2) is None)
c = gmp.chan()
gmp.go(lambda: c.send(gmp.syscall(time.sleep, 0.1)))
print(c.recv() is None)
