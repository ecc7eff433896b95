# cython: language_level=3
from libc.stdint cimport int32_t, int64_t
from cpython.object cimport PyObject
from gmp.includes.rt cimport gmp_lock_t
from gmp._core cimport G

cdef class Sudog:
    cdef G g                # the waiting G (a goroutine or a plain thread's waiter)
    cdef object elem        # value being sent, or received value
    cdef Sudog next         # protected by the lock of the queue it is on
    cdef Sudog prev
    cdef object c           # the chan (or sync object) it waits on
    cdef bint isselect
    cdef bint success       # True: completed by a partner; False: woken by close
    cdef bint queued        # protected by the queue's lock
    cdef int32_t caseidx
    cdef int32_t tok        # g's park token when it was enqueued (parkprep)

cdef struct waitq_t:
    PyObject *first         # Sudog, strong reference held by the queue
    PyObject *last

cdef class chan:
    cdef gmp_lock_t lock    # protects every field below and the sudogs on recvq/sendq.
                            # Never ready a G, run Python code or DECREF while held.
    cdef PyObject **buf     # ring of strong references, dataqsiz slots
    cdef readonly Py_ssize_t cap
    cdef Py_ssize_t qcount
    cdef Py_ssize_t sendx
    cdef Py_ssize_t recvx
    cdef bint closed
    cdef bint isnil
    cdef bint recvonly      # a timer's channel (Go's <-chan Time): only the runtime sends or closes
    cdef waitq_t recvq      # blocked receivers
    cdef waitq_t sendq      # blocked senders
    cdef object __weakref__ # a timer's channel is held weakly by its runtime timer
    cdef object _gc         # never set: its presence makes chan a GC type, whose
                            # traverse/clear gmp/chan/chan.pxi extends to the ring buffer
