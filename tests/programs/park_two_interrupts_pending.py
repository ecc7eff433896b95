"""Run by tests/test_park_protocol.py::test_two_interrupts_pending_both_surface
in a subprocess; that test checks its output."""
import os, signal, gmp
c = gmp.chan()
def partner():
    while gmp._chan._recvq_len(c) == 0:
        gmp.sleep(0.0005)
    c.send("value")
    os.kill(os.getpid(), signal.SIGINT)
    os.kill(os.getpid(), signal.SIGINT)
    while gmp._chan._recvq_len(c) == 0:
        gmp.sleep(0.0005)
    c.send("second")
gmp.go(partner)
got = [c.recv()]
while len(got) < 4:
    try:
        got.append(c.recv())
    except KeyboardInterrupt:
        got.append("KI")
print(got)
