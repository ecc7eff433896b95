"""Run by tests/test_park_protocol.py::test_panic_whose_str_raises_is_still_reported
in a subprocess; that test checks its output."""
import gmp
class E(Exception):
    def __str__(self):
        raise ValueError("no text")
def worker():
    raise E()
gmp.go(worker)
gmp.sleep(5)
