"""Run by tests/test_exit.py::test_deadlock_several_ps
in a subprocess; that test checks its output."""
import gmp
wg = gmp.WaitGroup(); wg.add(1)
for _ in range(8):
    gmp.go(gmp.chan().recv)
try:
    wg.wait()
except gmp.Deadlock as e:
    print("caught:", e)
