"""Run by tests/test_dump.py::test_panic_with_gotraceback_all_shows_other_goroutines
in a subprocess: a goroutine panics while another one is parked."""
import gmp
c = gmp.chan()
def bystander():
    c.recv()
def boom():
    raise ValueError("boom")
gmp.go(bystander)
gmp.sleep(0.01)
gmp.go(boom)
c.recv()
