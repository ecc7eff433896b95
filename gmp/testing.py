"""gmp.testing: goroutine-leak detection, after go.uber.org/goleak.

In a test::

    def test_server():
        snap = gmp.testing.ignore_current()
        ...                                     # start and stop goroutines
        gmp.testing.verify_none(ignore_current=snap)

``find()`` lists the goroutines that are still alive (the calling one
excluded), retrying with goleak's backoff (1 us doubling, at most 100 ms a
wait, 20 tries) so that goroutines already on their way out may finish.
``verify_none()`` raises ``LeakError`` (an AssertionError) listing them in
Go's traceback format. With pytest, the ``goleak`` fixture and the
``--gmp-goleak`` option (gmp.pytest_plugin) do this around each test.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from gmp._core import _goroutines, _started, sleep as _sleep

if TYPE_CHECKING:
    from typing import TypedDict, Unpack

    class _FindOptions(TypedDict, total=False):
        """find()'s keyword arguments, which verify_none() passes on."""
        ignore_top_function: str | Iterable[str] | None
        ignore_any_function: str | Iterable[str] | None
        ignore_current: Snapshot | None
        max_retries: int
        max_sleep: float

__all__ = ["Goroutine", "LeakError", "find", "verify_none", "ignore_current"]

MAX_RETRIES = 20
MAX_SLEEP = 0.1


class Goroutine:
    """One goroutine as find() saw it."""

    __slots__ = ("id", "state", "frames", "created_by", "stack")

    id: int
    state: str
    frames: list[tuple[str, str, int]]
    created_by: tuple[str, int, str, int] | None
    stack: str

    def __init__(self, goid: int, state: str, frames: list[tuple[str, str, int]],
                 created_by: tuple[str, int, str, int] | None, stack: str) -> None:
        self.id = goid
        self.state = state
        self.frames = frames            # [(function, file, line)], innermost first
        self.created_by = created_by    # (function, parent goid, file, line) or None
        self.stack = stack              # Go's traceback format

    @property
    def top_function(self) -> str:
        """The innermost function (``module.qualname``), or "" if none is known."""
        return self.frames[0][0] if self.frames else ""

    def __repr__(self) -> str:
        return "<Goroutine %d [%s] %s>" % (self.id, self.state, self.top_function)


class LeakError(AssertionError):
    """Goroutines were still alive; ``.goroutines`` lists them."""

    goroutines: list[Goroutine]

    def __init__(self, goroutines: list[Goroutine]) -> None:
        self.goroutines = goroutines
        AssertionError.__init__(self, "found unexpected goroutines:\n" +
                                "\n".join(g.stack for g in goroutines))


class Snapshot:
    """The goroutines alive when ignore_current() was called."""

    __slots__ = ("ids",)

    ids: frozenset[int]

    def __init__(self, ids: Iterable[int]) -> None:
        self.ids = frozenset(ids)


def ignore_current() -> Snapshot:
    """Records the goroutines alive now (the caller included); pass the
    result as ``ignore_current=`` so that find() leaves them out."""
    if not _started():
        return Snapshot(())
    return Snapshot(r[0] for r in _goroutines())


def _names(x: str | Iterable[str] | None) -> frozenset[str]:
    if x is None:
        return frozenset()
    if isinstance(x, str):
        return frozenset((x,))
    return frozenset(x)


def _snapshot() -> list[Goroutine]:
    if not _started():
        return []
    return [Goroutine(*r[:5]) for r in _goroutines() if not r[5]]   # not the caller


def find(ignore_top_function: str | Iterable[str] | None = None,
         ignore_any_function: str | Iterable[str] | None = None,
         ignore_current: Snapshot | None = None,
         max_retries: int = MAX_RETRIES, max_sleep: float = MAX_SLEEP) -> list[Goroutine]:
    """The goroutines other than the caller that are alive and not ignored,
    after retrying (goleak's backoff) until none are or the tries run out.

    ignore_top_function: a function name (``module.qualname``, as in the
    dumps) or several; a goroutine whose innermost frame is one of them is
    ignored. ignore_any_function: the same for any frame of its stack.
    ignore_current: a Snapshot from ignore_current()."""
    if ignore_current is not None and not isinstance(ignore_current, Snapshot):
        raise TypeError("ignore_current: expected the Snapshot returned by "
                        "gmp.testing.ignore_current(), got %r" % (ignore_current,))
    tops = _names(ignore_top_function)
    anys = _names(ignore_any_function)
    skip = ignore_current.ids if ignore_current is not None else frozenset()

    def leaked() -> list[Goroutine]:
        out = []
        for g in _snapshot():
            if g.id in skip or g.top_function in tops:
                continue
            if anys and any(f[0] in anys for f in g.frames):
                continue
            out.append(g)
        return out

    wait = 1e-6
    for _ in range(max_retries):
        gs = leaked()
        if not gs:
            return []
        _sleep(wait)                # parks a goroutine (lets the others finish)
        wait = min(wait * 2, max_sleep)
    return leaked()


def verify_none(**options: Unpack[_FindOptions]) -> None:
    """Raises LeakError when ``find(**options)`` reports goroutines."""
    gs = find(**options)
    if gs:
        raise LeakError(gs)
