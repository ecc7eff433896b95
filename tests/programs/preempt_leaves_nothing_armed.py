"""Run by tests/test_preempt.py::test_preemption_leaves_nothing_armed
in a subprocess; that test checks its output."""
import sys, gmp
from gmp import _core
stop = False
def spin():
    n = 0
    while not stop:
        n += 1
gmp.go(spin)
for _ in range(5):
    gmp.sleep(0.02)
stop = True
gmp.sleep(0.02)
req, yields, armed, declined = _core._preempt_counts()
print(yields >= 1, armed, sys.gettrace())
if sys.version_info >= (3, 13):
    mon = sys.monitoring
    tools = [t for t in range(6) if mon.get_tool(t) == "gmp-preempt"]
    print([mon.get_local_events(t, spin.__code__) for t in tools])
else:
    print([0])
