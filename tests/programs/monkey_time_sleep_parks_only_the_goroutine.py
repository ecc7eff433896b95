"""Run by tests/test_monkey.py::test_time_sleep_parks_only_the_goroutine
in a subprocess; that test checks its output."""
import gmp.monkey
gmp.monkey.patch_time()
import gmp, threading, time
from gmp import _core
order = []
def sleeper():
    time.sleep(0.2)
    order.append("sleeper")
def worker():
    for _ in range(5):
        gmp.sleep(0)
    order.append("worker")
wg = gmp.WaitGroup()
wg.add(2)
gmp.go(lambda: (sleeper(), wg.done()))
gmp.go(lambda: (worker(), wg.done()))
# the sleeper is parked in gmp's sleep (a goroutine dump says so)
while "[sleep]" not in gmp.runtime.stack(all=True):
    gmp.sleep(0.001)
wg.wait()
# a plain thread still gets the real time.sleep
box = []
t = threading.Thread(target=lambda: (time.sleep(0.01), box.append(_core.in_goroutine())))
t.start(); t.join()
print(order, box, time.sleep.__wrapped__ is not time.sleep)
