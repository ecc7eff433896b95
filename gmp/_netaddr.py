"""gmp._netaddr: the address half of gmp.net (Go's net.go errors,
ipsock.go's SplitHostPort, lookup.go): TCPAddr/UnixAddr, OpError,
AddrError and DNSError with Go's wording, address parsing and name
resolution (through gmp.syscall when the name is not numeric). gmp.net
re-exports the public names; their __module__ is gmp.net."""
from __future__ import annotations

import operator as _operator
import os as _os
import socket as _socket
from typing import TYPE_CHECKING, Any

from gmp._core import NetClosingError, DeadlineExceededError, syscall as _syscall

if TYPE_CHECKING:
    from typing import TypeAlias
    _Addr: TypeAlias = "TCPAddr | UnixAddr"

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
    """A malformed address (Go's ``*net.AddrError``): "address x: missing port in address"."""

    def __init__(self, err: str, addr: str) -> None:
        super().__init__("address %s: %s" % (addr, err))
        self.err = err
        self.addr = addr


class DNSError(_socket.gaierror):
    """A failed name or service lookup (Go's ``*net.DNSError``):
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
    """A failed network operation (Go's ``*net.OpError``). op is "read",
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


for _cls in (TCPAddr, UnixAddr, AddrError, DNSError, OpError):
    _cls.__module__ = "gmp.net"
del _cls
