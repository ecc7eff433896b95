"""Run by tests/test_park_protocol.py::test_interrupt_losing_to_a_partner_keeps_the_value
in a subprocess; that test checks its output.

argv[1] says where the partner runs:
- "m0": on M0, the main thread (it re-spawns itself until it lands there).
  main, readied by the send, cannot run again before the SIGINT is handled
  (the handler runs on M0, in the partner), so the receive must return the
  value and the KeyboardInterrupt must come at main's next park.
- "other": on another M (GOMAXPROCS >= 2). M0 may resume main before the
  signal arrives; Python then raises the KeyboardInterrupt wherever main's
  code is, possibly right after recv() returned (the value is dropped by
  Python, as for queue.Queue.get). What the runtime owes: the interrupt is
  raised once, and never from inside gmp's receive once the value was
  handed over. The program prints the traceback's frames for the test."""
import os, signal, sys, threading, traceback
import gmp

where = sys.argv[1]
c = gmp.chan()
got = []
frames = []


def partner():
    onm0 = threading.current_thread() is threading.main_thread()
    if onm0 != (where == "m0"):
        gmp.go(partner)
        gmp.sleep(0.001)
        return
    while gmp._chan._recvq_len(c) == 0:
        gmp.sleep(0.0005)
    c.send("value")                     # readies main (claimed) ...
    os.kill(os.getpid(), signal.SIGINT) # ... then the interrupt comes
    gmp.sleep(0.05)
    c.send("second")


def recv():
    try:
        got.append(c.recv())
    except KeyboardInterrupt as e:
        got.append("KI")
        frames.append([f.name for f in traceback.extract_tb(e.__traceback__)])


gmp.go(partner)
recv()
if got[0] != "KI":
    recv()
recv()
print(got)
print(frames)
