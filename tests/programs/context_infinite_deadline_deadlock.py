"""Run by tests/test_context.py::test_infinite_deadline_alone_is_a_deadlock_not_a_hang
in a subprocess; that test checks its output."""
import math, gmp
from gmp import context
ctx, cancel = context.with_deadline(context.background(), math.inf)
ctx.done().recv()
