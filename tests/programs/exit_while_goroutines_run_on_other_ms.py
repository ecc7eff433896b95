"""Run by tests/test_exit.py::test_exit_while_goroutines_run_on_other_ms
in a subprocess; that test checks its output."""
import socket, sys, gmp, gmp.net as net
def spin():
    while True:
        sum(range(100))
def pingpong(a, b):
    while True:
        b.send(a.recv())
for _ in range(4):
    gmp.go(spin)
    a, b = gmp.chan(), gmp.chan()
    gmp.go(pingpong, a, b)
    gmp.go(pingpong, b, a)
    a.send(0)
x, y = socket.socketpair()
x.setblocking(False)
c = net.Conn(x, "unix")
gmp.go(c.read)
gmp.sleep(0.05)
print("bye", flush=True)
sys.exit(3)
