# cython: language_level=3, embedsignature=True
"""gmp._chan: channels, select and the sync primitives.

Mirrors Go's runtime/chan.go (hchan, chansend, chanrecv, closechan),
runtime/select.go (selectgo) and the parking parts of sync (sema.go).

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
from libc.stdint cimport int32_t, uint32_t, int64_t, uintptr_t
from libc.stdlib cimport malloc, free
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF, Py_DECREF, Py_XDECREF
from gmp.includes.rt cimport *
from gmp._core cimport G, M, getm, getg, gopark, goparkx, gothrow, goready, parkprep, parkcancel, fastrandn, wr_chan_receive, \
    wr_chan_send, wr_select, wr_select_nocases, wr_chan_receive_nilchan, \
    wr_chan_send_nilchan, wr_semacquire, wr_mutex_lock, wr_rwmutex_rlock, wr_rwmutex_lock, \
    wr_waitgroup_wait, wr_cond_wait, _Gdead

from gmp._core import Panic
from gmp import _core

cdef extern from "Python.h":
    ctypedef struct PyMethodDef:
        const char *ml_name
        void *ml_meth
        int ml_flags
        const char *ml_doc
    enum: METH_FASTCALL
    object PyCFunction_NewEx(PyMethodDef *ml, PyObject *self, object module)
    Py_ssize_t Py_REFCNT(PyObject *o)
    PyObject *PyTuple_GET_ITEM(object t, Py_ssize_t i)
    void PyTuple_SET_ITEM(object t, Py_ssize_t i, object v)
    int PyObject_GC_IsTracked(object o)
    bint PyObject_IS_GC(object o)
    void PyObject_GC_Track(object o)
    ctypedef struct PyTypeObject
    PyTypeObject *Py_TYPE(PyObject *o)
    bint PyTuple_Check(PyObject *o)
    Py_ssize_t PyTuple_GET_SIZE(PyObject *o)
    bint PyCFunction_Check(PyObject *o)
    PyObject *PyCFunction_GET_SELF(PyObject *o)
    void *PyCFunction_GET_FUNCTION(PyObject *o)


# ---- wait queues ------------------------------------------------------------

cdef inline void readysg(Sudog sg):
    """Readies the G waiting on sg, which a partner completed (or a close
    woke). Only a select needs to learn which of its sudogs won (g.param, read
    and cleared by selectgo); a plain waiter reads sg itself, and g.param
    would make a G <-> sudog cycle that outlives the goroutine until the
    cyclic GC runs."""
    if sg.isselect:
        sg.g.param = sg
    goready(sg.g)


cdef inline void wq_enqueue(waitq_t *q, Sudog sg) noexcept:
    """Appends sg (the queue takes a reference). The queue's lock must be held."""
    Py_INCREF(sg)
    sg.next = None
    sg.queued = True
    if q.last == NULL:
        sg.prev = None
        q.first = <PyObject *>sg
    else:
        sg.prev = <Sudog>q.last
        (<Sudog>q.last).next = sg
    q.last = <PyObject *>sg


cdef inline void wq_unlink(waitq_t *q, Sudog sg) noexcept:
    """Removes sg; its reference passes to the caller (who must DECREF it
    after unlocking). The queue's lock must be held."""
    cdef Sudog p = sg.prev
    cdef Sudog n = sg.next
    if p is None:
        q.first = <PyObject *>n if n is not None else NULL
    else:
        p.next = n
    if n is None:
        q.last = <PyObject *>p if p is not None else NULL
    else:
        n.prev = p
    sg.next = None
    sg.prev = None
    sg.queued = False


cdef Sudog wq_dequeue(waitq_t *q):
    """Takes the first sudog whose park can still be ended, claiming it (CAS
    of g.parktok from sg.tok to 0: the park protocol in core/proc.pxi). A
    sudog whose park was claimed already (another case of its select won, an
    interrupt ended it) is dropped from the queue. Returns an owned reference
    or None; the caller completes it and readies sg.g.
    Mirrors runtime/chan.go:waitq.dequeue. The queue's lock must be held."""
    cdef Sudog sg
    while q.first != NULL:
        sg = <Sudog>q.first
        wq_unlink(q, sg)
        Py_DECREF(sg)           # sg (a local) still holds it
        if sg.g.status == _Gdead:
            continue            # dropped in a forked child (fork.pxi): it cannot take anything
        if not gmp_cas32(&sg.g.parktok, sg.tok, 0):
            continue
        return sg
    return None


cdef inline bint wq_empty(waitq_t *q) noexcept nogil:
    return q.first == NULL


# ---- channels ----------------------------------------------------------------

cdef object _WOULDBLOCK = object()
cdef object _CLOSED = object()


@cython.final
@cython.binding(False)
@cython.always_allow_keywords(False)
cdef class chan:
    """A Go channel: chan(size=0). send/recv/recv_ok/close, len(ch), ch.cap,
    iteration until closed and drained."""

    def __cinit__(self, size=0):
        cdef Py_ssize_t n
        gmp_lock_init(&self.lock)
        if size is None:
            self.isnil = True
            return
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError("chan size must be an integer, not %s" % type(size).__name__)
        if size < 0 or size > (1 << 40):
            raise Panic("makechan: size out of range")
        n = size
        self.cap = n
        if n > 0:
            self.buf = <PyObject **>malloc(n * sizeof(PyObject *))
            if self.buf == NULL:
                raise MemoryError()

    def __dealloc__(self):
        cdef Py_ssize_t i
        if self.buf != NULL:
            for i in range(self.qcount):
                Py_XDECREF(self.buf[(self.recvx + i) % self.cap])
            free(self.buf)

    def send(self, v):
        """Sends v, blocking until a receiver takes it or buffer space frees up.
        Panics with "send on closed channel"."""
        if self.recvonly:
            raise TypeError(_RECVONLY_SEND)
        chansend(self, v, True)

    def recv(self):
        """Receives a value; returns None once the channel is closed and drained."""
        cdef bint ok
        return chanrecv(self, True, &ok)

    def recv_ok(self):
        """Receives (value, ok); ok is False once the channel is closed and drained."""
        cdef bint ok
        v = chanrecv(self, True, &ok)
        return (v, ok)

    def send_nowait(self, v):
        """Sends v if that does not block; returns whether it was sent."""
        if self.recvonly:
            raise TypeError(_RECVONLY_SEND)
        return chansend(self, v, False)

    def recv_nowait(self):
        """Receives (value, ok) if that does not block; raises WouldBlock otherwise."""
        cdef bint ok
        v = chanrecv(self, False, &ok)
        if v is _WOULDBLOCK:
            raise WouldBlock()
        return (v, ok)

    def close(self):
        """Closes the channel. Panics with "close of closed channel" or
        "close of nil channel"."""
        if self.recvonly:
            raise TypeError("invalid operation: cannot close receive-only channel")
        closechan(self)

    def __len__(self):
        return self.qcount

    def __iter__(self):
        return self

    def __next__(self):
        cdef bint ok
        v = chanrecv(self, True, &ok)
        if not ok:
            raise StopIteration
        return v

    def __repr__(self):
        if self.isnil:
            return "gmp.nilchan"
        return "<gmp.chan cap=%d len=%d%s>" % (self.cap, self.qcount, " closed" if self.closed else "")

    @property
    def closed(self):
        return self.closed


# Go rejects these at compile time; here they are TypeErrors at the call
cdef str _RECVONLY_SEND = "invalid operation: cannot send to receive-only channel"


def _recvonly_chan(Py_ssize_t size):
    """A channel only the runtime sends on (a Timer's or Ticker's .c, Go's
    <-chan Time): send, send_nowait, close and select send cases raise
    TypeError, so the timer's send can never meet a closed channel."""
    cdef chan c = chan(size)
    c.recvonly = True
    return c


# ---- the cyclic GC sees the ring buffer ----------------------------------------
# A buffered value that refers back to its channel (a request carrying its
# reply channel, put back on that channel) makes a cycle through the ring,
# which is C memory the generated tp_traverse does not know about. chan's
# traverse and clear are extended to visit and drop the buffered values.
# Both run with the GIL held, and every ring operation holds the GIL too.

cdef extern from "Python.h":
    ctypedef int (*gmp_visitproc "visitproc")(PyObject *, void *) noexcept
    ctypedef int (*gmp_traverseproc "traverseproc")(PyObject *, gmp_visitproc, void *) noexcept
    ctypedef int (*gmp_inquiry "inquiry")(PyObject *) noexcept
    ctypedef struct gmp_typeobject "PyTypeObject":
        gmp_traverseproc tp_traverse
        gmp_inquiry tp_clear
        unsigned long tp_flags
    enum: Py_TPFLAGS_HAVE_GC

cdef gmp_traverseproc _chan_traverse0 = NULL
cdef gmp_inquiry _chan_clear0 = NULL


cdef int chan_traverse(PyObject *o, gmp_visitproc visit, void *arg) noexcept:
    cdef chan c = <chan>o
    cdef Py_ssize_t i
    cdef PyObject *v
    cdef int r = _chan_traverse0(o, visit, arg)
    if r:
        return r
    for i in range(c.qcount):
        v = c.buf[(c.recvx + i) % c.cap]
        if v != NULL:
            r = visit(v, arg)
            if r:
                return r
    return 0


cdef int chan_clear(PyObject *o) noexcept:
    cdef chan c = <chan>o
    cdef PyObject *v
    _chan_clear0(o)
    while True:
        gmp_lock(&c.lock)
        if c.qcount == 0:
            gmp_unlock(&c.lock)
            return 0
        v = c.buf[c.recvx]
        c.buf[c.recvx] = NULL
        c.recvx = (c.recvx + 1) % c.cap
        c.qcount -= 1
        gmp_unlock(&c.lock)
        Py_XDECREF(v)


cdef int _chan_gc_install() except -1:
    global _chan_traverse0, _chan_clear0
    cdef gmp_typeobject *t = <gmp_typeobject *>chan
    if not (t.tp_flags & Py_TPFLAGS_HAVE_GC) or t.tp_traverse == NULL or t.tp_clear == NULL:
        raise ImportError("gmp: chan is not a GC type (see _chan.pxd)")
    _chan_traverse0 = t.tp_traverse
    _chan_clear0 = t.tp_clear
    t.tp_traverse = chan_traverse
    t.tp_clear = chan_clear
    return 0


_chan_gc_install()


class WouldBlock(Exception):
    """A *_nowait operation would have blocked."""


nilchan = chan(None)


# ---- the ring buffer (c.lock held; the ring owns one reference per slot) ---

cdef inline void ring_put(chan c, PyObject *v) noexcept:
    """Appends v at sendx; the caller checked qcount < cap."""
    Py_INCREF(<object>v)
    c.buf[c.sendx] = v
    c.sendx += 1
    if c.sendx == c.cap:
        c.sendx = 0
    c.qcount += 1


cdef inline object ring_take(chan c):
    """Removes the value at recvx; the caller checked qcount > 0."""
    cdef object v = <object>c.buf[c.recvx]
    Py_DECREF(v)                    # the ring's reference moves to v
    c.buf[c.recvx] = NULL
    c.recvx += 1
    if c.recvx == c.cap:
        c.recvx = 0
    c.qcount -= 1
    return v


cdef inline object ring_rotate(chan c, object elem):
    """Full buffer with a blocked sender: takes the head and puts the
    sender's elem at the tail (sendx follows recvx round the full ring)."""
    cdef object v = <object>c.buf[c.recvx]
    Py_DECREF(v)
    Py_INCREF(elem)
    c.buf[c.recvx] = <PyObject *>elem
    c.recvx += 1
    if c.recvx == c.cap:
        c.recvx = 0
    c.sendx = c.recvx
    return v


cdef int chanpark_cleanup(chan c, waitq_t *q, Sudog sg) except -1:
    """A parked send/recv was interrupted by an exception (deadlock,
    KeyboardInterrupt): take its sudog off the queue if nobody completed it."""
    gmp_lock(&c.lock)
    if sg.queued:
        wq_unlink(q, sg)
        gmp_unlock(&c.lock)
        Py_DECREF(sg)
    else:
        gmp_unlock(&c.lock)
    return 0


cdef bint chansend(chan c, object ep, bint block) except -1:
    """Sends ep on c. Returns False only when block is False and it would
    block. Mirrors runtime/chan.go:chansend."""
    cdef Sudog sg
    cdef G g
    if c.isnil:
        if not block:
            return False
        parkprep(getg())        # only an interrupt can end this park
        gopark(wr_chan_send_nilchan)
        raise RuntimeError("gmp: unreachable: woke from a nil channel send")
    # Fast path: a non-blocking send on a full open channel fails without the
    # lock. closed is read before full, as in Go: if we see not-closed and
    # full, there was a moment when both held.
    if not block and not c.closed and ((c.cap == 0 and wq_empty(&c.recvq)) or (c.cap > 0 and c.qcount == c.cap)):
        return False
    gmp_lock(&c.lock)
    if c.closed:
        gmp_unlock(&c.lock)
        raise Panic("send on closed channel")
    if not wq_empty(&c.recvq):
        sg = wq_dequeue(&c.recvq)
        if sg is not None:
            sg.elem = ep
            sg.success = True
            gmp_unlock(&c.lock)
            readysg(sg)
            return True
    if c.qcount < c.cap:
        ring_put(c, <PyObject *>ep)
        gmp_unlock(&c.lock)
        return True
    if not block:
        gmp_unlock(&c.lock)
        return False
    # Block on the send queue.
    gmp_unlock(&c.lock)
    g = getg()                  # may start the runtime: no lock held here
    sg = Sudog.__new__(Sudog)
    sg.g = g
    sg.elem = ep
    sg.c = c
    gmp_lock(&c.lock)
    if c.closed or not wq_empty(&c.recvq) or c.qcount < c.cap:
        # the state changed while unlocked: start over
        gmp_unlock(&c.lock)
        return chansend(c, ep, block)
    sg.tok = parkprep(g)
    wq_enqueue(&c.sendq, sg)
    gmp_unlock(&c.lock)
    if goparkx(wr_chan_send):
        chanpark_cleanup(c, &c.sendq, sg)
        gothrow(g)
    if not sg.success:
        raise Panic("send on closed channel")
    return True


cdef object chanrecv(chan c, bint block, bint *ok):
    """Receives from c: returns the value and sets ok (False: closed and
    drained, value None). Returns _WOULDBLOCK when block is False and it
    would block. Mirrors runtime/chan.go:chanrecv."""
    cdef Sudog sg
    cdef G g
    cdef object v
    ok[0] = False
    if c.isnil:
        if not block:
            return _WOULDBLOCK
        parkprep(getg())        # only an interrupt can end this park
        gopark(wr_chan_receive_nilchan)
        raise RuntimeError("gmp: unreachable: woke from a nil channel receive")
    # Fast path: a non-blocking receive on an empty channel fails without the
    # lock (see chan.go: empty is checked before closed, then again after).
    if not block and ((c.cap == 0 and wq_empty(&c.sendq)) or (c.cap > 0 and c.qcount == 0)):
        if not c.closed:
            return _WOULDBLOCK
        if (c.cap == 0 and wq_empty(&c.sendq)) or (c.cap > 0 and c.qcount == 0):
            return None
    gmp_lock(&c.lock)
    if c.closed and c.qcount == 0:
        gmp_unlock(&c.lock)
        return None
    if not wq_empty(&c.sendq):
        sg = wq_dequeue(&c.sendq)
        if sg is not None:
            if c.cap == 0:
                v = sg.elem
            else:
                v = ring_rotate(c, sg.elem)
            sg.success = True
            gmp_unlock(&c.lock)
            sg.elem = None
            readysg(sg)
            ok[0] = True
            return v
    if c.qcount > 0:
        v = ring_take(c)
        gmp_unlock(&c.lock)
        ok[0] = True
        return v
    if not block:
        gmp_unlock(&c.lock)
        return _WOULDBLOCK
    gmp_unlock(&c.lock)
    g = getg()
    sg = Sudog.__new__(Sudog)
    sg.g = g
    sg.c = c
    gmp_lock(&c.lock)
    if (c.closed and c.qcount == 0) or not wq_empty(&c.sendq) or c.qcount > 0:
        gmp_unlock(&c.lock)
        return chanrecv(c, block, ok)
    sg.tok = parkprep(g)
    wq_enqueue(&c.recvq, sg)
    gmp_unlock(&c.lock)
    if goparkx(wr_chan_receive):
        chanpark_cleanup(c, &c.recvq, sg)
        gothrow(g)
    ok[0] = sg.success
    v = sg.elem
    sg.elem = None
    return v


cdef int closechan(chan c) except -1:
    """Closes c: every blocked receiver gets (None, False), every blocked
    sender panics. Mirrors runtime/chan.go:closechan."""
    cdef list woken = []
    cdef Sudog sg
    if c.isnil:
        raise Panic("close of nil channel")
    gmp_lock(&c.lock)
    if c.closed:
        gmp_unlock(&c.lock)
        raise Panic("close of closed channel")
    c.closed = True
    while True:
        sg = wq_dequeue(&c.recvq)
        if sg is None:
            break
        sg.success = False
        woken.append(sg)
    while True:
        sg = wq_dequeue(&c.sendq)
        if sg is None:
            break
        sg.success = False
        woken.append(sg)
    gmp_unlock(&c.lock)
    for sg in woken:
        sg.elem = None          # receivers get None; a sender's value is dropped
        readysg(sg)
    return 0


def _timer_send(chan c, v):
    # runs in the scheduler (runtimers): must not raise. c is receive-only,
    # so nobody but the runtime can have closed it; the check keeps it so.
    if not c.closed:
        chansend(c, v, False)


_core._set_timer_send(_timer_send)


# ---- select ------------------------------------------------------------------

cdef class _Default:
    def __repr__(self):
        return "gmp.default"

cdef object _default = _Default()     # C global: select compares by address
default = _default

# chan's methods are plain C methods (binding=False): ch.recv is a builtin
# method whose self is the channel, and calling one goes straight to its C
# function. A select case is recognised by the identity of that C function,
# without calling anything. send, recv and recv_ok are then re-installed as
# gmp_chanop.h descriptors: the same C functions, but binding one (every
# select loop's ready.recv) takes a builtin method from a small pool instead
# of allocating one.
cdef extern from "gmp_chanop.h":
    int gmp_chanop_install(object chantype, const char *name) except -1

gmp_chanop_install(chan, "send")
gmp_chanop_install(chan, "recv")
gmp_chanop_install(chan, "recv_ok")

cdef object _m = nilchan.recv
cdef void *_fn_recv = PyCFunction_GET_FUNCTION(<PyObject *>_m)
_m = nilchan.recv_ok
cdef void *_fn_recv_ok = PyCFunction_GET_FUNCTION(<PyObject *>_m)
_m = nilchan.send
cdef void *_fn_send = PyCFunction_GET_FUNCTION(<PyObject *>_m)
_m = None

cdef enum:
    CASE_RECV = 0
    CASE_RECV_OK = 1
    CASE_SEND = 2
    NSTACK = 8

cdef struct scase_t:
    PyObject *c         # borrowed from the cases tuple
    PyObject *v         # value to send (borrowed)
    int32_t kind


cdef int parsecase(PyObject *case, scase_t *sc) except -1:
    # borrowed pointers throughout: the cases outlive the select call
    cdef PyObject *fn
    cdef PyObject *self_
    cdef void *f
    if PyCFunction_Check(case):
        self_ = PyCFunction_GET_SELF(case)
        if self_ != NULL and Py_TYPE(self_) == <PyTypeObject *>chan:
            f = PyCFunction_GET_FUNCTION(case)
            sc.c = self_
            sc.v = NULL
            if f == _fn_recv:
                sc.kind = CASE_RECV
                return 0
            if f == _fn_recv_ok:
                sc.kind = CASE_RECV_OK
                return 0
            if f == _fn_send:
                raise TypeError("select: a send case needs a value: (ch.send, value)")
    elif PyTuple_Check(case):
        if PyTuple_GET_SIZE(case) != 2:
            raise TypeError("select: a send case is (ch.send, value), got a tuple of %d"
                            % PyTuple_GET_SIZE(case))
        fn = PyTuple_GET_ITEM(<object>case, 0)
        if PyCFunction_Check(fn) and PyCFunction_GET_FUNCTION(fn) == _fn_send:
            self_ = PyCFunction_GET_SELF(fn)
            if self_ != NULL and Py_TYPE(self_) == <PyTypeObject *>chan:
                if (<chan>self_).recvonly:
                    raise TypeError(_RECVONLY_SEND)
                sc.c = self_
                sc.v = PyTuple_GET_ITEM(<object>case, 1)
                sc.kind = CASE_SEND
                return 0
        raise TypeError("select: a send case is (ch.send, value), got (%r, ...)" % (<object>fn,))
    raise TypeError("select: invalid case %r (expected ch.recv, ch.recv_ok, (ch.send, v) or gmp.default)"
                    % (<object>case,))


cdef inline void selunlock(scase_t *cases, int32_t *lockorder, int32_t n) noexcept:
    cdef int32_t i
    cdef PyObject *c
    # unlock in reverse order, each channel once
    i = n - 1
    while i >= 0:
        c = cases[lockorder[i]].c
        if i == 0 or cases[lockorder[i - 1]].c != c:
            gmp_unlock(&(<chan>c).lock)
        i -= 1


cdef inline void sellock(scase_t *cases, int32_t *lockorder, int32_t n) noexcept:
    cdef int32_t i
    cdef PyObject *prev = NULL
    for i in range(n):
        if cases[lockorder[i]].c != prev:
            prev = cases[lockorder[i]].c
            gmp_lock(&(<chan>prev).lock)


# select's (index, value) result tuple is reused while nobody but this module
# holds it: `k, v = select(...)` drops it before the next select, so the
# steady state allocates nothing (the trick CPython's enumerate and zip use).
# The GIL makes the check-and-refill atomic; the tuple is referenced twice
# while the old items are released, so a __del__ that selects gets a fresh one.
cdef PyObject *_selpair = NULL


cdef int32_t _selpair_idx = -1     # the index _selpair holds


cdef object selpair(int32_t idx, object v):
    global _selpair, _selpair_idx
    cdef object t
    cdef object i           # typed: an inferred C int would be boxed twice below, and
                            # the tuple got a reference it did not own (freed for idx > 256)
    cdef PyObject *old
    if _selpair != NULL and Py_REFCNT(_selpair) == 1:
        t = <object>_selpair
        if idx != _selpair_idx:
            old = PyTuple_GET_ITEM(t, 0)
            i = idx
            Py_INCREF(i)
            PyTuple_SET_ITEM(t, 0, i)
            _selpair_idx = idx
            Py_DECREF(<object>old)
        old = PyTuple_GET_ITEM(t, 1)
        Py_INCREF(v)
        PyTuple_SET_ITEM(t, 1, v)
        Py_DECREF(<object>old)
        # the collector untracks a tuple of atomic items; one that may now
        # hold a container must be tracked again
        if PyObject_IS_GC(v) and not PyObject_GC_IsTracked(t):
            PyObject_GC_Track(t)
        return t
    t = (idx, v)
    Py_XDECREF(_selpair)
    Py_INCREF(t)
    _selpair = <PyObject *>t
    _selpair_idx = idx
    return t


cdef object selresult(int32_t kind, int32_t idx, object v, bint ok):
    if kind == CASE_RECV:
        return selpair(idx, v)
    if kind == CASE_RECV_OK:
        return selpair(idx, (v, ok))
    return selpair(idx, None)


cdef object _select(object self, PyObject **args, Py_ssize_t ncases):
    # METH_FASTCALL: the cases arrive as the caller's argument array (borrowed,
    # alive for the whole call), so no argument tuple is built per select.
    cdef scase_t stack_cases[NSTACK]
    cdef int32_t stack_order[2 * NSTACK]
    cdef scase_t *sc = stack_cases
    cdef int32_t *pollorder = stack_order
    cdef int32_t *lockorder
    cdef int32_t n = 0, i, j, k, dflt = -1
    cdef PyObject *case
    cdef object r
    cdef int32_t *caseidx
    cdef int32_t stack_idx[NSTACK]
    caseidx = stack_idx
    if ncases > NSTACK:
        sc = <scase_t *>malloc(ncases * sizeof(scase_t))
        pollorder = <int32_t *>malloc(2 * ncases * sizeof(int32_t))
        caseidx = <int32_t *>malloc(ncases * sizeof(int32_t))
        if sc == NULL or pollorder == NULL or caseidx == NULL:
            free(sc); free(pollorder); free(caseidx)
            raise MemoryError()
    try:
        # parse; nil channels never become ready and are left out, as Go does
        for i in range(ncases):
            case = args[i]
            if case == <PyObject *>_default:
                if dflt >= 0:
                    raise Panic("select: multiple default")
                dflt = i
                continue
            parsecase(case, &sc[n])
            if (<chan>sc[n].c).isnil:
                continue
            caseidx[n] = i
            n += 1
        lockorder = pollorder + n
        # poll order: a uniform random permutation (inside-out Fisher-Yates;
        # step 0 always keeps 0, so it draws nothing)
        if n > 0:
            pollorder[0] = 0
        for i in range(1, n):
            j = gmp_fastrandn(i + 1)
            pollorder[i] = pollorder[j]
            pollorder[j] = i
        # pass 0 (not in Go): the first case in poll order that looks ready is
        # completed under its own channel's lock alone. Go's pass 1 (selectgo)
        # locks every channel; when some case is ready this saves n - 1 lock
        # round trips and the sort, and picks the same case Go would for that
        # state. Done here, before the large selectgo frame is entered.
        for i in range(n):
            k = pollorder[i]
            if looksready(&sc[k]):
                gmp_lock(&(<chan>sc[k].c).lock)
                r = selfire(sc, k, caseidx, &pollorder[i], 1)
                if r is not _NOTREADY:
                    return r
                gmp_unlock(&(<chan>sc[k].c).lock)
        return selectgo(sc, caseidx, pollorder, lockorder, n, dflt, ncases)
    finally:
        if sc != stack_cases:
            free(sc)
            free(pollorder)
            free(caseidx)


cdef PyMethodDef _select_def
_select_def.ml_name = "select"
_select_def.ml_meth = <void *>_select
_select_def.ml_flags = METH_FASTCALL
_select_def.ml_doc = """select(*cases)
--

Go's select: waits until one case can proceed and runs it; with
gmp.default, never blocks. Cases are ch.recv, ch.recv_ok, (ch.send, v)
and gmp.default. Returns (index, value): the received value for recv,
(value, ok) for recv_ok, None for a send or the default.
Among ready cases one is chosen uniformly at random.
Mirrors runtime/select.go:selectgo."""
select = PyCFunction_NewEx(&_select_def, NULL, __name__)


cdef object _NOTREADY = object()


cdef object selfire(scase_t *sc, int32_t k, int32_t *caseidx, int32_t *lockorder, int32_t nlock):
    """Completes case k if it can proceed now, releasing the nlock channel
    locks in lockorder; returns _NOTREADY, locks still held, if it cannot."""
    cdef PyObject *cp = sc[k].c     # borrowed: the cases hold the channels
    cdef Sudog sg
    cdef object v
    if sc[k].kind == CASE_SEND:
        if (<chan>cp).closed:
            selunlock(sc, lockorder, nlock)
            raise Panic("send on closed channel")
        if not wq_empty(&(<chan>cp).recvq):
            sg = wq_dequeue(&(<chan>cp).recvq)
            if sg is not None:
                v = <object>sc[k].v
                sg.elem = v
                sg.success = True
                selunlock(sc, lockorder, nlock)
                readysg(sg)
                return selpair(caseidx[k], None)
        if (<chan>cp).qcount < (<chan>cp).cap:
            ring_put(<chan>cp, sc[k].v)
            selunlock(sc, lockorder, nlock)
            return selpair(caseidx[k], None)
    else:
        if not wq_empty(&(<chan>cp).sendq):
            sg = wq_dequeue(&(<chan>cp).sendq)
            if sg is not None:
                if (<chan>cp).cap == 0:
                    v = sg.elem
                else:
                    v = ring_rotate(<chan>cp, sg.elem)
                sg.success = True
                selunlock(sc, lockorder, nlock)
                sg.elem = None
                readysg(sg)
                return selresult(sc[k].kind, caseidx[k], v, True)
        if (<chan>cp).qcount > 0:
            v = ring_take(<chan>cp)
            selunlock(sc, lockorder, nlock)
            return selresult(sc[k].kind, caseidx[k], v, True)
        if (<chan>cp).closed:
            selunlock(sc, lockorder, nlock)
            return selresult(sc[k].kind, caseidx[k], None, False)
    return _NOTREADY


cdef inline bint looksready(scase_t *s) noexcept:
    """A lock-free guess that case s can proceed (racy; confirmed under the lock)."""
    cdef PyObject *cp = s.c
    if s.kind == CASE_SEND:
        return (gmp_relaxed_i32((<chan>cp).closed) != 0 or gmp_relaxed_ptr((<chan>cp).recvq.first) != NULL
                or gmp_relaxed_ssize((<chan>cp).qcount) < (<chan>cp).cap)
    return (gmp_relaxed_ptr((<chan>cp).sendq.first) != NULL or gmp_relaxed_ssize((<chan>cp).qcount) > 0
            or gmp_relaxed_i32((<chan>cp).closed) != 0)


cdef inline uintptr_t caddr(scase_t *sc, int32_t *order, int32_t i) noexcept nogil:
    return <uintptr_t>sc[order[i]].c


cdef void siftlock(scase_t *sc, int32_t *order, int32_t root, int32_t n) noexcept nogil:
    """Moves order[root] down the max-heap order[0:n] (keyed by channel address)."""
    cdef int32_t child, t
    while True:
        child = 2 * root + 1
        if child >= n:
            return
        if child + 1 < n and caddr(sc, order, child + 1) > caddr(sc, order, child):
            child += 1
        if caddr(sc, order, root) >= caddr(sc, order, child):
            return
        t = order[root]; order[root] = order[child]; order[child] = t
        root = child


cdef void lockorder_heapsort(scase_t *sc, int32_t *order, int32_t n) noexcept nogil:
    """order = 0..n-1 sorted by channel address (Go's selectgo heapsorts too)."""
    cdef int32_t i, t
    for i in range(n):
        order[i] = i
    i = n // 2 - 1
    while i >= 0:
        siftlock(sc, order, i, n)
        i -= 1
    i = n - 1
    while i > 0:
        t = order[0]; order[0] = order[i]; order[i] = t
        siftlock(sc, order, 0, i)
        i -= 1


cdef object selectgo(scase_t *sc, int32_t *caseidx, int32_t *pollorder, int32_t *lockorder,
                     int32_t n, int32_t dflt, Py_ssize_t ncases):
    cdef int32_t i, j, k, tok
    cdef PyObject *cp      # borrowed: the cases hold the channels
    cdef Sudog sg
    cdef Sudog win
    cdef G g
    cdef object v
    cdef list sgs
    # lock order: by channel address (insertion sort for the usual few
    # cases, heapsort beyond: n log n for a select over thousands)
    if n <= 16:
        for i in range(n):
            j = i
            while j > 0 and <uintptr_t>sc[lockorder[j - 1]].c > <uintptr_t>sc[i].c:
                lockorder[j] = lockorder[j - 1]
                j -= 1
            lockorder[j] = i
    else:
        lockorder_heapsort(sc, lockorder, n)
    # pass 1: look for a case that can proceed now, every channel locked
    sellock(sc, lockorder, n)
    for i in range(n):
        v = selfire(sc, pollorder[i], caseidx, lockorder, n)
        if v is not _NOTREADY:
            return v
    if dflt >= 0:
        selunlock(sc, lockorder, n)
        return selpair(dflt, None)
    selunlock(sc, lockorder, n)
    if n == 0:
        parkprep(getg())        # only an interrupt can end this park
        gopark(wr_select_nocases)
        raise RuntimeError("gmp: unreachable: woke from an empty select")
    # pass 2: enqueue on every channel, then park
    g = getg()
    sgs = []
    for i in range(n):
        sg = Sudog.__new__(Sudog)
        sg.g = g
        sg.c = <object>sc[i].c
        sg.isselect = True
        sg.caseidx = i
        if sc[i].kind == CASE_SEND:
            sg.elem = <object>sc[i].v
        sgs.append(sg)
    g.param = None
    sellock(sc, lockorder, n)
    # re-check readiness: the state may have changed between passes
    for i in range(n):
        cp = sc[i].c
        if sc[i].kind == CASE_SEND:
            if (<chan>cp).closed or not wq_empty(&(<chan>cp).recvq) or (<chan>cp).qcount < (<chan>cp).cap:
                selunlock(sc, lockorder, n)
                return selectgo(sc, caseidx, pollorder, lockorder, n, dflt, ncases)
        elif not wq_empty(&(<chan>cp).sendq) or (<chan>cp).qcount > 0 or (<chan>cp).closed:
            selunlock(sc, lockorder, n)
            return selectgo(sc, caseidx, pollorder, lockorder, n, dflt, ncases)
    tok = parkprep(g)           # one token for every case: the first claim wins
    for i in range(n):
        (<Sudog>sgs[i]).tok = tok
    for i in range(n):
        k = lockorder[i]
        cp = sc[k].c
        if sc[k].kind == CASE_SEND:
            wq_enqueue(&(<chan>cp).sendq, <Sudog>sgs[k])
        else:
            wq_enqueue(&(<chan>cp).recvq, <Sudog>sgs[k])
    selunlock(sc, lockorder, n)
    try:
        gopark(wr_select)
    finally:
        # pass 3: dequeue from the channels that did not win
        win = g.param if isinstance(g.param, Sudog) else None
        g.param = None
        sellock(sc, lockorder, n)
        for i in range(n):
            sg = <Sudog>sgs[i]
            if sg.queued:
                cp = sc[i].c
                if sc[i].kind == CASE_SEND:
                    wq_unlink(&(<chan>cp).sendq, sg)
                else:
                    wq_unlink(&(<chan>cp).recvq, sg)
                Py_DECREF(sg)
        selunlock(sc, lockorder, n)
    if win is None:             # the park protocol makes this unreachable
        raise RuntimeError("gmp: select woke with no case completed")
    k = win.caseidx
    if sc[k].kind == CASE_SEND:
        if not win.success:
            raise Panic("send on closed channel")
        return selpair(caseidx[k], None)
    v = win.elem
    win.elem = None
    return selresult(sc[k].kind, caseidx[k], v, win.success)


@cython.freelist(256)
cdef class Sudog:
    """A G waiting on a channel or sync object (Go's runtime2.go sudog)."""
    pass


# ---- sync: parking primitives with Go's semantics --------------------------

cdef int parkon(gmp_lock_t *lk, waitq_t *q, object owner, int32_t reason) except -1:
    """Enqueues the current G on q and parks it; lk is held on entry and
    released before parking. Returns when a waker dequeued it and readied it
    (handing it the resource). An exception thrown into the park means that
    no waker claimed it (the park protocol, core/proc.pxi), so nothing was
    handed over: the sudog is removed from q if still there, and the
    exception raised."""
    cdef G g = getg()
    cdef Sudog sg = Sudog.__new__(Sudog)
    sg.g = g
    sg.c = owner
    sg.tok = parkprep(g)
    wq_enqueue(q, sg)
    gmp_unlock(lk)
    if goparkx(reason):
        gmp_lock(lk)
        if sg.queued:
            wq_unlink(q, sg)
            gmp_unlock(lk)
            Py_DECREF(sg)
        else:
            gmp_unlock(lk)
        gothrow(g)
    return 0


@cython.final
cdef class Mutex:
    """sync.Mutex: lock()/unlock(), a context manager. Waiters are handed the
    lock in FIFO order (Go's starvation mode), parking only the goroutine."""
    cdef gmp_lock_t lk
    cdef bint locked
    cdef waitq_t waiters

    def __cinit__(self):
        gmp_lock_init(&self.lk)

    def lock(self):
        gmp_lock(&self.lk)
        if not self.locked:
            self.locked = True
            gmp_unlock(&self.lk)
            return
        parkon(&self.lk, &self.waiters, self, wr_mutex_lock)

    def try_lock(self):
        gmp_lock(&self.lk)
        if not self.locked:
            self.locked = True
            gmp_unlock(&self.lk)
            return True
        gmp_unlock(&self.lk)
        return False

    def unlock(self):
        cdef Sudog sg
        gmp_lock(&self.lk)
        if not self.locked:
            gmp_unlock(&self.lk)
            raise Panic("sync: unlock of unlocked mutex")
        sg = wq_dequeue(&self.waiters)
        if sg is None:
            self.locked = False
        gmp_unlock(&self.lk)
        if sg is not None:
            goready(sg.g)       # ownership passes straight to the waiter

    def __enter__(self):
        self.lock()
        return self

    def __exit__(self, *exc):
        self.unlock()
        return False


@cython.final
cdef class RWMutex:
    """sync.RWMutex: lock/unlock for writers, rlock/runlock for readers.
    A waiting writer blocks new readers (Go's writer preference)."""
    cdef gmp_lock_t lk
    cdef int64_t readers
    cdef bint writer
    cdef waitq_t rwait
    cdef waitq_t wwait

    def __cinit__(self):
        gmp_lock_init(&self.lk)

    def rlock(self):
        gmp_lock(&self.lk)
        if not self.writer and wq_empty(&self.wwait):
            self.readers += 1
            gmp_unlock(&self.lk)
            return
        parkon(&self.lk, &self.rwait, self, wr_rwmutex_rlock)

    def runlock(self):
        cdef Sudog sg = None
        gmp_lock(&self.lk)
        if self.readers <= 0:
            gmp_unlock(&self.lk)
            raise Panic("sync: RUnlock of unlocked RWMutex")
        self.readers -= 1
        if self.readers == 0:
            sg = wq_dequeue(&self.wwait)
            if sg is not None:
                self.writer = True
        gmp_unlock(&self.lk)
        if sg is not None:
            goready(sg.g)

    def lock(self):
        gmp_lock(&self.lk)
        if not self.writer and self.readers == 0:
            self.writer = True
            gmp_unlock(&self.lk)
            return
        parkon(&self.lk, &self.wwait, self, wr_rwmutex_lock)

    def unlock(self):
        cdef list woken = []
        cdef Sudog sg
        gmp_lock(&self.lk)
        if not self.writer:
            gmp_unlock(&self.lk)
            raise Panic("sync: Unlock of unlocked RWMutex")
        self.writer = False
        if not wq_empty(&self.rwait):
            while True:
                sg = wq_dequeue(&self.rwait)
                if sg is None:
                    break
                self.readers += 1
                woken.append(sg)
        else:
            sg = wq_dequeue(&self.wwait)
            if sg is not None:
                self.writer = True
                woken.append(sg)
        gmp_unlock(&self.lk)
        for sg in woken:
            goready(sg.g)

    def rlocker(self):
        return _RLocker(self)

    def __enter__(self):
        self.lock()
        return self

    def __exit__(self, *exc):
        self.unlock()
        return False


class _RLocker:
    def __init__(self, rw):
        self._rw = rw

    def lock(self):
        self._rw.rlock()

    def unlock(self):
        self._rw.runlock()

    def __enter__(self):
        self._rw.rlock()
        return self

    def __exit__(self, *exc):
        self._rw.runlock()
        return False


@cython.final
cdef class WaitGroup:
    """sync.WaitGroup: add(delta), done(), wait()."""
    cdef gmp_lock_t lk
    cdef int64_t counter
    cdef waitq_t waiters

    def __cinit__(self):
        gmp_lock_init(&self.lk)

    def add(self, Py_ssize_t delta):
        cdef list woken = None
        cdef Sudog sg
        gmp_lock(&self.lk)
        self.counter += delta
        if self.counter < 0:
            self.counter -= delta
            gmp_unlock(&self.lk)
            raise Panic("sync: negative WaitGroup counter")
        if self.counter == 0 and not wq_empty(&self.waiters):
            woken = []
            while True:
                sg = wq_dequeue(&self.waiters)
                if sg is None:
                    break
                woken.append(sg)
        gmp_unlock(&self.lk)
        if woken is not None:
            for sg in woken:
                goready(sg.g)

    def done(self):
        self.add(-1)

    def wait(self):
        gmp_lock(&self.lk)
        if self.counter == 0:
            gmp_unlock(&self.lk)
            return
        parkon(&self.lk, &self.waiters, self, wr_waitgroup_wait)

    def __repr__(self):
        return "<gmp.sync.WaitGroup counter=%d>" % self.counter


@cython.final
cdef class Once:
    """sync.Once: do(fn) runs fn exactly once; later callers wait for it."""
    cdef bint done
    cdef Mutex m

    def __cinit__(self):
        self.m = Mutex()

    def do(self, fn, *args, **kwargs):
        if self.done:
            return
        self.m.lock()
        try:
            if not self.done:
                try:
                    fn(*args, **kwargs)
                finally:
                    self.done = True
        finally:
            self.m.unlock()


@cython.final
cdef class Cond:
    """sync.Cond(L): wait() atomically unlocks L and parks; signal() wakes
    one waiter, broadcast() all; a woken waiter re-locks L. L is a Locker
    (lock()/unlock(), as gmp.Mutex) or a Python lock (acquire()/release())."""
    cdef gmp_lock_t lk
    cdef waitq_t waiters
    cdef readonly object L
    cdef object _lock
    cdef object _unlock

    def __cinit__(self, L):
        gmp_lock_init(&self.lk)
        self.L = L
        if hasattr(L, "lock") and hasattr(L, "unlock"):
            self._lock, self._unlock = L.lock, L.unlock
        elif hasattr(L, "acquire") and hasattr(L, "release"):
            self._lock, self._unlock = L.acquire, L.release
        else:
            raise TypeError("sync.Cond needs a Locker (lock/unlock or acquire/release), not %s"
                            % type(L).__name__)

    def wait(self):
        cdef G g = getg()
        cdef Sudog sg = Sudog.__new__(Sudog)
        cdef bint interrupted
        sg.g = g
        sg.c = self
        # enqueue before unlocking L (Go's notifyListAdd): a signal between the
        # unlock and the park is not lost
        gmp_lock(&self.lk)
        sg.tok = parkprep(g)
        wq_enqueue(&self.waiters, sg)
        gmp_unlock(&self.lk)
        try:
            self._unlock()
        except BaseException:
            # L was not held (Go's fatal "unlock of unlocked mutex", here a
            # Panic a program may catch): this G never parks, so its sudog
            # and token are withdrawn before the exception leaves; a signal
            # that took it meanwhile is absorbed and passed on
            self._withdraw(sg)
            if parkcancel(g, sg.tok, wr_cond_wait):
                self.signal()
            raise
        interrupted = goparkx(wr_cond_wait)
        if interrupted:
            self._withdraw(sg)
        # Go's Wait returns with L held, and so does this, also when it
        # raises: a lock() interrupted before it acquired L is retried, and
        # the first exception is raised once L is held
        exc = gothrowexc(g) if interrupted else None
        for _ in range(1000):
            try:
                self._lock()
                break
            except BaseException as e:
                if exc is None:
                    exc = e
        else:
            raise exc
        if exc is not None:
            raise exc

    cdef bint _withdraw(self, Sudog sg):
        """Takes sg off the wait list; False if it was still queued, True if
        a signal (or broadcast) had dequeued it first."""
        gmp_lock(&self.lk)
        if sg.queued:
            wq_unlink(&self.waiters, sg)
            gmp_unlock(&self.lk)
            Py_DECREF(sg)
            return False
        gmp_unlock(&self.lk)
        return True

    def signal(self):
        cdef Sudog sg
        gmp_lock(&self.lk)
        sg = wq_dequeue(&self.waiters)
        gmp_unlock(&self.lk)
        if sg is not None:
            goready(sg.g)

    def broadcast(self):
        cdef list woken = []
        cdef Sudog sg
        gmp_lock(&self.lk)
        while True:
            sg = wq_dequeue(&self.waiters)
            if sg is None:
                break
            woken.append(sg)
        gmp_unlock(&self.lk)
        for sg in woken:
            goready(sg.g)


cdef object gothrowexc(G g):
    """Takes the exception thrown into g's park (as gothrow, without raising)."""
    e = g.throwexc
    g.throwexc = None
    return e


# ---- probes for tests (Go's export_test.go) ---------------------------------

def _recvq_len(chan c):
    cdef int n = 0
    cdef PyObject *x
    gmp_lock(&c.lock)
    x = c.recvq.first
    while x != NULL:
        n += 1
        x = <PyObject *>(<Sudog>x).next if (<Sudog>x).next is not None else NULL
    gmp_unlock(&c.lock)
    return n


def _sendq_len(chan c):
    cdef int n = 0
    cdef PyObject *x
    gmp_lock(&c.lock)
    x = c.sendq.first
    while x != NULL:
        n += 1
        x = <PyObject *>(<Sudog>x).next if (<Sudog>x).next is not None else NULL
    gmp_unlock(&c.lock)
    return n
