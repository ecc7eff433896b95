"""gmp.pprof: the goroutine profile in Go's three forms, and the HTTP pages."""
import gzip
import re
import io
import os
import shutil
import subprocess
import urllib.request

import pytest

import gmp
from gmp import pprof
from gmptest import wait_until


def parked_workers(n):
    block = gmp.chan()

    def pprof_worker():
        block.recv()

    for _ in range(n):
        gmp.go(pprof_worker)
    wait_until(lambda: gmp._chan._recvq_len(block) == n, what="workers parked")
    return block


def text(debug):
    buf = io.StringIO()
    pprof.lookup("goroutine").write_to(buf, debug=debug)
    return buf.getvalue()


def test_lookup():
    assert pprof.lookup("goroutine").name == "goroutine"
    assert pprof.lookup("heap") is None
    assert [p.name for p in pprof.profiles()] == ["goroutine"]


def test_debug1_counts_identical_stacks():
    block = parked_workers(7)
    try:
        out = text(1)
        assert out.startswith("goroutine profile: total %d\n" % gmp.runtime.num_goroutine())
        groups = out.split("\n", 1)[1].split("\n\n")
        mine = [g for g in groups if "pprof_worker" in g]
        assert len(mine) == 1
        head, *frames = mine[0].splitlines()
        assert head.startswith("7 @ 0x")
        assert len(head.split()) == 2 + len(frames)      # an address per frame
        assert frames[0].startswith("#\t0x")
        assert frames[0].split("\t")[2] == "test_pprof.parked_workers.<locals>.pprof_worker+0x0"
        assert frames[0].endswith("test_pprof.py:%d" % (parked_workers.__code__.co_firstlineno + 4))
    finally:
        block.close()


def test_debug2_is_the_full_dump():
    block = parked_workers(2)
    try:
        out = text(2)
        assert out.count("[chan receive]:\ntest_pprof.parked_workers.<locals>.pprof_worker(...)") == 2
        assert "created by test_pprof.parked_workers in goroutine" in out
    finally:
        block.close()


def decode(buf):
    """A minimal protobuf reader: {field: [values]} (bytes for length-delimited)."""
    out, i = {}, 0
    while i < len(buf):
        key, i = varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            v, i = varint(buf, i)
        elif wire == 2:
            n, i = varint(buf, i)
            v, i = buf[i:i + n], i + n
        else:
            raise AssertionError("unexpected wire type %d" % wire)
        out.setdefault(field, []).append(v)
    return out


def varint(buf, i):
    v = shift = 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, i


def packed(b):
    vs, i = [], 0
    while i < len(b):
        v, i = varint(b, i)
        vs.append(v)
    return vs


def test_debug0_is_gzipped_profile_proto():
    block = parked_workers(5)
    try:
        buf = io.BytesIO()
        pprof.lookup("goroutine").write_to(buf, debug=0)
        prof = decode(gzip.decompress(buf.getvalue()))
    finally:
        block.close()
    strings = [s.decode() for s in prof[6]]
    assert strings[0] == ""
    st = decode(prof[1][0])
    assert (strings[st[1][0]], strings[st[2][0]]) == ("goroutine", "count")
    assert prof[12] == [1]
    funcs = {decode(f)[1][0]: strings[decode(f)[2][0]] for f in prof[5]}
    locs = {}
    for raw in prof[4]:
        loc = decode(raw)
        line = decode(loc[4][0])
        locs[loc[1][0]] = (funcs[line[1][0]], line[2][0])
    samples = [(packed(decode(s)[1][0]), packed(decode(s)[2][0])) for s in prof[2]]
    assert sum(v[0] for _, v in samples) >= 6
    worker = [v[0] for ids, v in samples if locs[ids[0]][0].endswith("pprof_worker")]
    assert worker == [5]


@pytest.mark.skipif(shutil.which("go") is None,
                    reason="go tool pprof not installed (Debian package golang-go; .ci/run installs it)")
def test_go_tool_pprof_reads_it(tmp_path):
    block = parked_workers(3)
    try:
        path = tmp_path / "goroutine.pb.gz"
        with open(path, "wb") as f:
            pprof.lookup("goroutine").write_to(f, debug=0)
    finally:
        block.close()
    env = dict(os.environ, HOME=str(tmp_path), GOCACHE=str(tmp_path / "gocache"))
    r = subprocess.run(["go", "tool", "pprof", "-top", str(path)], capture_output=True,
                       text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "Type: goroutine" in r.stdout
    assert "test_pprof.parked_workers.<locals>.pprof_worker" in r.stdout


def call(path, query=""):
    got = {}

    def start_response(status, headers):
        got["status"], got["headers"] = status, dict(headers)

    body = b"".join(pprof.handler({"PATH_INFO": path, "QUERY_STRING": query}, start_response))
    return got["status"], got["headers"], body


def test_wsgi_handler():
    status, headers, body = call("/debug/pprof/")
    assert status == "200 OK" and b'<a href="goroutine?debug=1">goroutine</a>' in body
    status, headers, body = call("/debug/pprof/goroutine", "debug=1")
    assert status == "200 OK" and body.startswith(b"goroutine profile: total ")
    status, headers, body = call("/debug/pprof/goroutine", "debug=2")
    assert body.startswith(b"goroutine 1 [running]:")
    status, headers, body = call("/debug/pprof/goroutine")
    assert headers["Content-Type"] == "application/octet-stream"
    assert gzip.decompress(body)
    assert call("/debug/pprof/heap")[0] == "404 Not Found"


def test_serve_binds_loopback_only():
    with pytest.raises(PermissionError, match="not a loopback address"):
        pprof.serve("0.0.0.0:0")
    with pytest.raises(PermissionError):
        pprof.serve(":0")
    srv = pprof.serve("127.0.0.1:0")
    try:
        host, port = srv.server_address[:2]
        with urllib.request.urlopen("http://%s:%d/debug/pprof/goroutine?debug=1" % (host, port),
                                    timeout=10) as r:
            assert r.read().startswith(b"goroutine profile: total ")
    finally:
        srv.shutdown()
        srv.server_close()


# ---- the server under slow, hostile and malformed clients --------------------

import socket
import threading
import time


def served(**kw):
    srv = pprof.serve("127.0.0.1:0", **kw)
    return srv, srv.server_address[:2]


@pytest.fixture(scope="module")
def server():
    """One server for the tests that do not configure it (a shutdown waits
    for serve_forever's 0.5 s poll)."""
    srv, addr = served()
    yield addr
    stop(srv)


def stop(srv, *socks):
    for s in socks:
        s.close()
    srv.shutdown()
    srv.server_close()


def exchange(addr, data, timeout=10):
    """Sends data, half-closes, returns everything the server answers."""
    with socket.create_connection(addr, timeout=timeout) as s:
        s.sendall(data)
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        return readall(s)


def readall(s):
    out = b""
    while True:
        try:
            b = s.recv(65536)
        except ConnectionResetError:
            return out
        if not b:
            return out
        out += b


def status_of(answer):
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else None


def stalled(addr, data=b"GET /debug/pprof/goroutine?de"):
    s = socket.create_connection(addr, timeout=10)
    s.sendall(data)
    return s


def test_a_stalled_client_does_not_delay_another():
    srv, addr = served()
    slow = stalled(addr)        # accepted first (the backlog is FIFO), then silent
    try:
        with urllib.request.urlopen("http://%s:%d/debug/pprof/goroutine?debug=1" % addr,
                                    timeout=5) as r:
            assert r.read().startswith(b"goroutine profile: total ")
    finally:
        stop(srv, slow)


def test_a_stalled_client_is_answered_408_at_the_header_deadline():
    srv, addr = served(read_header_timeout=0.2)
    slow = stalled(addr)
    try:
        answer = readall(slow)          # the server closes it: no hang (socket timeout 10 s)
        assert status_of(answer) == 408, answer
    finally:
        stop(srv, slow)


def test_a_trickling_client_is_cut_at_the_header_deadline():
    # a byte now and then resets no per-read timeout: the deadline is for the head
    srv, addr = served(read_header_timeout=0.3)
    s = stalled(addr, b"G")
    try:
        got = []
        t = threading.Thread(target=lambda: got.append(readall(s)))
        t.start()
        for c in b"ET /debug/pprof/goroutine?debug=1 HTTP/1.0\r\nX-A: b\r\n":
            if got or not t.is_alive():
                break
            try:
                s.send(bytes([c]))
            except OSError:
                break
            time.sleep(0.05)
        t.join(10)
        assert got and status_of(got[0]) == 408, got
    finally:
        stop(srv, s)


def test_oversized_heads_are_refused():
    srv, addr = served(max_header_bytes=4096)
    try:
        assert status_of(exchange(addr, b"GET /" + b"a" * 10000)) == 414
        assert status_of(exchange(addr, b"GET /debug/pprof/ HTTP/1.0\r\n" +
                                  b"X-Big: " + b"b" * 10000 + b"\r\n\r\n")) == 431
        ok = exchange(addr, b"GET /debug/pprof/ HTTP/1.0\r\n\r\n")
        assert status_of(ok) == 200 and b"Types of profiles available" in ok
    finally:
        stop(srv)


def test_connections_beyond_max_conns_get_503():
    from gmptest import wait_until
    srv, addr = served(max_conns=2)
    a, b = stalled(addr), stalled(addr)
    try:
        wait_until(lambda: srv.active == 2, what="two connections in service")
        assert status_of(exchange(addr, b"GET /debug/pprof/ HTTP/1.0\r\n\r\n")) == 503
        a.close()
        b.close()
        wait_until(lambda: srv.active == 0, what="the stalled connections released")
        assert status_of(exchange(addr, b"GET /debug/pprof/ HTTP/1.0\r\n\r\n")) == 200
    finally:
        stop(srv, a, b)


@pytest.mark.parametrize("request_bytes,status", [
    (b"\x00\xff\xfe garbage\r\n\r\n", 400),
    (b"\r\n\r\n", 400),
    (b"GET\r\n\r\n", 400),
    (b"GET /debug/pprof/goroutine?debug=abc HTTP/1.0\r\n\r\n", 400),
    (b"GET /debug/pprof/goroutine?debug=%FF HTTP/1.0\r\n\r\n", 400),
    (b"GET /debug/pprof/goroutine?debug=99999999999999999999 HTTP/1.0\r\n\r\n", 200),
    (b"GET /debug/pprof/goroutine?debug=-99999999999999999999 HTTP/1.0\r\n\r\n", 200),
    (b"GET /debug/pprof/goroutine?debug=" + b"7" * 5000 + b" HTTP/1.0\r\n\r\n", 200),
    (b"GET /debug/pprof/heap HTTP/1.0\r\n\r\n", 404),
    (b"GET /elsewhere HTTP/1.0\r\n\r\n", 404),
    (b"GET /debug/pprof/%00%ff HTTP/1.0\r\n\r\n", 404),
    (b"POST /debug/pprof/goroutine HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc", 405),
    (b"BREW /debug/pprof/ HTTP/1.0\r\n\r\n", 405),
    (b"GET /debug/pprof/ HTTP/2.0\r\n\r\n", 505),
    (b"GET /debug/pprof/ HTTP/0.9\r\n\r\n", 505),     # its answers would have no status line
    (b"GET\r/debug/pprof/ x HTTP/0.9\r\n\r\n", 505),
    (b"GET /debug/pprof/\r\n\r\n", 400),          # no protocol (http.server's HTTP/0.9)
    (b"GET\r\n\r\n", 400),
    (b"GET /debug/pprof/ HTTP/1.0\n\n", 200),
    (b"GET /debug/pprof/ HTTP/1.0\r\n", 200),      # then half-closed: what came is the head
])
def test_malformed_requests_get_an_http_answer(server, request_bytes, status, capfd):
    answer = exchange(server, request_bytes)
    assert status_of(answer) == status, answer[:300]
    ok = exchange(server, b"GET /debug/pprof/goroutine?debug=1 HTTP/1.0\r\n\r\n")
    assert status_of(ok) == 200                     # the server lives on
    assert "Traceback" not in capfd.readouterr().err


def test_head_answers_headers_only(server):
    answer = exchange(server, b"HEAD /debug/pprof/goroutine?debug=1 HTTP/1.0\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert status_of(answer) == 200 and body == b""
    assert int(re.search(rb"Content-Length: (\d+)", head).group(1)) > 0


def test_serve_address_errors_use_go_wording():
    with pytest.raises(ValueError, match="address 127.0.0.1: missing port in address"):
        pprof.serve("127.0.0.1")
    with pytest.raises(ValueError, match="address 99999: invalid port"):
        pprof.serve("127.0.0.1:99999")
    with pytest.raises(ValueError, match="timeouts must be positive"):
        pprof.serve("127.0.0.1:0", read_header_timeout=0)


def call_env(environ):
    got = {}

    def start_response(status, headers):
        got["status"], got["headers"] = status, dict(headers)

    body = b"".join(pprof.handler(environ, start_response))
    return got["status"], got["headers"], body


def test_wsgi_handler_bad_input():
    assert call("/debug/pprof/goroutine", "debug=abc")[0] == "400 Bad Request"
    assert call("/debug/pprof/goroutine", "debug=1.5")[0] == "400 Bad Request"
    assert call("/debug/pprof/goroutine", "debug= 1")[0] == "400 Bad Request"
    status, headers, body = call("/debug/pprof/goroutine", "debug=" + "9" * 30)
    assert status == "200 OK" and body.startswith(b"goroutine ")       # clamped: >= 2
    status, headers, body = call("/debug/pprof/goroutine", "debug=-" + "9" * 30)
    assert status == "200 OK" and gzip.decompress(body)                 # <= 0: the proto
    assert call("/debug/pprof/goroutine", "debug=")[2][:2] == b"\x1f\x8b"   # empty: 0
    status, headers, body = call_env({"REQUEST_METHOD": "POST", "PATH_INFO": "/debug/pprof/"})
    assert status == "405 Method Not Allowed" and headers["Allow"] == "GET, HEAD"
    status, headers, body = call_env({"REQUEST_METHOD": "HEAD", "PATH_INFO": "/debug/pprof/"})
    assert status == "200 OK" and body == b"" and int(headers["Content-Length"]) > 0
    assert call_env({})[0] == "404 Not Found"


def test_wsgi_handler_answers_500_when_writing_fails(monkeypatch):
    def boom(self, f, debug=0):
        raise RuntimeError("no dump")
    monkeypatch.setattr(pprof.Profile, "write_to", boom)
    status, headers, body = call("/debug/pprof/goroutine", "debug=1")
    assert status == "500 Internal Server Error" and b"RuntimeError: no dump" in body


def test_write_to_wants_an_integer_debug():
    with pytest.raises(TypeError):
        pprof.lookup("goroutine").write_to(io.BytesIO(), debug="1")


def test_profiles_of_code_from_a_non_utf8_path():
    # a file path that is not UTF-8 comes with surrogate escapes; every
    # form of the profile used to fail with UnicodeEncodeError
    ns = {}
    exec(compile("def worker(c):\n    c.recv()\n", "/tmp/bad\udcffdir/mod.py", "exec"), ns)
    c = gmp.chan()
    gmp.go(ns["worker"], c)
    wait_until(lambda: gmp._chan._recvq_len(c) == 1, what="worker parked")
    try:
        p = pprof.lookup("goroutine")
        out = {}
        for debug in (0, 1, 2):
            buf = io.BytesIO()
            p.write_to(buf, debug=debug)
            out[debug] = buf.getvalue()
        strings = decode(gzip.decompress(out[0]))[6]
        assert b"/tmp/bad\xffdir/mod.py" in strings              # the path's own bytes
        assert b"/tmp/bad\xffdir/mod.py:2" in out[1] and b"/tmp/bad\xffdir/mod.py:2" in out[2]
        s = io.StringIO()
        p.write_to(s, debug=1)
        assert "/tmp/bad\udcffdir/mod.py:2" in s.getvalue()
        strict = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
        p.write_to(strict, debug=2)
        strict.flush()
        assert b"/tmp/bad\\udcffdir/mod.py:2" in strict.buffer.getvalue()
        assert call("/debug/pprof/goroutine", "debug=1")[0] == "200 OK"
    finally:
        c.close()


def test_debug0_to_a_text_stream():
    t = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    pprof.lookup("goroutine").write_to(t, debug=0)          # goes to its buffer
    assert gzip.decompress(t.buffer.getvalue())
    with pytest.raises(TypeError, match="debug=0 writes a binary profile"):
        pprof.lookup("goroutine").write_to(io.StringIO(), debug=0)


def test_a_client_that_stops_reading_is_dropped_at_the_write_timeout(monkeypatch, capfd):
    from gmptest import wait_until
    big = b"x" * (16 << 20)     # more than loopback's socket buffers hold

    def write_to(self, f, debug=0):
        f.write(big)
    monkeypatch.setattr(pprof.Profile, "write_to", write_to)
    srv, addr = served(write_timeout=0.3)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    try:
        s.connect(addr)
        s.sendall(b"GET /debug/pprof/goroutine?debug=1 HTTP/1.0\r\n\r\n")
        wait_until(lambda: srv.active == 1, what="the request in service")
        wait_until(lambda: srv.active == 0, what="the connection dropped")     # never reads
    finally:
        stop(srv, s)
    assert "Traceback" not in capfd.readouterr().err
