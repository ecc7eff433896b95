"""Run by tests/test_fork.py::test_parent_goroutines_keep_their_finally_and_values
in a subprocess; argv[1] is GOMAXPROCS."""
from fork_prelude import *

unbuf = gmp.chan()
def receiver():
    try:
        say("got", unbuf.recv())
    finally:
        say("finally")
gmp.go(receiver)
while gmp._chan._recvq_len(unbuf) < 1:
    gmp.sleep(0.001)
pid = os.fork()
if pid == 0:
    say("child", gmp.select((unbuf.send, "x"), gmp.default))
    os._exit(0)
say("parent", reap(pid))
unbuf.send("p")
while gmp.runtime.num_goroutine() > 3:
    gmp.sleep(0.001)
