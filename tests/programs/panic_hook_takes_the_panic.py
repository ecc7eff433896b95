"""Run by tests/test_pytest_panic.py::test_a_hook_that_takes_it_gets_gos_report_and_the_program_goes_on
in a subprocess; that test checks its output."""
import gmp
from gmp import _core
got = []
assert _core._set_panic_hook(lambda goid, e, report: got.append((goid, e, report)) or True) is None
c = gmp.chan()
def boom():
    try:
        raise ValueError("x")
    finally:
        c.send("finally ran")
gmp.go(boom)
print(c.recv())
while gmp.runtime.num_goroutine() > 1:
    gmp.sleep(0.001)
(goid, e, report), = got
print(goid, repr(e), report.splitlines()[0])
print("goroutine %d [running]:" % goid in report)
print(_core._throw_main(e))         # no window open: nothing delivered
gmp.sleep(0.001)
print("still running")
