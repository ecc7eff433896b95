"""Run by tests/test_preempt.py::test_one_line_loop_is_disarmed_and_its_trace_function_sees_nothing_of_it
in a subprocess; that test checks its output."""
import sys, gmp
from gmp import _core
events, frames = [], []
def tracer(frame, event, arg):
    events.append(event)
    return tracer
def spin():
    sys.settrace(tracer)
    frames.append(sys._getframe())
    frames[0].f_trace = tracer
    while True: pass
gmp.go(spin)
while _core._preempt_counts()[1] < 5:
    gmp.sleep(0.001)
# the spinner is suspended in the hook, which has disarmed itself
print(frames[0].f_trace_opcodes, "opcode" in events, _core._preempt_counts()[2])
