"""Run by tests/test_tchan.py: SIGINT into the main goroutine while it is
parked inside recv_into, then inside send_array, after part of the transfer
went through. The KeyboardInterrupt carries e.transferred, and what it
counts is exactly what moved: nothing is lost or sent twice."""
import os
import signal
import threading

import numpy as np

import gmp
from gmp import _chan

ch = gmp.chan(0, dtype="i8")
half = gmp.chan()


def interrupt_when(cond):
    def run():
        while not cond():
            threading.Event().wait(0.001)
        os.kill(os.getpid(), signal.SIGINT)
    threading.Thread(target=run).start()


# recv_into: 5 of 10 arrive, then the receive waits for the 6th
def producer():
    for i in range(5):
        ch.send(i)
    half.send(None)             # parks until main, interrupted, takes it
    for i in range(5, 10):
        ch.send(i)


gmp.go(producer)
out = np.full(10, -1, np.int64)
interrupt_when(lambda: _chan._sendq_len(half) == 1 and _chan._recvq_len(ch) == 1)
try:
    ch.recv_into(out)
    print("not interrupted")
except KeyboardInterrupt as e:
    k = e.transferred
    print("recv_into", k, out[:k].tolist(), out[k:].tolist())
half.recv()
rest = np.zeros(5, np.int64)
print("rest", ch.recv_into(rest), rest.tolist())

# send_array: 3 of 8 taken, then the send waits for a receiver
got = []


def consumer():
    for _ in range(3):
        got.append(ch.recv())
    half.send(None)
    got.extend(ch.recv() for _ in range(5))
    half.send(None)


gmp.go(consumer)
interrupt_when(lambda: _chan._sendq_len(half) == 1 and _chan._sendq_len(ch) == 1)
try:
    ch.send_array(np.arange(8))
    print("not interrupted")
except KeyboardInterrupt as e:
    k = e.transferred
    print("send_array", k, got)
half.recv()
ch.send_array(np.arange(k, 8))  # the rest, sent again
half.recv()
print("consumer", got)
