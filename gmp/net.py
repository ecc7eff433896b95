"""gmp.net: stream networking for goroutines, modelled on Go's net package.

    ln = gmp.net.listen("tcp", "127.0.0.1:8080")
    while True:
        c = ln.accept()                 # parks the goroutine, not the thread
        gmp.go(handle, c)

    c = gmp.net.dial("tcp", "example.com:80", timeout=5)
    c.write(b"...")                     # writes everything
    data = c.read(65536)                # b"" at end of stream

Every socket is non-blocking and registered with the runtime's netpoller
(an edge-triggered epoll instance): a call that would block parks only the
calling goroutine ("IO wait" in dumps). Called from a plain thread, the same
methods block that thread.

Errors are OpError, Go's *net.OpError, which prints as Go does
("read tcp 127.0.0.1:8080->127.0.0.1:50312: i/o timeout") and is also an
instance of the matching built-in exception: a passed deadline is a
TimeoutError, a closed connection a NetClosingError ("use of closed network
connection"), a refused dial a ConnectionRefusedError, a reset a
ConnectionResetError.

A failed lookup is a DNSError ("lookup nosuchhost.invalid: no such host"),
a port outside 0..65535 an AddrError ("address 73616: invalid port").

Deadlines are absolute time.time() values, as Go's are absolute times; one
too far away for the runtime's clock (inf, ~292 years) is no deadline, -inf
has passed, NaN is a ValueError. dial's timeout is seconds (None or 0: none).
Name resolution that is not numeric runs through gmp.syscall, so it does not
hold up the goroutine's P.
"""
from __future__ import annotations

import errno as _errno
import io as _io
import operator as _operator
import os as _os
import socket as _socket
import time as _time
from collections.abc import Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

from gmp._core import PollDesc, NetClosingError, DeadlineExceededError, syscall as _syscall

if TYPE_CHECKING:
    from typing_extensions import Buffer, Self

    # an address: "host:port" or (host, port) for tcp; a path for unix
    _Address = str | bytes | _os.PathLike[str] | _os.PathLike[bytes] | tuple[str, int | str]
    from typing import TypeAlias
    _Addr: TypeAlias = "TCPAddr | UnixAddr"

__all__ = [
    "listen", "dial", "Listener", "Conn", "OpError", "AddrError", "DNSError", "TCPAddr", "UnixAddr",
    "NetClosingError", "DeadlineExceededError", "ErrClosed",
]

ErrClosed = NetClosingError         # Go's net.ErrClosed


# ---- addresses ----------------------------------------------------------

class TCPAddr:
    """A TCP endpoint (Go's net.TCPAddr); str() is "ip:port" ("[ip]:port" for IPv6)."""
    __slots__ = ("ip", "port", "zone")
    network = "tcp"
    ip: str
    port: int
    zone: str

    def __init__(self, ip: str, port: int, zone: str = "") -> None:
        self.ip = ip
        self.port = port
        self.zone = zone

    def __str__(self) -> str:
        host = self.ip + ("%" + self.zone if self.zone else "")
        return ("[%s]:%d" if ":" in self.ip else "%s:%d") % (host, self.port)

    def __repr__(self) -> str:
        return "TCPAddr(%r, %d)" % (self.ip, self.port)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TCPAddr) and (self.ip, self.port, self.zone) == (
            other.ip, other.port, other.zone)

    def __hash__(self) -> int:
        return hash((self.ip, self.port, self.zone))


class UnixAddr:
    """A Unix-domain socket path (Go's net.UnixAddr)."""
    __slots__ = ("name",)
    network = "unix"
    name: str

    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return "UnixAddr(%r)" % (self.name,)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnixAddr) and self.name == other.name

    def __hash__(self) -> int:
        return hash(self.name)


def _mkaddr(family: int, sa: Any) -> TCPAddr | UnixAddr:
    if family == _socket.AF_UNIX:
        if isinstance(sa, bytes):
            sa = sa.decode("utf-8", "surrogateescape")
        return UnixAddr(sa or "")
    if family == _socket.AF_INET6:
        ip = sa[0]
        zone = ""
        if "%" in ip:
            ip, zone = ip.split("%", 1)
        if ip.startswith("::ffff:") and "." in ip:
            ip = ip[7:]                 # Go prints IPv4-mapped addresses as IPv4
        return TCPAddr(ip, sa[1], zone)
    return TCPAddr(sa[0], sa[1])


# ---- errors -------------------------------------------------------------

class AddrError(ValueError):
    """A malformed address (Go's *net.AddrError): "address x: missing port in address"."""

    def __init__(self, err: str, addr: str) -> None:
        super().__init__("address %s: %s" % (addr, err))
        self.err = err
        self.addr = addr


class DNSError(_socket.gaierror):
    """A failed name or service lookup (Go's *net.DNSError):
    "lookup nosuchhost.invalid: no such host". err is the reason, name what
    was looked up; is_not_found, is_temporary and is_timeout classify it.
    A socket.gaierror, so code that catches gaierror still does."""

    def __init__(self, err: str, name: str, server: str = "", errno: int | None = None,
                 is_not_found: bool = False, is_temporary: bool = False,
                 is_timeout: bool = False) -> None:
        super().__init__(errno, err)
        self.err = err
        self.name = name
        self.server = server
        self.is_not_found = is_not_found
        self.is_temporary = is_temporary
        self.is_timeout = is_timeout

    def __str__(self) -> str:
        s = "lookup " + self.name
        if self.server:
            s += " on " + self.server
        return s + ": " + self.err

    def timeout(self) -> bool:
        return self.is_timeout

    def temporary(self) -> bool:
        return self.is_timeout or self.is_temporary

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (_dnserror, (self.err, self.name, self.server, self.errno, self.is_not_found,
                            self.is_temporary, self.is_timeout))


def _dnserror(*args: Any) -> DNSError:
    return DNSError(*args)


class OpError(OSError):
    """A failed network operation (Go's *net.OpError). op is "read",
    "write", "dial", "accept", "listen" or "close"; err the underlying
    exception. The instance is also of err's built-in class."""

    def __init__(self, op: str, net: str, source: _Addr | None, addr: _Addr | None,
                 err: BaseException) -> None:
        no = getattr(err, "errno", None)
        # OSError's own __init__, not super(): in a class made by _operror
        # the next __init__ is err's class's, whose arguments differ
        OSError.__init__(self, no, _errtext(err))
        self.op = op
        self.net = net
        self.source = source
        self.addr = addr
        self.err = err

    def __str__(self) -> str:
        s = self.op
        if self.net:
            s += " " + self.net
        if self.source is not None:
            s += " " + str(self.source)
        if self.addr is not None:
            s += ("->" if self.source is not None else " ") + str(self.addr)
        return s + ": " + _errtext(self.err)

    def timeout(self) -> bool:
        return isinstance(self.err, TimeoutError)

    def __repr__(self) -> str:
        return "OpError(%r)" % (str(self),)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (_operror, (self.op, self.net, self.source, self.addr, self.err))


_opclasses: dict[type[BaseException], type[OpError]] = {}


def _operror(op: str, net: str, source: _Addr | None, addr: _Addr | None,
             err: BaseException) -> OpError:
    """An OpError that is also an instance of err's class (so that
    `except TimeoutError` and `except ConnectionResetError` work)."""
    base = type(err)
    if base is OSError or not issubclass(base, Exception):
        return OpError(op, net, source, addr, err)
    cls = _opclasses.get(base)
    if cls is None:
        cls = type("OpError", (OpError, base), {"__module__": __name__})
        _opclasses[base] = cls
    return cls(op, net, source, addr, err)


def _errtext(err: BaseException) -> str:
    """Go's text for an error: syscall errors lower-case, prefixed by the call."""
    if isinstance(err, (NetClosingError, DeadlineExceededError, DNSError)):
        return str(err)
    no = getattr(err, "errno", None)
    if isinstance(err, OSError) and no is not None:
        call = getattr(err, "_gmp_call", None)
        text = _os.strerror(no)
        text = text[:1].lower() + text[1:]
        return "%s: %s" % (call, text) if call else text
    return str(err)


def _syserr(no: int, call: str) -> OSError:
    e = OSError(no, _os.strerror(no))       # OSError picks the built-in subclass
    e._gmp_call = call  # type: ignore[attr-defined]
    return e


# ---- address parsing and resolution ----------------------------------------

_TCP = {"tcp": 0, "tcp4": _socket.AF_INET, "tcp6": _socket.AF_INET6}


def _splithostport(address: object) -> tuple[str, str | int]:
    """Go's net.SplitHostPort for a str; (host, port) tuples are taken as
    they are. Returns (host, port string or int)."""
    if isinstance(address, tuple):
        if len(address) != 2:
            raise TypeError("gmp.net: an address tuple is (host, port), not %d items" % len(address))
        host, port = address
        if not isinstance(host, str):
            raise TypeError("gmp.net: host must be a str, not %s" % type(host).__name__)
        if not isinstance(port, str):
            if isinstance(port, bool):
                raise TypeError("gmp.net: port must be an int or a str, not bool")
            try:
                port = _operator.index(port)
            except TypeError:
                raise TypeError("gmp.net: port must be an int or a str, not %s"
                                % type(port).__name__) from None
        return host, port
    if not isinstance(address, str):
        raise TypeError("gmp.net: address must be a str 'host:port' or a (host, port) tuple")
    i = address.rfind(":")
    if i < 0:
        raise AddrError("missing port in address", address)
    j = k = 0                   # no '[' before j, no ']' before k
    if address.startswith("["):
        end = address.find("]")
        if end < 0:
            raise AddrError("missing ']' in address", address)
        if end + 1 != i:
            if end + 1 < len(address) and address[end + 1] == ":":
                raise AddrError("too many colons in address", address)
            raise AddrError("missing port in address", address)
        host = address[1:end]
        j, k = 1, end + 1
    else:
        host = address[:i]
        if ":" in host:
            raise AddrError("too many colons in address", address)
    if "[" in address[j:]:
        raise AddrError("unexpected '[' in address", address)
    if "]" in address[k:]:
        raise AddrError("unexpected ']' in address", address)
    return host, address[i + 1:]


def _lookupport(network: str, service: str | int) -> int:
    """Go's LookupPort: a port number for a port string ("80", "+80", "",
    "http") or an int. Invariant: the result is in 0..65535; anything else
    is AddrError "address <port>: invalid port" (Go's wording), never a
    number the kernel would silently take modulo 65536."""
    if isinstance(service, int):
        port = service
    else:
        digits = service[1:] if service[:1] in ("+", "-") else service
        if digits == "" or (digits.isascii() and digits.isdigit()):
            # numeric, as Go's parsePort: ASCII digits after one optional
            # sign ("" is port 0); more than 6 significant digits is out of
            # range whatever follows (and int() is never given 4300 digits)
            digits = digits.lstrip("0")
            port = int(digits) if 0 < len(digits) <= 6 else (0 if not digits else 1 << 20)
            if service.startswith("-"):
                port = -port
        else:
            port = _lookupservice(network, service)
    if not 0 <= port <= 65535:
        raise AddrError("invalid port", str(service))
    return port


def _lookupservice(network: str, service: str) -> int:
    """A service name's port ("http" -> 80) from the services database;
    Go's DNSError "lookup tcp/<name>: unknown port" when there is none."""
    try:
        return _syscall(_socket.getservbyname, service.lower(), "tcp")
    except (OSError, ValueError):
        raise DNSError("unknown port", "tcp/" + service, is_not_found=True) from None


def _resolve(network: str, address: object, passive: bool) -> list[tuple[int, Any]]:
    """[(family, sockaddr)] for a TCP network and address."""
    if network not in _TCP:
        raise _unknown(network)
    host, port = _splithostport(address)
    port = _lookupport(network, port)
    fam = _TCP[network]
    if host == "" and passive:
        if fam == _socket.AF_INET:
            return [(fam, ("0.0.0.0", port))]
        if fam == _socket.AF_INET6 or _socket.has_ipv6:
            return [(_socket.AF_INET6, ("::", port))]
        return [(_socket.AF_INET, ("0.0.0.0", port))]
    if host == "":
        host = "127.0.0.1" if fam != _socket.AF_INET6 else "::1"
    if "\0" in host:
        # getaddrinfo would see the name cut at the NUL ("127.0.0.1\0x" is
        # 127.0.0.1); Go finds no such host for a name that is no domain name
        raise DNSError("no such host", host, is_not_found=True)
    flags = _socket.AI_PASSIVE if passive else 0
    try:
        infos = _socket.getaddrinfo(host, port, fam, _socket.SOCK_STREAM, 0,
                                    flags | _socket.AI_NUMERICHOST)
    except (OSError, ValueError):
        if fam and _isip(host):
            # an IP literal of the other family ("::1" for tcp4): Go's wording
            raise AddrError("no suitable address found", host) from None
        # a name: resolution may block on the network, so it moves off the P
        infos = _lookuphost(host, port, fam, flags)
    return [(i[0], i[4]) for i in infos]


def _lookuphost(host: str, port: int, fam: int, flags: int) -> list[tuple[Any, ...]]:
    """getaddrinfo for a host name, off the P. Its failures are Go's
    *net.DNSError, worded as Go's resolver that calls getaddrinfo words them:
    "lookup <host>: no such host" for a name that does not exist, the
    errno's text for a system error, getaddrinfo's own text otherwise
    ("Temporary failure in name resolution" for EAI_AGAIN, temporary())."""
    try:
        return _syscall(_socket.getaddrinfo, host, port, fam, _socket.SOCK_STREAM, 0, flags)
    except _socket.gaierror as e:
        no = e.errno
        if no in _EAI_NOTFOUND:
            raise DNSError("no such host", host, errno=no, is_not_found=True) from None
        raise DNSError(e.strerror or str(e), host, errno=no,
                       is_temporary=no == _EAI_AGAIN) from None
    except UnicodeError:
        # not a valid domain name (an empty or over-long label): Go reports
        # such a name as not found without asking anyone
        raise DNSError("no such host", host, is_not_found=True) from None
    except OSError as e:
        # EAI_SYSTEM: CPython raises the errno's OSError
        raise DNSError(_errtext(e), host, errno=getattr(_socket, "EAI_SYSTEM", None)) from None
    except ValueError:
        raise DNSError("no such host", host, is_not_found=True) from None


def _isip(host: str) -> bool:
    for f in (_socket.AF_INET, _socket.AF_INET6):
        try:
            _socket.inet_pton(f, host.split("%", 1)[0])
            return True
        except (OSError, ValueError):
            pass
    return False


_EAI_NOTFOUND = {getattr(_socket, n) for n in ("EAI_NONAME", "EAI_NODATA") if hasattr(_socket, n)}
_EAI_AGAIN = getattr(_socket, "EAI_AGAIN", None)


class _UnknownNetwork(ValueError):
    pass


def _unknown(network: object) -> _UnknownNetwork:
    return _UnknownNetwork("unknown network " + str(network))


def _newsock(family: int) -> _socket.socket:
    return _socket.socket(family, _socket.SOCK_STREAM | _socket.SOCK_NONBLOCK | _socket.SOCK_CLOEXEC)


# ---- connections ----------------------------------------------------------

# One read returns at most what the socket's receive buffer holds, so a
# larger n is capped: the buffer for n bytes is allocated before the read
# (and kept while the goroutine is parked), so read(2**40) used to be a
# MemoryError and read(2**30) a GiB held per parked reader.
_READMAX = 16 << 20


class Conn:
    """A stream connection (Go's net.Conn). Only one goroutine may be
    blocked reading, and one writing, at a time."""
    __slots__ = ("_sock", "_pd", "_net", "_laddr", "_raddr", "__weakref__")

    _sock: _socket.socket
    _pd: PollDesc
    _net: str
    _laddr: _Addr | None
    _raddr: _Addr | None

    def __init__(self, sock: _socket.socket, net: str, raddr: _Addr | None = None,
                 pd: PollDesc | None = None) -> None:
        self._sock = sock
        self._pd = pd if pd is not None else PollDesc(sock.fileno())
        self._net = net
        self._laddr = None
        self._raddr = raddr

    def read(self, n: int = 65536) -> bytes:
        """Reads up to n bytes, parking until some arrive; b"" at end of stream."""
        if n > _READMAX:
            n = _READMAX
        try:
            return self._pd.read(n)
        except OSError as e:
            raise self._err("read", e) from None
        except OverflowError:
            # only a negative n too large for ssize_t gets here
            raise ValueError("gmp: negative read size") from None

    def readinto(self, buf: Buffer) -> int:
        """Reads into a writable buffer; returns the count (0 at end of stream)."""
        try:
            return self._pd.readinto(buf)
        except OSError as e:
            raise self._err("read", e) from None

    def write(self, data: Buffer) -> int:
        """Writes all of data (parking while the send buffer is full); returns len(data)."""
        try:
            return self._pd.write(data)
        except OSError as e:
            raise self._err("write", e) from None

    def close(self) -> None:
        """Closes the connection; blocked reads and writes raise NetClosingError.
        Unlike Go's Close, closing twice is not an error (Python's convention)."""
        if self._pd.closed:
            return
        if self._laddr is None:
            try:
                self.local_addr     # kept for error messages after the close
            except OSError:
                pass
        self._pd.close()
        self._sock.close()

    def close_write(self) -> None:
        """Shuts down the writing side (Go's TCPConn.CloseWrite)."""
        self._pd.check(True)
        try:
            self._sock.shutdown(_socket.SHUT_WR)
        except OSError as e:
            raise self._err("close", e) from None

    def set_deadline(self, t: float | None) -> None:
        """Sets the read and write deadlines (absolute time.time(); None clears)."""
        self._pd.set_deadline(t)

    def set_read_deadline(self, t: float | None) -> None:
        self._pd.set_deadline(t, True, False)

    def set_write_deadline(self, t: float | None) -> None:
        self._pd.set_deadline(t, False, True)

    @property
    def local_addr(self) -> _Addr:
        if self._laddr is None:
            self._laddr = _mkaddr(self._sock.family, self._sock.getsockname())
        return self._laddr

    @property
    def remote_addr(self) -> _Addr:
        if self._raddr is None:
            self._raddr = _mkaddr(self._sock.family, self._sock.getpeername())
        return self._raddr

    @property
    def closed(self) -> bool:
        return self._pd.closed

    @property
    def socket(self) -> _socket.socket:
        """The underlying (non-blocking) socket, for socket options."""
        return self._sock

    def fileno(self) -> int:
        return self._sock.fileno()

    def makefile(self, mode: str = "rb", buffering: int | None = -1, encoding: str | None = None,
                 errors: str | None = None, newline: str | None = None) -> _io.IOBase:
        """A file object over the connection, as socket.makefile: "rb" gives
        a BufferedReader (readline() for line protocols), "wb" a
        BufferedWriter, "rwb" both; add no "b" for text."""
        if not set(mode) <= {"r", "w", "b"}:
            raise ValueError("invalid mode %r (only r, w, b allowed)" % (mode,))
        reading, writing, binary = "r" in mode, "w" in mode, "b" in mode
        if not (reading or writing):
            raise ValueError("mode must include r or w")
        raw = _ConnIO(self, reading, writing)
        if buffering is None or buffering < 0:
            buffering = _io.DEFAULT_BUFFER_SIZE
        if buffering == 0:
            if not binary:
                raise ValueError("unbuffered streams must be binary")
            return raw
        buf: _io.BufferedIOBase
        if reading and writing:
            buf = _io.BufferedRWPair(raw, raw, buffering)
        elif reading:
            buf = _io.BufferedReader(raw, buffering)
        else:
            buf = _io.BufferedWriter(raw, buffering)
        if binary:
            return buf
        text = _io.TextIOWrapper(buf, encoding, errors, newline, write_through=True)  # type: ignore[type-var]  # as socket.makefile
        text.mode = mode  # type: ignore[misc]  # as socket.makefile sets it
        return text

    def _err(self, op: str, e: BaseException) -> OpError:
        if isinstance(e, OpError):
            return e
        if not isinstance(e, (NetClosingError, DeadlineExceededError)) and getattr(e, "errno", None):
            e._gmp_call = op  # type: ignore[attr-defined]
        src: _Addr | None
        dst: _Addr | None
        try:
            src, dst = self.local_addr, self.remote_addr
        except OSError:
            src, dst = None, self._raddr
        return _operror(op, self._net, src, dst, e)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, t: type[BaseException] | None, v: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._pd.closed else "fd=%d" % self._pd.fd
        return "<gmp.net.Conn %s %s>" % (self._net, state)


class _ConnIO(_io.RawIOBase):
    """Raw I/O over a Conn, for makefile()."""

    def __init__(self, conn: Conn, reading: bool, writing: bool) -> None:
        super().__init__()
        self._conn = conn
        self._reading = reading
        self._writing = writing

    def readable(self) -> bool:
        return self._reading

    def writable(self) -> bool:
        return self._writing

    def readinto(self, b: Buffer) -> int:
        return self._conn.readinto(b)

    def write(self, b: Buffer) -> int:
        return self._conn.write(b)

    def fileno(self) -> int:
        return self._conn.fileno()


class Listener:
    """A stream listener (Go's net.Listener)."""
    __slots__ = ("_sock", "_pd", "_net", "_addr", "_unlink")

    _sock: _socket.socket
    _pd: PollDesc
    _net: str
    _addr: _Addr
    _unlink: str | bytes | None

    def __init__(self, sock: _socket.socket, net: str, unlink: str | bytes | None = None) -> None:
        self._sock = sock
        self._pd = PollDesc(sock.fileno())
        self._net = net
        self._addr = _mkaddr(sock.family, sock.getsockname())
        self._unlink = unlink

    @property
    def addr(self) -> _Addr:
        return self._addr

    def accept(self) -> Conn:
        """Waits for the next connection; returns a Conn."""
        sock = self._sock
        pd = self._pd
        while True:
            try:
                pd.check()
                fd, sa = sock._accept()  # type: ignore[attr-defined]
                break
            except BlockingIOError:
                try:
                    pd.wait_read()
                except OSError as e:
                    raise _operror("accept", self._net, None, self._addr, e) from None
            except InterruptedError:
                continue
            except OSError as e:
                if e.errno in (_errno.ECONNABORTED, _errno.EPROTO):
                    continue            # the peer gave up before we took it (Go retries too)
                if not isinstance(e, (NetClosingError, DeadlineExceededError)):
                    e._gmp_call = "accept"  # type: ignore[attr-defined]
                raise _operror("accept", self._net, None, self._addr, e) from None
        c = _socket.socket(sock.family, _socket.SOCK_STREAM, 0, fileno=fd)
        try:
            c.setblocking(False)
            if sock.family != _socket.AF_UNIX:
                c.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
            return Conn(c, self._net, _mkaddr(sock.family, sa) if sa else None)
        except BaseException:
            c.close()
            raise

    def set_deadline(self, t: float | None) -> None:
        """A deadline for accept (Go's TCPListener.SetDeadline)."""
        self._pd.set_deadline(t, True, False)

    def close(self) -> None:
        """Stops listening; a blocked accept raises NetClosingError. Idempotent."""
        if self._pd.closed:
            return
        self._pd.close()
        self._sock.close()
        if self._unlink:
            try:
                _os.unlink(self._unlink)
            except OSError:
                pass

    @property
    def closed(self) -> bool:
        return self._pd.closed

    def fileno(self) -> int:
        return self._sock.fileno()

    def __iter__(self) -> Iterator[Conn]:
        """Accepts connections until the listener is closed."""
        while True:
            try:
                yield self.accept()
            except NetClosingError:
                return

    def __enter__(self) -> Self:
        return self

    def __exit__(self, t: type[BaseException] | None, v: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return "<gmp.net.Listener %s %s>" % (self._net, self._addr)


def _somaxconn() -> int:
    try:
        with open("/proc/sys/net/core/somaxconn") as f:
            return max(int(f.read().strip()), 128)
    except (OSError, ValueError):
        return 4096


def _unixpath(address: Any) -> str | bytes:
    """A unix socket address as a str or bytes path (os.PathLike accepted)."""
    try:
        return _os.fspath(address)  # type: ignore[no-any-return]  # address: Any
    except TypeError:
        raise TypeError("gmp.net: a unix address is a path (str, bytes or os.PathLike), not %s"
                        % type(address).__name__) from None


def _checknul(path: str | bytes, call: str) -> None:
    """A NUL after the first byte is EINVAL: the kernel would silently cut
    the path there (a leading NUL is Linux's abstract namespace)."""
    if ("\0" if isinstance(path, str) else b"\0") in path[1:]:  # type: ignore[operator]
        raise _syserr(_errno.EINVAL, call)


def _backlog(backlog: int | None) -> int:
    """listen's backlog: None for the system's maximum; an int, clamped to
    0..2**31-1 (the kernel clamps it to somaxconn in any case)."""
    if backlog is None:
        return _somaxconn()
    if isinstance(backlog, bool):
        raise TypeError("gmp.net: backlog must be an int, not bool")
    try:
        backlog = _operator.index(backlog)
    except TypeError:
        raise TypeError("gmp.net: backlog must be an int, not %s" % type(backlog).__name__) from None
    return max(0, min(backlog, 0x7fffffff))


def listen(network: str, address: _Address, backlog: int | None = None) -> Listener:
    """Listens on address: network "tcp", "tcp4", "tcp6" with "host:port"
    (":0" picks a port, "" listens on every interface), or "unix" with a
    path. Returns a Listener. Mirrors Go's net.Listen."""
    backlog = _backlog(backlog)
    if network == "unix":
        address = _unixpath(address)
        sock = _newsock(_socket.AF_UNIX)
        try:
            _checknul(address, "bind")
            sock.bind(address)
            sock.listen(backlog)
            return Listener(sock, network, unlink=address if address[:1] not in ("\0", b"\0")
                            else None)
        except (OSError, ValueError) as e:
            sock.close()
            e._gmp_call = "bind"  # type: ignore[union-attr]
            raise _operror("listen", network, None, _mkaddr(_socket.AF_UNIX, address), e) from None
        except BaseException:
            sock.close()            # a TypeError for a path that is no path
            raise
    try:
        addrs = _resolve(network, address, True)
    except (OSError, ValueError) as e:
        raise _operror("listen", network, None, None, e) from None
    # Invariant (Go's Listen): a listener binds exactly one address, the
    # first IPv4 one the name resolves to, else the first one. getaddrinfo's
    # order is not it: where /etc/hosts lists "::1 localhost" first (or
    # gai.conf's precedence puts ::1 ahead), "localhost:0" bound [::1] and a
    # client dialling 127.0.0.1 was refused. Nor is a bind failure retried
    # on the next address: "localhost:8080" in use on 127.0.0.1 is an
    # error, not a silent listener on [::1]:8080.
    fam, sa = _firstipv4(addrs)
    sock = _newsock(fam)
    try:
        sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, 1)
        if fam == _socket.AF_INET6 and network == "tcp" and sa[0] == "::":
            sock.setsockopt(_socket.IPPROTO_IPV6, _socket.IPV6_V6ONLY, 0)
        sock.bind(sa)
        sock.listen(backlog)
        return Listener(sock, network)
    except OSError as e:
        sock.close()
        e._gmp_call = "bind"  # type: ignore[attr-defined]
        raise _operror("listen", network, None, _mkaddr(fam, sa[:2]), e) from None
    except BaseException:
        sock.close()
        raise


_V4MAPPED = b"\0" * 10 + b"\xff\xff"


def _isipv4(fam: int, sa: Any) -> bool:
    """Go's isIPv4: an IPv4 address, or one mapped into IPv6 (::ffff:a.b.c.d)."""
    if fam == _socket.AF_INET:
        return True
    if fam != _socket.AF_INET6:
        return False
    try:
        return _socket.inet_pton(fam, sa[0].split("%", 1)[0])[:12] == _V4MAPPED
    except (OSError, ValueError):
        return False


def _firstipv4(addrs: list[tuple[int, Any]]) -> tuple[int, Any]:
    """The first IPv4 (family, sockaddr) of addrs, else the first one."""
    for fam, sa in addrs:
        if _isipv4(fam, sa):
            return fam, sa
    return addrs[0]


def _dialdeadline(timeout: float | None) -> float | None:
    """The absolute deadline for dial's timeout: None for no timeout (None,
    or 0 as Go's Dialer.Timeout), inf for one too large to matter; a
    negative timeout has already passed. NaN and non-numbers are errors."""
    if timeout is None:
        return None
    if isinstance(timeout, (bool, str, bytes, bytearray)):
        raise TypeError("gmp.net: dial timeout must be seconds or None, not %s"
                        % type(timeout).__name__)
    try:
        t = float(timeout)
    except OverflowError:               # an int beyond float range
        t = float("inf") if timeout > 0 else float("-inf")
    if t != t:
        raise ValueError("gmp.net: dial timeout is NaN")
    if t == 0:
        return None
    return _time.time() + t


def dial(network: str, address: _Address, timeout: float | None = None) -> Conn:
    """Connects to address ("host:port" for tcp/tcp4/tcp6, a path for unix)
    and returns a Conn, trying each resolved address in turn. timeout (seconds)
    bounds the whole dial; None or 0 is none, as in Go. Mirrors Go's
    net.Dial / DialTimeout."""
    deadline = _dialdeadline(timeout)
    if network == "unix":
        address = _unixpath(address)
        return _connect(_socket.AF_UNIX, address, network, _mkaddr(_socket.AF_UNIX, address),
                        deadline)
    try:
        addrs = _resolve(network, address, False)
    except (OSError, ValueError) as e:
        raise _operror("dial", network, None, None, e) from None
    first = None
    for fam, sa in addrs:
        try:
            return _connect(fam, sa, network, _mkaddr(fam, sa), deadline)
        except OpError as e:
            if first is None:
                first = e
            if isinstance(e, TimeoutError):
                break
    raise first  # type: ignore[misc]  # set: _resolve returns at least one address


def _connect(fam: int, sa: Any, network: str, raddr: _Addr, deadline: float | None) -> Conn:
    if deadline is not None and deadline <= _time.time():
        # Go checks the deadline before each address: none is tried
        raise _operror("dial", network, None, raddr, DeadlineExceededError())
    sock = _newsock(fam)
    pd = None
    try:
        if fam == _socket.AF_UNIX:
            _checknul(sa, "connect")
        pd = PollDesc(sock.fileno())
        err = sock.connect_ex(sa)
        if err in (_errno.EINPROGRESS, _errno.EALREADY, _errno.EINTR):
            if deadline is not None:
                pd.set_deadline(deadline, False, True)
            pd.wait_write()
            err = pd.connect_error()
        elif err == _errno.EAGAIN and fam == _socket.AF_UNIX:
            raise _syserr(err, "connect")   # a full unix backlog (Go reports it too)
        if err:
            raise _syserr(err, "connect")
        pd.set_deadline(None)
        if fam != _socket.AF_UNIX:
            sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
        return Conn(sock, network, raddr, pd)
    except (OSError, ValueError) as e:
        if pd is not None:
            pd.close()
        sock.close()
        raise _operror("dial", network, None, raddr, e) from None
    except BaseException:
        if pd is not None:
            pd.close()
        sock.close()
        raise
