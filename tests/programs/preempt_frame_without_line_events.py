"""Run by tests/test_preempt.py::test_loop_in_a_frame_without_line_events_is_preempted
in a subprocess; that test checks its output."""
import sys, gmp
from gmp import _core
events, frames = [], []
def tracer(frame, event, arg):
    events.append(event)
    frame.f_trace_lines = False
    return tracer
def spin():
    f = sys._getframe()
    frames.append(f)
    f.f_trace = tracer
    f.f_trace_lines = False
    sys.settrace(tracer)
    n = 0
    while True:
        n += 1
gmp.go(spin)
while _core._preempt_counts()[1] < 5:
    gmp.sleep(0.001)
print(frames[0].f_trace_lines, frames[0].f_trace_opcodes,
      "line" in events or "opcode" in events)
