# Wait queues and parking (Go's runtime/sema.go and the sudog of runtime2.go):
# the waitq_t of sudogs every channel and sync object parks on, and parkon.

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


cdef object gothrowexc(G g):
    """Takes the exception thrown into g's park (as gothrow, without raising)."""
    e = g.throwexc
    g.throwexc = None
    return e
