"""gmp.context: Go's context package for goroutines.

A Context carries a cancellation signal, a deadline and request-scoped
values down a tree of calls and goroutines::

    ctx, cancel = gmp.context.with_timeout(gmp.context.background(), 0.5)
    try:
        k, v = gmp.select(ctx.done().recv, results.recv)
        if k == 0:
            raise ctx.err()           # gmp.context.DeadlineExceeded
    finally:
        cancel()

Cancelling a context closes its ``done()`` channel and cancels every
descendant at once; a cancelled context stops its deadline timer and leaves
its parent's child set, so nothing outlives it. Cancel functions are
idempotent and may be called from any goroutine or plain thread.

Deadlines are wall-clock times in seconds (``time.time()``), as Go's
time.Time; the timers behind them run on the runtime's monotonic clock.
``err()`` returns a new exception each call, an instance of the class
``Canceled`` or ``DeadlineExceeded`` (a TimeoutError), so that ``raise
ctx.err()`` starts a fresh traceback every time. Test it as Go's
``errors.Is`` would with ``isinstance(err, context.Canceled)`` or ``except
context.Canceled:``; for code written against sentinels, an instance also
compares equal (``==``) to its class and to any other instance of it.
``CanceledError`` and ``DeadlineExceededError`` are other names of the two
classes. ``DeadlineExceeded`` subclasses ``gmp.net.DeadlineExceededError``
("i/o timeout", Go's os.ErrDeadlineExceeded), so one ``except`` sees a
deadline from either package.
"""
from __future__ import annotations

import math as _math
import time as _time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from gmp._core import go as _go, Panic as _Panic, DeadlineExceededError as _DeadlineError
from gmp._chan import chan as _chan, nilchan as _nilchan, select as _select, Mutex as _Mutex
from gmp.time import after_func as _after_func

if TYPE_CHECKING:
    from gmp._chan import chan
    from gmp.time import Timer as _Timer

    class _CancelCauseFunc(Protocol):
        """What with_cancel_cause returns beside the context: cancel(cause=None)."""
        def __call__(self, cause: BaseException | None = None, /) -> None: ...

    # what a cancelled context stores as its err or cause: one of the two
    # error classes (standing for a fresh instance), or an exception
    _Err = BaseException | type[BaseException]

__all__ = [
    "Context", "background", "todo", "with_cancel", "with_cancel_cause", "with_timeout",
    "with_deadline", "with_value", "without_cancel", "after_func", "cause",
    "Canceled", "DeadlineExceeded", "CanceledError", "DeadlineExceededError",
]


class _CtxError:
    """What Canceled and DeadlineExceeded share: Go's sentinel errors made
    classes. Each err() is a new instance (a raised exception keeps the
    traceback it is raised with, so a shared instance grew one with every
    raise); as the sentinel did, every instance is the same error: it
    compares equal to its class and to the other instances of it."""

    _msg = ""

    def __init__(self, *args: object) -> None:
        super().__init__(*(args or (self._msg,)))

    def __eq__(self, other: object) -> bool:
        if other is type(self) or type(other) is type(self):
            return True
        return NotImplemented

    def __hash__(self) -> int:
        return hash(type(self))


class Canceled(_CtxError, Exception):
    """The context was cancelled: ``ctx.err()`` is an instance of it."""
    _msg = "context canceled"


class DeadlineExceeded(_CtxError, _DeadlineError):
    """The context's deadline passed: ``ctx.err()`` is an instance of it.
    A TimeoutError, and a gmp.net.DeadlineExceededError (the root of gmp's
    deadline errors), with ``timeout()`` true, as Go's DeadlineExceeded
    reports Timeout() true."""
    _msg = "context deadline exceeded"


CanceledError = Canceled
DeadlineExceededError = DeadlineExceeded


def _norm(e: _Err | None) -> _Err | None:
    """An err or cause as stored in a cancelled context: one of our error
    classes stands for itself (err() makes a new instance each time);
    anything else (a user context's err, a given cause) is kept as is."""
    if type(e) is Canceled or type(e) is DeadlineExceeded:
        return type(e)  # pyright: ignore[reportReturnType]  # a class of ours, an _Err
    return e


def _fresh(e: _Err | None) -> BaseException | None:
    """What err()/cause() return for a stored e: invariant: never a shared
    instance of Canceled or DeadlineExceeded."""
    if e is Canceled or e is DeadlineExceeded:
        return e()
    return e  # type: ignore[return-value]  # an instance: the classes were handled above

_closedchan: chan[None] = _chan()
_closedchan.close()


class Context:
    """The interface every context implements (Go's context.Context).
    Subclass it to write your own; the defaults are those of a context
    that is never cancelled and carries nothing."""

    __slots__ = ()

    def deadline(self) -> float | None:
        """The wall-clock time (``time.time()`` seconds) at which the context
        is cancelled, or None when it has no deadline."""
        return None

    def done(self) -> chan[None]:
        """A channel closed when the context is cancelled; ``nilchan`` (never
        ready, ignored by select) for a context that cannot be cancelled."""
        return _nilchan

    def err(self) -> BaseException | None:
        """None while ``done()`` is open; then a new ``Canceled`` or
        ``DeadlineExceeded`` exception."""
        return None

    def value(self, key: object) -> Any:
        """The value bound to key along the chain of parents, or None."""
        return None


class _EmptyCtx(Context):
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


_background = _EmptyCtx("context.Background")
_todo = _EmptyCtx("context.TODO")


def background() -> Context:
    """The root of every context tree: never cancelled, no deadline, no values."""
    return _background


def todo() -> Context:
    """Like background(); marks a place where the right context is not yet known."""
    return _todo


# The key under which a cancellable context answers value(): the nearest
# cancellable ancestor, as Go's &cancelCtxKey.
_cancel_key = object()


class _CancelCtx(Context):
    """A context that can be cancelled (Go's cancelCtx). ``_mu`` guards
    ``_done``, ``_err``, ``_cause`` and ``_children``; locks are taken parent
    before child."""

    __slots__ = ("_parent", "_mu", "_done", "_err", "_cause", "_children", "__weakref__")

    _parent: Context
    _mu: _Mutex
    _done: chan[None] | None
    _err: _Err | None
    _cause: _Err | None
    _children: dict[_CancelCtx, None] | None

    def __init__(self, parent: Context) -> None:
        if parent is None:
            raise _Panic("cannot create context from nil parent")
        self._parent = parent
        self._mu = _Mutex()
        self._done = None           # made on first done(), as Go does
        self._err = None
        self._cause = None
        self._children = None       # dict used as an ordered set

    def deadline(self) -> float | None:
        return self._parent.deadline()

    def value(self, key: object) -> Any:
        if key is _cancel_key:
            return self
        return _value(self._parent, key)

    def done(self) -> chan[None]:
        d = self._done
        if d is not None:
            return d
        with self._mu:
            if self._done is None:
                self._done = _closedchan if self._err is not None else _chan()
            return self._done

    def err(self) -> BaseException | None:
        with self._mu:
            e = self._err
        return _fresh(e)

    def _mark(self, err: _Err | None, cause: _Err | None) -> dict[_CancelCtx, None] | tuple[()] | None:
        """Cancels this context alone; returns its children (to cancel
        next) or None if it was already cancelled."""
        with self._mu:
            if self._err is not None:
                return None
            self._err = err = _norm(err)
            self._cause = _norm(cause) if cause is not None else err
            d = self._done
            if d is None:
                self._done = _closedchan
            else:
                d.close()
            children = self._children
            self._children = None
            self._stop()
        return children if children is not None else ()

    def _stop(self) -> None:
        pass

    def _cancel(self, remove: bool, err: _Err | None, cause: _Err | None) -> None:
        """Cancels this context and all its descendants, without recursion
        (a chain of any depth), then leaves the parent's child set."""
        children = self._mark(err, cause)
        if children is None:
            return
        stack = list(children)
        while stack:
            c = stack.pop()
            sub = c._mark(err, cause)
            if sub:
                stack.extend(sub)
        if remove:
            _remove_child(self._parent, self)

    def __repr__(self) -> str:
        return repr(self._parent) + ".WithCancel"


class _TimerCtx(_CancelCtx):
    """A cancelCtx with a deadline and the runtime timer that enforces it."""

    __slots__ = ("_deadline", "_timer")

    _deadline: float
    _timer: _Timer | None

    def __init__(self, parent: Context, d: float) -> None:
        _CancelCtx.__init__(self, parent)
        self._deadline = d
        self._timer = None

    def deadline(self) -> float:
        return self._deadline

    def _stop(self) -> None:
        t = self._timer
        if t is not None:
            self._timer = None
            t.stop()

    def __repr__(self) -> str:
        return "%s.WithDeadline(%s [%s])" % (
            repr(self._parent), _fmtdate(self._deadline), _fmtsecs(self._deadline - _time.time()))


def _fmtdate(t: float) -> str:
    """t (time.time() seconds) as a UTC date, or as the number itself when
    no calendar date fits it (inf, 1e300): repr never raises."""
    try:
        return _time.strftime("%Y-%m-%d %H:%M:%S", _time.gmtime(t))
    except (OverflowError, OSError, ValueError):
        return repr(t)


def _fmtsecs(x: float) -> str:
    if not _math.isfinite(x):
        return repr(x)
    return ("%.6fs" if abs(x) < 1e12 else "%gs") % x


class _ValueCtx(Context):
    __slots__ = ("_parent", "_key", "_val")

    _parent: Context
    _key: object
    _val: Any

    def __init__(self, parent: Context, key: object, val: Any) -> None:
        self._parent = parent
        self._key = key
        self._val = val

    def deadline(self) -> float | None:
        return self._parent.deadline()

    def done(self) -> chan[None]:
        return self._parent.done()

    def err(self) -> BaseException | None:
        return self._parent.err()

    def value(self, key: object) -> Any:
        return _value(self, key)

    def __repr__(self) -> str:
        return "%s.WithValue(%r, %r)" % (repr(self._parent), self._key, self._val)


class _WithoutCancelCtx(Context):
    __slots__ = ("_parent",)

    _parent: Context

    def __init__(self, parent: Context) -> None:
        self._parent = parent

    def value(self, key: object) -> Any:
        return _value(self._parent, key)

    def __repr__(self) -> str:
        return repr(self._parent) + ".WithoutCancel"


def _value(c: Any, key: object) -> Any:     # c: a Context
    """Walks the chain of parents for key without recursion (Go's value())."""
    while True:
        t = type(c)
        if t is _ValueCtx:
            if c._key is key or c._key == key:
                return c._val
            c = c._parent
        elif t is _CancelCtx or t is _TimerCtx or t is _AfterFuncCtx:
            if key is _cancel_key:
                return c
            c = c._parent
        elif t is _WithoutCancelCtx:
            if key is _cancel_key:
                return None
            c = c._parent
        elif t is _EmptyCtx:
            return None
        else:
            return c.value(key)


def _parent_cancel_ctx(parent: Context) -> _CancelCtx | None:
    """The nearest cancelCtx ancestor whose done channel is parent's, or None
    (a user-defined context in between changes done, as in Go)."""
    done = parent.done()
    if done is _closedchan or done is _nilchan:
        return None
    p = _value(parent, _cancel_key)
    if not isinstance(p, _CancelCtx):
        return None
    if p.done() is not done:
        return None
    return p


def _remove_child(parent: Context, child: _CancelCtx) -> None:
    p = _parent_cancel_ctx(parent)
    if p is None:
        return
    with p._mu:
        if p._children is not None:
            p._children.pop(child, None)


def _propagate(parent: Context, child: _CancelCtx) -> None:
    """Arranges for child to be cancelled when parent is (Go's propagateCancel)."""
    done = parent.done()
    if done is _nilchan:
        return                      # the parent is never cancelled
    err: _Err | None = parent.err()
    if err is not None:
        child._cancel(False, err, cause(parent))
        return
    p = _parent_cancel_ctx(parent)
    if p is not None:
        with p._mu:
            if p._err is not None:
                err, c = p._err, p._cause
            else:
                if p._children is None:
                    p._children = {}
                p._children[child] = None
                return
        child._cancel(False, err, c)
        return
    # a context of another kind: a goroutine waits for either to finish
    cdone = child.done()

    def watch() -> None:
        k, _ = _select(done.recv, cdone.recv)
        if k == 0:
            child._cancel(False, parent.err(), cause(parent))

    _go(watch)


def with_cancel(parent: Context) -> tuple[Context, Callable[[], None]]:
    """A copy of parent with a new done channel, closed when the returned
    ``cancel()`` is called or parent's is closed. Returns ``(ctx, cancel)``;
    call cancel as soon as the work is done, to release the context."""
    c = _CancelCtx(parent)
    _propagate(parent, c)

    def cancel() -> None:
        c._cancel(True, Canceled, None)
    return c, cancel


def with_cancel_cause(parent: Context) -> tuple[Context, _CancelCauseFunc]:
    """Like with_cancel, but ``cancel(cause)`` records why: ``cause(ctx)``
    returns it (``err()`` is still ``Canceled``). ``cancel(None)`` records
    ``Canceled``."""
    c = _CancelCtx(parent)
    _propagate(parent, c)

    def cancel(cause: BaseException | None = None) -> None:
        c._cancel(True, Canceled, cause)
    return c, cancel


# A deadline this far away (seconds) gets no timer: 2**62 ns, ~146 years,
# half the int64 range of the runtime's monotonic clock, so a timer below it
# never overflows that clock (now + d) whatever the uptime, and one beyond
# it could never fire. Such a context is cancelled only by cancel() or its
# parent, as Go's would be in effect.
_NEVER = 2.0 ** 62 / 1e9


def _seconds(x: float, what: str) -> float:
    """x as float seconds for a deadline or timeout: a number (an int beyond
    float range is +-inf); strings and bools are TypeErrors, NaN a ValueError."""
    if isinstance(x, (bool, str, bytes, bytearray)) or x is None:
        raise TypeError("context: %s must be a number of seconds, not %s" % (
            what, type(x).__name__))
    try:
        f = float(x)
    except OverflowError:
        f = _math.inf if x > 0 else -_math.inf
    if f != f:
        raise ValueError("context: %s is NaN" % what)
    return f


def _nonnil(parent: Context) -> None:
    if parent is None:
        raise _Panic("cannot create context from nil parent")


def with_deadline(parent: Context, d: float) -> tuple[Context, Callable[[], None]]:
    """A copy of parent cancelled with ``DeadlineExceeded`` at wall-clock time
    d (``time.time()`` seconds), or earlier by ``cancel()`` or the parent.
    Returns ``(ctx, cancel)``. A deadline of -inf has passed; one of inf
    (or over ~146 years away) never fires."""
    _nonnil(parent)
    d = _seconds(d, "deadline")
    cur = parent.deadline()
    if cur is not None and cur < d:
        return with_cancel(parent)      # the parent's deadline comes first
    c = _TimerCtx(parent, d)
    _propagate(parent, c)
    dur = d - _time.time()
    if dur <= 0:
        c._cancel(True, DeadlineExceeded, None)
    elif dur < _NEVER:
        with c._mu:
            if c._err is None:
                c._timer = _after_func(dur, lambda: c._cancel(True, DeadlineExceeded, None))

    def cancel() -> None:
        c._cancel(True, Canceled, None)
    return c, cancel


def with_timeout(parent: Context, timeout: float) -> tuple[Context, Callable[[], None]]:
    """``with_deadline(parent, time.time() + timeout)``; timeout in seconds."""
    _nonnil(parent)
    return with_deadline(parent, _time.time() + _seconds(timeout, "timeout"))


def with_value(parent: Context, key: object, val: Any) -> Context:
    """A copy of parent in which ``value(key)`` is val. Keys are compared
    with ``is`` then ``==``; use a private object as the key, as in Go."""
    if parent is None:
        raise _Panic("cannot create context from nil parent")
    if key is None:
        raise _Panic("nil key")
    return _ValueCtx(parent, key, val)


def without_cancel(parent: Context) -> Context:
    """A copy of parent that keeps its values but is never cancelled: no
    deadline, ``done()`` is nilchan, ``err()`` None."""
    if parent is None:
        raise _Panic("cannot create context from nil parent")
    return _WithoutCancelCtx(parent)


def cause(c: Context) -> BaseException | None:
    """Why c was cancelled: the cause given to a with_cancel_cause cancel
    function, else ``c.err()``; None while c is not cancelled."""
    p = _value(c, _cancel_key)
    if not isinstance(p, _CancelCtx):
        return c.err()
    with p._mu:
        e = p._cause
    return _fresh(e)


class _AfterFuncCtx(_CancelCtx):
    __slots__ = ("_fn", "_state")     # _state: 0 armed, 1 ran, 2 stopped

    _fn: Callable[[], object] | None
    _state: int

    def __init__(self, parent: Context, fn: Callable[[], object]) -> None:
        _CancelCtx.__init__(self, parent)
        self._fn = fn
        self._state = 0

    def _stop(self) -> None:
        # called under _mu when the context is cancelled: run fn once
        if self._state == 0:
            self._state = 1
            fn, self._fn = self._fn, None
            _go(fn)  # type: ignore[arg-type]  # state 0 (armed): fn is still set


def after_func(ctx: Context, fn: Callable[[], object]) -> Callable[[], bool]:
    """Runs ``fn()`` in its own goroutine once ctx is done (at once if it
    already is). Returns ``stop()``: it disarms fn and returns True, or
    returns False if fn has already been started or stopped."""
    if not callable(fn):
        raise TypeError("after_func: %r is not callable" % (fn,))
    a = _AfterFuncCtx(ctx, fn)
    _propagate(ctx, a)

    def stop() -> bool:
        with a._mu:
            if a._state != 0:
                return False
            a._state = 2
            a._fn = None
        _remove_child(ctx, a)
        return True
    return stop
