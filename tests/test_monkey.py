"""gmp.monkey: unmodified stdlib clients and servers in goroutines.

Patching is process-wide, so every case runs in a fresh interpreter."""
from gmptest import run_py

GO_MIXIN = """
import gmp.monkey
gmp.monkey.patch_all()
import gmp, os, socket, socketserver

class GoroutineMixIn:
    # socketserver-style: one goroutine per request instead of a thread
    request_queue_size = 4096
    def process_request(self, request, client_address):
        gmp.go(self._handle, request, client_address)
    def _handle(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        finally:
            self.shutdown_request(request)

def fanout(n, client):
    # client(i) in n goroutines; returns once all have finished
    wg = gmp.WaitGroup()
    def run(i):
        try:
            client(i)
        finally:
            wg.done()
    for i in range(n):
        wg.add(1)
        gmp.go(run, i)
    wg.wait()
"""

HTTP_SERVER = GO_MIXIN + """
import http.server, threading, time, urllib.request, http.client

class GoHTTPServer(GoroutineMixIn, http.server.HTTPServer):
    pass

class Hello(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = ("hello %s" % self.path).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
"""


def test_urllib_in_1000_goroutines_against_a_socketserver_in_goroutines():
    r = run_py(HTTP_SERVER + """
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
""", env={"GOMAXPROCS": "2"}, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split() == ["1000", "True"]


def test_http_client_keepalive_goroutines_against_a_server_on_a_plain_thread():
    # the server runs on a plain thread: its (patched) sockets block that
    # thread as before; the clients are goroutines sharing one P
    r = run_py(HTTP_SERVER + """
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
srv.daemon_threads = True
port = srv.server_address[1]
threading.Thread(target=srv.serve_forever, daemon=True).start()
got = []
def client(i):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for k in range(10):
        c.request("GET", "/%d/%d" % (i, k))
        resp = c.getresponse()
        got.append(resp.read() == b"hello /%d/%d" % (i, k))
    c.close()
fanout(50, client)
srv.shutdown()
print(len(got), all(got))
""", env={"GOMAXPROCS": "1"}, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split() == ["500", "True"]


def test_socketserver_stream_handler_echo_with_plain_socket_clients():
    r = run_py(GO_MIXIN + """
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
            f.write(b"line %d %d\\n" % (i, k))
            f.flush()
            res.append(f.readline() == b"LINE %d %d\\n" % (i, k))
        f.close()
fanout(200, client)
print(len(res), all(res))
""", env={"GOMAXPROCS": "2"}, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split() == ["4000", "True"]


def test_time_sleep_parks_only_the_goroutine():
    r = run_py("""
import gmp.monkey
gmp.monkey.patch_time()
import gmp, threading, time
from gmp import _core
order = []
def sleeper():
    time.sleep(0.2)
    order.append("sleeper")
def worker():
    for _ in range(5):
        gmp.sleep(0)
    order.append("worker")
wg = gmp.WaitGroup()
wg.add(2)
gmp.go(lambda: (sleeper(), wg.done()))
gmp.go(lambda: (worker(), wg.done()))
# the sleeper is parked in gmp's sleep (a goroutine dump says so)
while "[sleep]" not in gmp.runtime.stack(all=True):
    gmp.sleep(0.001)
wg.wait()
# a plain thread still gets the real time.sleep
box = []
t = threading.Thread(target=lambda: (time.sleep(0.01), box.append(_core.in_goroutine())))
t.start(); t.join()
print(order, box, time.sleep.__wrapped__ is not time.sleep)
""", env={"GOMAXPROCS": "1"})
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == "['worker', 'sleeper'] [False] True"


def test_socket_timeouts_and_nonblocking_keep_their_meaning():
    r = run_py("""
import gmp.monkey
gmp.monkey.patch_socket()
import gmp, socket, threading
def check(tag):
    a, b = socket.socketpair()
    try:
        a.settimeout(0.05)
        assert a.gettimeout() == 0.05 and a.getblocking()
        try:
            a.recv(1)
        except socket.timeout as e:
            print(tag, "timeout", str(e), isinstance(e, TimeoutError))
        a.setblocking(False)
        assert a.gettimeout() == 0.0 and not a.getblocking()
        try:
            a.recv(1)
        except BlockingIOError:
            print(tag, "wouldblock")
        a.setblocking(True)
        b.sendall(b"hi")
        print(tag, a.recv(2))
    finally:
        a.close(); b.close()
done = gmp.chan()
gmp.go(lambda: (check("goroutine"), done.close()))
done.recv()
t = threading.Thread(target=check, args=("thread",))
t.start(); t.join()
""")
    assert r.returncode == 0, r.stderr[-3000:]
    lines = r.stdout.strip().splitlines()
    for tag in ("goroutine", "thread"):
        assert "%s timeout timed out True" % tag in lines
        assert "%s wouldblock" % tag in lines
        assert "%s b'hi'" % tag in lines


def test_name_resolution_goes_through_the_syscall_handoff():
    r = run_py("""
import gmp.monkey
gmp.monkey.patch_socket()
import gmp, socket, threading
out = gmp.chan(1)
def resolve():
    before = sum(t.name.startswith("gmp-syscall") for t in threading.enumerate())
    socket.getaddrinfo("127.0.0.1", 80)          # numeric: resolved in place
    mid = sum(t.name.startswith("gmp-syscall") for t in threading.enumerate())
    infos = socket.getaddrinfo("localhost", 80, socket.AF_INET, socket.SOCK_STREAM)
    after = sum(t.name.startswith("gmp-syscall") for t in threading.enumerate())
    out.send((before, mid, after, infos[0][4][0]))
gmp.go(resolve)
print(out.recv())
""")
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == "(0, 0, 1, '127.0.0.1')"


def test_patched_sockets_leave_no_fd_or_registration_behind():
    r = run_py("""
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
""")
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == "0 0"


def test_select_select_in_a_goroutine_parks_only_the_goroutine():
    # a goroutine blocked in select.select (moved to a syscall helper) does
    # not hold its P: another goroutine on the only P finishes meanwhile
    r = run_py("""
import gmp.monkey
gmp.monkey.patch_select()
import gmp, select, socket
a, b = socket.socketpair()
order = []
def waiter():
    r, _, _ = select.select([a], [], [], 5)
    order.append(("ready", r == [a]))
def other():
    for _ in range(3):
        gmp.runtime.gosched()
    order.append("other")
    b.send(b"x")
wg = gmp.WaitGroup()
wg.add(2)
gmp.go(lambda: (waiter(), wg.done()))
gmp.go(lambda: (other(), wg.done()))
wg.wait()
print(order)
""", env={"GOMAXPROCS": "1"})
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == "['other', ('ready', True)]"


def test_timeout_values_are_checked_as_cpython_checks_them():
    # settimeout and time.sleep take and refuse exactly what the unpatched
    # calls do (inf used to be taken and to time out at once); the largest
    # timeout CPython takes waits instead of timing out
    r = run_py("""
import _socket, decimal, math, time
orig_sleep = time.sleep
def outcome(f, v):
    try:
        return ("ok", f(v))
    except Exception as e:
        return (type(e).__name__, str(e))
VALUES = [math.inf, -math.inf, math.nan, 1e300, 1e10, 9.2e9, -1, -0.0, 0, 0.25, True,
          "5", b"1", decimal.Decimal("1.5"), 10 ** 30, None, [1]]
def settimeout_outcomes(cls):
    s = cls()
    try:
        return [outcome(lambda v: (s.settimeout(v), s.gettimeout())[1], v) for v in VALUES]
    finally:
        s.close()
def sleep_outcomes(sleep):
    # only values that raise or return at once
    return [outcome(sleep, v) for v in VALUES
            if not (isinstance(v, (int, float)) and v == v and v > 0)]
import socket
want = settimeout_outcomes(socket.socket), sleep_outcomes(orig_sleep)
import gmp.monkey
gmp.monkey.patch_all()
import gmp, threading
assert socket.socket is not _socket.socket
got = gmp.chan(1)
gmp.go(lambda: got.send((settimeout_outcomes(socket.socket), sleep_outcomes(time.sleep))))
in_goroutine = got.recv()
box = []
t = threading.Thread(target=lambda: box.append((settimeout_outcomes(socket.socket),
                                                 sleep_outcomes(time.sleep))))
t.start(); t.join()
for name, res in (("goroutine", in_goroutine), ("thread", box[0])):
    for w, g, what in zip(want, res, ("settimeout", "sleep")):
        assert w == g, (name, what, [(a, b) for a, b in zip(w, g) if a != b])
def far():
    a, b = socket.socketpair()
    with a, b:
        a.settimeout(9.2e9)             # the largest CPython takes: ~292 years
        gmp.go(lambda: (gmp.sleep(0.02), b.sendall(b"late")))
        got.send(a.recv(4))
gmp.go(far)
print(got.recv())
""")
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == "b'late'"


def test_connect_to_a_name_checks_the_port_as_cpython_does():
    # the name used to be resolved together with the port, and getaddrinfo
    # takes 73616 as 73616 % 65536 = 8080 and "80" as 80
    r = run_py("""
import socket
def outcomes():
    res = []
    for port in (73616, -1, "80", 1.5, None):
        for call in ("connect", "connect_ex"):
            s = socket.socket()
            try:
                res.append(("ok", getattr(s, call)(("localhost", port))))
            except Exception as e:
                res.append((type(e).__name__, str(e).replace("connect_ex()", "connect()")))
            finally:
                s.close()
    return res
want = outcomes()
import gmp.monkey
gmp.monkey.patch_socket()
import gmp
got = gmp.chan(1)
gmp.go(lambda: got.send(outcomes()))
g = got.recv()
assert g == want, [(a, b) for a, b in zip(want, g) if a != b]
print(len(g), all(w[0] != "ok" for w in want))
""")
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == "10 True"
