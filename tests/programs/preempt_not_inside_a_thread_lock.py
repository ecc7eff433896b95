"""Run by tests/test_preempt.py::test_no_preemption_inside_stdlib_code_holding_a_thread_lock
in a subprocess; that test checks its output."""
import queue, time, gmp
from gmp import _core
q = queue.Queue()
def seen():
    req, yields, armed, declined = _core._preempt_counts()
    return yields > 0 and declined > 0

def hammer():
    # at least 0.3 s, then until preemption has been both taken and
    # declined (a loaded machine may need longer), 20 s at most
    t = time.monotonic()
    n = 0
    while True:
        for _ in range(1000):
            q.put(n)
            q.get()
            n += 1
        d = time.monotonic() - t
        if d > 20 or (d > 0.3 and seen()):
            break
wg = gmp.WaitGroup()
wg.add(2)
for _ in range(2):
    gmp.go(lambda: (hammer(), wg.done()))
wg.wait()
req, yields, armed, declined = _core._preempt_counts()
print("done", yields > 0, declined > 0)
