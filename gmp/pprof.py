"""gmp.pprof: Go's runtime/pprof goroutine profile and net/http/pprof's pages.

Every goroutine's stack, counted, as Go's text::

    gmp.pprof.lookup("goroutine").write_to(sys.stdout, debug=1)

debug=0 writes a gzip-compressed profile.proto (sample type goroutine/count,
one location per Python frame: function, file, line) that ``go tool pprof``
reads; debug=1 Go's text of counted stacks; debug=2 every goroutine in
Go's traceback format (as runtime.stack(all=True)).

Python frames have no program counters: each distinct (function, file,
line) gets a stable synthetic address, shown where Go shows a PC.

``handler`` is a WSGI app serving ``/debug/pprof/`` and
``/debug/pprof/goroutine?debug=N`` (GET and HEAD); it answers every
request with a status (404 unknown path or profile, 400 a debug that is
not a number, 405 another method) and never raises. ``serve()`` runs it
on plain threads, one per connection, with Go's http.Server limits: the
request head within ``read_header_timeout`` and ``max_header_bytes``,
each write within ``write_timeout``, at most ``max_conns`` connections.
The dumps expose code paths and state, so ``serve`` binds loopback only
unless called with ``allow_remote=True``.
"""
from __future__ import annotations

import gzip
import io
import ipaddress
import operator
import re
import socket
import socketserver
import threading
import time
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import parse_qs

from gmp._core import _goroutines, _started, stack as _stack

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer
    from wsgiref.types import StartResponse, WSGIEnvironment

    _Frame = tuple[str, str, int]           # (function, file, line)

__all__ = ["Profile", "lookup", "profiles", "handler", "serve"]


# ---- profile.proto encoding (github.com/google/pprof/proto/profile.proto) --

def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return _varint(field << 3 | wire)


def _uint(field: int, n: int) -> bytes:
    return _key(field, 0) + _varint(n) if n else b""


def _bytes(field: int, b: bytes) -> bytes:
    return _key(field, 2) + _varint(len(b)) + b


def _packed(field: int, ns: list[int]) -> bytes:
    return _bytes(field, b"".join(_varint(n) for n in ns)) if ns else b""


class _Strings:
    def __init__(self) -> None:
        self.index: dict[str, int] = {"": 0}
        self.table: list[str] = [""]

    def __call__(self, s: str) -> int:
        i = self.index.get(s)
        if i is None:
            i = self.index[s] = len(self.table)
            self.table.append(s)
        return i


def _records() -> list[tuple[int, str, list[_Frame]]]:
    """(goid, state, frames) of every goroutine; frames innermost first."""
    if not _started():
        return [(1, "running", [])]
    return [(r[0], r[1], r[2]) for r in _goroutines()]


def _stacks() -> list[tuple[int, list[_Frame]]]:
    """Goroutines grouped by identical stacks: [(count, frames)], most first."""
    counts: dict[tuple[_Frame, ...], int] = {}
    for _, _, frames in _records():
        key = tuple(frames)
        counts[key] = counts.get(key, 0) + 1
    return sorted(((n, list(k)) for k, n in counts.items()), key=lambda x: (-x[0], x[1]))


def _addresses(stacks: list[tuple[int, list[_Frame]]]) -> dict[_Frame, int]:
    """A stable synthetic address per (function, file, line)."""
    addr: dict[_Frame, int] = {}
    for _, frames in stacks:
        for f in frames:
            if f not in addr:
                addr[f] = 0x1000 + 0x10 * len(addr)
    return addr


def _proto(stacks: list[tuple[int, list[_Frame]]], now_ns: int) -> bytes:
    st = _Strings()
    addr = _addresses(stacks)
    locid: dict[_Frame, int] = {}
    funcid: dict[tuple[str, str], int] = {}
    functions: list[bytes] = []
    locations: list[bytes] = []
    samples: list[bytes] = []
    for f in addr:
        name, path, line = f
        fk = (name, path)
        if fk not in funcid:
            funcid[fk] = len(funcid) + 1
            functions.append(_uint(1, funcid[fk]) + _uint(2, st(name)) + _uint(3, st(name)) +
                             _uint(4, st(path)))
        locid[f] = len(locid) + 1
        line_msg = _uint(1, funcid[fk]) + _uint(2, max(line, 0))
        locations.append(_uint(1, locid[f]) + _uint(3, addr[f]) + _bytes(4, line_msg))
    for n, frames in stacks:
        samples.append(_packed(1, [locid[f] for f in frames]) + _packed(2, [n]))
    goroutine, count = st("goroutine"), st("count")
    vt = _uint(1, goroutine) + _uint(2, count)
    out = [_bytes(1, vt)]
    out += [_bytes(2, s) for s in samples]
    out += [_bytes(4, x) for x in locations]
    out += [_bytes(5, x) for x in functions]
    out += [_bytes(6, _utf8(s)) for s in st.table]
    out += [_uint(9, now_ns), _bytes(11, vt), _uint(12, 1)]
    return b"".join(out)


class Profile:
    """A named profile (Go's pprof.Profile). Only "goroutine" exists."""

    name: str

    def __init__(self, name: str) -> None:
        self.name = name

    def count(self) -> int:
        """How many goroutines exist now."""
        return len(_records())

    def write_to(self, f: IO[bytes] | IO[str], debug: int = 0) -> None:
        """Writes the profile to f: debug=0 (bytes) to a binary file (or a
        text stream's .buffer), debug 1 and 2 (text) to either kind, as
        UTF-8 to a binary file."""
        debug = operator.index(debug)
        if debug <= 0:
            data = gzip.compress(_proto(_stacks(), time.time_ns()))
            try:
                f.write(data)  # type: ignore[arg-type]  # a text stream raises TypeError
            except TypeError:           # a text stream
                buf = getattr(f, "buffer", None)
                if buf is None:
                    raise TypeError("gmp.pprof: debug=0 writes a binary profile; "
                                    "f must take bytes") from None
                f.flush()
                buf.write(data)
        elif debug == 1:
            _write(f, self._text1())
        else:
            _write(f, _stack(all=True) + "\n")

    def _text1(self) -> str:
        stacks = _stacks()
        addr = _addresses(stacks)
        out = ["goroutine profile: total %d\n" % sum(n for n, _ in stacks)]
        for n, frames in stacks:
            out.append("%d @ %s\n" % (n, " ".join("%#x" % addr[f] for f in frames)))
            for f in frames:
                out.append("#\t%#x\t%s+0x0\t%s:%d\n" % (addr[f], f[0], f[1], f[2]))
            out.append("\n")
        return "".join(out)


def _utf8(s: str) -> bytes:
    """s as UTF-8. Invariant: any str encodes, so a profile never fails on
    a name: a file path that was not UTF-8 (its bytes kept as surrogate
    escapes) gets its own bytes back; any other lone surrogate a
    backslash escape."""
    try:
        return s.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return s.encode("utf-8", "backslashreplace")


def _write(f: IO[Any], text: str) -> None:
    """text to f: as UTF-8 to a binary file, as it is to a text stream."""
    try:
        f.write(_utf8(text))
    except TypeError:                   # a text stream
        try:
            f.write(text)
        except UnicodeEncodeError:      # a name its encoding cannot hold: escaped
            enc = getattr(f, "encoding", None) or "utf-8"
            f.write(text.encode(enc, "backslashreplace").decode(enc))


_profiles = {"goroutine": Profile("goroutine")}


def lookup(name: str) -> Profile | None:
    """The profile called name, or None (Go's pprof.Lookup)."""
    return _profiles.get(name)


def profiles() -> list[Profile]:
    """Every profile, sorted by name."""
    return [_profiles[k] for k in sorted(_profiles)]


# ---- the HTTP pages (net/http/pprof) ----------------------------------------

_INDEX = """<html>
<head><title>/debug/pprof/</title></head>
<body>
/debug/pprof/<br>
<br>
Types of profiles available:
<table>
<thead><td>Count</td><td>Profile</td></thead>
%s</table>
<a href="goroutine?debug=2">full goroutine stack dump</a>
</body>
</html>
"""

_DIGITS = re.compile(r"[+-]?[0-9]+\Z")


def _debugparam(q: dict[str, list[str]]) -> int | None:
    """The debug parameter as Go's handler reads it (strconv.Atoi of the
    first value; a missing or empty one is 0): an int, or None when it is
    not a decimal number (answered 400 here; Go would quietly use 0). A
    number past int64 is clamped as Atoi clamps it: every debug >= 2 is
    the full dump, every one <= 0 the proto."""
    v = q.get("debug", [""])[0]
    if not v:
        return 0
    if not _DIGITS.match(v):
        return None
    digits = v.lstrip("+-").lstrip("0")
    if len(digits) > 18:                    # int() limits the digits it reads
        return -(1 << 63) if v.startswith("-") else (1 << 63) - 1
    return int(v)


def _reply(start_response: StartResponse, status: str, body: str | bytes,
           ctype: str = "text/plain; charset=utf-8", extra: Iterable[tuple[str, str]] = (),
           head: bool = False) -> list[bytes]:
    if isinstance(body, str):
        body = body.encode("utf-8", "backslashreplace")
    start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(body))),
                            ("X-Content-Type-Options", "nosniff")] + list(extra))
    return [b""] if head else [body]


def handler(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    """WSGI app: /debug/pprof/ (index) and /debug/pprof/goroutine?debug=N.
    GET and HEAD only (405 otherwise); an unknown path or profile is 404,
    a debug that is not a number 400. It never raises: a failure while
    writing a profile is answered 500 with its message."""
    try:
        return _handle(environ, start_response)
    except Exception as e:          # invariant: the WSGI app never raises
        return _reply(start_response, "500 Internal Server Error",
                      "gmp.pprof: %s: %s\n" % (type(e).__name__, e))


def _handle(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    method = str(environ.get("REQUEST_METHOD", "GET"))
    head = method == "HEAD"
    if method not in ("GET", "HEAD"):
        return _reply(start_response, "405 Method Not Allowed",
                      "Method Not Allowed\n", extra=[("Allow", "GET, HEAD")])
    path = str(environ.get("PATH_INFO") or "")
    if path in ("/debug/pprof", "/debug/pprof/"):
        rows = "".join('<tr><td>%d</td><td><a href="%s?debug=1">%s</a></td></tr>\n'
                       % (p.count(), p.name, p.name) for p in profiles())
        return _reply(start_response, "200 OK", _INDEX % rows, "text/html; charset=utf-8",
                      head=head)
    name = path[len("/debug/pprof/"):] if path.startswith("/debug/pprof/") else None
    if name is None:
        return _reply(start_response, "404 Not Found", "404 page not found\n", head=head)
    p = lookup(name)
    if p is None:
        return _reply(start_response, "404 Not Found", "Unknown profile\n", head=head)
    debug = _debugparam(parse_qs(str(environ.get("QUERY_STRING") or "")))
    if debug is None:
        return _reply(start_response, "400 Bad Request",
                      "debug: not an integer (0: profile.proto, 1: counts, 2: every stack)\n",
                      head=head)
    buf = io.BytesIO()
    p.write_to(buf, debug=debug)
    if debug <= 0:
        return _reply(start_response, "200 OK", buf.getvalue(), "application/octet-stream",
                      [("Content-Disposition", 'attachment; filename="%s"' % name)], head)
    return _reply(start_response, "200 OK", buf.getvalue(), head=head)


def _is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(a[4][0]).is_loopback
                       for a in socket.getaddrinfo(host, None))
        except OSError:
            return False


# Each connection is served on its own plain thread (not a goroutine: the
# pages must answer while the scheduler is wedged), so one slow client
# never delays another. Invariant: a connection holds its thread for a
# bounded time and memory: the request head (request line and headers)
# must arrive within read_header_timeout and max_header_bytes (Go's
# http.Server ReadHeaderTimeout and MaxHeaderBytes; 408, 414 or 431
# otherwise), each write of the answer gets write_timeout, and at most
# max_conns connections are served at once (503 beyond).
_HEAD_END = re.compile(rb"\n\r?\n")


def _readhead(sock: socket.socket, timeout: float, limit: int) -> tuple[bytes, str]:
    """(bytes, why): the request head read from sock within timeout
    seconds; why is "ok", "eof", "timeout", "large" or "error"."""
    deadline = time.monotonic() + timeout
    buf = bytearray()
    while True:
        if _HEAD_END.search(buf, max(0, len(buf) - 4096 - 3)) is not None or buf[:1] == b"\n" \
                or buf[:2] == b"\r\n":
            return bytes(buf), "ok"
        if len(buf) > limit:
            return bytes(buf), "large"
        left = deadline - time.monotonic()
        if left <= 0:
            return bytes(buf), "timeout"
        try:
            sock.settimeout(left)
            data = sock.recv(4096)
        except TimeoutError:
            return bytes(buf), "timeout"
        except OSError:
            return bytes(buf), "error"
        if not data:
            return bytes(buf), "eof"
        buf += data


def serve(address: str = "127.0.0.1:6060", allow_remote: bool = False, *,
          read_header_timeout: float = 10.0, write_timeout: float = 30.0,
          max_header_bytes: int = 65536, max_conns: int = 64) -> WSGIServer:
    """Serves handler on address ("host:port"; port 0 picks one) from a
    daemon plain thread, each connection on its own; returns the server
    (``.server_address``, ``.shutdown()``). A non-loopback host is refused
    unless allow_remote. A client must send its request head within
    read_header_timeout seconds and max_header_bytes bytes; each write of
    the answer may take write_timeout seconds; at most max_conns
    connections are served at once."""
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
    from gmp._netaddr import _splithostport, _lookupport

    host, port = _splithostport(address)
    port = _lookupport("tcp", port)
    if not allow_remote and not _is_loopback(host):
        raise PermissionError(
            "gmp.pprof.serve: %r is not a loopback address; goroutine dumps expose code "
            "paths and state (pass allow_remote=True to serve them anyway)" % (host,))
    if not read_header_timeout > 0 or not write_timeout > 0:
        raise ValueError("gmp.pprof.serve: timeouts must be positive")
    if max_header_bytes < 1 or max_conns < 1:
        raise ValueError("gmp.pprof.serve: max_header_bytes and max_conns must be at least 1")

    class Handler(WSGIRequestHandler):
        # every answer, errors included, has an HTTP/1.0 status line (the
        # base class's default, HTTP/0.9, answers a bad request line with a
        # bare HTML page)
        default_request_version = "HTTP/1.0"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def get_stderr(self) -> io.StringIO:
            # wsgiref reports a failed write (a client that stopped reading
            # past write_timeout, or left) with a traceback there; the
            # handler itself never raises, so nothing else would land there
            return io.StringIO()

        def handle(self) -> None:
            head, why = _readhead(self.connection, read_header_timeout, max_header_bytes)
            if why in ("error", "eof") and not head:
                return                      # connected and left (a port check)
            self.connection.settimeout(write_timeout)
            if why in ("timeout", "large", "error"):
                self.requestline, self.request_version, self.command = "", "HTTP/1.0", ""
                if why == "large":
                    self.send_error(431 if b"\n" in head else 414)
                elif why == "timeout":
                    self.send_error(408)
                return
            # the request line's words as parse_request splits them
            words = head.split(b"\n", 1)[0].decode("latin-1").split()
            if len(words) < 3 or words[-1].startswith("HTTP/0"):
                # no protocol word ("GET /path", which http.server takes for
                # HTTP/0.9, and on 3.14+ then fails inside wsgiref), or
                # HTTP/0.x: refused as Go's server refuses them
                self.requestline, self.request_version, self.command = "", "HTTP/1.0", ""
                if len(words) >= 3:
                    self.send_error(505, "unsupported protocol version")
                else:
                    self.send_error(400, "malformed HTTP request")
                return
            self.rfile.close()              # unread: the head was read from the socket
            self.rfile = io.BytesIO(head)   # the whole head is here; GET has no body
            super().handle()

    class Server(socketserver.ThreadingMixIn, WSGIServer):
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        daemon_threads = True
        block_on_close = False              # shutdown never waits for a stalled client

        def __init__(self, *args: Any) -> None:
            self._lock = threading.Lock()
            self.active = 0
            super().__init__(*args)

        def process_request(self, request: Any, client_address: Any) -> None:
            with self._lock:
                busy = self.active >= max_conns
                if not busy:
                    self.active += 1
            if busy:
                try:
                    request.settimeout(1.0)
                    request.sendall(b"HTTP/1.0 503 Service Unavailable\r\n"
                                    b"Content-Type: text/plain; charset=utf-8\r\n"
                                    b"Content-Length: 20\r\nConnection: close\r\n\r\n"
                                    b"too many connections")
                except OSError:
                    pass
                self.shutdown_request(request)
                return
            try:
                super().process_request(request, client_address)
            except Exception:               # no thread to be had: drop this one
                with self._lock:
                    self.active -= 1
                self.shutdown_request(request)

        def process_request_thread(self, request: Any, client_address: Any) -> None:
            try:
                super().process_request_thread(request, client_address)
            finally:
                with self._lock:
                    self.active -= 1

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass                            # a client's reset or timeout: nothing to report

    srv = Server((host, port), Handler)
    srv.set_app(handler)
    threading.Thread(target=srv.serve_forever, name="gmp.pprof", daemon=True).start()
    return srv
