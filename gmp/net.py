"""gmp.net: stream networking for goroutines, modelled on Go's net package.

A server and a client::

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

Errors are OpError, Go's ``*net.OpError``, which prints as Go does
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

from gmp._core import PollDesc, NetClosingError, DeadlineExceededError
from gmp._netaddr import TCPAddr, UnixAddr, AddrError, DNSError, OpError
from gmp._netaddr import _mkaddr, _operror, _resolve, _syserr

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


def _newsock(family: int) -> _socket.socket:
    return _socket.socket(family, _socket.SOCK_STREAM | _socket.SOCK_NONBLOCK | _socket.SOCK_CLOEXEC)


class _Closer:
    """``with x:`` closes x when the block ends (Conn, Listener)."""
    __slots__ = ()

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, t: type[BaseException] | None, v: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


# ---- connections ----------------------------------------------------------

# One read returns at most what the socket's receive buffer holds, so a
# larger n is capped: the buffer for n bytes is allocated before the read
# (and kept while the goroutine is parked), so read(2**40) used to be a
# MemoryError and read(2**30) a GiB held per parked reader.
_READMAX = 16 << 20


class Conn(_Closer):
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


class Listener(_Closer):
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
