# Timers: a 4-ary min-heap per P keyed by monotonic nanoseconds, as Go's
# runtime/time.go. Deleted or re-armed timers leave stale heap entries behind
# (their seq no longer matches) that are dropped when they reach the top.
#
# Invariants:
#   t.seq changes whenever t is armed or disarmed; a heap entry is live iff
#   entry.seq == t.seq and t.active.
#   sched.ntimers counts active timers (deadlock detection looks at it).
#   p.nstale counts p's stale entries (at most: an entry of a timer disarmed
#   on another P is counted there); once they are over a quarter of the
#   heap, cleantimers drops them, so that a stopped timer's callback does not
#   stay alive until its old deadline (Go's time.go cleans the same way).
#   Each heap entry owns a strong reference to its _Timer.

import contextvars as _contextvars


cdef enum:
    TIMER_READY = 0      # goready(arg): sleep
    TIMER_SEND = 1       # non-blocking send of the time on arg (a weak reference to a chan)
    TIMER_GO = 2         # go(fn) with arg = (fn, the contextvars context of after_func's caller)
    TIMER_NETRD = 3      # read deadline of arg (a PollDesc)
    TIMER_NETWD = 4      # write deadline of arg

# the kinds gmp/time.py passes to RuntimeTimer (the only ones it may create)
_TIMER_SEND = TIMER_SEND
_TIMER_GO = TIMER_GO


cdef class _Timer:
    """The runtime part of a sleep, Timer, Ticker or after_func."""
    cdef int64_t when
    cdef int64_t period
    cdef uint64_t seq
    cdef int32_t kind
    cdef int32_t tok        # TIMER_READY: the sleeping G's park token
    cdef bint active
    cdef object arg
    cdef P p                # the P whose heap holds its live entry

    def _chandied(self, wr):
        # TIMER_SEND: nobody can receive from the channel any more (Go 1.23
        # frees such timers): disarm, so the heap entry goes stale and is
        # dropped. CPython has already detached this callback from wr, which
        # breaks the cycle t -> wr -> bound method -> t; t.arg (wr) must not
        # be dropped here: CPython 3.11 holds no reference to wr while its
        # callback runs, and freeing it now is a use after free.
        deltimer(self)


cdef inline void siftup(timerent_t *h, int32_t i) noexcept nogil:
    cdef timerent_t e = h[i]
    cdef int32_t parent
    while i > 0:
        parent = (i - 1) // 4
        if e.when >= h[parent].when:
            break
        h[i] = h[parent]
        i = parent
    h[i] = e


cdef inline void siftdown(timerent_t *h, int32_t n, int32_t i) noexcept nogil:
    cdef timerent_t e = h[i]
    cdef int32_t c, best, k
    while True:
        c = i * 4 + 1
        if c >= n:
            break
        best = c
        for k in range(c + 1, min(c + 4, n)):
            if h[k].when < h[best].when:
                best = k
        if h[best].when >= e.when:
            break
        h[i] = h[best]
        i = best
    h[i] = e


cdef int timerpush(P p, int64_t when, uint64_t seq, void *t) noexcept nogil:
    """Adds an entry. p.timerlock must be held."""
    cdef timerent_t *nh
    cdef int32_t ncap
    GMP_ASSERT_HELD(&p.timerlock)
    if p.ntimers == p.timerscap:
        ncap = p.timerscap * 2 if p.timerscap else 16
        nh = <timerent_t *>realloc(p.timers, ncap * sizeof(timerent_t))
        if nh == NULL:
            return -1
        p.timers = nh
        p.timerscap = ncap
    p.timers[p.ntimers].when = when
    p.timers[p.ntimers].seq = seq
    p.timers[p.ntimers].t = t
    p.ntimers += 1
    siftup(p.timers, p.ntimers - 1)
    return 0


cdef void timerpop(P p) noexcept nogil:
    """Removes the top entry (the caller took its reference). p.timerlock must be held."""
    GMP_ASSERT_HELD(&p.timerlock)
    p.ntimers -= 1
    if p.ntimers > 0:
        p.timers[0] = p.timers[p.ntimers]
        siftdown(p.timers, p.ntimers, 0)


cdef int addtimer(_Timer t, int64_t when) except -1:
    """Arms t to fire at when, on the current M's P (P0 from a plain thread).
    Mirrors runtime/time.go:addtimer. Can be executed by any thread."""
    cdef M m = getm()
    cdef P p
    cdef bint first
    if not started:
        start_runtime()
        m = getm()
    p = m.p if m is not None else <P>allp[0]
    deltimer(t)
    gmp_lock(&p.timerlock)
    t.seq += 1
    t.when = when
    t.active = True
    t.p = p
    Py_INCREF(t)
    timerpush(p, when, t.seq, <void *>t)
    first = p.timers[0].t == <void *>t
    gmp_unlock(&p.timerlock)
    gmp_xadd64(&sched.ntimers, 1)
    if first and (m is None or m.p is not p):
        wakem(p.m)
        if p.m is None:
            wakep()
    return 0


cdef bint deltimer(_Timer t) noexcept:
    """Disarms t; returns whether it was armed. Mirrors runtime/time.go:deltimer."""
    cdef P p = t.p
    cdef bint was
    if p is None:
        return False
    gmp_lock(&p.timerlock)
    was = t.active
    t.active = False
    t.seq += 1
    if was:
        p.nstale += 1
    gmp_unlock(&p.timerlock)
    if was:
        gmp_xadd64(&sched.ntimers, -1)
        if p.nstale >= 64 and p.nstale * 4 > p.ntimers:
            cleantimers(p)
    return was


cdef void cleantimers(P p) noexcept:
    """Drops p's stale heap entries and re-heapifies the rest; the dropped
    references are released after the lock (a destructor may run)."""
    cdef int32_t i, j = 0, nd = 0
    cdef timerent_t e
    cdef PyObject **drop
    gmp_lock(&p.timerlock)
    drop = <PyObject **>malloc(p.ntimers * sizeof(PyObject *) + 1)
    if drop == NULL:
        gmp_unlock(&p.timerlock)
        return
    for i in range(p.ntimers):
        e = p.timers[i]
        if e.seq == (<_Timer>e.t).seq and (<_Timer>e.t).active:
            p.timers[j] = e
            j += 1
        else:
            drop[nd] = <PyObject *>e.t
            nd += 1
    p.ntimers = j
    p.nstale = 0
    i = (j - 2) // 4
    while i >= 0:
        siftdown(p.timers, j, i)
        i -= 1
    gmp_unlock(&p.timerlock)
    for i in range(nd):
        Py_DECREF(<object>drop[i])
    free(drop)


cdef int runtimers(P p, int64_t now) except -1:
    """Fires p's expired timers; returns how many fired. The heap is locked
    only while one entry is taken off (no allocation, no reference dropped
    under the lock); each timer fires with no lock held.
    Mirrors runtime/time.go:runtimer. Can be executed by any P."""
    cdef _Timer t
    cdef timerent_t e
    cdef int64_t nxt
    cdef int nfired = 0
    cdef bint fire
    if p.ntimers == 0:
        return 0
    if now == 0:
        now = gmp_nanotime()
    while True:
        gmp_lock(&p.timerlock)
        if p.ntimers == 0 or p.timers[0].when > now:
            gmp_unlock(&p.timerlock)
            return nfired
        e = p.timers[0]
        timerpop(p)
        t = <_Timer>e.t             # takes over the popped entry's reference
        Py_DECREF(t)
        fire = e.seq == t.seq and t.active
        if not fire:
            if p.nstale > 0:
                p.nstale -= 1
        elif t.period > 0:
            nxt = t.when + t.period
            if nxt <= now:
                nxt = now + t.period - (now - t.when) % t.period
            t.when = nxt
            Py_INCREF(t)
            timerpush(p, nxt, t.seq, <void *>t)
        else:
            t.active = False
        gmp_unlock(&p.timerlock)
        if fire:
            if t.period == 0:
                gmp_xadd64(&sched.ntimers, -1)
            nfired += 1
            firetimer(t)
        t = None                    # the last reference may go: not under the lock


cdef int firetimer(_Timer t) except -1:
    cdef G g
    if t.kind == TIMER_READY:
        g = <G>t.arg
        readyclaim(g, t.tok)        # fails if the sleep was interrupted
    elif t.kind == TIMER_SEND:
        c = t.arg() if t.arg is not None else None
        if c is not None:
            _timer_send(c, gmp_walltime() / 1e9)
    elif t.kind == TIMER_GO:
        newproc((<tuple>t.arg)[0], _noargs, None, (<tuple>t.arg)[1])
    else:
        netdeadline(<PollDesc>t.arg, MODE_R if t.kind == TIMER_NETRD else MODE_W)
    return 0


cdef int64_t nexttimer() noexcept:
    """The earliest live deadline over all Ps, or -1. Stale tops are dropped."""
    cdef int64_t best = -1
    cdef int32_t i
    cdef P p
    cdef _Timer t
    cdef timerent_t e
    for i in range(sched.nallp):
        p = <P>allp[i]
        if p.ntimers == 0:
            continue
        gmp_lock(&p.timerlock)
        while p.ntimers > 0:
            e = p.timers[0]
            t = <_Timer>e.t
            if e.seq == t.seq and t.active:
                if best < 0 or e.when < best:
                    best = e.when
                break
            timerpop(p)
            if p.nstale > 0:
                p.nstale -= 1
            gmp_unlock(&p.timerlock)
            Py_DECREF(t)            # may run a destructor: never under the lock
            gmp_lock(&p.timerlock)
        gmp_unlock(&p.timerlock)
    return best


cdef object _timer_send = None      # set by gmp._chan: non-blocking send


def _set_timer_send(f):
    global _timer_send
    _timer_send = f


cdef inline int64_t dur2ns(object d) except? -1:
    cdef double x = d
    if x != x:
        raise ValueError("gmp: duration is NaN")
    if x > 9.2e9:
        return <int64_t>9200000000000000000
    if x <= 0:
        return 0
    return <int64_t>(x * 1e9)


cdef inline int64_t satadd(int64_t a, int64_t b) noexcept nogil:
    """a + b for b >= 0, saturating at the largest int64 (a deadline that
    far away never comes)."""
    if a > INT64_MAX - b:
        return INT64_MAX
    return a + b


def sleep(d):
    """Parks the current goroutine for at least d seconds (Go's time.Sleep).
    A plain thread just sleeps. d <= 0 returns at once."""
    cdef int64_t ns = dur2ns(d)
    cdef G g
    cdef _Timer t
    if ns <= 0:
        return
    g = getg()
    if g.foreign:
        _time.sleep(ns / 1e9)
        return
    t = _Timer.__new__(_Timer)
    t.kind = TIMER_READY
    t.arg = g
    t.tok = parkprep(g)
    addtimer(t, satadd(gmp_nanotime(), ns))
    try:
        gopark(wr_sleep)
    finally:
        deltimer(t)


cdef class RuntimeTimer:
    """Python-visible handle on a runtime timer, used by gmp.time."""
    cdef _Timer t

    def __cinit__(self, int kind, object arg, double period):
        self.t = _Timer.__new__(_Timer)
        self.t.kind = kind
        if kind == TIMER_SEND:
            # held weakly: a timer whose channel is unreachable (a dropped
            # after() in a select loop) is freed instead of living to its
            # deadline, as in Go 1.23
            arg = _weakref.ref(arg, self.t._chandied)
        elif kind == TIMER_GO:
            # the goroutine runs in a copy of the context after_func was
            # called in (as asyncio's call_later), not in that of whatever
            # goroutine happens to be running when the timer fires
            arg = (arg, _contextvars.copy_context())
        self.t.arg = arg
        # a positive period below 1 ns is 1 ns: period 0 would mean one-shot
        self.t.period = max(dur2ns(period), 1) if period > 0 else 0

    def start(self, d):
        """Arms the timer d seconds from now; returns whether it was armed."""
        was = self.t.active
        addtimer(self.t, satadd(gmp_nanotime(), dur2ns(d)))
        return was

    def set_period(self, d):
        self.t.period = max(dur2ns(d), 1)

    def stop(self):
        """Disarms the timer; returns whether it was armed."""
        return deltimer(self.t)

    @property
    def active(self):
        return self.t.active
