"""gmp.net and the netpoller: Go's net semantics on loopback.

Every test checks that it leaves no goroutine and no fd behind."""
import gc
import math
import os
import pickle
import select
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
import warnings

import pytest

import gmp
import gmp.net as net
from gmp import _core
from gmptest import child_env, program, run_program, wait_until


def nfds():
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture
def clean():
    """Baseline goroutine and fd counts, checked again at the end."""
    _core._netpoll_init()
    g0, f0 = gmp.runtime.num_goroutine(), nfds()
    yield
    wait_until(lambda: gmp.runtime.num_goroutine() == g0,
               what="goroutines back to %d (now %d)" % (g0, gmp.runtime.num_goroutine()))
    assert nfds() == f0
    assert _core._netpoll_counts()["nwaiters"] == 0


def echo_server(ln):
    def handle(c):
        with c:
            while True:
                d = c.read()
                if not d:
                    return
                c.write(d)

    def serve():
        for c in ln:
            gmp.go(handle, c)
    gmp.go(serve)


def connected(ln, address=None, network="tcp"):
    """Dials ln and accepts in a goroutine: (client conn, server conn)."""
    got = gmp.chan(1)
    gmp.go(lambda: got.send(ln.accept()))
    c = net.dial(network, address or str(ln.addr))
    return c, got.recv()


def parked_in_io(n=1):
    wait_until(lambda: _core._netpoll_counts()["nwaiters"] >= n, what="%d goroutines in IO wait" % n)


@pytest.mark.parametrize("procs", [1, 2, 4])
def test_echo_many_goroutines_checksum(clean, procs):
    prev = gmp.runtime.gomaxprocs(procs)
    try:
        ln = net.listen("tcp", "127.0.0.1:0")
        echo_server(ln)
        wg = gmp.WaitGroup()
        sums = []

        def client(i):
            try:
                with net.dial("tcp", str(ln.addr)) as c:
                    s = 0
                    for k in range(50):
                        msg = struct.pack("!II", i, k)
                        c.write(msg)
                        got = b""
                        while len(got) < 8:
                            got += c.read(8 - len(got))
                        a, b = struct.unpack("!II", got)
                        s += a * 1000 + b
                    sums.append(s)
            finally:
                wg.done()
        n = 64
        for i in range(n):
            wg.add(1)
            gmp.go(client, i)
        wg.wait()
        ln.close()
        assert sorted(sums) == sorted(sum(i * 1000 + k for k in range(50)) for i in range(n))
    finally:
        gmp.runtime.gomaxprocs(prev)


def test_addresses_and_networks(clean):
    for network, address, family in [("tcp", "127.0.0.1:0", socket.AF_INET),
                                     ("tcp4", ":0", socket.AF_INET),
                                     ("tcp", "localhost:0", None)]:
        with net.listen(network, address) as ln:
            assert isinstance(ln.addr, net.TCPAddr) and ln.addr.port > 0
            port = ln.addr.port
            c, s = connected(ln, "127.0.0.1:%d" % port)
            with c:
                with s:
                    assert str(c.remote_addr) == "127.0.0.1:%d" % port
                    assert c.remote_addr == s.local_addr
                    assert c.local_addr == s.remote_addr
                    assert str(ln.addr).endswith(":%d" % port)
                    c.write(b"ping")
                    assert s.read() == b"ping"


def test_tcp6_when_available(clean):
    if not socket.has_ipv6:
        pytest.skip("no IPv6 in this Python")
    try:
        ln = net.listen("tcp6", "[::1]:0")
    except OSError as e:
        pytest.skip("no IPv6 loopback here: %s" % e)
    with ln:
        assert str(ln.addr) == "[::1]:%d" % ln.addr.port
        c, s = connected(ln, network="tcp6")
        with c, s:
            c.write(b"six")
            assert s.read() == b"six"


def _ipv6_loopback():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    except OSError:
        return False
    with s:
        try:
            s.bind(("::1", 0))
            return True
        except OSError:
            return False


HOSTS_V6_FIRST = "::1 localhost ip6-localhost ip6-loopback\n127.0.0.1 localhost\n"


def run_with_hosts(tmp_path, hosts, name):
    """Runs tests/programs/NAME in a fresh interpreter that sees hosts as /etc/hosts (a
    private mount namespace with a bind mount over it: the real resolver,
    as users have it). Skips where mount namespaces are not permitted."""
    if not os.path.exists("/etc/hosts") or not shutil.which("unshare"):
        pytest.skip("needs unshare(1) and /etc/hosts")
    f = tmp_path / "hosts"
    f.write_text(hosts)
    probe = subprocess.run(["unshare", "-m", "sh", "-c", 'mount --bind "$0" /etc/hosts', str(f)],
                           capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        pytest.skip("cannot bind-mount a hosts file in a private mount namespace (unshare -m "
                    "needs CAP_SYS_ADMIN): %s" % probe.stderr.strip())
    return subprocess.run(["unshare", "-m", "sh", "-c",
                           'mount --bind "$0" /etc/hosts && exec "$1" "$2"',
                           str(f), sys.executable, program(name)],
                          capture_output=True, text=True, timeout=120, env=child_env())


def test_listen_on_a_name_prefers_ipv4_as_go_does(tmp_path):
    # /etc/hosts lists ::1 first (Debian's default in some images); Go's
    # Listen binds the name's first IPv4 address, so a server on
    # "localhost:0" is reachable at 127.0.0.1, and a dial of "localhost"
    # (::1 first, refused) still reaches it
    if not _ipv6_loopback():
        pytest.skip("no IPv6 loopback here: getaddrinfo would not list ::1")
    r = run_with_hosts(tmp_path, HOSTS_V6_FIRST, "net_listen_on_a_name_prefers_ipv4.py")
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "resolver ::1", lines           # the setup does put ::1 first
    assert lines[1].startswith("listen 127.0.0.1:"), lines
    port = lines[1].rsplit(":", 1)[1]
    assert lines[2:] == ["served 127.0.0.1:" + port, "served localhost:" + port], lines


def test_listen_binds_one_address_first_ipv4(clean, monkeypatch):
    # the resolver's order, whatever it is: the first IPv4 address is bound,
    # and a failure to bind it is the error (Go tries no other address)
    if not _ipv6_loopback():
        pytest.skip("no IPv6 loopback here")
    with net.listen("tcp", "127.0.0.1:0") as busy:
        port = busy.addr.port
        order = [(socket.AF_INET6, ("::1", port, 0, 0)), (socket.AF_INET, ("127.0.0.1", port))]
        monkeypatch.setattr(net, "_resolve", lambda network, address, passive: order)
        with pytest.raises(net.OpError) as ei:
            net.listen("tcp", "localhost:%d" % port)
        assert str(ei.value) == ("listen tcp 127.0.0.1:%d: bind: address already in use" % port)
    order[1] = (socket.AF_INET, ("127.0.0.1", 0))
    order.append((socket.AF_INET6, ("::ffff:127.0.0.2", 0, 0, 0)))
    with net.listen("tcp", "localhost:0") as ln:
        assert ln.addr.ip == "127.0.0.1"
    # IPv4-mapped IPv6 counts as IPv4 (Go's To4)
    order[:] = [(socket.AF_INET6, ("::1", 0, 0, 0)), (socket.AF_INET6, ("::ffff:127.0.0.1", 0, 0, 0))]
    with net.listen("tcp", "localhost:0") as ln:
        assert str(ln.addr).startswith("127.0.0.1:")
    # no IPv4 address at all: the first one
    order[:] = [(socket.AF_INET6, ("::1", 0, 0, 0))]
    with net.listen("tcp", "localhost:0") as ln:
        assert str(ln.addr).startswith("[::1]:")


def test_unix_socket(clean, tmp_path):
    path = str(tmp_path / "s.sock")
    with net.listen("unix", path) as ln:
        assert isinstance(ln.addr, net.UnixAddr) and str(ln.addr) == path
        echo_server(ln)
        with net.dial("unix", path) as c:
            c.write(b"over unix")
            assert c.read() == b"over unix"
    assert not os.path.exists(path)


def test_read_deadline_is_io_timeout_and_can_be_moved(clean):
    with net.listen("tcp", "127.0.0.1:0") as ln:
        echo_server(ln)
        with net.dial("tcp", str(ln.addr)) as c:
            c.set_read_deadline(time.time() + 0.05)
            with pytest.raises(TimeoutError) as ei:
                c.read()
            e = ei.value
            assert isinstance(e, net.OpError) and e.timeout() and e.op == "read"
            assert str(e) == "read tcp %s->%s: i/o timeout" % (c.local_addr, c.remote_addr)
            # passed: every read fails at once, even with data waiting
            c.write(b"x")
            wait_until(lambda: True)
            with pytest.raises(TimeoutError):
                c.read()
            # moved into the future: reads work again
            c.set_read_deadline(time.time() + 30)
            assert c.read() == b"x"
            c.set_deadline(None)
            c.write(b"y")
            assert c.read() == b"y"


def test_deadline_wakes_a_parked_reader_and_past_deadline_fails_at_once(clean):
    a, b = socket.socketpair()
    a.setblocking(False)
    c = net.Conn(a, "unix")
    try:
        res = gmp.chan(1)

        def reader():
            try:
                c.read()
            except TimeoutError as e:
                res.send(e)
        gmp.go(reader)
        parked_in_io()
        c.set_read_deadline(time.time() - 1)        # in the past: wakes it now
        assert "i/o timeout" in str(res.recv())
        with pytest.raises(net.DeadlineExceededError):
            c.read()
    finally:
        c.close()
        b.close()


def test_write_deadline_when_the_peer_does_not_read(clean):
    with net.listen("tcp", "127.0.0.1:0") as ln:
        c, s = connected(ln)
        with c, s:
            c.set_write_deadline(time.time() + 0.1)
            chunk = b"z" * 65536
            with pytest.raises(TimeoutError) as ei:
                while True:
                    c.write(chunk)      # fills both socket buffers, then parks
            assert ei.value.op == "write"
            assert str(ei.value).endswith(": i/o timeout")


def test_close_wakes_blocked_reader_with_use_of_closed_network_connection(clean):
    with net.listen("tcp", "127.0.0.1:0") as ln:
        c, s = connected(ln)
        res = gmp.chan(1)

        def reader():
            try:
                c.read()
            except net.NetClosingError as e:
                res.send(e)
        gmp.go(reader)
        parked_in_io()
        c.close()
        e = res.recv()
        assert isinstance(e, net.OpError) and isinstance(e, OSError)
        assert str(e).startswith("read tcp ") and str(e).endswith(
            ": use of closed network connection")
        for op in (lambda: c.read(), lambda: c.write(b"x")):
            with pytest.raises(net.NetClosingError, match="use of closed network connection"):
                op()
        c.close()                       # a second close is not an error
        s.close()


def test_listener_close_wakes_accept(clean):
    ln = net.listen("tcp", "127.0.0.1:0")
    res = gmp.chan(1)

    def acceptor():
        try:
            ln.accept()
        except net.NetClosingError as e:
            res.send(str(e))
    gmp.go(acceptor)
    parked_in_io()
    ln.close()
    assert res.recv() == "accept tcp %s: use of closed network connection" % ln.addr


def test_accept_deadline(clean):
    with net.listen("tcp", "127.0.0.1:0") as ln:
        ln.set_deadline(time.time() + 0.05)
        with pytest.raises(TimeoutError, match="i/o timeout"):
            ln.accept()


def test_refused_dial(clean):
    ln = net.listen("tcp", "127.0.0.1:0")
    addr = str(ln.addr)
    ln.close()
    with pytest.raises(ConnectionRefusedError) as ei:
        net.dial("tcp", addr)
    assert str(ei.value) == "dial tcp %s: connect: connection refused" % addr
    assert isinstance(ei.value, net.OpError) and ei.value.op == "dial"


def test_peer_reset(clean):
    with net.listen("tcp", "127.0.0.1:0") as ln:
        c, s = connected(ln)
        # the peer closes with SO_LINGER 0: an RST instead of a FIN
        s.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        with pytest.raises(ConnectionResetError) as ei:
            c.read()
        assert str(ei.value).endswith(": read: connection reset by peer")
        assert str(ei.value).startswith("read tcp 127.0.0.1:")
        c.close()


def test_eof_is_empty_bytes(clean):
    with net.listen("tcp", "127.0.0.1:0") as ln:
        c, s = connected(ln)
        with c, s:
            s.write(b"last words")
            s.close_write()
            data = b""
            while True:
                d = c.read()
                if not d:
                    break
                data += d
            assert data == b"last words"


def test_bad_addresses_and_networks():
    with pytest.raises(ValueError, match=r"^dial tcp: address 127\.0\.0\.1: missing port in address$"):
        net.dial("tcp", "127.0.0.1")
    with pytest.raises(ValueError, match=r"^dial udpx: unknown network udpx$"):
        net.dial("udpx", "127.0.0.1:1")
    with pytest.raises(ValueError, match="too many colons"):
        net.listen("tcp", "::1:80")
    with pytest.raises(ValueError, match="invalid port"):
        net.listen("tcp", "127.0.0.1:99999")


def test_makefile_line_protocol(clean):
    with net.listen("tcp", "127.0.0.1:0") as ln:
        def serve():
            with ln.accept() as c:
                f = c.makefile("rwb")
                for line in f:
                    f.write(line.upper())
                    f.flush()
        gmp.go(serve)
        with net.dial("tcp", str(ln.addr)) as c:
            f = c.makefile("rw")
            for word in ["alpha", "beta", "gamma"]:
                f.write(word + "\n")
                f.flush()
                assert f.readline() == word.upper() + "\n"


def test_readinto_and_large_write(clean):
    with net.listen("tcp", "127.0.0.1:0") as ln:
        echo_server(ln)
        with net.dial("tcp", str(ln.addr)) as c:
            blob = os.urandom(3 * 1024 * 1024)
            done = gmp.chan(1)
            gmp.go(lambda: done.send(c.write(blob)))
            buf = bytearray(len(blob))
            view = memoryview(buf)
            n = 0
            while n < len(blob):
                n += c.readinto(view[n:])
            assert done.recv() == len(blob)
            assert bytes(buf) == blob


def test_io_wait_in_goroutine_dump(clean):
    a, b = socket.socketpair()
    a.setblocking(False)
    c = net.Conn(a, "unix")
    done = gmp.chan(1)

    def reader():
        try:
            c.read()
        except net.NetClosingError:
            done.send(True)
    try:
        gmp.go(reader)
        parked_in_io()
        dump = gmp.runtime.stack(all=True)
        assert "[IO wait]:\ngmp.net.Conn.read(...)" in dump
    finally:
        c.close()
        b.close()
    assert done.recv()


def test_thousand_connections_at_once(clean):
    with net.listen("tcp", "127.0.0.1:0") as ln:
        echo_server(ln)
        wg = gmp.WaitGroup()
        ok = []
        n = 1000
        start = gmp.chan()

        def client(i):
            try:
                with net.dial("tcp", str(ln.addr)) as c:
                    start.recv()            # all n connected before anyone talks
                    c.write(b"%d" % i)
                    assert c.read() == b"%d" % i
                    ok.append(i)
            finally:
                wg.done()
        for i in range(n):
            wg.add(1)
            gmp.go(client, i)
        start.close()
        wg.wait()
        assert sorted(ok) == list(range(n))


def test_plain_thread_uses_blocking_semantics(clean):
    with net.listen("tcp", "127.0.0.1:0") as ln:
        echo_server(ln)
        out = []

        def th():
            with net.dial("tcp", str(ln.addr)) as c:
                c.write(b"from a thread")
                out.append(c.read())
                c.set_read_deadline(time.time() + 0.05)
                try:
                    c.read()
                except TimeoutError as e:
                    out.append(str(e).endswith("i/o timeout"))
        t = threading.Thread(target=th)
        t.start()
        wait_until(lambda: not t.is_alive())
        assert out == [b"from a thread", True]


def test_no_deadlock_report_while_an_fd_is_armed():
    # main parks reading a socket that a child process writes to later: Go
    # does not call that a deadlock (the netpoller can still wake main),
    # and neither may gmp; a channel nobody can send on still is one
    r = run_program("net_no_deadlock_while_an_fd_is_armed.py", env={"GOMAXPROCS": "1"})
    assert r.stdout.strip() == "late"
    # the main goroutine parked in gmp gets gmp.Deadlock raised
    assert r.returncode == 1
    assert "gmp._core.Deadlock: all goroutines are asleep - deadlock!" in r.stderr


def test_sysmon_polls_when_the_p_never_runs_dry():
    # one P kept busy by a goroutine that only yields: the local queues are
    # never empty, so no M polls on its own; sysmon polls after 10 ms
    r = run_program("net_sysmon_polls_when_the_p_never_runs_dry.py",
                    env={"GOMAXPROCS": "1"}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "b'ping'"


def test_stress_close_and_deadlines_racing_readers_and_writers(clean):
    # GOMAXPROCS=4: per connection a reader, a writer and a closer race
    # with random deadlines; every goroutine must end with EOF, a closed
    # connection, a timeout or a reset, and nothing may be left behind
    import random
    prev = gmp.runtime.gomaxprocs(4)
    try:
        rnd = random.Random(7)
        wg = gmp.WaitGroup()
        outcomes = []
        errors = []

        def reader(c):
            try:
                while c.read(4096):
                    pass
                outcomes.append("eof")
            except (net.NetClosingError, TimeoutError, ConnectionResetError) as e:
                outcomes.append(type(e).__name__)
            except BaseException as e:
                errors.append(repr(e))
            finally:
                wg.done()

        def writer(c, peer):
            try:
                while True:
                    c.write(b"x" * 1024)
            except (net.NetClosingError, TimeoutError, ConnectionResetError,
                    BrokenPipeError) as e:
                outcomes.append(type(e).__name__)
            except BaseException as e:
                errors.append(repr(e))
            finally:
                wg.done()

        def closer(conns, delay, dl):
            try:
                for c in conns:
                    if dl is not None:
                        c.set_deadline(time.time() + dl)
                gmp.sleep(delay)
                for c in conns:
                    c.close()
            finally:
                wg.done()

        for i in range(100):
            a, b = socket.socketpair()
            a.setblocking(False)
            b.setblocking(False)
            ca, cb = net.Conn(a, "unix"), net.Conn(b, "unix")
            wg.add(5)
            gmp.go(reader, ca)
            gmp.go(reader, cb)
            gmp.go(writer, ca, cb)
            gmp.go(writer, cb, ca)
            gmp.go(closer, [ca, cb] if i % 2 else [cb, ca], rnd.random() * 0.02,
                   rnd.choice([None, 0.001, 0.01, -1]))
        wg.wait()
        assert errors == []
        assert len(outcomes) == 400
    finally:
        gmp.runtime.gomaxprocs(prev)


# ---- hostile values: deadlines, timeouts, ports, names ------------------------

FAR = [math.inf, 1e300, "wall+1e10", 10 ** 400]   # beyond int64 nanoseconds of the clock


def far(v):
    return time.time() + 1e10 if v == "wall+1e10" else v


def test_far_deadlines_never_fire_and_minus_inf_has_passed(clean):
    # the deadline used to be cast from a double to int64 out of range
    # (undefined; it came out negative), so each of these was "already passed"
    with net.listen("tcp", "127.0.0.1:0") as ln:
        c, s = connected(ln)
        with c, s:
            n0 = _core._sched_counts()["ntimers"]
            for v in FAR:
                c.set_read_deadline(time.time() - 1)    # passed, then moved away
                c.set_read_deadline(far(v))

                def late():
                    try:
                        parked_in_io()
                        s.write(b"r")
                    except (OSError, AssertionError):
                        pass                # the read failed: the assert below reports it
                gmp.go(late)
                assert c.read(1) == b"r", v             # parked, then woken by data
                c.set_write_deadline(far(v))
                assert c.write(b"w") == 1
                assert s.read(1) == b"w"
                c.set_deadline(far(v))
                assert _core._sched_counts()["ntimers"] == n0   # no timer armed for "never"
            c.set_deadline(-math.inf)
            with pytest.raises(TimeoutError, match="i/o timeout$"):
                c.read(1)
            with pytest.raises(TimeoutError, match="i/o timeout$"):
                c.write(b"x")
            c.set_deadline(-10 ** 400)
            with pytest.raises(TimeoutError):
                c.read(1)
            c.set_deadline(None)


def test_bad_deadline_values_are_clear_errors(clean):
    with net.listen("tcp", "127.0.0.1:0") as ln:
        c, s = connected(ln)
        with c, s:
            with pytest.raises(ValueError, match="^gmp: deadline is NaN$"):
                c.set_read_deadline(math.nan)
            for bad in (True, "soon", b"1", [1]):
                with pytest.raises(TypeError):
                    c.set_deadline(bad)
            with pytest.raises(TypeError):
                ln.set_deadline(False)
            s.write(b"ok")                  # none of them left a deadline behind
            assert c.read(2) == b"ok"


def test_listener_far_deadline_never_fires(clean):
    with net.listen("tcp", "127.0.0.1:0") as ln:
        ln.set_deadline(math.inf)
        out = gmp.chan(1)

        def dialer():
            try:
                parked_in_io()              # accept is parked, not failed
                out.send(net.dial("tcp", str(ln.addr)))
            except (OSError, AssertionError) as e:
                out.send(e)
        gmp.go(dialer)
        try:
            s = ln.accept()
        except OSError:
            out.recv()
            raise
        with s, out.recv() as c:
            c.write(b"hi")
            assert s.read() == b"hi"


def accept_into(ln, ch):
    try:
        ch.send(ln.accept())
    except OSError as e:
        ch.send(e)


def test_dial_timeout_values(clean):
    with net.listen("tcp", "127.0.0.1:0") as ln:
        addr = str(ln.addr)
        # inf, an int beyond float range, and 0 (Go's Dialer.Timeout: none)
        # bound nothing; each used to be an i/o timeout at once
        for t in (math.inf, 10 ** 400, 0, 1e300):
            got = gmp.chan(1)
            gmp.go(accept_into, ln, got)
            try:
                c = net.dial("tcp", addr, timeout=t)
            except OSError:
                ln.close()                  # ends the accept
                got.recv()
                raise
            with c, got.recv() as s:
                c.write(b"t")
                assert s.read() == b"t"
        # a deadline that has passed fails before a connection is attempted
        for t in (-1, -math.inf):
            with pytest.raises(TimeoutError) as ei:
                net.dial("tcp", addr, timeout=t)
            assert str(ei.value) == "dial tcp %s: i/o timeout" % addr
        r, _, _ = select.select([ln.fileno()], [], [], 0)
        assert r == []                      # nothing reached the listener
        with pytest.raises(ValueError, match="^gmp.net: dial timeout is NaN$"):
            net.dial("tcp", addr, timeout=math.nan)
        for bad in ("5", True, b"1"):
            with pytest.raises(TypeError):
                net.dial("tcp", addr, timeout=bad)


@pytest.mark.parametrize("address, port", [
    (("127.0.0.1", 73616), "73616"),        # used to bind 73616 % 65536 = 8080
    (("127.0.0.1", -1), "-1"),
    (("127.0.0.1", 1 << 64), str(1 << 64)),
    ("127.0.0.1:73616", "73616"),
    ("127.0.0.1:-1", "-1"),
    ("127.0.0.1:65536", "65536"),
    ("127.0.0.1:99999999999999999999", "99999999999999999999"),
    ("127.0.0.1:" + "9" * 5000, "9" * 5000),  # beyond int()'s digit limit
    ("[::1]:70000", "70000"),
])
def test_ports_out_of_range_are_go_addr_errors(clean, address, port):
    for op, f in (("listen", net.listen), ("dial", net.dial)):
        with pytest.raises(ValueError) as ei:
            f("tcp", address)
        assert str(ei.value) == "%s tcp: address %s: invalid port" % (op, port)
        assert isinstance(ei.value, net.OpError) and isinstance(ei.value.err, net.AddrError)


def test_port_strings_and_types_as_go_parses_them(clean):
    r = net._resolve
    assert r("tcp4", "127.0.0.1:+80", False) == [(socket.AF_INET, ("127.0.0.1", 80))]
    assert r("tcp4", "127.0.0.1:0080", False) == [(socket.AF_INET, ("127.0.0.1", 80))]
    assert r("tcp4", "127.0.0.1:" + "0" * 30 + "81", False)[0][1] == ("127.0.0.1", 81)
    assert r("tcp4", "127.0.0.1:", False)[0][1] == ("127.0.0.1", 0)
    assert r("tcp4", ("127.0.0.1", "82"), False)[0][1] == ("127.0.0.1", 82)
    try:
        http = socket.getservbyname("http", "tcp")
    except OSError:
        http = None
    if http is not None:                    # a service name, as Go looks it up
        assert r("tcp4", "127.0.0.1:HTTP", False)[0][1] == ("127.0.0.1", http)
    # not a number (Go takes only ASCII digits) and no such service
    for service in ("nosuchservice", "\u0668\u0660", " 80", "8_0", "80 "):
        with pytest.raises(socket.gaierror) as ei:
            net.listen("tcp", "127.0.0.1:" + service)
        assert str(ei.value) == "listen tcp: lookup tcp/%s: unknown port" % service
        assert isinstance(ei.value.err, net.DNSError) and ei.value.err.is_not_found
    for bad in [("127.0.0.1", 1.5), ("127.0.0.1", True), ("127.0.0.1", None),
                (None, 80), (b"127.0.0.1", 80), ("127.0.0.1",), ("127.0.0.1", 80, 0), 80]:
        with pytest.raises(TypeError):
            net.listen("tcp", bad)
        with pytest.raises(TypeError):
            net.dial("tcp", bad)
    # Go's SplitHostPort for misplaced brackets
    for address, err in [("[::1]x:80", "missing port in address"),
                         ("[::1]:80:81", "too many colons in address"),
                         ("a]b:80", "unexpected ']' in address"),
                         ("a[b:80", "unexpected '[' in address"),
                         ("[a[b]:80", "unexpected '[' in address")]:
        with pytest.raises(ValueError) as ei:
            net.dial("tcp", address)
        assert str(ei.value) == "dial tcp: address %s: %s" % (address, err)
    with pytest.raises(ValueError) as ei:
        net.dial("tcp4", "[::1]:80")
    assert str(ei.value) == "dial tcp4: address ::1: no suitable address found"


def test_failed_lookup_is_a_go_dns_error(clean):
    # a reserved name that cannot exist (RFC 6761); no network is needed
    # to learn that, but a host without a resolver may report it temporary
    for op, f in (("listen", net.listen), ("dial", net.dial)):
        with pytest.raises(OSError) as ei:
            f("tcp", "nosuchhost.invalid:80")
        e = ei.value
        assert isinstance(e, net.OpError) and isinstance(e, socket.gaierror)
        assert isinstance(e.err, net.DNSError) and e.err.name == "nosuchhost.invalid"
        assert str(e).startswith("%s tcp: lookup nosuchhost.invalid: " % op)
        if e.err.errno == socket.EAI_NONAME:
            assert str(e) == "%s tcp: lookup nosuchhost.invalid: no such host" % op
            assert e.err.is_not_found


def test_a_nul_in_a_host_is_no_such_host(clean):
    # getaddrinfo takes a C string: the name used to be cut at the NUL, so
    # this listened on 127.0.0.1 and dialled localhost
    for op, f, host in (("listen", net.listen, "127.0.0.1\0evil"),
                        ("dial", net.dial, "localhost\0.invalid")):
        with pytest.raises(socket.gaierror) as ei:
            f("tcp", host + ":0")
        assert str(ei.value) == "%s tcp: lookup %s: no such host" % (op, host)
        assert ei.value.err.is_not_found


def test_getaddrinfo_errors_map_to_go_wording(clean, monkeypatch):
    real = socket.getaddrinfo
    fail = {}

    def fake(host, *args):
        if host in fail:
            raise fail[host]
        return real(host, *args)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    cases = [
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), "no such host",
         True, False),
        (socket.gaierror(socket.EAI_NODATA, "No address associated with hostname"),
         "no such host", True, False),
        (socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"),
         "Temporary failure in name resolution", False, True),
        (socket.gaierror(socket.EAI_FAIL, "Non-recoverable failure in name resolution"),
         "Non-recoverable failure in name resolution", False, False),
        (OSError(24, "Too many open files"), "too many open files", False, False),
        (UnicodeError("label empty or too long"), "no such host", True, False),
    ]
    for exc, text, notfound, temporary in cases:
        fail["h.invalid"] = exc
        with pytest.raises(OSError) as ei:
            net.dial("tcp", "h.invalid:1")
        e = ei.value
        assert str(e) == "dial tcp: lookup h.invalid: " + text
        assert e.err.is_not_found == notfound and e.err.temporary() == temporary
        assert not e.timeout()
        back = pickle.loads(pickle.dumps(e))
        assert str(back) == str(e) and isinstance(back.err, net.DNSError)


def test_listen_backlog_and_unix_path_values(clean, tmp_path):
    for backlog in (-5, 0, 10 ** 30):
        with net.listen("tcp", "127.0.0.1:0", backlog=backlog) as ln:
            assert ln.addr.port > 0
    for bad in ("x", 1.5, True):
        with pytest.raises(TypeError):
            net.listen("tcp", "127.0.0.1:0", backlog=bad)
    # a path that is no path: a clear error, and the socket is closed at once
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        for bad in (123, None):
            try:
                net.listen("unix", bad)
            except TypeError:
                pass
            else:
                raise AssertionError("listen unix %r did not fail" % (bad,))
        gc.collect()
    assert not [x for x in w if issubclass(x.category, ResourceWarning)]
    # a NUL inside the path: the kernel would bind the path cut there (and
    # close() could not unlink it); Go's syscall error instead
    path = str(tmp_path / "a\0b")
    with pytest.raises(OSError) as ei:
        net.listen("unix", path)
    assert str(ei.value) == "listen unix %s: bind: invalid argument" % path
    with pytest.raises(OSError) as ei:
        net.dial("unix", path.encode())
    assert str(ei.value) == "dial unix %s: connect: invalid argument" % path
    assert os.listdir(tmp_path) == []
    # bytes and path-like paths are unlinked on close like str ones
    for p in (tmp_path / "p.sock", os.fsencode(tmp_path / "b.sock")):
        with net.listen("unix", p) as ln:
            with net.dial("unix", p) as c, ln.accept() as s:
                c.write(b"u")
                assert s.read() == b"u"
        assert os.listdir(tmp_path) == []


def test_read_sizes(clean):
    # a read returns what has arrived, so a huge n is no huge buffer: 2**40
    # used to be a MemoryError, -10**30 an OverflowError
    with net.listen("tcp", "127.0.0.1:0") as ln:
        c, s = connected(ln)
        with c, s:
            for n in (2 ** 40, 10 ** 30, 2 ** 63):
                s.write(b"big")
                assert c.read(n) == b"big"
            for n in (-1, -(10 ** 30)):
                with pytest.raises(ValueError, match="^gmp: negative read size$"):
                    c.read(n)
            for bad in (1.5, "1", None):
                with pytest.raises(TypeError):
                    c.read(bad)
            assert c.read(0) == b""
