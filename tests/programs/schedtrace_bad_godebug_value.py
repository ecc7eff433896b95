"""Run by tests/test_schedtrace.py::test_bad_godebug_value_warns_and_runs
in a subprocess; that test checks its output."""
import gmp
c = gmp.chan(1); c.send(1); print(c.recv())
