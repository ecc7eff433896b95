"""Run by tests/test_exit.py::test_panic_traceback_elides_frames_past_100_as_go
in a subprocess; that test checks its output."""
import gmp
def r(n):
    return r(n + 1)
gmp.go(r, 0)
gmp.sleep(5)
