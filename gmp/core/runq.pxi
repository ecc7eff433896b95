# Run queues: Go's per-P lock-free ring (runtime/proc.go runqput/runqget/
# runqgrab/runqsteal), the global run queue and the per-P readyq.
#
# Invariants:
#   runq holds only unstarted Gs (no greenlet yet): they may run on any P.
#   readyq holds only started Gs whose homep is this P: they never move.
#   The global queue holds only unstarted Gs.
#   Every queue slot owns one strong reference to its G.
#
# Deviation from Go (docs/DESIGN.md "Goroutines are greenlets"): a started
# greenlet cannot be resumed on another thread, so each P has two local queues
# and only runq is stolen from. Go steals runnext too (after a short sleep);
# gmp never does, because runnext may hold a started G.

cdef inline bint runqempty(runq_t *q) noexcept nogil:
    return gmp_load_acq32(&q.head) == gmp_load_acq32(&q.tail)

cdef inline uint32_t runqlen(runq_t *q) noexcept nogil:
    return gmp_load_acq32(&q.tail) - gmp_load_acq32(&q.head)

cdef bint runqputring(runq_t *q, void *g) noexcept nogil:
    """Puts g (an owned reference) at the tail of the ring: the ring half of
    Go's runqput (runqput below adds runnext, the readyq and runqputslow).
    Returns False when the ring is full. Executed only by the owner P."""
    cdef uint32_t h = gmp_load_acq32(&q.head)   # load-acquire, synchronize with consumers
    cdef uint32_t t = q.tail
    if t - h < RUNQ_SIZE:
        q.buf[t % RUNQ_SIZE] = g
        gmp_store_rel32(&q.tail, t + 1)         # store-release, makes the item available
        return True
    return False

cdef void *runqget(runq_t *q) noexcept nogil:
    """Takes the head of the ring (an owned reference) or NULL. Mirrors
    runtime/proc.go:runqget without runnext (findrunnable_nb looks at
    runnext first). Executed only by the owner P (consumers race with it
    through the CAS)."""
    cdef uint32_t h, t
    cdef void *g
    while True:
        h = gmp_load_acq32(&q.head)             # load-acquire, synchronize with other consumers
        t = q.tail
        if t == h:
            return NULL
        g = q.buf[h % RUNQ_SIZE]
        if gmp_cas_rel32(&q.head, h, h + 1):    # cas-release, commits consume
            return g

cdef uint32_t runqgrab(runq_t *q, void **batch) noexcept nogil:
    """Grabs half of q's items into batch (at most RUNQ_SIZE/2).
    Mirrors runtime/proc.go:runqgrab without runnext. Can be executed by any P."""
    cdef uint32_t h, t, n, i
    while True:
        h = gmp_load_acq32(&q.head)             # load-acquire, synchronize with other consumers
        t = gmp_load_acq32(&q.tail)             # load-acquire, synchronize with the producer
        n = t - h
        n = n - n // 2
        if n == 0:
            return 0
        if n > RUNQ_SIZE // 2:                  # read inconsistent h and t
            continue
        for i in range(n):
            batch[i] = q.buf[(h + i) % RUNQ_SIZE]
        if gmp_cas_rel32(&q.head, h, h + n):    # cas-release, commits consume
            return n

cdef void *runqsteal(runq_t *dst, runq_t *src) noexcept nogil:
    """Steals half of src's ring into dst (owned by the caller) and returns one
    of the stolen Gs, or NULL. Mirrors runtime/proc.go:runqsteal.
    Executed only by the owner of dst."""
    cdef void *batch[RUNQ_HALF]
    cdef uint32_t n = runqgrab(src, batch)
    cdef uint32_t i, t
    if n == 0:
        return NULL
    n -= 1
    if n == 0:
        return batch[0]
    # dst is ours and we only steal into it when it is empty enough:
    # grab never returns more than half a ring.
    t = dst.tail
    for i in range(n):
        dst.buf[(t + i) % RUNQ_SIZE] = batch[i + 1]
    gmp_store_rel32(&dst.tail, t + n)           # store-release, makes the items available
    return batch[0]


# ---- gqueue_t: locked unbounded FIFO -----------------------------------

cdef void gq_init(gqueue_t *q) noexcept nogil:
    gmp_lock_init_rank(&q.lock, GMP_LR_GQUEUE)
    q.buf = NULL
    q.cap = 0
    q.head = 0
    q.n = 0

cdef int gq_grow(gqueue_t *q) noexcept nogil:
    """Doubles the buffer. q.lock must be held."""
    cdef uint32_t ncap = q.cap * 2 if q.cap else 64
    cdef void **nb = <void **>malloc(ncap * sizeof(void *))
    cdef uint32_t i
    if nb == NULL:
        return -1
    for i in range(<uint32_t>q.n):
        nb[i] = q.buf[(q.head + i) & (q.cap - 1)]
    free(q.buf)
    q.buf = nb
    q.cap = ncap
    q.head = 0
    return 0

cdef inline int gq_push_locked(gqueue_t *q, void *g) noexcept nogil:
    """Appends an owned reference. q.lock must be held."""
    GMP_ASSERT_HELD(&q.lock)
    if <uint32_t>q.n == q.cap:
        if gq_grow(q) < 0:
            return -1
    q.buf[(q.head + <uint32_t>q.n) & (q.cap - 1)] = g
    gmp_store32(&q.n, q.n + 1)
    return 0

cdef inline void *gq_pop_locked(gqueue_t *q) noexcept nogil:
    """Takes the head (an owned reference) or NULL. q.lock must be held."""
    cdef void *g
    GMP_ASSERT_HELD(&q.lock)
    if q.n == 0:
        return NULL
    g = q.buf[q.head]
    q.head = (q.head + 1) & (q.cap - 1)
    gmp_store32(&q.n, q.n - 1)
    return g

cdef inline int32_t gq_len(gqueue_t *q) noexcept nogil:
    return gmp_load32(&q.n)

cdef int gq_push(gqueue_t *q, void *g) noexcept nogil:
    """Appends an owned reference. Can be executed by any thread."""
    cdef int r
    gmp_lock(&q.lock)
    r = gq_push_locked(q, g)
    gmp_unlock(&q.lock)
    return r

cdef void *gq_pop(gqueue_t *q) noexcept nogil:
    """Takes the head (an owned reference) or NULL."""
    cdef void *g
    if gq_len(q) == 0:                          # unlocked peek: a racing push is seen next round
        return NULL
    gmp_lock(&q.lock)
    g = gq_pop_locked(q)
    gmp_unlock(&q.lock)
    return g


# ---- Python-level helpers on top of the C queues (GIL held) -------------

cdef inline void runqput(P p, G g, bint next) noexcept:
    """Puts g on p's local queues. next=True puts it in runnext and kicks the
    old runnext out to the tail. Unstarted Gs go to the ring (overflowing half
    of it to the global queue), started ones to readyq.
    Mirrors runtime/proc.go:runqput. Executed only by the owner P."""
    cdef G old
    if next:
        old = p.runnext
        p.runnext = g
        if old is None:
            return
        g = old
    Py_INCREF(g)
    if g.gr is not None:
        gq_push(&p.readyq, <void *>g)
    elif not runqputring(&p.runq, <void *>g):
        runqputslow(p, <void *>g)

cdef void runqputslow(P p, void *g) noexcept nogil:
    """Moves half of the full ring plus g to the global queue in one batch.
    Mirrors runtime/proc.go:runqputslow. Executed only by the owner P."""
    cdef void *batch[RUNQ_HALF + 1]
    cdef uint32_t n, i, h, t
    while True:
        h = gmp_load_acq32(&p.runq.head)        # load-acquire, synchronize with consumers
        t = p.runq.tail
        n = (t - h) // 2
        if n == 0:
            # thieves emptied it meanwhile: the ring has room again
            if runqputring(&p.runq, g):
                return
            continue
        for i in range(n):
            batch[i] = p.runq.buf[(h + i) % RUNQ_SIZE]
        if gmp_cas_rel32(&p.runq.head, h, h + n):   # cas-release, commits consume
            break
    batch[n] = g
    gmp_lock(&sched.runq.lock)
    for i in range(n + 1):
        gq_push_locked(&sched.runq, batch[i])
    gmp_unlock(&sched.runq.lock)

cdef inline G take(void *ptr):
    """Turns an owned reference taken off a queue into a G."""
    cdef G g = <G>ptr
    Py_DECREF(g)
    return g

cdef G globrunqget(P p, int32_t maxn):
    """Takes a batch from the global queue: one G to run now, the rest onto
    p's ring. Mirrors runtime/proc.go:globrunqget. Executed only by the owner P."""
    cdef int32_t n
    cdef void *first
    cdef void *x
    if gq_len(&sched.runq) == 0:
        return None
    gmp_lock(&sched.runq.lock)
    n = sched.runq.n
    if n == 0:
        gmp_unlock(&sched.runq.lock)
        return None
    n = min(n, n // sched.nprocs + 1)
    if maxn > 0 and n > maxn:
        n = maxn
    if n > RUNQ_SIZE // 2:
        n = RUNQ_SIZE // 2
    first = gq_pop_locked(&sched.runq)
    n -= 1
    while n > 0:
        x = gq_pop_locked(&sched.runq)
        if not runqputring(&p.runq, x):
            # cannot happen when called with an empty ring; keep it safe anyway
            sched.runq.head = (sched.runq.head - 1) & (sched.runq.cap - 1)
            sched.runq.buf[sched.runq.head] = x
            gmp_store32(&sched.runq.n, sched.runq.n + 1)
            break
        n -= 1
    gmp_unlock(&sched.runq.lock)
    return take(first)
