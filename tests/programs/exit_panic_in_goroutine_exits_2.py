"""Run by tests/test_exit.py::test_panic_in_goroutine_exits_2
in a subprocess; that test checks its output."""
import gmp
def boom():
    raise ValueError("bad thing")
gmp.go(boom)
gmp.sleep(1)
print("not reached")
