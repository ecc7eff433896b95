"""Run by tests/test_exit.py::test_runtime_panic_message
in a subprocess; that test checks its output."""
import gmp
c = gmp.chan(); c.close()
gmp.go(c.close)
gmp.sleep(1)
