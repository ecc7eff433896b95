"""gmp.debug: Go's runtime/debug (the parts that apply), and what runs when
a goroutine's panic ends the process.

A panic that escapes a goroutine other than the main one ends the process
as in Go: gmp prints ``panic: ...``, the Python traceback and
``goroutine N [running]:`` to stderr, then calls the program's exception
hook (``threading.excepthook`` if the program replaced it, else
``sys.excepthook`` if replaced; the default ones are not called, so the
traceback prints once), flushes (does not close) every ``logging`` handler,
and exits with status 2. ``atexit`` handlers, ``finally`` blocks of other
goroutines and the ``__del__`` of live objects do not run, as Go runs no
deferred call on a fatal panic. A hook that raises is reported on stderr
and the exit goes on; hooks and the flush that take longer than
``set_crash_hook_timeout`` seconds (default 5) are abandoned and the
process exits with status 2.
"""
from __future__ import annotations

from gmp._core import set_traceback as set_traceback, _set_crash_hook_timeout


def set_crash_hook_timeout(seconds: float) -> float:
    """Sets how long (seconds, positive) the exception hook and the flush of
    the logging handlers may take after a fatal panic before the process
    exits regardless; returns the previous value (default 5.0)."""
    return _set_crash_hook_timeout(seconds)


__all__ = ["set_traceback", "set_crash_hook_timeout"]
