"""Run by tests/test_sched.py::test_stress_gomaxprocs4_checksum
in a subprocess; that test checks its output."""
import gmp, threading
from gmp import runtime
runtime.gomaxprocs(4)
jobs, results = gmp.chan(256), gmp.chan(256)
seen = set()
def worker():
    seen.add(threading.get_ident())
    for j in jobs:
        results.send(j * 3 + 1)
for _ in range(16):
    gmp.go(worker)
N = 200000
def producer():
    for i in range(N):
        jobs.send(i)
    jobs.close()
gmp.go(producer)
# M0 blocks in a plain (GIL-releasing) call: its unstarted goroutines
# must be stolen and run by the other Ms meanwhile
import time; time.sleep(0.2)
total = 0
for _ in range(N):
    total += results.recv()
print(total == sum(i * 3 + 1 for i in range(N)),
      len(seen - {threading.main_thread().ident}))
