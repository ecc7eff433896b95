"""gmp.pprof: the goroutine profile in Go's three forms, and the HTTP pages."""
import gzip
import io
import os
import shutil
import subprocess
import urllib.request

import pytest

import gmp
from gmp import pprof
from conftest import wait_until


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
