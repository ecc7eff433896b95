"""An HTTP/1.1 "Hello, World!" server on gmp.net: one goroutine per
connection, keep-alive and pipelining, no framework.

    python examples/http_hello.py [--addr 127.0.0.1:8080]
    curl -i http://127.0.0.1:8080/

The response is fixed (no Date header) so that a load generator can check
it byte for byte: `python -m bench.echo --http` runs it under the same
load generator as the echo servers.
"""
from __future__ import annotations

import argparse
import sys

import gmp
import gmp.net as net

BODY = b"Hello, World!"
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(BODY), BODY))
BAD = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
MAX_HEADER = 65536


def split_requests(buf: bytes) -> tuple[int, bytes, bool, bool]:
    """Takes the complete requests off the front of buf.
    Returns (count, rest, close, bad): close when a request asked for
    Connection: close (or is HTTP/1.0 without keep-alive), bad when the
    head is malformed or too large."""
    count = 0
    close = False
    while True:
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            return count, buf, close, len(buf) > MAX_HEADER
        head = buf[:end].split(b"\r\n")
        parts = head[0].split(b" ")
        if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
            return count, b"", True, True
        length = 0
        keepalive = parts[2] == b"HTTP/1.1"
        for line in head[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    return count, b"", True, True
            elif name == b"connection":
                v = value.strip().lower()
                keepalive = v == b"keep-alive" or (keepalive and v != b"close")
        if len(buf) < end + 4 + length:
            return count, buf, close, False     # the body is still coming
        buf = buf[end + 4 + length:]
        count += 1
        if not keepalive:
            return count, b"", True, False


def handle(c: net.Conn) -> None:
    buf = b""
    try:
        while True:
            data = c.read(65536)
            if not data:
                return
            buf += data
            n, buf, close, bad = split_requests(buf)
            if n:
                c.write(RESPONSE * n)
            if bad:
                c.write(BAD)
                return
            if close:
                return
    except OSError:
        pass
    finally:
        c.close()


def serve(ln: net.Listener) -> None:
    for c in ln:
        gmp.go(handle, c)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--addr", default="127.0.0.1:8080")
    a = ap.parse_args(argv)
    ln = net.listen("tcp", a.addr)
    print("listening on http://%s/ (GOMAXPROCS=%d)" % (ln.addr, gmp.runtime.gomaxprocs()),
          flush=True)
    serve(ln)
    return 0


if __name__ == "__main__":
    sys.exit(main())
