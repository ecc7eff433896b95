"""Run by tests/test_monkey.py::test_socketserver_stream_handler_echo_with_plain_socket_clients
in a subprocess; that test checks its output."""
from monkey_mixin import *
class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line.upper())

class GoServer(GoroutineMixIn, socketserver.TCPServer):
    allow_reuse_address = True

fds0 = len(os.listdir("/proc/self/fd"))
srv = GoServer(("127.0.0.1", 0), Echo)
addr = srv.server_address
gmp.go(srv.serve_forever, 0.05)
res = []
def client(i):
    with socket.create_connection(addr, timeout=30) as s:
        f = s.makefile("rwb")
        for k in range(20):
            f.write(b"line %d %d\n" % (i, k))
            f.flush()
            res.append(f.readline() == b"LINE %d %d\n" % (i, k))
        f.close()
fanout(200, client)
print(len(res), all(res))
