"""Run by tests/test_tchan.py with GOMAXPROCS=2 and GMPDEBUG=gilaware=0: a
goroutine on another M than the main goroutine parks inside send_array on a
full typed channel; meanwhile the main goroutine, on its own P, runs Python
code; then the rest of the array arrives in order. Prints "ok"."""
import threading
import time

import numpy as np

import gmp
from gmp import _chan

MAIN = threading.get_ident()
N = 100_000
c = gmp.chan(8, dtype="i8")
where = gmp.chan(1)
src = np.arange(N, dtype=np.int64)


def sender():
    if threading.get_ident() == MAIN:
        where.send(None)                    # landed on M0: try again
        return
    where.send(threading.get_ident())
    c.send_array(src)
    c.close()


tid = None
for _ in range(200):
    gmp.go(sender)
    gmp.go(lambda: None)                    # takes runnext: sender goes to the stealable ring
    t0 = time.monotonic()
    while time.monotonic() - t0 < 0.002:
        time.sleep(0.0002)                  # P0 busy: an idle M steals the sender
    tid = where.recv()
    if tid is not None:
        break
assert tid is not None, "the sender never ran on another M"
while _chan._sendq_len(c) == 0:             # parked inside send_array: the ring is full
    time.sleep(0.0005)
assert len(c) == 8
# Python on the main goroutine's P while the sender waits inside send_array
acc = 0
for i in range(200000):
    acc += i * i
assert _chan._sendq_len(c) == 1 and len(c) == 8, "the sender left send_array"
out = np.empty(N + 1, np.int64)
k = c.recv_into(out)
assert k == N and (out[:N] == src).all(), (k, out[:10])
print("ok")
