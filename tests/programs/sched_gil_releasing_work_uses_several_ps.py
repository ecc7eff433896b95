"""Run by tests/test_sched.py::test_gil_releasing_work_uses_several_ps
in a subprocess; that test checks its output."""
import gmp, hashlib, threading
gmp.runtime.gomaxprocs(2)
buf = b"x" * (1 << 20)
out = gmp.chan(64)
tids = set()
def f():
    tids.add(threading.get_ident())
    out.send(hashlib.sha256(buf).hexdigest())
for _ in range(64):
    gmp.go(f)
res = {out.recv() for _ in range(64)}
print(len(res), len(tids))
