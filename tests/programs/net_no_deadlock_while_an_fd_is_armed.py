"""Run by tests/test_net.py::test_no_deadlock_report_while_an_fd_is_armed
in a subprocess; that test checks its output."""
import os, socket, subprocess, sys, gmp, gmp.net as net
a, b = socket.socketpair()
a.setblocking(False)
child = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(__file__), "net_late_writer.py"),
                          str(b.fileno())], pass_fds=[b.fileno()])
b.close()
c = net.Conn(a, "unix")
print(c.read().decode(), flush=True)
child.wait()
gmp.chan().recv()
