"""Run by tests/test_fork.py::test_child_cannot_touch_the_parents_poller_before_its_runtime_is_rebuilt
in a subprocess; argv[1] is GOMAXPROCS."""
import os
early = []
os.register_at_fork(after_in_child=lambda: [c.close() for c in early])
from fork_prelude import *

ln = gmp.net.listen("tcp", "127.0.0.1:0")
got = gmp.chan(1)
gmp.go(lambda: got.send(ln.accept()))
cli = gmp.net.dial("tcp", str(ln.addr))
srv = got.recv()
early.append(srv)
pid = os.fork()
if pid == 0:
    os._exit(0)
say("parent", reap(pid))
srv.set_deadline(time.time() + 10)
res = gmp.chan(1)
def reader():
    try:
        res.send(srv.read(4).decode())
    except Exception as e:
        res.send(repr(e))
gmp.go(reader)
while gmp._core._netpoll_counts()["nwaiters"] < 1:
    gmp.sleep(0.001)
cli.write(b"ping")
say(res.recv())
cli.close(); srv.close(); ln.close()
