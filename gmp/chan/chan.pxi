# Channels (Go's runtime/chan.go): the chan type, its ring buffer and what
# the cyclic GC sees of it, chansend, chanrecv, closechan and the timer send.

# ---- channels ----------------------------------------------------------------

cdef object _WOULDBLOCK = object()


@cython.final
@cython.binding(False)
@cython.always_allow_keywords(False)
cdef class chan:
    """chan(size=0, dtype=None)\n--\n\nA Go channel with room for ``size`` buffered values (0: unbuffered,
    a send waits for its receiver); ``chan(None)`` is the nil channel,
    ``gmp.nilchan``.

    With ``dtype`` (a numpy dtype, or anything ``numpy.dtype()`` accepts;
    fixed-size, no objects) it is a typed channel: it stores elements by
    value in a C ring, its operations that do not park run without the GIL
    (also from Cython, through ``gmp.get_include()``'s API), ``send``
    converts with numpy's rules, ``recv`` returns a Python scalar for
    numeric dtypes (the dtype's zero once closed and drained), and
    ``send_array``/``recv_into`` move whole arrays.

    ``send``/``recv``/``recv_ok``/``close``, their non-blocking forms
    ``send_nowait``/``recv_nowait``, ``len(ch)`` (values buffered now),
    ``ch.cap``, ``ch.closed``; iterating receives until the channel is closed
    and drained. ``chan[int]()`` is a channel of ints for type checkers (at
    run time a plain chan).
    """

    def __cinit__(self, size=0, dtype=None):
        cdef Py_ssize_t n
        gmp_lock_init_rank(&self.lock, GMP_LR_CHAN)
        if size is None:
            self.isnil = True
            if dtype is not None:
                self.dtype = numpy().dtype(dtype)
            return
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError("chan size must be an integer, not %s" % type(size).__name__)
        if size < 0 or size > (1 << 40):
            raise Panic("makechan: size out of range")
        n = size
        self.cap = n
        if dtype is not None:
            tinit(self, n, dtype)
        elif n > 0:
            self.buf = <PyObject **>malloc(n * sizeof(PyObject *))
            if self.buf == NULL:
                raise MemoryError()

    def __dealloc__(self):
        cdef Py_ssize_t i
        if self.tc != NULL:
            tchan_free(self.tc)
        if self.buf != NULL:
            for i in range(self.qcount):
                Py_XDECREF(self.buf[(self.recvx + i) % self.cap])
            free(self.buf)

    def send(self, v, /):
        """Sends v, blocking until a receiver takes it or buffer space frees up.
        Panics with "send on closed channel"."""
        if self.tc != NULL:
            tsendpy(self, v, True)
            return
        if self.recvonly:
            raise TypeError(_RECVONLY_SEND)
        chansend(self, v, True)

    def recv(self):
        """Receives a value; returns None once the channel is closed and drained."""
        cdef bint ok
        if self.tc != NULL:
            return trecvpy(self, True, &ok)
        return chanrecv(self, True, &ok)

    def recv_ok(self):
        """Receives (value, ok); ok is False once the channel is closed and drained."""
        cdef bint ok
        if self.tc != NULL:
            v = trecvpy(self, True, &ok)
        else:
            v = chanrecv(self, True, &ok)
        return (v, ok)

    def send_nowait(self, v, /):
        """Sends v if that does not block; returns whether it was sent."""
        if self.tc != NULL:
            return tsendpy(self, v, False)
        if self.recvonly:
            raise TypeError(_RECVONLY_SEND)
        return chansend(self, v, False)

    def recv_nowait(self):
        """Receives (value, ok) if that does not block; raises WouldBlock otherwise."""
        cdef bint ok
        if self.tc != NULL:
            v = trecvpy(self, False, &ok)
        else:
            v = chanrecv(self, False, &ok)
        if v is _WOULDBLOCK:
            raise WouldBlock()
        return (v, ok)

    def close(self):
        """Closes the channel. Panics with "close of closed channel" or
        "close of nil channel"."""
        if self.recvonly:
            raise TypeError("invalid operation: cannot close receive-only channel")
        if self.tc != NULL:
            if tchan_close(self.tc) < 0:
                raise Panic("close of closed channel")
            return
        closechan(self)

    def __len__(self):
        if self.tc != NULL:
            return gmp_relaxed_ssize(self.tc.qcount)
        return self.qcount

    def __iter__(self):
        return self

    def __next__(self):
        cdef bint ok
        if self.tc != NULL:
            v = trecvpy(self, True, &ok)
        else:
            v = chanrecv(self, True, &ok)
        if not ok:
            raise StopIteration
        return v

    def __repr__(self):
        if self.isnil:
            return "gmp.nilchan" if self.dtype is None else "<gmp.chan nil dtype=%s>" % self.dtype
        if self.tc != NULL:
            return "<gmp.chan cap=%d len=%d dtype=%s%s>" % (self.cap, len(self), self.dtype,
                                                          " closed" if self.tc.closed else "")
        return "<gmp.chan cap=%d len=%d%s>" % (self.cap, self.qcount, " closed" if self.closed else "")

    @property
    def closed(self):
        """Whether the channel has been closed (values may still be buffered)."""
        if self.tc != NULL:
            return gmp_relaxed_i32(self.tc.closed) != 0
        return self.closed

    @property
    def dtype(self):
        """A typed channel's numpy dtype; None for a channel of objects."""
        return self.dtype

    def send_array(self, a, /):
        """Sends every element of a (an array of the channel's dtype,
        C-contiguous; a list or scalar is converted with numpy's rules), in
        order, as that many sends: it parks whenever the ring is full and no
        receiver waits, and copies with the GIL released. Typed channels
        only. Panics with "send on closed channel" (the elements before the
        one that met the close were sent). An exception raised out of a
        wait (an interrupt, the close's panic) carries ``e.transferred``:
        how many elements were sent before it."""
        if self.isnil:
            if numpy().asarray(a).size == 0:
                return                      # no sends: nothing to block on
            parkforever(wr_chan_send_nilchan)
        if self.tc == NULL:
            raise TypeError("send_array needs a typed channel: chan(size, dtype=...)")
        tsendarray(self, a)

    def recv_into(self, out, /):
        """Receives into every element of out (a writable C-contiguous array
        of the channel's dtype), in order; returns how many it received,
        fewer than out.size only when the channel was closed and drained
        (the rest of out is left as it was). Typed channels only. An
        exception raised out of a wait (an interrupt) carries
        ``e.transferred``: how many elements of out it had filled."""
        if self.isnil:
            if numpy().asarray(out).size == 0:
                return 0                    # no receives: nothing to block on
            parkforever(wr_chan_receive_nilchan)
        if self.tc == NULL:
            raise TypeError("recv_into needs a typed channel: chan(size, dtype=...)")
        return trecvinto(self, out)

    @classmethod
    def __class_getitem__(cls, item, /):
        """chan[T]: a channel of T values, for type checkers (gmp/_chan.pyi);
        at run time chan[T]() makes a plain chan, as list[int]() makes a list."""
        return GenericAlias(cls, item)


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
    """A ``*_nowait`` operation would have blocked."""
    __signature__ = _core._ExceptionSignature()


nilchan = chan(None)


# ---- the ring buffer (c.lock held; the ring owns one reference per slot) ---

cdef inline void ring_put(chan c, PyObject *v) noexcept:
    """Appends v at sendx; the caller checked qcount < cap."""
    GMP_ASSERT_HELD(&c.lock)
    Py_INCREF(<object>v)
    c.buf[c.sendx] = v
    c.sendx += 1
    if c.sendx == c.cap:
        c.sendx = 0
    c.qcount += 1


cdef inline object ring_take(chan c):
    """Removes the value at recvx; the caller checked qcount > 0."""
    GMP_ASSERT_HELD(&c.lock)
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
    GMP_ASSERT_HELD(&c.lock)
    cdef object v = <object>c.buf[c.recvx]
    Py_DECREF(v)
    Py_INCREF(elem)
    c.buf[c.recvx] = <PyObject *>elem
    c.recvx += 1
    if c.recvx == c.cap:
        c.recvx = 0
    c.sendx = c.recvx
    return v


# ---- Go's full/empty/send/recv: each readiness test and each hand-over ------
# is written here once; chansend, chanrecv and select (selfire, selectgo) use
# them. Without c.lock, full/empty are racy guesses (relaxed loads) that the
# caller confirms under the lock; with it they are exact.

cdef inline bint full(chan c) noexcept:
    """Go's full: a send on c must wait (closing aside): nobody waits to
    receive on an unbuffered c, or the ring is full."""
    if c.cap == 0:
        return gmp_relaxed_ptr(c.recvq.first) == NULL
    return gmp_relaxed_ssize(c.qcount) == c.cap


cdef inline bint empty(chan c) noexcept:
    """Go's empty: a receive on c must wait (closing aside): nobody waits to
    send on an unbuffered c, or the ring is empty."""
    if c.cap == 0:
        return gmp_relaxed_ptr(c.sendq.first) == NULL
    return gmp_relaxed_ssize(c.qcount) == 0


cdef inline bint sendready(chan c) noexcept:
    """A send on c ends now without parking: it completes, or panics on a
    closed c. closed is read before full (Go's order): a racy not-closed and
    full means there was a moment when both held."""
    return gmp_relaxed_i32(c.closed) != 0 or not full(c)


cdef inline bint recvready(chan c) noexcept:
    """A receive on c ends now without parking: a value, or (None, False) on
    a closed and drained c."""
    return not empty(c) or gmp_relaxed_i32(c.closed) != 0


cdef inline void send(Sudog sg, object ep) noexcept:
    """Go's send: hands ep to the receiver sg, which wq_dequeue took from
    c.recvq and claimed. c.lock is held; the caller releases its locks, then
    readies sg (readysg): never the other way round."""
    sg.elem = ep
    sg.success = True


cdef inline object recv(chan c, Sudog sg):
    """Go's recv: takes the value of the sender sg, which wq_dequeue took from
    c.sendq and claimed. Unbuffered: sg's value. Buffered (a sender waits only
    on a full ring): the head of the ring, and sg's value goes to the tail, so
    values leave in the order they were sent. c.lock is held; the caller
    releases its locks, then readies sg. Clearing sg.elem here frees nothing:
    the result or the ring still holds that value."""
    cdef object v
    GMP_ASSERT_HELD(&c.lock)
    if c.cap == 0:
        v = sg.elem
    else:
        v = ring_rotate(c, sg.elem)
    sg.elem = None
    sg.success = True
    return v


# ---- chansend, chanrecv, closechan ---------------------------------------------

cdef int chanpark(chan c, Sudog sg, bint issend) except -1:
    """Parks sg.g on c's send queue (issend) or receive queue until a partner
    or close completes sg. Returns 1 without parking when the operation can
    proceed after all (c changed while it was unlocked to make sg): the
    caller starts over. Raises what was thrown into the park, sg withdrawn."""
    cdef waitq_t *q = &c.sendq if issend else &c.recvq
    gmp_lock(&c.lock)
    if sendready(c) if issend else recvready(c):
        gmp_unlock(&c.lock)
        return 1
    parkenqueue(&c.lock, q, sg)
    if parkwait(&c.lock, q, sg, wr_chan_send if issend else wr_chan_receive):
        gothrow(sg.g)
    return 0


cdef bint chansend(chan c, object ep, bint block) except -1:
    """Sends ep on c. Returns False only when block is False and it would
    block. Mirrors runtime/chan.go:chansend."""
    cdef Sudog sg
    if c.isnil:
        if not block:
            return False
        parkforever(wr_chan_send_nilchan)
    # Fast path: a non-blocking send that cannot proceed fails without the lock.
    if not block and not sendready(c):
        return False
    gmp_lock(&c.lock)
    if c.closed:
        gmp_unlock(&c.lock)
        raise Panic("send on closed channel")
    if not wq_empty(&c.recvq):
        sg = wq_dequeue(&c.recvq)
        if sg is not None:
            send(sg, ep)
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
    sg = newsudog(getg(), c)    # getg may start the runtime: no lock held here
    sg.elem = ep
    if chanpark(c, sg, True):
        return chansend(c, ep, block)
    if not sg.success:
        raise Panic("send on closed channel")
    return True


cdef object chanrecv(chan c, bint block, bint *ok):
    """Receives from c: returns the value and sets ok (False: closed and
    drained, value None). Returns _WOULDBLOCK when block is False and it
    would block. Mirrors runtime/chan.go:chanrecv."""
    cdef Sudog sg
    cdef object v
    ok[0] = False
    if c.isnil:
        if not block:
            return _WOULDBLOCK
        parkforever(wr_chan_receive_nilchan)
    # Fast path: a non-blocking receive on an empty channel fails without the
    # lock (as chan.go: empty is read before closed, then again after).
    if not block and empty(c):
        if not c.closed:
            return _WOULDBLOCK
        if empty(c):
            return None
    gmp_lock(&c.lock)
    if c.closed and c.qcount == 0:
        gmp_unlock(&c.lock)
        return None
    if not wq_empty(&c.sendq):
        sg = wq_dequeue(&c.sendq)
        if sg is not None:
            v = recv(c, sg)
            gmp_unlock(&c.lock)
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
    sg = newsudog(getg(), c)
    if chanpark(c, sg, False):
        return chanrecv(c, block, ok)
    ok[0] = sg.success
    v = sg.elem
    sg.elem = None
    return v


cdef int closechan(chan c) except -1:
    """Closes c: every blocked receiver gets (None, False), every blocked
    sender panics (their sudogs keep success False). Mirrors
    runtime/chan.go:closechan."""
    cdef list woken
    if c.isnil:
        raise Panic("close of nil channel")
    gmp_lock(&c.lock)
    if c.closed:
        gmp_unlock(&c.lock)
        raise Panic("close of closed channel")
    c.closed = True
    woken = wq_dequeueall(&c.recvq, None)
    woken = wq_dequeueall(&c.sendq, woken)
    gmp_unlock(&c.lock)
    readyall(woken)             # a sender's value is dropped there
    return 0


def _timer_send(chan c, v):
    # runs in the scheduler (runtimers): must not raise. c is receive-only,
    # so nobody but the runtime can have closed it; the check keeps it so.
    if not c.closed:
        chansend(c, v, False)


_core._set_timer_send(_timer_send)
