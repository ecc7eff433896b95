# Type stubs for gmp._chan (Cython): channels, select and the sync
# primitives. Public names are re-exported by gmp and gmp.sync.
from collections.abc import Callable, Iterator
from types import GenericAlias, TracebackType
from typing import Any, Final, Generic, Literal, NoReturn, ParamSpec, Protocol, TypeAlias, TypeVar, final, overload

from typing_extensions import Self

_T = TypeVar("_T")
_P = ParamSpec("_P")

@final
class chan(Generic[_T]):
    """A Go channel: chan(size=0, dtype=None). send/recv/recv_ok/close, len(ch),
    ch.cap, iteration until closed and drained. ``chan[int]()`` is a channel of
    ints for type checkers; ``chan(None)`` is the nil channel (``gmp.nilchan``);
    with a numpy ``dtype`` a typed channel (send_array/recv_into)."""

    def __new__(cls, size: int | None = 0, dtype: Any = None) -> Self: ...
    def __class_getitem__(cls, item: Any, /) -> GenericAlias: ...
    @property
    def cap(self) -> int: ...
    @property
    def closed(self) -> bool: ...
    @property
    def dtype(self) -> Any: ...
    # typed channels (dtype given) only; the array is a numpy.ndarray
    def send_array(self, a: Any, /) -> None: ...
    def recv_into(self, out: Any, /) -> int: ...
    def send(self, v: _T, /) -> None: ...
    def recv(self) -> _T | None: ...
    def recv_ok(self) -> tuple[_T, bool]: ...
    def send_nowait(self, v: _T, /) -> bool: ...
    def recv_nowait(self) -> tuple[_T, bool]: ...
    def close(self) -> None: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Self: ...
    def __next__(self) -> _T: ...

# The nil channel: every operation blocks forever and close panics, so its
# element type is whatever the context wants.
nilchan: Final[chan[Any]]

class WouldBlock(Exception):
    """A *_nowait operation would have blocked."""

def _recvonly_chan(size: int) -> chan[Any]: ...

# ---- select -------------------------------------------------------------------
# A case is ch.recv (its value: T | None), ch.recv_ok ((T, bool)), a send
# (ch.send, v) (None) or gmp.default (None). For up to 8 cases written out
# in the call, the result is a union of (Literal[index], value) pairs, so
# that a type checker knows each case's value type and that the index is
# one of the cases; ``r = select(...); if r[0] == 0: r[1]`` narrows. A call
# with *args (or more cases) gets tuple[int, Any].

_R_co = TypeVar("_R_co", covariant=True)

@final
class _Default(Generic[_R_co]):
    """The type of gmp.default. Its parameter is what a select returns for
    it (None): not a runtime generic, only what lets select's overloads give
    each case its value type."""

default: Final[_Default[None]]

_AnyCase: TypeAlias = Callable[[], object] | tuple[Callable[[Any], None], object] | _Default[Any]

_R0 = TypeVar("_R0")
_R1 = TypeVar("_R1")
_R2 = TypeVar("_R2")
_R3 = TypeVar("_R3")
_R4 = TypeVar("_R4")
_R5 = TypeVar("_R5")
_R6 = TypeVar("_R6")
_R7 = TypeVar("_R7")
_S0 = TypeVar("_S0")
_S1 = TypeVar("_S1")
_S2 = TypeVar("_S2")
_S3 = TypeVar("_S3")
_S4 = TypeVar("_S4")
_S5 = TypeVar("_S5")
_S6 = TypeVar("_S6")
_S7 = TypeVar("_S7")

# one overload per number of cases, 0 to 8 (select's cases fit its stack arrays up to 8)
@overload
def select() -> NoReturn: ...  # Go's select {}: blocks forever (or raises Deadlock)
@overload
def select(
    c0: Callable[[], _R0] | tuple[Callable[[_S0], _R0], _S0] | _Default[_R0],
    /,
) -> tuple[Literal[0], _R0]: ...
@overload
def select(
    c0: Callable[[], _R0] | tuple[Callable[[_S0], _R0], _S0] | _Default[_R0],
    c1: Callable[[], _R1] | tuple[Callable[[_S1], _R1], _S1] | _Default[_R1],
    /,
) -> tuple[Literal[0], _R0] | tuple[Literal[1], _R1]: ...
@overload
def select(
    c0: Callable[[], _R0] | tuple[Callable[[_S0], _R0], _S0] | _Default[_R0],
    c1: Callable[[], _R1] | tuple[Callable[[_S1], _R1], _S1] | _Default[_R1],
    c2: Callable[[], _R2] | tuple[Callable[[_S2], _R2], _S2] | _Default[_R2],
    /,
) -> tuple[Literal[0], _R0] | tuple[Literal[1], _R1] | tuple[Literal[2], _R2]: ...
@overload
def select(
    c0: Callable[[], _R0] | tuple[Callable[[_S0], _R0], _S0] | _Default[_R0],
    c1: Callable[[], _R1] | tuple[Callable[[_S1], _R1], _S1] | _Default[_R1],
    c2: Callable[[], _R2] | tuple[Callable[[_S2], _R2], _S2] | _Default[_R2],
    c3: Callable[[], _R3] | tuple[Callable[[_S3], _R3], _S3] | _Default[_R3],
    /,
) -> tuple[Literal[0], _R0] | tuple[Literal[1], _R1] | tuple[Literal[2], _R2] | tuple[Literal[3], _R3]: ...
@overload
def select(
    c0: Callable[[], _R0] | tuple[Callable[[_S0], _R0], _S0] | _Default[_R0],
    c1: Callable[[], _R1] | tuple[Callable[[_S1], _R1], _S1] | _Default[_R1],
    c2: Callable[[], _R2] | tuple[Callable[[_S2], _R2], _S2] | _Default[_R2],
    c3: Callable[[], _R3] | tuple[Callable[[_S3], _R3], _S3] | _Default[_R3],
    c4: Callable[[], _R4] | tuple[Callable[[_S4], _R4], _S4] | _Default[_R4],
    /,
) -> (
    tuple[Literal[0], _R0] | tuple[Literal[1], _R1] | tuple[Literal[2], _R2] | tuple[Literal[3], _R3]
    | tuple[Literal[4], _R4]
): ...
@overload
def select(
    c0: Callable[[], _R0] | tuple[Callable[[_S0], _R0], _S0] | _Default[_R0],
    c1: Callable[[], _R1] | tuple[Callable[[_S1], _R1], _S1] | _Default[_R1],
    c2: Callable[[], _R2] | tuple[Callable[[_S2], _R2], _S2] | _Default[_R2],
    c3: Callable[[], _R3] | tuple[Callable[[_S3], _R3], _S3] | _Default[_R3],
    c4: Callable[[], _R4] | tuple[Callable[[_S4], _R4], _S4] | _Default[_R4],
    c5: Callable[[], _R5] | tuple[Callable[[_S5], _R5], _S5] | _Default[_R5],
    /,
) -> (
    tuple[Literal[0], _R0] | tuple[Literal[1], _R1] | tuple[Literal[2], _R2] | tuple[Literal[3], _R3]
    | tuple[Literal[4], _R4] | tuple[Literal[5], _R5]
): ...
@overload
def select(
    c0: Callable[[], _R0] | tuple[Callable[[_S0], _R0], _S0] | _Default[_R0],
    c1: Callable[[], _R1] | tuple[Callable[[_S1], _R1], _S1] | _Default[_R1],
    c2: Callable[[], _R2] | tuple[Callable[[_S2], _R2], _S2] | _Default[_R2],
    c3: Callable[[], _R3] | tuple[Callable[[_S3], _R3], _S3] | _Default[_R3],
    c4: Callable[[], _R4] | tuple[Callable[[_S4], _R4], _S4] | _Default[_R4],
    c5: Callable[[], _R5] | tuple[Callable[[_S5], _R5], _S5] | _Default[_R5],
    c6: Callable[[], _R6] | tuple[Callable[[_S6], _R6], _S6] | _Default[_R6],
    /,
) -> (
    tuple[Literal[0], _R0] | tuple[Literal[1], _R1] | tuple[Literal[2], _R2] | tuple[Literal[3], _R3]
    | tuple[Literal[4], _R4] | tuple[Literal[5], _R5] | tuple[Literal[6], _R6]
): ...
@overload
def select(
    c0: Callable[[], _R0] | tuple[Callable[[_S0], _R0], _S0] | _Default[_R0],
    c1: Callable[[], _R1] | tuple[Callable[[_S1], _R1], _S1] | _Default[_R1],
    c2: Callable[[], _R2] | tuple[Callable[[_S2], _R2], _S2] | _Default[_R2],
    c3: Callable[[], _R3] | tuple[Callable[[_S3], _R3], _S3] | _Default[_R3],
    c4: Callable[[], _R4] | tuple[Callable[[_S4], _R4], _S4] | _Default[_R4],
    c5: Callable[[], _R5] | tuple[Callable[[_S5], _R5], _S5] | _Default[_R5],
    c6: Callable[[], _R6] | tuple[Callable[[_S6], _R6], _S6] | _Default[_R6],
    c7: Callable[[], _R7] | tuple[Callable[[_S7], _R7], _S7] | _Default[_R7],
    /,
) -> (
    tuple[Literal[0], _R0] | tuple[Literal[1], _R1] | tuple[Literal[2], _R2] | tuple[Literal[3], _R3]
    | tuple[Literal[4], _R4] | tuple[Literal[5], _R5] | tuple[Literal[6], _R6] | tuple[Literal[7], _R7]
): ...
# 9 cases or more, or cases passed with *: any index, any value. (A call with
# *args picks this overload first; a literal call of 1-8 cases never gets here,
# so that a send case whose value does not fit its channel is an error.)
@overload
def select(
    c0: _AnyCase, c1: _AnyCase, c2: _AnyCase, c3: _AnyCase, c4: _AnyCase, c5: _AnyCase,
    c6: _AnyCase, c7: _AnyCase, c8: _AnyCase, /, *more: _AnyCase,
) -> tuple[int, Any]: ...

# ---- sync ---------------------------------------------------------------------

class _SupportsLock(Protocol):
    def lock(self) -> object: ...
    def unlock(self) -> object: ...

class _Locker:
    """The base of Mutex, RWMutex and _RLocker: lock()/unlock() as a context manager."""
    def __enter__(self) -> Self: ...
    def __exit__(
        self, t: type[BaseException] | None, v: BaseException | None, tb: TracebackType | None, /
    ) -> None: ...

class _PyLock(Protocol):
    def acquire(self) -> object: ...
    def release(self) -> object: ...

@final
class Mutex(_Locker):
    """sync.Mutex: lock()/unlock(), a context manager."""
    def __init__(self) -> None: ...
    def lock(self) -> None: ...
    def try_lock(self) -> bool: ...
    def unlock(self) -> None: ...

class _RLocker(_Locker):
    def __init__(self, rw: RWMutex) -> None: ...
    def lock(self) -> None: ...
    def unlock(self) -> None: ...

@final
class RWMutex(_Locker):
    """sync.RWMutex: rlock()/runlock(), lock()/unlock(); as a context manager, the write lock."""
    def __init__(self) -> None: ...
    def rlock(self) -> None: ...
    def runlock(self) -> None: ...
    def lock(self) -> None: ...
    def unlock(self) -> None: ...
    def rlocker(self) -> _RLocker: ...

@final
class WaitGroup:
    """sync.WaitGroup: add(delta), done(), wait()."""
    def __init__(self) -> None: ...
    def add(self, delta: int) -> None: ...
    def done(self) -> None: ...
    def wait(self) -> None: ...

@final
class Once:
    """sync.Once: do(fn) runs fn exactly once; later callers wait for it."""
    def __init__(self) -> None: ...
    def do(self, fn: Callable[_P, object], *args: _P.args, **kwargs: _P.kwargs) -> None: ...

@final
class Cond:
    """sync.Cond(L): wait() unlocks L and parks; signal() wakes one waiter,
    broadcast() all."""
    def __new__(cls, L: _SupportsLock | _PyLock) -> Self: ...
    @property
    def L(self) -> _SupportsLock | _PyLock: ...
    def wait(self) -> None: ...
    def signal(self) -> None: ...
    def broadcast(self) -> None: ...

@final
class Sudog:
    """A goroutine waiting on a channel or sync object (the runtime's record)."""
