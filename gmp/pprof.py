"""gmp.pprof: Go's runtime/pprof goroutine profile and net/http/pprof's pages.

    gmp.pprof.lookup("goroutine").write_to(sys.stdout, debug=1)

debug=0 writes a gzip-compressed profile.proto (sample type goroutine/count,
one location per Python frame: function, file, line) that ``go tool pprof``
reads; debug=1 Go's text of counted stacks; debug=2 every goroutine in
Go's traceback format (as runtime.stack(all=True)).

Python frames have no program counters: each distinct (function, file,
line) gets a stable synthetic address, shown where Go shows a PC.

``handler`` is a WSGI app serving ``/debug/pprof/`` and
``/debug/pprof/goroutine?debug=N``; ``serve()`` runs it on a plain thread.
The dumps expose code paths and state, so ``serve`` binds loopback only
unless called with ``allow_remote=True``.
"""
import gzip
import io
import ipaddress
import socket
import threading
import time
from urllib.parse import parse_qs

from gmp._core import _goroutines, _started, stack as _stack

__all__ = ["Profile", "lookup", "profiles", "handler", "serve"]


# ---- profile.proto encoding (github.com/google/pprof/proto/profile.proto) --

def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(field, wire):
    return _varint(field << 3 | wire)


def _uint(field, n):
    return _key(field, 0) + _varint(n) if n else b""


def _bytes(field, b):
    return _key(field, 2) + _varint(len(b)) + b


def _packed(field, ns):
    return _bytes(field, b"".join(_varint(n) for n in ns)) if ns else b""


class _Strings:
    def __init__(self):
        self.index = {"": 0}
        self.table = [""]

    def __call__(self, s):
        i = self.index.get(s)
        if i is None:
            i = self.index[s] = len(self.table)
            self.table.append(s)
        return i


def _records():
    """(goid, state, frames) of every goroutine; frames innermost first."""
    if not _started():
        return [(1, "running", [])]
    return [(r[0], r[1], r[2]) for r in _goroutines()]


def _stacks():
    """Goroutines grouped by identical stacks: [(count, frames)], most first."""
    counts = {}
    for _, _, frames in _records():
        key = tuple(frames)
        counts[key] = counts.get(key, 0) + 1
    return sorted(((n, list(k)) for k, n in counts.items()), key=lambda x: (-x[0], x[1]))


def _addresses(stacks):
    """A stable synthetic address per (function, file, line)."""
    addr = {}
    for _, frames in stacks:
        for f in frames:
            if f not in addr:
                addr[f] = 0x1000 + 0x10 * len(addr)
    return addr


def _proto(stacks, now_ns):
    st = _Strings()
    addr = _addresses(stacks)
    locid, funcid = {}, {}
    functions, locations, samples = [], [], []
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
    out += [_bytes(6, s.encode()) for s in st.table]
    out += [_uint(9, now_ns), _bytes(11, vt), _uint(12, 1)]
    return b"".join(out)


class Profile:
    """A named profile (Go's pprof.Profile). Only "goroutine" exists."""

    def __init__(self, name):
        self.name = name

    def count(self):
        """How many goroutines exist now."""
        return len(_records())

    def write_to(self, f, debug=0):
        """Writes the profile to f (a binary or text file object; debug=0 is
        bytes, debug 1 and 2 text, encoded as UTF-8 for a binary file)."""
        if debug <= 0:
            data = gzip.compress(_proto(_stacks(), time.time_ns()))
            _write(f, data)
        elif debug == 1:
            _write(f, self._text1().encode())
        else:
            _write(f, (_stack(all=True) + "\n").encode())

    def _text1(self):
        stacks = _stacks()
        addr = _addresses(stacks)
        out = ["goroutine profile: total %d\n" % sum(n for n, _ in stacks)]
        for n, frames in stacks:
            out.append("%d @ %s\n" % (n, " ".join("%#x" % addr[f] for f in frames)))
            for f in frames:
                out.append("#\t%#x\t%s+0x0\t%s:%d\n" % (addr[f], f[0], f[1], f[2]))
            out.append("\n")
        return "".join(out)


def _write(f, data):
    try:
        f.write(data)
    except TypeError:
        f.write(data.decode())      # a text stream


_profiles = {"goroutine": Profile("goroutine")}


def lookup(name):
    """The profile called name, or None (Go's pprof.Lookup)."""
    return _profiles.get(name)


def profiles():
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


def handler(environ, start_response):
    """WSGI app: /debug/pprof/ (index) and /debug/pprof/goroutine?debug=N."""
    path = environ.get("PATH_INFO", "")
    q = parse_qs(environ.get("QUERY_STRING", ""))
    if path in ("/debug/pprof", "/debug/pprof/"):
        rows = "".join('<tr><td>%d</td><td><a href="%s?debug=1">%s</a></td></tr>\n'
                       % (p.count(), p.name, p.name) for p in profiles())
        body = (_INDEX % rows).encode()
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                  ("Content-Length", str(len(body)))])
        return [body]
    name = path[len("/debug/pprof/"):] if path.startswith("/debug/pprof/") else None
    p = lookup(name) if name else None
    if p is None:
        body = b"Unknown profile\n"
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8"),
                                         ("Content-Length", str(len(body)))])
        return [body]
    try:
        debug = int(q.get("debug", ["0"])[0])
    except ValueError:
        debug = 0
    buf = io.BytesIO()
    p.write_to(buf, debug=debug)
    body = buf.getvalue()
    if debug <= 0:
        headers = [("Content-Type", "application/octet-stream"),
                   ("Content-Disposition", 'attachment; filename="%s"' % name)]
    else:
        headers = [("Content-Type", "text/plain; charset=utf-8")]
    start_response("200 OK", headers + [("Content-Length", str(len(body)))])
    return [body]


def _is_loopback(host):
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


def serve(address="127.0.0.1:6060", allow_remote=False):
    """Serves handler on address ("host:port"; port 0 picks one) from a
    daemon plain thread; returns the server (``.server_address``,
    ``.shutdown()``). A non-loopback host is refused unless allow_remote."""
    from wsgiref.simple_server import make_server, WSGIRequestHandler, WSGIServer

    host, _, port = address.rpartition(":")
    host = host.strip("[]")
    if not allow_remote and not _is_loopback(host):
        raise PermissionError(
            "gmp.pprof.serve: %r is not a loopback address; goroutine dumps expose code "
            "paths and state (pass allow_remote=True to serve them anyway)" % (host,))

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server_class = WSGIServer
    if ":" in host:
        class server_class(WSGIServer):
            address_family = socket.AF_INET6
    srv = make_server(host, int(port), handler, server_class=server_class, handler_class=Quiet)
    threading.Thread(target=srv.serve_forever, name="gmp.pprof", daemon=True).start()
    return srv
