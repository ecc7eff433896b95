# cython: language_level=3, embedsignature=True
"""gmp._core: goroutines and the G/M/P scheduler (Go's runtime/proc.go),
run queues, timers and goroutine dumps.

This file only assembles the concept files in gmp/core/ (uvloop style), so
that the whole scheduler is one C translation unit and hot helpers inline.
"""
import os
import sys
import threading
import traceback
import _thread
import atexit
import weakref as _weakref
import signal as _signal
import time as _time
from greenlet import GreenletExit

cimport cython
from libc.stdint cimport int32_t, uint32_t, int64_t, uint64_t
from libc.stdlib cimport malloc, free, realloc, calloc
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF, Py_DECREF, Py_XINCREF, Py_XDECREF
from cpython.exc cimport PyErr_CheckSignals
from gmp.includes.rt cimport *

cdef extern from "Python.h":
    ctypedef struct PyFrameObject:
        pass
    ctypedef struct PyCodeObject:
        pass
    PyFrameObject *PyEval_GetFrame()
    PyCodeObject *PyFrame_GetCode(PyFrameObject *f)
    PyObject *PyFrame_GetGlobals(PyFrameObject *f)
    int PyFrame_GetLineNumber(PyFrameObject *f)
    int PyFrame_GetLasti(PyFrameObject *f)
    int PyCode_Addr2Line(PyCodeObject *co, int addr)

gmp_greenlet_import()

cdef enum:
    FORCEPREEMPT_NS = 10000000   # Go's forcePreemptNS: a time slice
    GFREE_MAX = 256     # idle greenlets kept per P (Go keeps 64 Gs per P, more globally)

# Go's default, kept after measuring GIL builds (docs/DESIGN.md, "Default
# GOMAXPROCS"): goroutines stay on the P that started them, so Python-bound
# workloads cost the same on 1 or 2 Ps, and GIL-releasing work overlaps.
try:
    DEFAULT_GOMAXPROCS = min(len(os.sched_getaffinity(0)), MAXPROCS)
except AttributeError:
    DEFAULT_GOMAXPROCS = min(os.cpu_count() or 1, MAXPROCS)

include "core/runq.pxi"
include "core/proc.pxi"
include "core/time.pxi"
include "core/trace.pxi"
include "core/debug.pxi"
include "core/stack.pxi"
include "core/syscall.pxi"
include "core/netpoll.pxi"
include "core/preempt.pxi"
include "core/fork.pxi"


# ---- public entry points (re-exported by gmp and gmp.runtime) ------------

def go(fn, *args, **kwargs):
    """Starts fn(*args, **kwargs) in a new goroutine. Returns None."""
    if not callable(fn):
        raise TypeError("go: %r is not callable" % (fn,))
    newproc(fn, args, kwargs if kwargs else None)


def gomaxprocs(n=0):
    """Sets GOMAXPROCS to n and returns the previous value; n < 1 only reads.
    n is an int (Go's argument type): a float or a bool is a TypeError, not
    truncated; any n above the runtime's MAXPROCS Ps means MAXPROCS."""
    cdef int32_t prev
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError("gomaxprocs: n must be an int, not %s" % type(n).__name__)
    n = min(max(<object>n, 0), MAXPROCS)    # any Python int, huge or negative
    if sched.nprocs == 0:
        sched.nprocs = default_gomaxprocs()
    prev = sched.nprocs
    if n >= 1:
        if started:
            procresize(n)
            startidlems()
        else:
            sched.nprocs = min(n, MAXPROCS)
    return prev


def num_goroutine():
    """The number of goroutines that exist (the main goroutine included)."""
    return gmp_load64(&sched.ngoroutines) if started else 1


def num_cpu():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def gosched():
    """Yields the processor, letting other goroutines run."""
    gosched_m()


def goexit():
    """Ends the calling goroutine after running its finally blocks."""
    raise GoExit()


def run(main, *args, **kwargs):
    """Runs main(*args, **kwargs) as the main goroutine and returns its result."""
    if not started:
        if threading.get_ident() == _main_ident:
            start_runtime()
    return main(*args, **kwargs)


def _started():
    return started


def _sched_counts():
    """Scheduler counters (for tests and observability)."""
    return dict(
        nprocs=sched.nprocs, nallp=sched.nallp, npidle=gmp_load32(&sched.npidle),
        nmspinning=gmp_load32(&sched.nmspinning), mcount=sched.mcount,
        globrunq=gq_len(&sched.runq), ntimers=gmp_load64(&sched.ntimers),
        ngoroutines=gmp_load64(&sched.ngoroutines),
        nforeignwait=gmp_load32(&sched.nforeignwait),
    )


def _gstatus(G g):
    return (g.status, WAIT_REASONS[g.waitreason] if g.status == _Gwaiting else "")


def _allgs():
    return allglist()


def _curg():
    return getg()


include "core/testhooks.pxi"
include "core/lockrank.pxi"


def in_goroutine():
    """True when called from a goroutine (the main goroutine included once
    the runtime has started); False on a plain Python thread."""
    cdef M m = getm()
    return m is not None and m.curg is not None
