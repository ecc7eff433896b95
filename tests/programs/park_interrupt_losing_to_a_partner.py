"""Run by tests/test_park_protocol.py::test_interrupt_losing_to_a_partner_keeps_the_value
in a subprocess; that test checks its output."""
import os, signal, gmp
c = gmp.chan()
got = []
def partner():
    while gmp._chan._recvq_len(c) == 0:
        gmp.sleep(0.0005)
    c.send("value")                     # readies main (claimed) ...
    os.kill(os.getpid(), signal.SIGINT) # ... then the interrupt comes
    gmp.sleep(0.05)
    c.send("second")
gmp.go(partner)
got.append(c.recv())
try:
    got.append(c.recv())
except KeyboardInterrupt:
    got.append("KI")
got.append(c.recv())
print(got)
