"""gmp.sync: Go's sync package, and x/sync/errgroup's Group as ErrGroup.
Blocking parks only the calling goroutine (a plain thread blocks on an OS
semaphore with the GIL released).

Mutex, RWMutex, WaitGroup, Once and Cond live in the gmp._chan extension
(gmp/chan/sync.pxi, parking on the wait queues of gmp/chan/sema.pxi) and
are re-exported here; ErrGroup is written here, over them."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, ParamSpec

from gmp._core import go as _go, GoExit as _GoExit, Panic as _Panic
from gmp._chan import (
    WaitGroup as WaitGroup,
    Mutex as Mutex,
    RWMutex as RWMutex,
    Once as Once,
    Cond as Cond,
    chan as _chan,
)
from gmp import context as _context
from greenlet import GreenletExit as _GreenletExit

if TYPE_CHECKING:
    from typing_extensions import Self

    from gmp.context import Context, _CancelCauseFunc

_P = ParamSpec("_P")

__all__ = ["WaitGroup", "Mutex", "RWMutex", "Once", "Cond", "ErrGroup"]


class ErrGroup:
    """A group of goroutines working on subtasks of one task (Go's
    golang.org/x/sync/errgroup.Group).

    ``g.go(fn, *args)`` runs fn in a goroutine of the group; an exception
    raised by fn goes to the group (never to the crash handler): the first
    one is kept and cancels the group's context, ``g.ctx``. ``g.wait()``
    waits for every goroutine, then raises the first exception (returns
    None when all succeeded). ``g.set_limit(n)`` bounds how many run at once:
    ``g.go`` then blocks until one finishes, ``g.try_go`` returns False.

    As a context manager, ``with ErrGroup() as g:`` waits for the group on
    exit. An exception raised by the body counts as the group's error too
    (it cancels ``g.ctx`` at once); the first error of all is raised. The
    other exceptions are kept, in order, in ``g.errors`` and listed in a note
    on the raised one (``add_note``); an exception raised by the body while
    a goroutine's came first is that one's ``__context__``.
    """

    __slots__ = ("_wg", "_sem", "_mu", "errors", "ctx", "_cancel", "__weakref__")

    _wg: WaitGroup
    _sem: _chan[None] | None
    _mu: Mutex
    errors: list[BaseException]
    ctx: Context
    _cancel: _CancelCauseFunc

    def __init__(self, ctx: Context | None = None) -> None:
        self._wg = WaitGroup()
        self._sem = None
        self._mu = Mutex()
        self.errors = []
        self.ctx, self._cancel = _context.with_cancel_cause(
            ctx if ctx is not None else _context.background())

    @classmethod
    def with_context(cls, ctx: Context) -> tuple[Self, Context]:
        """A new group and the context it cancels on its first error (or
        once wait() returns): ``g, ctx = ErrGroup.with_context(parent)``."""
        g = cls(ctx)
        return g, g.ctx

    def set_limit(self, n: int) -> None:
        """At most n goroutines of the group run at once; n < 0: no limit.
        Changing it while goroutines of the group are running panics, as Go's."""
        sem = self._sem
        if sem is not None and len(sem) != 0:
            raise _Panic("errgroup: modify limit while %d goroutines in the group are still active"
                         % len(sem))
        if n < 0:
            self._sem = None
        else:
            self._sem = _chan(int(n))

    def go(self, fn: Callable[_P, object], *args: _P.args, **kwargs: _P.kwargs) -> None:
        """Runs ``fn(*args, **kwargs)`` in a new goroutine of the group, first
        waiting for a free slot when a limit is set."""
        sem = self._sem
        if sem is not None:
            sem.send(None)
        self._wg.add(1)
        _go(self._run, sem, fn, args, kwargs)

    def try_go(self, fn: Callable[_P, object], *args: _P.args, **kwargs: _P.kwargs) -> bool:
        """Like go(), but returns False instead of waiting for a free slot."""
        sem = self._sem
        if sem is not None and not sem.send_nowait(None):
            return False
        self._wg.add(1)
        _go(self._run, sem, fn, args, kwargs)
        return True

    def _run(self, sem: _chan[None] | None, fn: Callable[..., object], args: tuple[Any, ...],
             kwargs: dict[str, Any]) -> None:
        try:
            fn(*args, **kwargs)
        except (_GoExit, _GreenletExit):
            raise                   # a goroutine's normal ends, not errors
        except BaseException as e:
            self._fail(e)
        finally:
            if sem is not None:
                sem.recv()
            self._wg.done()

    def _fail(self, e: BaseException) -> None:
        with self._mu:
            self.errors.append(e)
            first = len(self.errors) == 1
        if first:
            self._cancel(e)

    def wait(self) -> None:
        """Waits for every goroutine of the group; raises the first exception
        any of them raised. Cancels the group's context either way."""
        self._wg.wait()
        self._cancel(None)
        with self._mu:
            errs = list(self.errors)
        if errs:
            first = errs[0]
            if len(errs) > 1:
                _note(first, errs[1:])
            raise first

    def __enter__(self) -> Self:
        return self

    def __exit__(self, typ: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> Literal[False]:
        if exc is not None and not isinstance(exc, (_GoExit, _GreenletExit)):
            self._fail(exc)
        self.wait()
        return False


def _note(first: BaseException, others: list[BaseException]) -> None:
    if getattr(first, "_gmp_errgroup_noted", False):
        return
    try:
        first._gmp_errgroup_noted = True  # type: ignore[attr-defined]
    except AttributeError:
        pass
    lines = ["gmp.sync.ErrGroup: %d more exception(s) in the group (ErrGroup.errors):" % len(others)]
    lines += ["  %s: %s" % (type(e).__name__, e) for e in others]
    first.add_note("\n".join(lines))
