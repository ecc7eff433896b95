"""gmp.monkey: make unmodified blocking stdlib code cooperative in goroutines.

Patch once, early::

    import gmp.monkey
    gmp.monkey.patch_all()      # before the code that creates sockets

After patching, inside a goroutine:

- time.sleep parks the goroutine (gmp.sleep);
- socket.socket objects keep their blocking/timeout semantics but a call
  that would block parks the goroutine on the netpoller instead of
  blocking its thread (socket.timeout is still raised on time);
- getaddrinfo and the other resolver calls run through gmp.syscall;
- select.select and the selectors module's select() hand a blocking wait
  to gmp.syscall (socketserver's serve_forever loop waits that way).

Outside goroutines (plain threads, or before the runtime starts) every
patched call behaves as the original: sockets block the thread (through
poll(2), since the fd itself is kept non-blocking).

Sockets that existed before patching, and ssl sockets created by an ssl
module imported before patching, are not affected.
"""
from __future__ import annotations

import _socket as _csocket
import errno as _errno
import os as _os
import selectors as _selectors
import select as _select
import socket as _socket
import time as _time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gmp._core import PollDesc, DeadlineExceededError, in_goroutine, sleep as _gsleep, \
    syscall as _syscall

if TYPE_CHECKING:
    from typing_extensions import Buffer

__all__ = ["patch_all", "patch_time", "patch_socket", "patch_select"]

_saved: dict[tuple[object, str], Any] = {}


def _save(obj: object, name: str) -> Any:
    key = (obj, name)
    if key not in _saved:
        _saved[key] = getattr(obj, name)
    return _saved[key]


# ---- time -----------------------------------------------------------------

def patch_time() -> None:
    """time.sleep parks the calling goroutine; plain threads sleep as before."""
    orig = _save(_time, "sleep")

    def sleep(secs: Any) -> None:        # what time.sleep takes
        if in_goroutine() and secs is not None:
            # CPython's checks and messages first (a str, NaN, inf, -1 are
            # errors there too); then the goroutine parks
            try:
                secs = _timeout_value(secs)
            except ValueError as e:
                if str(e) == _OUT_OF_RANGE:
                    raise ValueError("sleep length must be non-negative") from None
                raise
            _gsleep(secs)
        else:
            orig(secs)
    sleep.__doc__ = orig.__doc__
    sleep.__wrapped__ = orig  # type: ignore[attr-defined]
    _time.sleep = sleep


# ---- socket ---------------------------------------------------------------

_OUT_OF_RANGE = "Timeout value out of range"


def _timeout_value(value: float | None) -> float | None:
    """value as CPython's socket.settimeout takes it: None, or float seconds,
    with CPython's own errors for the rest (TypeError for a str,
    ValueError for NaN or a negative value, OverflowError beyond its clock's
    range, inf included), whatever the Python version. The check is done
    by a socket object that has no fd: its settimeout parses the value,
    stores it, then fails to apply it to the fd with EBADF."""
    if value is None:
        return None
    probe = _csocket.socket.__new__(_csocket.socket)
    try:
        probe.settimeout(value)
    except OSError:
        pass                    # parsed and stored; only the fd was missing
    return probe.gettimeout()

_RealSocket = _socket.socket


class socket(_RealSocket):
    """socket.socket whose blocking calls park the calling goroutine.
    The fd is always non-blocking; the Python-level timeout (None, 0.0 or
    seconds) is kept here and applied per call, as gevent does."""
    __slots__ = ("_gmp_timeout", "_gmp_pd")

    _gmp_timeout: float | None
    _gmp_pd: PollDesc | None

    def __init__(self, family: int = -1, type: int = -1, proto: int = -1,
                 fileno: int | None = None) -> None:
        super().__init__(family, type, proto, fileno)
        self._gmp_pd = None
        self._gmp_timeout = _RealSocket.gettimeout(self)
        _RealSocket.setblocking(self, False)

    # the Python-level timeout
    def settimeout(self, value: float | None) -> None:
        # Invariant: _gmp_timeout is what the unpatched socket would hold:
        # None, 0.0 or a positive float below CPython's clock limit. A value
        # CPython rejects (inf, "5", NaN) is rejected here with its error;
        # accepted as a float, inf used to time out at once.
        self._gmp_timeout = _timeout_value(value)

    def gettimeout(self) -> float | None:
        return self._gmp_timeout

    def setblocking(self, flag: bool) -> None:
        self._gmp_timeout = None if flag else 0.0

    def getblocking(self) -> bool:
        return self._gmp_timeout != 0.0

    @property
    def timeout(self) -> float | None:
        return self._gmp_timeout

    # waiting
    def _wait(self, write: bool) -> None:
        """Waits until the fd may be ready, honouring the timeout; raises
        socket.timeout ("timed out") when it passes."""
        t = self._gmp_timeout
        if t == 0.0:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        pd = self._pd()
        if pd is None:
            raise OSError(_errno.EBADF, _os.strerror(_errno.EBADF))
        if t is not None:
            pd.set_deadline(_time.time() + t, not write, write)
        try:
            if write:
                pd.wait_write()
            else:
                pd.wait_read()
        except DeadlineExceededError:
            raise _socket.timeout("timed out") from None
        finally:
            if t is not None:
                pd.set_deadline(None, not write, write)

    def _closepd(self) -> None:
        pd = self._gmp_pd
        if pd is not None:
            self._gmp_pd = None
            pd.close()

    def _real_close(self, _ss: Any = _csocket.socket) -> None:
        self._closepd()
        super()._real_close(_ss)  # type: ignore[misc]  # socket.socket's, not in typeshed

    def detach(self) -> int:
        self._closepd()
        return super().detach()

    def dup(self) -> socket:
        fd = _socket.dup(self.fileno())
        s = self.__class__(self.family, self.type, self.proto, fileno=fd)
        s.settimeout(self.gettimeout())
        return s

    # blocking calls (a deadline for the whole call, as CPython's sock_call)
    def _call(self, write: bool, fn: Callable[..., Any], *args: Any) -> Any:
        deadline = None
        while True:
            try:
                return fn(*args)
            except (BlockingIOError, InterruptedError):
                if self._gmp_timeout == 0.0:
                    raise
            t = self._gmp_timeout
            if t is not None:
                if deadline is None:
                    deadline = _time.monotonic() + t
                self._within(deadline, self._wait, write)
            else:
                self._wait(write)

    def _within(self, deadline: float, fn: Callable[..., Any], *args: Any) -> Any:
        """fn(*args) with the timeout narrowed to what is left until deadline."""
        left = deadline - _time.monotonic()
        if left <= 0:
            raise _socket.timeout("timed out")
        saved = self._gmp_timeout
        self._gmp_timeout = left
        try:
            return fn(*args)
        finally:
            self._gmp_timeout = saved

    def _accept(self) -> Any:      # (fd, address), as _socket.socket._accept
        return self._call(False, _csocket.socket._accept, self)  # type: ignore[attr-defined]

    def accept(self) -> tuple[socket, Any]:
        fd, addr = self._accept()
        sock = self.__class__(self.family, self.type, self.proto, fileno=fd)
        if _socket.getdefaulttimeout() is None and self.gettimeout():
            sock.setblocking(True)
        return sock, addr

    # recv, recv_into and sendall in their common forms (no flags) go
    # straight to the PollDesc: one recv(2)/send(2) in C and, on EAGAIN, a
    # park with the socket's timeout applied in C. The general path below
    # raises and catches a BlockingIOError (whose message CPython decodes
    # from strerror) through three Python frames per wait.
    def _pd(self) -> PollDesc | None:
        """The PollDesc of an open fd, made on first use; None once closed."""
        pd = self._gmp_pd
        if pd is None or pd.closed:
            fd = self.fileno()
            if fd < 0:
                return None
            pd = self._gmp_pd = PollDesc(fd)
        return pd

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        if flags == 0 and type(bufsize) is int and bufsize > 0:
            pd = self._pd()
            if pd is not None:
                return pd.read(bufsize, self._gmp_timeout)
        return self._call(False, _csocket.socket.recv, self, bufsize, flags)  # type: ignore[no-any-return]

    def recv_into(self, buffer: Buffer, nbytes: int = 0, flags: int = 0) -> int:
        if nbytes == 0 and flags == 0:
            pd = self._pd()
            if pd is not None:
                return pd.readinto(buffer, self._gmp_timeout)
        return self._call(False, _csocket.socket.recv_into, self, buffer, nbytes, flags)  # type: ignore[no-any-return]

    def sendall(self, data: Buffer, flags: int = 0) -> None:
        if flags == 0:
            pd = self._pd()
            if pd is not None:
                pd.write(data, self._gmp_timeout)
                return
        view = memoryview(data).cast("B")
        total = len(view)
        sent = 0
        deadline = None if self._gmp_timeout in (None, 0.0) else \
            _time.monotonic() + self._gmp_timeout
        while sent < total:
            if deadline is not None:
                sent += self._within(deadline, self.send, view[sent:], flags)
            else:
                sent += self.send(view[sent:], flags)

    def connect(self, address: Any) -> None:
        err = self.connect_ex(address)
        if err:
            raise OSError(err, _os.strerror(err))

    def connect_ex(self, address: Any) -> int:
        if isinstance(address, tuple) and len(address) >= 2 and self.family in (
                _socket.AF_INET, _socket.AF_INET6):
            host = address[0]
            try:
                _socket.inet_pton(self.family, host.split("%")[0])
            except (OSError, ValueError, AttributeError):
                if isinstance(host, (str, bytes, bytearray)):
                    # a name: resolve it without blocking the P, as connect
                    # would. Only the host: the port stays the caller's, for
                    # connect_ex to check as CPython does (getaddrinfo took
                    # port 73616 as 8080, and "80" as 80)
                    info = getaddrinfo(host, None, self.family, _socket.SOCK_STREAM)
                    address = (info[0][4][0],) + tuple(address[1:])
        err = super().connect_ex(address)
        if err not in (11, 115, 114, 4):       # EAGAIN, EINPROGRESS, EALREADY, EINTR
            return err
        if self._gmp_timeout == 0.0:
            return err
        try:
            self._wait(True)
        except _socket.timeout:
            raise
        return self.getsockopt(_socket.SOL_SOCKET, _socket.SO_ERROR)

    def sendfile(self, file: Any, offset: int = 0, count: int | None = None) -> int:
        return self._sendfile_use_send(file, offset, count)  # type: ignore[attr-defined, no-any-return]


def _blocking(name: str, write: bool) -> Callable[..., Any]:
    """A method that calls _socket.socket's `name` as a blocking call."""
    base = getattr(_csocket.socket, name)

    def method(self: socket, *args: Any) -> Any:
        return self._call(write, base, self, *args)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = base.__doc__
    return method


for _name, _write in (("recvfrom", False), ("recvfrom_into", False), ("send", True),
                      ("sendto", True)):
    setattr(socket, _name, _blocking(_name, _write))
del _name, _write
socket.recv.__doc__ = _csocket.socket.recv.__doc__
socket.recv_into.__doc__ = _csocket.socket.recv_into.__doc__


def _numeric(host: object) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    for fam in (_socket.AF_INET, _socket.AF_INET6):
        try:
            _socket.inet_pton(fam, host.split("%")[0])
            return True
        except (OSError, ValueError):
            pass
    return False


def _resolver(name: str) -> Callable[..., Any]:
    orig = _save(_socket, name)

    def f(*args: Any, **kwargs: Any) -> Any:
        # a numeric address resolves without any I/O: no hand-off needed
        if in_goroutine() and not (name == "getaddrinfo" and _numeric(
                args[0] if args else kwargs.get("host"))):
            return _syscall(orig, *args, **kwargs)
        return orig(*args, **kwargs)
    f.__name__ = name
    f.__doc__ = orig.__doc__
    f.__wrapped__ = orig  # type: ignore[attr-defined]
    return f


getaddrinfo = _resolver("getaddrinfo")      # used by socket.connect for names


def patch_socket() -> None:
    """socket.socket (and socketpair, create_connection, create_server,
    fromfd, which build on it) become cooperative in goroutines; the
    resolver functions go through gmp.syscall."""
    _save(_socket, "socket")
    _socket.socket = socket  # type: ignore[misc]
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr",
                 "getnameinfo"):
        setattr(_socket, name, getaddrinfo if name == "getaddrinfo" else _resolver(name))


# ---- select / selectors ---------------------------------------------------

def patch_select() -> None:
    """select.select and selectors' select(): in a goroutine, a wait that
    would block runs on a gmp.syscall helper, so only the goroutine waits."""
    orig = _save(_select, "select")

    def select(rlist: Any, wlist: Any, xlist: Any, timeout: float | None = None) -> Any:
        if in_goroutine() and timeout != 0:
            r = orig(rlist, wlist, xlist, 0)
            if r[0] or r[1] or r[2]:
                return r
            return _syscall(orig, rlist, wlist, xlist, timeout)
        return orig(rlist, wlist, xlist, timeout)
    select.__doc__ = orig.__doc__
    select.__wrapped__ = orig  # type: ignore[attr-defined]
    _select.select = select
    for cls in (_selectors.SelectSelector, getattr(_selectors, "PollSelector", None),
                getattr(_selectors, "EpollSelector", None)):
        if cls is None:
            continue
        origsel = _save(cls, "select")

        def sel(self: _selectors.BaseSelector, timeout: float | None = None,
                _orig: Any = origsel) -> Any:
            if in_goroutine() and (timeout is None or timeout > 0):
                ready = _orig(self, 0)
                if ready:
                    return ready
                return _syscall(_orig, self, timeout)
            return _orig(self, timeout)
        sel.__wrapped__ = origsel  # type: ignore[attr-defined]
        cls.select = sel  # type: ignore[method-assign]


def patch_all() -> None:
    """patch_time(), patch_socket() and patch_select()."""
    patch_time()
    patch_socket()
    patch_select()
