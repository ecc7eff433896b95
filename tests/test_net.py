"""gmp.net and the netpoller: Go's net semantics on loopback.

Every test checks that it leaves no goroutine and no fd behind."""
import os
import socket
import struct
import threading
import time

import pytest

import gmp
import gmp.net as net
from gmp import _core
from conftest import run_py, wait_until


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
    r = run_py("""
        import os, socket, subprocess, sys, gmp, gmp.net as net
        a, b = socket.socketpair()
        a.setblocking(False)
        child = subprocess.Popen([sys.executable, "-c",
            "import os, time, socket; time.sleep(0.3); "
            "s = socket.socket(fileno=%d); s.send(b'late'); s.close()" % b.fileno()],
            pass_fds=[b.fileno()])
        b.close()
        c = net.Conn(a, "unix")
        print(c.read().decode(), flush=True)
        child.wait()
        gmp.chan().recv()
    """, env={"GOMAXPROCS": "1"})
    assert r.stdout.strip() == "late"
    # the main goroutine parked in gmp gets gmp.Deadlock raised
    assert r.returncode == 1
    assert "gmp._core.Deadlock: all goroutines are asleep - deadlock!" in r.stderr


def test_sysmon_polls_when_the_p_never_runs_dry():
    # one P kept busy by a goroutine that only yields: the local queues are
    # never empty, so no M polls on its own; sysmon polls after 10 ms
    r = run_py("""
        import socket, threading, gmp, gmp.net as net
        from gmp import _core
        a, b = socket.socketpair()
        a.setblocking(False)
        c = net.Conn(a, "unix")
        stop = False
        def busy():
            while not stop:
                gmp.runtime.gosched()
        gmp.go(busy)
        got = gmp.chan(1)
        gmp.go(lambda: got.send(c.read()))
        while _core._netpoll_counts()["nwaiters"] < 1:
            gmp.runtime.gosched()
        threading.Thread(target=b.send, args=(b"ping",)).start()
        print(got.recv())
        stop = True
    """, env={"GOMAXPROCS": "1"}, timeout=60)
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
