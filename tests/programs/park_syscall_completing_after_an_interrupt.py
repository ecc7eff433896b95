"""Run by tests/test_park_protocol.py::test_syscall_completing_after_an_interrupt_wakes_nobody
in a subprocess: a gmp.syscall is interrupted by SIGINT, then main waits on a
channel as argv[1] says (recv_ok or select) while the helper finishes."""
import sys
import os, signal, threading, time, gmp
wait = sys.argv[1]
c = gmp.chan()
def kill_when_parked():
    while "[syscall" not in gmp.runtime.stack(all=True):
        time.sleep(0.001)
    os.kill(os.getpid(), signal.SIGINT)
threading.Thread(target=kill_when_parked).start()
try:
    gmp.syscall(time.sleep, 0.2)
except KeyboardInterrupt:
    print("interrupted")
def sender():
    gmp.sleep(0.5)              # after the helper finished its sleep
    c.send("value")
gmp.go(sender)
if wait == "recv_ok":
    print(c.recv_ok())
elif wait == "select":
    print(gmp.select(c.recv, gmp.nilchan.recv))
else:
    sys.exit("unknown wait " + wait)
