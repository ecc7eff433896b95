"""Run by tests/test_preempt.py::test_preemption_keeps_a_debuggers_opcode_tracing
in a subprocess; that test checks its output."""
import sys, time, gmp
from gmp import _core
nopcode = [0]
def tracer(frame, event, arg):
    if event == "opcode":
        nopcode[0] += 1
    return tracer
out = gmp.chan(1)
def spinner():
    sys.settrace(tracer)
    f = sys._getframe()
    f.f_trace = tracer
    f.f_trace_opcodes = True
    t = time.monotonic()
    while _core._preempt_counts()[1] < 20:
        if time.monotonic() - t > 20:
            break
    kept = sys.gettrace() is tracer
    sys.settrace(None)
    f.f_trace_opcodes = False
    out.send(kept)
gmp.go(spinner)
print(out.recv(), _core._preempt_counts()[1] >= 20, nopcode[0] > 0)
