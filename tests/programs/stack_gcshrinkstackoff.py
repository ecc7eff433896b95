"""Run by tests/test_stack.py::test_gcshrinkstackoff
in a subprocess; that test checks its output."""
import gc, gmp
from gmp import _core
gate, shallow = gmp.chan(), gmp.chan()
def rec(n):
    if n == 0:
        return gate.recv()
    return rec(n - 1)
def worker():
    rec(120)
    shallow.recv()
gmp.go(worker)
while gmp._chan._recvq_len(gate) == 0:
    gmp.sleep(0.001)
g = [x for x in _core._allgs() if x is not _core._curg()][0]
gc.collect()
big = _core._gstack(g)[0]
gate.send(None)
while gmp._chan._recvq_len(shallow) == 0:
    gmp.sleep(0.001)
gc.collect(); gc.collect()
print(big, _core._gstack(g)[0], gmp.runtime.read_mem_stats()["num_stack_shrink"])
shallow.close()
