"""Run by tests/test_preempt.py::test_preemption_keeps_the_goroutines_trace_function
in a subprocess; that test checks its output."""
import sys, time, gmp
from gmp import _core
seen = []
def tracer(frame, event, arg):
    seen.append(event)
    return tracer
def spinner():
    sys.settrace(tracer)
    t = time.monotonic()
    while time.monotonic() - t < 0.2 or _core._preempt_counts()[1] == 0:
        if time.monotonic() - t > 20:
            break
    kept = sys.gettrace() is tracer
    n = len(seen)
    (lambda: None)()
    traced = len(seen) > n
    sys.settrace(None)
    out.send((kept, traced))
out = gmp.chan(1)
gmp.go(spinner)
kept, traced = out.recv()
print(kept, traced, _core._preempt_counts()[1] > 0)
