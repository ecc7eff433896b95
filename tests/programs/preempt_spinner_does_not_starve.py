"""Run by tests/test_preempt.py::test_spinner_does_not_starve_another_goroutine
in a subprocess; that test checks its output."""
import gmp
from gmp import _core
def spin():
    n = 0
    while True:
        n += 1
done = gmp.chan()
def other():
    for i in range(5):
        gmp.sleep(0.001)
    done.send("finished")
gmp.go(spin)
gmp.go(other)
print(done.recv())
req, yields, armed, declined = _core._preempt_counts()
print(yields > 0, armed)
