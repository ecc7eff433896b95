"""Fuzzing what gmp reads from outside: the environment at start-up
(GODEBUG, GMPDEBUG, GOTRACEBACK, GOMAXPROCS) and the pprof WSGI handler's
requests.

The CI run is bounded and reproducible (derandomize=True): 25 environments,
each a subprocess, and 300 handler requests, in a few seconds.
GMP_FUZZ_EXAMPLES=N runs N environments and 12*N requests with fresh
random data each time (hypothesis prints the failing example and the
@reproduce_failure line):

    GMP_FUZZ_EXAMPLES=500 python -m pytest -q tests/test_fuzz_env_pprof.py
"""
import os
import re
import sys
import warnings
import wsgiref.util
import wsgiref.validate

from hypothesis import HealthCheck, example, given, settings, strategies as st

from gmp import pprof
from gmptest import run_program

_LONG = os.environ.get("GMP_FUZZ_EXAMPLES")
ENV_EXAMPLES = int(_LONG) if _LONG else 25
WSGI_EXAMPLES = 12 * ENV_EXAMPLES


def fuzz_settings(n):
    return settings(max_examples=n, deadline=None, derandomize=not _LONG, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# an environment value: any text an environment can hold (no NUL, no lone
# surrogate: neither reaches a process's environment)
env_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                   max_size=30)
edges = st.sampled_from([(1 << 31) - 1, -(1 << 31), 1 << 31, -(1 << 31) - 1, (1 << 32) - 1,
                         1 << 32, 10 ** 13, (1 << 63) - 1, 1 << 63, -(1 << 63) - 1, 10 ** 19,
                         10 ** 20, -(10 ** 20)])
numbers = st.one_of(                        # edges and huge numbers, weighted up
    st.integers(-10, 300),
    st.integers(-(1 << 31) - 2, (1 << 31) + 2),
    edges, edges,
    st.integers(min_value=1 << 31), st.integers(max_value=-(1 << 31)),
).map(str)
decorated = st.tuples(st.sampled_from(["", "+", "-", "0", "00", " ", "--", "+-"]), numbers,
                      st.sampled_from(["", " ", ".5", "_0", "e3", "ms", "\t", "=1"])) \
    .map("".join)
values = st.one_of(numbers, numbers, decorated, env_text, st.just("9" * 5000))
known = st.sampled_from(["schedtrace", "scheddetail", "asyncpreemptoff", "gcshrinkstackoff",
                         "tracebackancestors", "blockwarn"])
keys = st.one_of(known, known, known,       # mostly keys gmp reads
                 st.sampled_from([" schedtrace", "SCHEDTRACE", "blockwarn ", ""]), env_text)
pair = st.one_of(st.tuples(keys, st.sampled_from(["=", "==", " = ", ""]), values).map("".join),
                 env_text)
debug_list = st.tuples(st.lists(pair, max_size=6),
                       st.sampled_from([",", ",,", " , ", ";", ", "])) \
    .map(lambda t: t[1].join(t[0]))
traceback_values = st.one_of(st.sampled_from(["none", "single", "all", "system", "crash", "wer",
                                              "", "ALL", " all "]), values)
environments = st.fixed_dictionaries({}, optional={
    "GODEBUG": debug_list, "GMPDEBUG": debug_list,
    "GOTRACEBACK": traceback_values, "GOMAXPROCS": values})

HUGE = "9" * 20


@fuzz_settings(ENV_EXAMPLES)
@given(environments)
@example({"GODEBUG": "schedtrace=%s,tracebackancestors=%s" % (HUGE, HUGE)})
@example({"GMPDEBUG": "blockwarn=" + HUGE, "GOTRACEBACK": HUGE, "GOMAXPROCS": HUGE})
@example({"GODEBUG": "scheddetail=-%s,,=,schedtrace" % HUGE, "GOTRACEBACK": "-1",
          "GOMAXPROCS": "1.5"})
def test_fuzz_environment_never_fails_start_up(env):
    r = run_program("fuzz_env_start_up.py", env=env, timeout=60)
    assert r.returncode == 0 and r.stdout == "6\n", (env, r.stdout, r.stderr[-2000:])
    assert "Traceback" not in r.stderr and "Error" not in r.stderr, (env, r.stderr[-2000:])
    # what gmp may say about the environment: one warning per bad value,
    # plus SCHED lines if schedtrace ended up on
    for line in r.stderr.splitlines():
        assert line.startswith(("gmp: GODEBUG: ", "gmp: GMPDEBUG: ", "gmp: GOTRACEBACK=",
                                "SCHED ", "  P", "  M", "  G")) or not line, (env, line)


# ---- the pprof WSGI handler, called in-process ------------------------------------

paths = st.one_of(
    st.sampled_from(["/debug/pprof", "/debug/pprof/", "/debug/pprof/goroutine",
                     "/debug/pprof/goroutine/", "/debug/pprof/heap", "/debug/pprof//goroutine",
                     "", "/", "/debug/pprof/../pprof/goroutine"]),
    st.tuples(st.sampled_from(["", "/debug/pprof/", "/debug/pprof/goroutine"]), st.text())
    .map("".join))
query_values = st.one_of(numbers, decorated, st.text(max_size=20),
                         st.sampled_from(["%FF", "%", "%%", "1%00", "9" * 5000]))
queries = st.one_of(
    st.text(max_size=40),
    st.lists(st.tuples(st.sampled_from(["debug", "seconds", "gc", "debug[]", "Debug", ""]),
                       st.sampled_from(["=", "", "=="]), query_values).map("".join),
             max_size=4).map("&".join))
methods = st.one_of(st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS",
                                     "get", "", "CONNECT"]), st.text(max_size=10))
headers = st.dictionaries(st.text(st.characters(min_codepoint=65, max_codepoint=90), min_size=1,
                                  max_size=10).map(lambda k: "HTTP_" + k),
                          st.text(max_size=30), max_size=4)
STATUS = re.compile(r"^(200|400|404|405) [A-Za-z ]+$")


@fuzz_settings(WSGI_EXAMPLES)
@given(paths, queries, methods, headers)
def test_fuzz_wsgi_handler_always_answers(path, query, method, extra):
    if path and not path.startswith("/"):
        path = "/" + path                   # a WSGI server's PATH_INFO (the validator insists)
    environ = dict(extra, PATH_INFO=path, QUERY_STRING=query, REQUEST_METHOD=method,
                   SCRIPT_NAME="")
    wsgiref.util.setup_testing_defaults(environ)
    got = {}

    def start_response(status, headers, exc_info=None):
        got["status"], got["headers"] = status, headers
        return lambda data: None

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", wsgiref.validate.WSGIWarning)    # about the input
        app = wsgiref.validate.validator(pprof.handler)                  # asserts WSGI rules
        result = app(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            result.close()
    status = got["status"]
    assert STATUS.match(status), (status, environ)            # never 500: no failure inside
    hdrs = dict(got["headers"])
    assert int(hdrs["Content-Length"]) == len(body) or (method == "HEAD" and body == b"")
    code = int(status[:3])
    if method not in ("GET", "HEAD"):
        assert code == 405 and hdrs["Allow"] == "GET, HEAD"
    elif code == 200 and hdrs["Content-Type"] == "application/octet-stream" and method == "GET":
        import gzip
        assert gzip.decompress(body)


# ---- pprof.serve, fed raw bytes over a socket ----------------------------------------

import socket

import pytest

request_lines = st.tuples(
    st.one_of(methods, st.binary(max_size=8).map(lambda b: b.decode("latin-1"))),
    st.sampled_from([" ", "  ", "\t", ""]),
    st.one_of(paths.map(lambda p: p if p.startswith("/") else "/" + p),
              st.text(max_size=20)),
    st.sampled_from(["", "?", "?debug=1", "?debug=2", "?debug=x", "?debug=" + "9" * 30]),
    st.sampled_from([" HTTP/1.0", " HTTP/1.1", " HTTP/0.9", " HTTP/2.0", " HTTP/1", " http/1.0",
                     " HTTP/1.0 x", "", " HTTP/9999999999.0", " HTTP/1.01"]),
).map(lambda t: "".join(t).encode("utf-8", "surrogateescape"))
heads = st.tuples(
    request_lines,
    st.lists(st.one_of(st.binary(max_size=30),
                       st.sampled_from([b"Host: x", b"Expect: 100-continue", b"Content-Length: -1",
                                        b"Connection: keep-alive", b": novalue", b"X"])),
             max_size=4),
    st.sampled_from([b"\r\n", b"\n"]),
    st.sampled_from([b"\r\n", b"\n", b""]),
    st.binary(max_size=20),
).map(lambda t: t[2].join([t[0]] + t[1]) + t[2] + t[3] + t[4])


@pytest.fixture(scope="module")
def http_server():
    srv = pprof.serve("127.0.0.1:0")
    yield srv.server_address[:2]
    srv.shutdown()
    srv.server_close()


@fuzz_settings(max(50, 4 * ENV_EXAMPLES))
@given(data=st.one_of(heads, st.binary(max_size=200)))
def test_fuzz_server_answers_raw_requests(http_server, data):
    with socket.create_connection(http_server, timeout=10) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)      # the rest of the head never comes
        answer = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            answer += chunk
    if answer or data.strip(b"\r\n"):
        assert re.match(rb"HTTP/1\.0 (200|400|404|405|408|414|431|505) ", answer), \
            (data, answer[:200])
