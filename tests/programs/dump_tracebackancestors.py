"""Run by tests/test_dump.py::test_tracebackancestors_shows_the_creation_chain
in a subprocess; the test reads the line numbers of the gmp.go calls here."""
import gmp
c = gmp.chan()
def leaf():
    c.recv()
def mid():
    gmp.go(leaf)
    c.recv()
def top():
    gmp.go(mid)
    c.recv()
gmp.go(top)
gmp.sleep(0.02)
print(gmp.runtime.stack(all=True))
c.close()
