# Typed channels: chan(size, dtype=...) stores its elements by value, in a
# C ring of elemsize-byte slots, with wait queues of C sudogs (tsudog_t), so
# that every operation that does not park runs without the GIL: the
# channel's lock, a copy, an index update, and a waker that readies a parked
# partner with goreadyw (its P's readyq and wakem, no GIL). Parking needs the
# GIL (a greenlet switch), so a nogil caller that must block takes it first.
# The semantics are chan.go's, as for object channels; the Python-facing
# conversions (numpy's rules) and the C API are at the end of the file.
#
# A parked G's sudog is heap memory, never its stack: greenlet copies a
# parked goroutine's stack away, so a partner must not write into it (Go's
# sudog.elem points into the stack of the parked goroutine; here it points
# just past the sudog). The parker allocates and frees its sudog; a waker
# never touches it after goreadyw.

cdef enum:
    TC_BLOCK = 0        # would block
    TC_OK = 1           # done
    TC_CLOSED = -1      # a send on a closed channel (the caller panics)

    # how a Python value converts to an element and back (chan.tkind)

    TK_GENERIC = 0      # numpy does it (any fixed-size dtype)
    TK_F8
    TK_I8
    TK_I4
    TK_U1
    TK_BOOL

cdef extern from "string.h" nogil:
    void *memcpy(void *dst, const void *src, size_t n)
    void *memset(void *s, int c, size_t n)


# ---- wait queues of C sudogs (the channel's lock held) ---------------------

cdef inline void tq_enqueue(twaitq_t *q, tsudog_t *sg) noexcept nogil:
    sg.next = NULL
    sg.prev = q.last
    sg.queued = 1
    if q.last == NULL:
        q.first = sg
    else:
        q.last.next = sg
    q.last = sg


cdef inline void tq_unlink(twaitq_t *q, tsudog_t *sg) noexcept nogil:
    if sg.prev == NULL:
        q.first = sg.next
    else:
        sg.prev.next = sg.next
    if sg.next == NULL:
        q.last = sg.prev
    else:
        sg.next.prev = sg.prev
    sg.next = NULL
    sg.prev = NULL
    sg.queued = 0


cdef tsudog_t *tq_dequeue(twaitq_t *q) noexcept nogil:
    """wq_dequeue for C sudogs: takes the first sudog whose park can still
    be ended, claiming it (CAS of g.parktok from sg.tok to 0). A claimed one
    (another select case won, an interrupt ended the park) is only unlinked:
    its parker frees it. Returns NULL when there is none."""
    cdef tsudog_t *sg
    while q.first != NULL:
        sg = q.first
        tq_unlink(q, sg)
        if sg.w.status[0] == _Gdead:
            continue            # dropped in a forked child (fork.pxi): it cannot take anything
        if not gmp_cas32(sg.parktok, sg.tok, 0):
            continue
        return sg
    return NULL


cdef inline void tpush(tsudog_t **wl, tsudog_t *sg, int32_t success) noexcept nogil:
    """Marks the claimed sg completed and puts it on the wake list wl, which
    twakeall readies once the lock is released."""
    sg.success = success
    sg.done = 1
    sg.next = wl[0]
    wl[0] = sg


cdef inline void twakeall(tsudog_t *wl) noexcept nogil:
    """Readies every sudog of a wake list; no lock held."""
    cdef tsudog_t *nx
    while wl != NULL:
        nx = wl.next            # read first: the G frees its sudog once it runs
        goreadyw(&wl.w)
        wl = nx


# ---- the ring (the lock held) -----------------------------------------------

cdef inline char *tslot(tchan_t *c, Py_ssize_t i) noexcept nogil:
    return c.buf + i * c.elemsize


cdef inline void tring_put(tchan_t *c, const char *src) noexcept nogil:
    memcpy(tslot(c, c.sendx), src, c.elemsize)
    c.sendx += 1
    if c.sendx == c.cap:
        c.sendx = 0
    c.qcount += 1


cdef inline void tring_take(tchan_t *c, char *dst) noexcept nogil:
    memcpy(dst, tslot(c, c.recvx), c.elemsize)
    c.recvx += 1
    if c.recvx == c.cap:
        c.recvx = 0
    c.qcount -= 1


cdef Py_ssize_t tring_putn(tchan_t *c, const char *src, Py_ssize_t n) noexcept nogil:
    """Copies up to n elements into the free part of the ring (at most two
    memcpys); returns how many."""
    cdef Py_ssize_t k = c.cap - c.qcount, first
    if k > n:
        k = n
    first = c.cap - c.sendx
    if first > k:
        first = k
    memcpy(tslot(c, c.sendx), src, first * c.elemsize)
    if k > first:
        memcpy(c.buf, src + first * c.elemsize, (k - first) * c.elemsize)
    c.sendx = (c.sendx + k) % c.cap
    c.qcount += k
    return k


cdef Py_ssize_t tring_taken(tchan_t *c, char *dst, Py_ssize_t n) noexcept nogil:
    """Copies up to n buffered elements out of the ring; returns how many."""
    cdef Py_ssize_t k = c.qcount, first
    if k > n:
        k = n
    first = c.cap - c.recvx
    if first > k:
        first = k
    memcpy(dst, tslot(c, c.recvx), first * c.elemsize)
    if k > first:
        memcpy(dst + first * c.elemsize, c.buf, (k - first) * c.elemsize)
    c.recvx = (c.recvx + k) % c.cap
    c.qcount -= k
    return k


# ---- readiness, and Go's send/recv on a claimed partner (the lock held) ----

cdef inline bint tfull(tchan_t *c) noexcept nogil:
    if c.cap == 0:
        return gmp_relaxed_ptr(c.recvq.first) == NULL
    return gmp_relaxed_ssize(c.qcount) == c.cap


cdef inline bint tempty(tchan_t *c) noexcept nogil:
    if c.cap == 0:
        return gmp_relaxed_ptr(c.sendq.first) == NULL
    return gmp_relaxed_ssize(c.qcount) == 0


cdef inline bint tsendready(tchan_t *c) noexcept nogil:
    return gmp_relaxed_i32(c.closed) != 0 or not tfull(c)


cdef inline bint trecvready(tchan_t *c) noexcept nogil:
    return not tempty(c) or gmp_relaxed_i32(c.closed) != 0


cdef inline void tsendto(tsudog_t *sg, const char *src, Py_ssize_t elemsize,
                         tsudog_t **wl) noexcept nogil:
    """Go's send: the receiver sg (dequeued and claimed) gets src."""
    memcpy(sg.elem, src, elemsize)
    tpush(wl, sg, 1)


cdef inline void trecvfrom(tchan_t *c, tsudog_t *sg, char *dst, tsudog_t **wl) noexcept nogil:
    """Go's recv: takes the value of the sender sg (dequeued and claimed).
    Buffered (a sender waits only on a full ring): the head of the ring, and
    sg's value goes to the tail."""
    if c.cap == 0:
        memcpy(dst, sg.elem, c.elemsize)
    else:
        memcpy(dst, tslot(c, c.recvx), c.elemsize)
        memcpy(tslot(c, c.recvx), sg.elem, c.elemsize)
        c.recvx += 1
        if c.recvx == c.cap:
            c.recvx = 0
        c.sendx = c.recvx
    tpush(wl, sg, 1)


cdef inline int tsendlocked(tchan_t *c, const char *src, tsudog_t **wl) noexcept nogil:
    """One send attempt under the lock: TC_OK, TC_BLOCK or TC_CLOSED."""
    cdef tsudog_t *sg
    if c.closed:
        return TC_CLOSED
    if c.recvq.first != NULL:
        sg = tq_dequeue(&c.recvq)
        if sg != NULL:
            tsendto(sg, src, c.elemsize, wl)
            return TC_OK
    if c.qcount < c.cap:
        tring_put(c, src)
        return TC_OK
    return TC_BLOCK


cdef inline int trecvlocked(tchan_t *c, char *dst, int *ok, tsudog_t **wl) noexcept nogil:
    """One receive attempt under the lock: TC_OK (ok: a value, or 0 with
    dst zeroed when closed and drained) or TC_BLOCK."""
    cdef tsudog_t *sg
    if c.sendq.first != NULL:
        sg = tq_dequeue(&c.sendq)
        if sg != NULL:
            trecvfrom(c, sg, dst, wl)
            ok[0] = 1
            return TC_OK
    if c.qcount > 0:
        tring_take(c, dst)
        ok[0] = 1
        return TC_OK
    if c.closed:
        memset(dst, 0, c.elemsize)
        ok[0] = 0
        return TC_OK
    return TC_BLOCK


# ---- the operations that never park (no GIL needed) -------------------------

cdef int tchan_trysend(tchan_t *c, const char *src) noexcept nogil:
    """Sends *src if that does not block: TC_OK, TC_BLOCK, or TC_CLOSED (the
    caller panics). Can be executed by any thread, with or without the GIL."""
    cdef tsudog_t *wl = NULL
    cdef int r
    if not tsendready(c):           # racy look without the lock, as chansend
        return TC_BLOCK
    gmp_lock(c.lock)
    r = tsendlocked(c, src, &wl)
    gmp_unlock(c.lock)
    twakeall(wl)
    return r


cdef int tchan_tryrecv(tchan_t *c, char *dst, int *ok) noexcept nogil:
    """Receives into dst if that does not block: TC_OK (ok says whether it
    is a value) or TC_BLOCK. Can be executed by any thread."""
    cdef tsudog_t *wl = NULL
    cdef int r
    if tempty(c) and not gmp_relaxed_i32(c.closed):
        return TC_BLOCK
    gmp_lock(c.lock)
    r = trecvlocked(c, dst, ok, &wl)
    gmp_unlock(c.lock)
    twakeall(wl)
    return r


cdef Py_ssize_t tchan_sendn(tchan_t *c, const char *src, Py_ssize_t n, int *closed) noexcept nogil:
    """Sends as many of the n elements at src as go without blocking: one to
    each waiting receiver, then as many as the ring has room for. Returns
    how many; sets closed (and sends none) on a closed channel."""
    cdef tsudog_t *wl = NULL
    cdef tsudog_t *sg
    cdef Py_ssize_t sent = 0
    closed[0] = 0
    gmp_lock(c.lock)
    if c.closed:
        closed[0] = 1
    else:
        while sent < n:
            if c.recvq.first != NULL:
                sg = tq_dequeue(&c.recvq)
                if sg != NULL:
                    tsendto(sg, src + sent * c.elemsize, c.elemsize, &wl)
                    sent += 1
                    continue
            if c.qcount == c.cap:
                break
            sent += tring_putn(c, src + sent * c.elemsize, n - sent)
    gmp_unlock(c.lock)
    twakeall(wl)
    return sent


cdef Py_ssize_t tchan_recvn(tchan_t *c, char *dst, Py_ssize_t n, int *closed) noexcept nogil:
    """Receives up to n elements into dst without blocking: the buffered
    ones, then from waiting senders (whose values refill the ring as it
    frees up, in the order they were sent). Returns how many; sets closed
    when it stopped at a closed and drained channel."""
    cdef tsudog_t *wl = NULL
    cdef tsudog_t *sg
    cdef Py_ssize_t got = 0
    closed[0] = 0
    gmp_lock(c.lock)
    while got < n:
        if c.qcount > 0:
            got += tring_taken(c, dst + got * c.elemsize, n - got)
            continue
        if c.sendq.first != NULL:
            sg = tq_dequeue(&c.sendq)
            if sg != NULL:
                memcpy(dst + got * c.elemsize, sg.elem, c.elemsize)
                tpush(&wl, sg, 1)
                got += 1
                continue
        if c.closed:
            closed[0] = 1
        break
    # senders still waiting move into the room taken: the ring is refilled
    # (Go's invariant: a sender waits only on a full ring)
    while c.qcount < c.cap and c.sendq.first != NULL:
        sg = tq_dequeue(&c.sendq)
        if sg == NULL:
            break
        tring_put(c, sg.elem)
        tpush(&wl, sg, 1)
    gmp_unlock(c.lock)
    twakeall(wl)
    return got


cdef int tchan_close(tchan_t *c) noexcept nogil:
    """Closes c: every blocked receiver gets a zero value with ok 0, every
    blocked sender panics. Returns -1 (and changes nothing) when c was
    closed already. Can be executed by any thread."""
    cdef tsudog_t *wl = NULL
    cdef tsudog_t *sg
    gmp_lock(c.lock)
    if c.closed:
        gmp_unlock(c.lock)
        return -1
    c.closed = 1
    while True:
        sg = tq_dequeue(&c.recvq)
        if sg == NULL:
            break
        memset(sg.elem, 0, c.elemsize)
        tpush(&wl, sg, 0)
    while True:
        sg = tq_dequeue(&c.sendq)
        if sg == NULL:
            break
        tpush(&wl, sg, 0)
    gmp_unlock(c.lock)
    twakeall(wl)
    return 0


# ---- parking (the GIL held) -----------------------------------------------------

cdef tsudog_t *tsudog_new(G g, tchan_t *c) except NULL:
    """A sudog for g with room for one element after it, set up for a
    nogil waker (gwakeprep takes g's reference; tsudog_free drops it)."""
    cdef tsudog_t *sg = <tsudog_t *>malloc(sizeof(tsudog_t) + <size_t>c.elemsize)
    if sg == NULL:
        raise MemoryError()
    memset(sg, 0, sizeof(tsudog_t))
    sg.elem = <char *>sg + sizeof(tsudog_t)
    gwakeprep(g, &sg.w)
    sg.parktok = &g.parktok
    return sg


cdef void tsudog_free(tsudog_t *sg) noexcept:
    gwakedrop(&sg.w)
    free(sg)


cdef int tchan_park(tchan_t *c, char *elem, bint issend, int *ok, bint nogilwork) except -1:
    """Sends elem (issend) or receives into it, parking the current G until
    a partner or close completes the operation. Returns 0; on a receive ok
    says whether a value came (0: closed, elem zeroed). Raises Panic on a
    send to a closed channel, or what was thrown into the park (the sudog
    withdrawn, nothing handed over). nogilwork: the caller runs code that
    releases the GIL (notenogilpark, handoffnogil). The GIL held; no lock
    held."""
    cdef G g = getg()               # may start the runtime: no lock held
    cdef tsudog_t *sg = NULL
    cdef tsudog_t *wl
    cdef twaitq_t *q = &c.sendq if issend else &c.recvq
    cdef int r
    if nogilwork:
        notenogilpark()
        handoffnogil()              # before the park is published: it may run the GC
    while True:
        wl = NULL
        gmp_lock(c.lock)
        if issend:
            r = tsendlocked(c, elem, &wl)
        else:
            r = trecvlocked(c, elem, ok, &wl)
        if r != TC_BLOCK:
            gmp_unlock(c.lock)
            twakeall(wl)
            if sg != NULL:
                tsudog_free(sg)
            if r == TC_CLOSED:
                raise Panic("send on closed channel")
            return 0
        if sg == NULL:              # allocating may run the GC: not under the lock
            gmp_unlock(c.lock)
            sg = tsudog_new(g, c)
            if issend:
                memcpy(sg.elem, elem, c.elemsize)
            continue
        sg.tok = parkprep(g)
        tq_enqueue(q, sg)
        gmp_unlock(c.lock)
        break
    if goparkx(wr_chan_send if issend else wr_chan_receive):
        gmp_lock(c.lock)            # withdraw: the interrupter claimed the park
        if sg.queued:
            tq_unlink(q, sg)
        gmp_unlock(c.lock)
        tsudog_free(sg)
        gothrow(g)
    r = sg.success
    if not issend:
        memcpy(elem, sg.elem, c.elemsize)
        ok[0] = r
    tsudog_free(sg)
    if issend and not r:
        raise Panic("send on closed channel")
    return 0


cdef void settransferred(object e, Py_ssize_t k) noexcept:
    """An exception thrown into a bulk transfer's park (an interrupt, a
    Panic from a close) leaves it with e.transferred: how many elements the
    call had sent or received before it, as io's BlockingIOError carries
    characters_written. An exception that takes no attributes keeps none."""
    try:
        e.transferred = k
    except BaseException:
        pass


cdef Py_ssize_t tchan_sendall(tchan_t *c, const char *src, Py_ssize_t n,
                              bint nogilwork) except -1 nogil:
    """Sends the n elements at src in order (n sends): as many as go at
    once (tchan_sendn), then a park for the next one, until all are sent.
    Returns n. Parking takes the GIL; the rest needs none, and the caller
    may hold it or not. An exception out of a park, or the panic of a
    closed channel, carries e.transferred (settransferred)."""
    cdef Py_ssize_t sent = 0
    cdef int closed = 0
    while sent < n:
        sent += tchan_sendn(c, src + sent * c.elemsize, n - sent, &closed)
        if closed:
            with gil:
                e = Panic("send on closed channel")
                settransferred(e, sent)
                raise e
        if sent < n:
            with gil:
                try:
                    tchan_park(c, <char *>src + sent * c.elemsize, True, NULL, nogilwork)
                except BaseException as e:
                    settransferred(e, sent)
                    raise
            sent += 1
    return n


cdef Py_ssize_t tchan_recvall(tchan_t *c, char *dst, Py_ssize_t n, bint nogilwork) except -1 nogil:
    """Receives up to n elements into dst in order, parking whenever none
    can be had at once; returns how many, fewer than n only when c was
    closed and drained (dst past them untouched: a park receives into a
    scratch element, since a close writes a zero value). As tchan_sendall
    for the GIL and exceptions."""
    cdef char *one = NULL
    cdef Py_ssize_t got = 0
    cdef int closed = 0, ok = 0
    while got < n:
        got += tchan_recvn(c, dst + got * c.elemsize, n - got, &closed)
        if closed or got == n:
            break
        if one == NULL:
            one = <char *>malloc(<size_t>c.elemsize)
            if one == NULL:
                with gil:
                    raise MemoryError()
        with gil:
            try:
                tchan_park(c, one, False, &ok, nogilwork)
            except BaseException as e:
                free(one)
                settransferred(e, got)
                raise
        if not ok:
            break
        memcpy(dst + got * c.elemsize, one, c.elemsize)
        got += 1
    free(one)
    return got


cdef tchan_t *tchan_new(gmp_lock_t *lock, Py_ssize_t cap, Py_ssize_t elemsize) except NULL:
    cdef tchan_t *c = <tchan_t *>malloc(sizeof(tchan_t))
    if c == NULL:
        raise MemoryError()
    memset(c, 0, sizeof(tchan_t))
    c.lock = lock
    c.cap = cap
    c.elemsize = elemsize
    if cap > 0:
        c.buf = <char *>malloc(<size_t>(cap * elemsize))
        if c.buf == NULL:
            free(c)
            raise MemoryError()
    return c


cdef void tchan_free(tchan_t *c) noexcept:
    # no sudog can be queued: a parked G's frame holds the chan object
    free(c.buf)
    free(c)
