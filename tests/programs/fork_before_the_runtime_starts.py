"""Run by tests/test_fork.py::test_fork_before_the_runtime_starts
in a subprocess; argv[1] is GOMAXPROCS."""
BUSY = False            # the prelude starts no goroutines
from fork_prelude import *

ln = gmp.net.listen("tcp", "127.0.0.1:0")
pid = os.fork()
if pid == 0:
    gmp.go(lambda: ln.accept().write(b"ok"))
    with gmp.net.dial("tcp", str(ln.addr)) as c:
        say("child", c.read(2).decode())
    os._exit(0)
say("parent", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
say("parent started:", gmp._core._started())
