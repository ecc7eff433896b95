"""gmp.time: Go's time package for goroutines. Durations are float seconds.

Timers live in per-P heaps inside the runtime; channel timers deliver the
wall-clock time (``time.time()``) when they fire. Stop and Reset follow Go
1.23: once they return, no stale value from the earlier arming is received.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gmp._core import sleep as sleep, RuntimeTimer as _RuntimeTimer, Panic as _Panic
from gmp._core import _TIMER_SEND as _SEND, _TIMER_GO as _GO
from gmp._chan import _recvonly_chan as _chan, nilchan as _nilchan, chan as _Chan

__all__ = ["sleep", "after", "tick", "Timer", "Ticker", "after_func"]



def _drain(c: _Chan[Any] | None) -> bool:
    """Takes a fired, unreceived value out of c; returns whether there was one."""
    if c is not None:
        try:
            c.recv_nowait()
            return True
        except Exception:
            pass
    return False


class Timer:
    """A single event: after d seconds the time is sent on ``.c`` (or, from
    after_func, ``fn`` runs in its own goroutine)."""

    __slots__ = ("c", "_rt")

    # None for a timer made by after_func (Go's AfterFunc timer has a nil
    # C); typed as the channel every other Timer has, which is what callers use
    c: _Chan[float]
    _rt: _RuntimeTimer

    def __init__(self, d: float, _fn: Callable[[], object] | None = None) -> None:
        if _fn is None:
            self.c = _chan(1)
            self._rt = _RuntimeTimer(_SEND, self.c, 0.0)
        else:
            self.c = None  # type: ignore[assignment]
            self._rt = _RuntimeTimer(_GO, _fn, 0.0)
        self._rt.start(d)

    def stop(self) -> bool:
        """Prevents the timer from firing; returns False if it had already
        fired and its value was received, or been stopped (Go 1.23: a
        value that fired but was not received is dropped, and counts as
        not fired)."""
        was = self._rt.stop()
        return _drain(self.c) or was

    def reset(self, d: float) -> bool:
        """Re-arms the timer for d seconds from now; returns whether it was
        active (a fired, unreceived value is dropped and counts as active)."""
        was = self._rt.stop()
        was = _drain(self.c) or was
        self._rt.start(d)
        return was


class Ticker:
    """Sends the time on ``.c`` every d seconds; drops ticks a slow reader misses."""

    __slots__ = ("c", "_rt")

    c: _Chan[float]
    _rt: _RuntimeTimer

    def __init__(self, d: float) -> None:
        if not d > 0:
            raise _Panic("non-positive interval for NewTicker")
        self.c = _chan(1)
        self._rt = _RuntimeTimer(_SEND, self.c, d)
        self._rt.start(d)

    def stop(self) -> None:
        """Stops the ticks; no tick from before is received afterwards (Go 1.23)."""
        self._rt.stop()
        _drain(self.c)

    def reset(self, d: float) -> None:
        """Ticks every d seconds from now; a pending tick of the old period is dropped."""
        if not d > 0:
            raise _Panic("non-positive interval for Ticker.Reset")
        self._rt.stop()
        _drain(self.c)
        self._rt.set_period(d)
        self._rt.start(d)


def after(d: float) -> _Chan[float]:
    """A channel that receives the time after d seconds (Go's time.After)."""
    return Timer(d).c


def tick(d: float) -> _Chan[float]:
    """A channel that receives the time every d seconds; nilchan if d <= 0."""
    if not d > 0:
        return _nilchan
    return Ticker(d).c


def after_func(d: float, fn: Callable[[], object]) -> Timer:
    """Runs fn in its own goroutine after d seconds; returns its Timer."""
    if not callable(fn):
        raise TypeError("after_func: %r is not callable" % (fn,))
    return Timer(d, _fn=fn)
