"""Run by tests/test_fork.py::test_child_runs_to_the_end_of_the_program
in a subprocess; argv[1] is GOMAXPROCS."""
from fork_prelude import *

# CPython's own: a child that exits normally waits for ever on the
# watchdog thread of dump_traceback_later, which it does not have
faulthandler.cancel_dump_traceback_later()
pid = os.fork()
c = gmp.chan()
gmp.go(c.send, os.getpid())
say("child" if pid == 0 else "parent", c.recv() == os.getpid(), settle(1 if pid == 0 else 3))
if pid:
    say("reaped", reap(pid))
