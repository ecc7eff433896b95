"""Run by tests/test_net.py::test_sysmon_polls_when_the_p_never_runs_dry
in a subprocess; that test checks its output."""
import socket, threading, gmp, gmp.net as net
from gmp import _core
a, b = socket.socketpair()
a.setblocking(False)
c = net.Conn(a, "unix")
stop = False
def busy():
    while not stop:
        gmp.runtime.gosched()
gmp.go(busy)
got = gmp.chan(1)
gmp.go(lambda: got.send(c.read()))
while _core._netpoll_counts()["nwaiters"] < 1:
    gmp.runtime.gosched()
threading.Thread(target=b.send, args=(b"ping",)).start()
print(got.recv())
stop = True
