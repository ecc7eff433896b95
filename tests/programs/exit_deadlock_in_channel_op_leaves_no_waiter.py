"""Run by tests/test_exit.py::test_deadlock_in_channel_op_leaves_no_waiter_behind
in a subprocess: argv[1] names the channel operation that deadlocks."""
import sys

import gmp

op = sys.argv[1]
c = gmp.chan()
try:
    if op == "c.send('stale')":
        c.send('stale')
    elif op == "c.recv()":
        c.recv()
    else:
        sys.exit("unknown op " + op)
except gmp.Deadlock:
    pass
print(gmp._chan._sendq_len(c), gmp._chan._recvq_len(c))
gmp.go(c.send, "fresh")
print(c.recv())
