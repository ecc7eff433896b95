# cython: language_level=3, embedsignature=True, embedsignature.format=clinic
# embedsignature.format=clinic: each C function's docstring starts with its text
# signature (send($self, v, /)\n--\n\n), which inspect.signature, help() and
# stubtest read (tests/test_signatures.py); Cython strips it from a
# cyfunction's __doc__ and CPython from a builtin's.
"""gmp._chan: channels, select and the sync primitives.

This file only assembles the concept files in gmp/chan/, one C translation
unit, so that cdef inline helpers inline across them:
  chan/sema.pxi         wait queues and sudogs, readysg, the wake-all
                        (wq_dequeueall + readyall), the park cleanup
                        (wq_withdraw), parkon (Go's sema.go, runtime2.go sudog)
  chan/tchan.pxi        typed channels: the ring of elements by value, C sudogs,
                        the operations that run without the GIL, parking
  chan/tchanconv.pxi    typed channels from Python: dtype, numpy's conversions,
                        send_array/recv_into
  chan/capi.pxi         the C API of typed channels (gmp_api.h's table, the
                        capsule gmp._chan._C_API)
  chan/chan.pxi         the chan type and its ring, Go's full/empty/send/recv,
                        chansend, chanrecv, closechan (Go's chan.go)
  chan/select.pxi       select: case parsing, lock order, selectgo (select.go)
  chan/sync.pxi         Mutex, RWMutex, WaitGroup, Once, Cond (Go's sync)
  chan/export_test.pxi  the hooks tests use (Go's export_test.go)
Its C declarations are in gmp/includes/chanapi.pxd (Python.h) and
gmp/includes/chanop.pxd (gmp_chanop.h).

Invariants (as chan.go):
  At least one of c.sendq and c.recvq is empty, except for an unbuffered
  channel with a single G blocked on both sides in one select.
  For buffered channels: c.qcount > 0 implies c.recvq is empty;
  c.qcount < c.cap implies c.sendq is empty.
  A sudog is on at most one queue; sg.queued says whether it still is.

Lock order: chan locks are taken in increasing address order (select), and
a chan lock is never held while another kind of lock is taken, a G is
readied, or a reference is dropped (a DECREF can run arbitrary Python).
"""
cimport cython
from libc.stdint cimport int32_t, int64_t, uint64_t, uintptr_t
from libc.stdlib cimport malloc, calloc, free
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF, Py_DECREF, Py_XDECREF
from gmp.includes.rt cimport *
from gmp.includes.chanapi cimport *
from gmp.includes.chanop cimport gmp_chanop_install
from gmp.includes.capi cimport *
from gmp._core cimport G, gwake_t, gwakeprep, gwakedrop, goreadyw, handoffnogil, notenogilpark, getg, gopark, goparkx, gothrow, goready, parkprep, parkcancel, \
    wr_chan_receive, wr_chan_send, wr_select, wr_select_nocases, wr_chan_receive_nilchan, \
    wr_chan_send_nilchan, wr_mutex_lock, wr_rwmutex_rlock, wr_rwmutex_lock, \
    wr_waitgroup_wait, wr_cond_wait, _Gdead

from types import GenericAlias
from gmp._core import Panic
from gmp import _core


include "chan/sema.pxi"
include "chan/tchan.pxi"
include "chan/tchanconv.pxi"
include "chan/chan.pxi"
include "chan/capi.pxi"
include "chan/select.pxi"
include "chan/sync.pxi"
include "chan/export_test.pxi"
