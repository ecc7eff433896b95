"""Run by tests/test_monkey.py::test_patched_sockets_leave_no_fd_or_registration_behind
in a subprocess; that test checks its output."""
import gmp.monkey
gmp.monkey.patch_socket()
import gmp, os, socket
from gmp import _core
_core._netpoll_init()
fds0 = len(os.listdir("/proc/self/fd"))
srv = socket.create_server(("127.0.0.1", 0))
port = srv.getsockname()[1]
def serve():
    while True:
        try:
            c, _ = srv.accept()
        except OSError:
            return
        with c:
            c.sendall(c.recv(100))
gmp.go(serve)
for i in range(50):
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"x%d" % i)
        assert s.recv(100) == b"x%d" % i
srv.close()
gmp.sleep(0.01)
print(len(os.listdir("/proc/self/fd")) - fds0, _core._netpoll_counts()["nwaiters"])
