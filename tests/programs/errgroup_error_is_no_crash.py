"""Run by tests/test_errgroup.py::test_error_goes_to_the_group_not_the_crash_handler
in a subprocess; that test checks its output."""
import gmp
g = gmp.sync.ErrGroup()
g.go(lambda: 1 / 0)
try:
    g.wait()
except ZeroDivisionError:
    print("caught")
