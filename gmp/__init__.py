"""gmp: Go's goroutine runtime for Python.

A first program::

    import gmp
    ch = gmp.chan()
    gmp.go(lambda: ch.send("hi"))
    print(ch.recv())

Goroutines are greenlets scheduled by a G/M/P runtime modelled on Go's
runtime/proc.go; channels and select follow runtime/chan.go and select.go.

The distribution is named gmp-runtime (``pip install gmp-runtime``); it
installs this package, imported as ``gmp``.
"""
import os as _os

# PyPI's unrelated `gmp` distribution installs its modules into this same
# folder and a gmp/__init__.py of its own: installed after gmp-runtime it
# replaces this file; installed before, uninstalling it later deletes this
# file. While this file is still ours, its projecteuler.py gives it away.
if _os.path.exists(_os.path.join(_os.path.dirname(__file__), "projecteuler.py")):
    import warnings as _warnings
    _warnings.warn(
        "the unrelated PyPI package 'gmp' is installed into the same gmp/ folder as "
        "gmp-runtime; run: pip uninstall -y gmp gmp-runtime && pip install gmp-runtime",
        RuntimeWarning, stacklevel=2)


def get_include() -> str:
    """The directory of gmp's C headers, for the include_dirs of an
    extension that uses typed channels from C or Cython (gmp_api.h;
    ``from gmp cimport ...`` in Cython, whose declarations are
    gmp/__init__.pxd)."""
    return _os.path.join(_os.path.dirname(__file__), "includes")


from gmp._core import go as go, Panic as Panic, Deadlock as Deadlock, GoExit as GoExit
from gmp._core import run as run, syscall as syscall
from gmp._chan import chan as chan, nilchan as nilchan, select as select, default as default
from gmp._chan import WouldBlock as WouldBlock
from gmp._chan import WaitGroup as WaitGroup, Mutex as Mutex, Once as Once
from gmp.time import sleep as sleep, after as after, tick as tick, Timer as Timer
from gmp.time import Ticker as Ticker, after_func as after_func
from gmp import runtime as runtime, sync as sync, time as time, context as context
from gmp import debug as debug

__all__ = [
    "go", "chan", "nilchan", "select", "default", "Panic", "Deadlock", "GoExit", "WouldBlock",
    "run", "syscall", "sleep", "after", "tick", "Timer", "Ticker", "after_func",
    "WaitGroup", "Mutex", "Once", "runtime", "sync", "time", "context", "debug",
    "get_include",
]
__version__ = "0.1.0"   # the one place the version is written (pyproject reads it)

