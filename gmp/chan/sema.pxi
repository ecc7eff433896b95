# Wait queues and parking (Go's runtime/sema.go and the sudog of runtime2.go):
# the waitq_t of sudogs every channel and sync object parks on, the one
# wake-all (wq_dequeueall + readyall) and the one cleanup after a park that
# no waker ended (wq_withdraw), and parkon (parkenqueue + parkwait).

# ---- wait queues ------------------------------------------------------------

cdef inline int readysg(Sudog sg) except -1:
    """Readies the G waiting on sg, which a partner completed (or a close or a
    sync object's release woke). Call it with no lock held. Only a select
    needs to learn which of its sudogs won (g.param, read and cleared by
    selectgo); a plain waiter reads sg itself, and g.param would make a
    G <-> sudog cycle that outlives the goroutine until the cyclic GC runs."""
    if sg.isselect:
        sg.g.param = sg
    goready(sg.g)
    return 0


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


cdef list wq_dequeueall(waitq_t *q, list woken):
    """The wake-all half that runs under the queue's lock: claims every sudog
    on q whose park can still be ended (wq_dequeue) and appends it to woken,
    a new list if woken is None and there is one. Returns woken: still None
    when q held nobody to wake, so a count of 0 never allocates. The caller
    releases the lock, then calls readyall."""
    cdef Sudog sg
    while q.first != NULL:
        sg = wq_dequeue(q)
        if sg is None:
            break
        if woken is None:
            woken = [sg]
        else:
            woken.append(sg)
    return woken


cdef int readyall(list woken) except -1:
    """The wake-all half that runs with no lock held: readies every sudog of
    woken (None: nobody). A sender woken by close drops its value here,
    outside the channel's lock (a receiver's elem is None already)."""
    cdef Sudog sg
    if woken is None:
        return 0
    for sg in woken:
        sg.elem = None
        readysg(sg)
    return 0


# ---- parking on a wait queue -------------------------------------------------

cdef void wq_withdraw(gmp_lock_t *lk, waitq_t *q, Sudog sg) noexcept:
    """The one cleanup after a park that no waker ended (an exception thrown
    into it), or a wait that gave up before parking: takes sg off q if it is
    still there (a waker that dequeued it first, or wq_dequeue dropping it as
    claimed, took it off already). Takes and releases lk; the queue's
    reference is dropped after the unlock (never the last: the caller holds
    sg)."""
    gmp_lock(lk)
    if sg.queued:
        wq_unlink(q, sg)
        gmp_unlock(lk)
        Py_DECREF(sg)
    else:
        gmp_unlock(lk)


cdef inline Sudog newsudog(G g, object owner):
    """A sudog for g waiting on owner (a chan or a sync object)."""
    cdef Sudog sg = Sudog.__new__(Sudog)
    sg.g = g
    sg.c = owner
    return sg


cdef inline void parkenqueue(gmp_lock_t *lk, waitq_t *q, Sudog sg) noexcept:
    """Puts sg on q with a fresh park token for sg.g (parkprep) and releases
    lk, held on entry. The caller parks next (parkwait), or withdraws the
    sudog and its token (wq_withdraw, parkcancel) if it does not park."""
    sg.tok = parkprep(sg.g)
    wq_enqueue(q, sg)
    gmp_unlock(lk)


cdef inline int parkwait(gmp_lock_t *lk, waitq_t *q, Sudog sg, int32_t reason) except -1:
    """Parks sg.g, which sg waits for on q (lk protects q, not held). Returns
    0 when a waker dequeued and readied it (handing it the resource, or its
    value). Returns 1 when an exception was thrown into the park: then no
    waker claimed it (the park protocol, core/proc.pxi), nothing was handed
    over, and sg is off q; the caller raises the exception with gothrow(g)
    after any repair of its own (no try/except in the parked frames)."""
    if goparkx(reason):
        wq_withdraw(lk, q, sg)
        return 1
    return 0


cdef int parkon(gmp_lock_t *lk, waitq_t *q, object owner, int32_t reason) except -1:
    """Enqueues the current G on q and parks it; lk is held on entry and
    released before parking. Returns 0 when a waker handed it the resource,
    1 when an exception was thrown into the park (see parkwait: the caller
    raises it with gothrow)."""
    cdef Sudog sg = newsudog(getg(), owner)
    parkenqueue(lk, q, sg)
    return parkwait(lk, q, sg, reason)


cdef int parkforever(int32_t reason) except -1:
    """Parks the current G where no waker can find it (a nil channel, an
    empty select: Go's gopark with no unlock function): only an exception
    thrown into the park ends it, and that is what this raises."""
    parkprep(getg())
    gopark(reason)
    raise RuntimeError("gmp: unreachable: a park no waker can end was ended (%d)" % reason)


cdef object gothrowexc(G g):
    """Takes the exception thrown into g's park (as gothrow, without raising)."""
    e = g.throwexc
    g.throwexc = None
    return e
