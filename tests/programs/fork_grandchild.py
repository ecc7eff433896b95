"""Run by tests/test_fork.py::test_grandchild
in a subprocess; argv[1] is GOMAXPROCS."""
from fork_prelude import *

pid = os.fork()
if pid == 0:
    gmp.go(lambda: gmp.sleep(10))
    pid2 = os.fork()
    if pid2 == 0:
        childwork("grandchild")
        os._exit(0)
    say("child", reap(pid2, busy=False))  # the pair is not in the child
    os._exit(0)
say("parent", reap(pid))
