"""Run by tests/test_preempt.py::test_asyncpreemptoff_disables_it
in a subprocess; that test checks its output."""
import time, gmp
from gmp import _core
order = []
def spin():
    t = time.monotonic()
    while time.monotonic() - t < 0.1:
        pass
    order.append("spin done")
def sleeper():
    gmp.sleep(0.001)
    order.append("sleeper ran")
done = gmp.WaitGroup()
done.add(2)
gmp.go(lambda: (sleeper(), done.done()))
gmp.go(lambda: (spin(), done.done()))
done.wait()
print(order, _core._preempt_counts()[:2])
