"""TCP echo servers for python -m bench.echo, one per runtime, run as
`python -m bench.echo.servers KIND PORT`. Each prints "LISTENING <port>"
once it accepts, then serves until killed: read up to 65536 bytes, write
back what was read, one goroutine / greenlet / task / thread per
connection, backlog 4096. Nothing else: no logging, no limits."""
import os
import sys

BACKLOG = 4096


def ready(port):
    sys.stdout.write("LISTENING %d\n" % port)
    sys.stdout.flush()


def serve_gmp(port):
    import gmp
    import gmp.net as net
    ln = net.listen("tcp", "127.0.0.1:%d" % port, backlog=BACKLOG)
    ready(ln.addr.port)

    def handle(c):
        try:
            _echo(c.read, c.write)
        finally:
            c.close()
    for c in ln:
        gmp.go(handle, c)


def _echo(read, write):
    """The blocking echo loop: gmp's Conn, or a socket (gevent, threads)."""
    try:
        while True:
            data = read(65536)
            if not data:
                break
            write(data)
    except OSError:
        pass


def _socket_echo(sock):
    _echo(sock.recv, sock.sendall)


def serve_gevent(port):
    def handle(sock, addr):
        try:
            _socket_echo(sock)
        finally:
            sock.close()
    _gevent_serve(port, handle)


def _gevent_serve(port, handle):
    from gevent.server import StreamServer
    srv = StreamServer(("127.0.0.1", port), handle, backlog=BACKLOG)
    srv.init_socket()
    ready(srv.address[1])
    srv.serve_forever()


async def _asyncio_serve(port, handle):
    import asyncio
    srv = await asyncio.start_server(handle, "127.0.0.1", port, backlog=BACKLOG)
    ready(srv.sockets[0].getsockname()[1])
    async with srv:
        await srv.serve_forever()


async def _asyncio_echo(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()


def serve_asyncio(port):
    import asyncio
    asyncio.run(_asyncio_serve(port, _asyncio_echo))


def serve_uvloop(port):
    import uvloop
    uvloop.run(_asyncio_serve(port, _asyncio_echo))


def serve_threading(port):
    import socketserver

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            _socket_echo(self.request)

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True
        request_queue_size = BACKLOG
    srv = Server(("127.0.0.1", port), Handler)
    ready(srv.server_address[1])
    srv.serve_forever()


# ---- HTTP/1.1 hello (python -m bench.echo --http) ---------------------------

_example_mod = None


def _example():
    """examples/http_hello.py, loaded once (its parser and fixed response)."""
    global _example_mod
    if _example_mod is not None:
        return _example_mod
    import importlib.util
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), "examples", "http_hello.py")
    spec = importlib.util.spec_from_file_location("http_hello", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    _example_mod = mod
    return mod


def serve_http_gmp(port):
    import gmp.net as net
    ex = _example()
    ln = net.listen("tcp", "127.0.0.1:%d" % port, backlog=BACKLOG)
    ready(ln.addr.port)
    ex.serve(ln)


def serve_http_gevent(port):
    ex = _example()

    def handle(sock, addr):
        buf = b""
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                buf += data
                n, buf, close, bad = ex.split_requests(buf)
                if n:
                    sock.sendall(ex.RESPONSE * n)
                if bad or close:
                    break
        except OSError:
            pass
        finally:
            sock.close()
    _gevent_serve(port, handle)


async def _asyncio_http(reader, writer):
    ex = _example()
    buf = b""
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            buf += data
            n, buf, close, bad = ex.split_requests(buf)
            if n:
                writer.write(ex.RESPONSE * n)
                await writer.drain()
            if bad or close:
                break
    except OSError:
        pass
    finally:
        writer.close()


def serve_http_uvloop(port):
    import uvloop
    _example()              # loaded before the RSS baseline, as for the others
    uvloop.run(_asyncio_serve(port, _asyncio_http))


def serve_http_asyncio(port):
    import asyncio
    _example()              # loaded before the RSS baseline, as for the others
    asyncio.run(_asyncio_serve(port, _asyncio_http))


SERVERS = {
    "gmp": serve_gmp,
    "gevent": serve_gevent,
    "asyncio": serve_asyncio,
    "uvloop": serve_uvloop,
    "threading": serve_threading,
    "http-gmp": serve_http_gmp,
    "http-gevent": serve_http_gevent,
    "http-asyncio": serve_http_asyncio,
    "http-uvloop": serve_http_uvloop,
}

if __name__ == "__main__":
    SERVERS[sys.argv[1]](int(sys.argv[2]))
