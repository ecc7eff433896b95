"""Run by tests/test_runq.py::test_runnext_and_overflow_to_global
in a subprocess; that test checks its output."""
import gmp
from gmp import _core
gmp.runtime.gomaxprocs(1)
for i in range(300):
    gmp.go(lambda: None)
print(_core._p_has_runnext(0), _core._p_runq_len(0), _core._glob_len())
while gmp.runtime.num_goroutine() > 1:
    gmp.sleep(0.001)
print(_core._p_runq_len(0), _core._glob_len(), gmp.runtime.num_goroutine())
