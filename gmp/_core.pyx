# cython: language_level=3, embedsignature=True, embedsignature.format=clinic
# embedsignature.format=clinic: each C function's docstring starts with its text
# signature (send($self, v, /)\n--\n\n), which inspect.signature, help() and
# stubtest read (tests/test_signatures.py); Cython strips it from a
# cyfunction's __doc__ and CPython from a builtin's.
"""gmp._core: goroutines and the G/M/P scheduler (Go's runtime), run
queues, timers, the network poller and goroutine dumps.

This file only holds the imports, the include lines and the public entry
points; the runtime is in gmp/core/, one Go concept per file, named after
Go's file where Go has one (all one C translation unit, so hot helpers
inline). Their C declarations are in gmp/includes/.

    runtime2.pxi     sched_t, allp/allg, the G/P/M classes, getg/getm
    runq.pxi         the per-P ring (runqput/runqget/...), gqueue, global queue
    runtime1.pxi     GODEBUG/GMPDEBUG (parsedebugvars) and GOTRACEBACK
    proc.pxi         start, procresize, newproc, execute, gopark/goready,
                     the park protocol, findrunnable, gosched_m
    proc_m.pxi       stealing, spinning, wakep, startm/newm/mstart, g0's loop
    goexit.pxi       the goroutine greenlet's body glue and goexit0 (gfinish)
    panic.pxi        Panic/Deadlock/GoExit, fatalpanic, hooks, checkdead, exit
    signal_unix.pxi  SIGINT/SIGQUIT handlers, checksignals
    sysmon.pxi       sysmon
    schedtrace.pxi   GODEBUG=schedtrace/scheddetail output
    metrics.pxi      scheduling-latency histogram, thread count
    time.pxi         timers, sleep
    traceback.pxi    goroutine dumps and records
    stack.pxi        goroutine stack accounting
    syscall.pxi      gmp.syscall and its helper threads
    netpoll.pxi      the epoll poller (netpoll_t, pdtab, pd_ready/pd_wait)
    fd.pxi           PollDesc (internal/poll FD) and its errors
    preempt.pxi      asynchronous preemption
    fork.pxi         os.fork support
    export_test.pxi  test-only hooks
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
from gmp.includes.python cimport *
from gmp.includes.posix cimport *
from gmp.includes.gentry cimport *
from gmp.includes.netpoll cimport *
from gmp.includes.preempt cimport *
from gmp.includes.core cimport *


gmp_greenlet_import()

include "core/runtime2.pxi"
include "core/runq.pxi"
include "core/runtime1.pxi"
include "core/proc.pxi"
include "core/proc_m.pxi"
include "core/goexit.pxi"
include "core/panic.pxi"
include "core/signal_unix.pxi"
include "core/sysmon.pxi"
include "core/schedtrace.pxi"
include "core/metrics.pxi"
include "core/time.pxi"
include "core/traceback.pxi"
include "core/stack.pxi"
include "core/syscall.pxi"
include "core/netpoll.pxi"
include "core/fd.pxi"
include "core/preempt.pxi"
include "core/fork.pxi"


# ---- public entry points (re-exported by gmp and gmp.runtime) ------------

def go(fn, *args, **kwargs):
    """Starts ``fn(*args, **kwargs)`` in a new goroutine. Returns None."""
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
    """The number of CPUs this process may run on (its affinity mask)."""
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
    """Runs ``main(*args, **kwargs)`` as the main goroutine and returns its result."""
    if not started:
        if threading.get_ident() == _main_ident:
            start_runtime()
    return main(*args, **kwargs)


def _started():
    return started


include "core/export_test.pxi"


def in_goroutine():
    """True when called from a goroutine (the main goroutine included once
    the runtime has started); False on a plain Python thread."""
    cdef M m = getm()
    return m is not None and m.curg is not None
