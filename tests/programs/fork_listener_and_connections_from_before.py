"""Run by tests/test_fork.py::test_listener_and_connections_from_before_the_fork
in a subprocess; argv[1] is GOMAXPROCS."""
from fork_prelude import *

ln = gmp.net.listen("tcp", "127.0.0.1:0")
got = gmp.chan(1)
gmp.go(lambda: got.send(ln.accept()))
cli = gmp.net.dial("tcp", str(ln.addr))
srv = got.recv()
pid = os.fork()
if pid == 0:
    cli.close()                 # the child's copies only
    srv.close()
    with ln.accept() as c:      # serves one connection, then exits
        c.write(b"child:" + c.read(2))
    os._exit(0)
with gmp.net.dial("tcp", str(ln.addr)) as c:
    c.write(b"hi")
    say(c.read(8).decode())
say("parent", reap(pid))
srv.set_deadline(time.time() + 10)
cli.write(b"ping")
say(srv.read(4).decode())
cli.close(); srv.close(); ln.close()
