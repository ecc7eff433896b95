"""Run by tests/test_monkey.py::test_urllib_in_1000_goroutines_against_a_socketserver_in_goroutines
in a subprocess; that test checks its output."""
from monkey_http import *
fds0 = len(os.listdir("/proc/self/fd"))
srv = GoHTTPServer(("127.0.0.1", 0), Hello)
port = srv.server_address[1]
gmp.go(srv.serve_forever, 0.05)
ok = []
def client(i):
    with urllib.request.urlopen("http://127.0.0.1:%d/%d" % (port, i), timeout=30) as r:
        ok.append(r.status == 200 and r.read() == b"hello /%d" % i)
fanout(1000, client)
print(len(ok), all(ok))
