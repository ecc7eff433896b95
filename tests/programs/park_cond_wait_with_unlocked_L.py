"""Run by tests/test_park_protocol.py::test_cond_wait_with_unlocked_L_leaves_no_stale_waiter
in a subprocess: argv[1] is the Cond's L ("gmp.Mutex()" or "threading.Lock()"),
argv[2] how main then waits on a channel (recv_ok, select, recv_nowait_loop)."""
import sys
import threading, gmp
lock, wait = sys.argv[1:3]
L = {"gmp.Mutex()": gmp.Mutex, "threading.Lock()": threading.Lock}[lock]()
cond = gmp.sync.Cond(L)
try:
    cond.wait()             # L not held: the unlock raises
except (gmp.Panic, RuntimeError) as e:
    print("raised:", type(e).__name__)
c = gmp.chan()
def partner():
    gmp._chan  # noqa
    while gmp._chan._recvq_len(c) == 0:
        gmp.sleep(0.001)
    cond.signal()           # must not wake main: it never waited
    cond.broadcast()
    gmp.sleep(0.01)
    c.send("value")
gmp.go(partner)
if wait == "recv_ok":
    print(c.recv_ok())
elif wait == "select":
    print(gmp.select(c.recv, gmp.nilchan.recv))
elif wait == "recv_nowait_loop":
    print(next(iter(c)))
else:
    sys.exit("unknown wait " + wait)
