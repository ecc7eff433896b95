"""Run by tests/test_fork.py::test_fork_from_main_goroutine
in a subprocess; argv[1] is GOMAXPROCS."""
from fork_prelude import *

pid = os.fork()
if pid == 0:
    childwork("child")
    os._exit(0)
say("parent", reap(pid), settle(3))
