"""Run by tests/test_runq.py::test_global_queue_fairness_tick
in a subprocess; that test checks its output."""
import gmp
from gmp import _core
gmp.runtime.gomaxprocs(1)
done = []
for i in range(300):                 # 129 of them overflow to the global queue
    gmp.go(done.append, i)
a, b = gmp.chan(), gmp.chan()
def pong():
    for v in a:
        b.send(v)
gmp.go(pong)
import time
deadline = time.monotonic() + 20
n = 0
while len(done) < 300 and time.monotonic() < deadline:
    a.send(n); b.recv(); n += 1
print(len(done), n > 0)
