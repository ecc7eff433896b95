# cython: language_level=3
from libc.stdint cimport int32_t, int64_t
from cpython.object cimport PyObject
from gmp.includes.rt cimport gmp_lock_t
from gmp._core cimport G, gwake_t

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

# ---- typed channels (gmp/chan/tchan.pxi) -----------------------------------
# A typed channel's state is C memory that its nogil operations reach
# without the chan object: the ring of elements stored by value, and wait
# queues of C sudogs.

cdef struct tsudog_t:
    gwake_t w               # how a waker without the GIL readies the G (goreadyw)
    tsudog_t *next          # on a wait queue: protected by its lock;
    tsudog_t *prev          # once dequeued: the waker's private wake list
    int32_t *parktok        # &g.parktok: the claim (the park protocol, core/proc.pxi)
    int32_t tok             # g's park token when it was enqueued
    int32_t queued          # protected by the channel's lock
    int32_t success         # a partner completed it (0: woken by close)
    int32_t done            # completed by a waker (select: the case that won)
    int32_t caseidx         # select: the case it stands for
    int32_t isselect
    char *elem              # elemsize bytes (just after the struct): the value
                            # to send, or the slot a partner fills

cdef struct twaitq_t:
    tsudog_t *first
    tsudog_t *last

cdef struct tchan_t:
    gmp_lock_t *lock        # &chan.lock (so select's lock order covers both kinds);
                            # protects every field below and the sudogs on the queues
    char *buf               # the ring: cap elements of elemsize bytes
    Py_ssize_t elemsize
    Py_ssize_t cap
    Py_ssize_t qcount
    Py_ssize_t sendx
    Py_ssize_t recvx
    int32_t closed
    twaitq_t recvq          # blocked receivers
    twaitq_t sendq          # blocked senders

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
    cdef tchan_t *tc        # a typed channel's state (chan(size, dtype=...)), or NULL
    cdef object dtype       # its numpy dtype, or None
    cdef int32_t tkind      # how its values convert (tchan.pxi: TK_*)
    cdef object __weakref__ # a timer's channel is held weakly by its runtime timer
    cdef object _gc         # never set: its presence makes chan a GC type, whose
                            # traverse/clear gmp/chan/chan.pxi extends to the ring buffer
