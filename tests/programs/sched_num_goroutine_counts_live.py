"""Run by tests/test_sched.py::test_num_goroutine_counts_live
in a subprocess; that test checks its output."""
import gmp
from gmp import runtime
release, wg = gmp.chan(), gmp.WaitGroup()
print(runtime.num_goroutine())
wg.add(10)
def f():
    wg.done()
    release.recv()
for _ in range(10):
    gmp.go(f)
wg.wait()
print(runtime.num_goroutine())
release.close()
while runtime.num_goroutine() > 1:
    gmp.sleep(0.001)
print(runtime.num_goroutine())
