"""Run by tests/test_fork.py::test_child_main_goroutine_panics
in a subprocess; argv[1] is GOMAXPROCS."""
from fork_prelude import *

res = gmp.chan()
def forker():
    pid = os.fork()
    if pid == 0:
        raise ValueError("boom in child")
    res.send(pid)
gmp.go(forker)
say("parent", reap(res.recv()))
