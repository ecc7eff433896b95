# Go's runtime/proc.go, the M half: sharing and stealing run queues
# (stealWork, runqsteal's callers), spinning Ms, parking and unparking an M
# (stopm), wakep, newm/startm/mstart and the g0 scheduler loop. The G half
# (newproc, execute, gopark/goready, findrunnable) is proc.pxi.

cdef void sharerunq(P p) noexcept:
    """Not in Go. A started goroutine never changes P, so a burst of new
    goroutines must be split before p starts them: otherwise p starts the
    whole burst within the tens of microseconds that an idle P's M needs to
    wake and steal, and keeps it. So when p is about to start a new goroutine
    with more waiting in its ring, and another P's M is awake without work of
    its own (spinning, or holding Gs it stole and waiting for the GIL), p
    hands it half of its ring through that P's inbox, as a steal would."""
    cdef uint32_t n, k, i, start
    cdef int32_t q
    cdef P other
    cdef void *x
    if sched.nprocs < 2:
        return
    n = runqlen(&p.runq)
    if n < 2:
        return
    if gmp_load32(&sched.nmspinning) == 0 and gmp_load32(&sched.ngilwait) == 0:
        return
    start = gmp_fastrandn(<uint32_t>sched.nprocs)
    for i in range(<uint32_t>sched.nprocs):
        q = <int32_t>((start + i) % <uint32_t>sched.nprocs)
        if q == p.id:
            continue
        other = <P>allp[q]
        if other.status != _Prunning or other.m is None:
            continue
        if not (gmp_load32(&other.m.spinning) or gmp_load32(&sched.gilwait[q])):
            continue
        k = n // 2
        while k > 0:
            x = runqget(&p.runq)
            if x == NULL:
                break
            gq_push(&other.readyq, x)
            k -= 1
        wakem(other.m)
        return


cdef inline bint sliceexpired(P p) noexcept nogil:
    cdef int64_t now = gmp_nanotime_coarse()
    if p.slicestart == 0:
        p.slicestart = now
        return False
    if now - p.slicestart >= FORCEPREEMPT_NS:
        p.slicestart = 0
        return True
    return False


cdef uint32_t coprime(uint32_t n) noexcept nogil:
    """A random increment coprime with n (so stepping visits every P once)."""
    cdef uint32_t inc, a, b, t
    while True:
        inc = 1 + gmp_fastrandn(n - 1) if n > 1 else 1
        a = inc
        b = n
        while b:
            t = a % b
            a = b
            b = t
        if a == 1:
            return inc


cdef bint haswork(P p) noexcept nogil:
    """Is there anything p's M could run? Used before parking and while
    spinning; reads only atomics. Can be executed by any thread."""
    cdef int32_t i
    if gq_len(&p.readyq) > 0:
        return True
    if p.status != _Prunning:
        return not runqempty(&p.runq)
    if gq_len(&sched.runq) > 0:
        return True
    for i in range(sched.nallp):
        if not runqempty(sched.allrunq[i]):
            return True
    return False


cdef inline void setgilwait(int32_t id) noexcept nogil:
    """P id's M stole Gs without the GIL and is about to wait for it."""
    if gmp_xchg32(&sched.gilwait[id], 1) == 0:
        gmp_xadd32(&sched.ngilwait, 1)


cdef inline void cleargilwait(int32_t id) noexcept nogil:
    """Run on every schedule: a read, and a write only when the flag is set
    (the flags share cache lines across Ps)."""
    if gmp_load32(&sched.gilwait[id]) and gmp_xchg32(&sched.gilwait[id], 0):
        gmp_xadd32(&sched.ngilwait, -1)


cdef bint trysteal(P p) noexcept nogil:
    """Steals half of some other P's ring into p's (empty) ring, visiting the
    Ps in a random coprime order. Needs no GIL: a woken or spinning M steals
    while another thread still runs Python code. Executed only by p's M."""
    cdef uint32_t n = <uint32_t>sched.nallp
    cdef uint32_t i, pos, inc
    cdef void *x
    if n < 2 or p.status != _Prunning:
        return False
    pos = gmp_fastrandn(n)
    inc = coprime(n)
    for i in range(n):
        # not from a P whose M just stole its Gs and waits for the GIL: they
        # would bounce back to the P that holds the GIL and run all there
        if pos != <uint32_t>p.id and not runqempty(sched.allrunq[pos]) \
                and not gmp_load32(&sched.gilwait[pos]):
            x = runqsteal(&p.runq, sched.allrunq[pos])
            if x != NULL:
                gmp_xadd64(&sched.nsteal, 1)
                if not runqputring(&p.runq, x):
                    # cannot happen: the ring was empty and a steal brings at
                    # most half a ring; hand it to the global queue anyway
                    gq_push(&sched.runq, x)
                return True
        pos = (pos + inc) % n
    return False


cdef bint spin(P p) noexcept nogil:
    """Polls for work for a short while before the M parks (Go's spinning M),
    stealing whatever it finds. Called without the GIL."""
    cdef int32_t i
    for i in range(spin_iters):
        if gq_len(&p.readyq) > 0 or gq_len(&sched.runq) > 0:
            return True
        if trysteal(p):
            setgilwait(p.id)
            return True
        gmp_cpu_relax()
        gmp_cpu_relax()
        gmp_cpu_relax()
        gmp_cpu_relax()
    return False


# Deviation from Go (DESIGN.md "Typed channels"): an M whose goroutines use
# typed channels from nogil code waits for its readyq a little before it
# parks. Their partners on other Ms ready them without the GIL many times a
# millisecond; a futex sleep and wake per hand-off costs 30-50 us on the
# VMs measured, polling costs the poller's core only while the window lasts.
# Go's spinning Ms do the same for all work.
cdef enum:
    NOGILSPIN_NS = 50000            # how long an M polls its readyq
    NOGILSPIN_WINDOW_NS = 10000000  # ... when a nogil caller parked this recently


cdef void notenogilpark() noexcept nogil:
    """A goroutine parks from nogil code (tchan_park): Ms poll before parking
    for the next NOGILSPIN_WINDOW_NS."""
    gmp_store_relaxed64(&sched.nogilpark, gmp_nanotime())


cdef inline bint nogilrecent() noexcept nogil:
    """A goroutine parked from nogil code in the last NOGILSPIN_WINDOW_NS.
    One relaxed load while no typed channel was ever used that way."""
    cdef int64_t t = gmp_load_relaxed64(&sched.nogilpark)
    return t != 0 and gmp_nanotime() - t < NOGILSPIN_WINDOW_NS


cdef bint spinready(P p) noexcept nogil:
    """Polls p's readyq (and the global queue) for up to NOGILSPIN_NS, when
    typed channels are in nogil use (nogilrecent: the caller checks, with
    the GIL, before it releases the GIL for this). Called without the GIL,
    before the M parks."""
    cdef int64_t end = gmp_nanotime() + NOGILSPIN_NS
    cdef int32_t i = 0
    gmp_store32(&sched.polling[p.id], 1)   # handoffnogil may hand it work meanwhile
    while True:
        if gq_len(&p.readyq) > 0 or gq_len(&sched.runq) > 0 or gmp_load32(&sched.exiting):
            gmp_store32(&sched.polling[p.id], 0)
            return True
        gmp_cpu_relax()
        i += 1
        if (i & 63) == 0 and gmp_nanotime() >= end:
            gmp_store32(&sched.polling[p.id], 0)
            return False


cdef void exitpark(M m) noexcept nogil:
    """Parks m for good, without the GIL: the interpreter is exiting."""
    gmp_store32(&m.exited, 1)
    while True:
        gmp_sema_wait(&m.park, -1)


cdef inline void unpark(M m) noexcept nogil:
    """Ends a park that was published (m.parked = 1) but is over: if a waker
    already cleared parked it owes us one post, which we take here so the
    semaphore stays balanced. Executed only by m's thread."""
    if not gmp_cas32(&m.parked, 1, 0):
        gmp_sema_wait(&m.park, -1)


cdef int resetspinning(M m) except -1:
    """An M that found work stops spinning and, as Go does, wakes another
    spinning M if Ps are idle (so work keeps spreading)."""
    if gmp_load32(&m.spinning):
        gmp_store32(&m.spinning, 0)
        # under the GIL another spinning M would only queue for the GIL
        # (see "The GIL"): the chain is Go's, on free-threaded builds
        if gmp_xadd32(&sched.nmspinning, -1) == 0 and not gilaware:
            wakep()
    return 0


cdef int drainrunq(P p) except -1:
    """A P beyond GOMAXPROCS hands its unstarted Gs to the global queue."""
    cdef void *x
    while True:
        x = runqget(&p.runq)
        if x == NULL:
            break
        gq_push(&sched.runq, x)
    wakep()
    return 0


cdef void pidleput(P p) noexcept nogil:
    gmp_lock(&sched.lock)
    if not p.idle:
        p.idle = 1
        gmp_xadd32(&sched.npidle, 1)
    gmp_unlock(&sched.lock)


cdef P pidleget():
    """Claims an idle P (the first, by id) for an M to be woken or started
    on: it is no longer idle. None when there is none. Mirrors
    runtime/proc.go:pidleget."""
    cdef P p
    cdef int32_t i
    gmp_lock(&sched.lock)
    for i in range(sched.nprocs):
        p = <P>allp[i]
        if p.idle:
            p.idle = 0
            gmp_xadd32(&sched.npidle, -1)
            gmp_unlock(&sched.lock)
            return p
    gmp_unlock(&sched.lock)
    return None


cdef void pidleget_self(P p) noexcept nogil:
    gmp_lock(&sched.lock)
    if p.idle:
        p.idle = 0
        gmp_xadd32(&sched.npidle, -1)
    gmp_unlock(&sched.lock)


# ---- the GIL ----------------------------------------------------------------
# Deviation from Go (DESIGN.md "GIL-aware scheduling"). Go's wakep starts
# another spinning M whenever work is queued and a P is idle, because Ps run
# in parallel. Under the GIL only one M runs Python at a time: a second M
# that takes goroutines which only run Python adds GIL hand-offs (a futex
# wake of 30-50 us per hand-off on the VMs measured) and, as a started
# goroutine never changes M, keeps adding them for the goroutine's life.
# Another M pays only while the M that holds the work has released the GIL
# for long: a C call that releases it (hashing, compression, a blocking
# call not made through gmp.syscall). So under the GIL (gilaware):
#   - running goroutines do not wake Ms for the goroutines they create
#     (newproc), nor do Ms that found work wake more (resetspinning);
#   - sysmon's GIL retake, like Go's retake of a P stuck in a syscall, finds
#     a P whose M has run one goroutine for GILRETAKE_NS with unstarted Gs
#     queued, and wakes one idle M to probe the GIL (gilprobe): the GIL
#     must be free at each of GILPROBE_SAMPLES instants over ~0.2 ms, i.e.
#     the busy M is inside a long GIL-released call, not running Python
#     between short syscalls. Then the M steals half the ring and may go on
#     stealing, as Go's Ms do, for STEALCREDIT_NS; otherwise sysmon backs
#     off (doubling up to RETAKE_BACKOFF_MAX_NS) while probes keep failing;
#   - wakep still runs where no running M will see the work: a goroutine
#     made by a plain thread, a timer on a P without a running M, a P beyond
#     GOMAXPROCS draining its queue.
# GOMAXPROCS, the Ps and schedtrace are unchanged: the Ps exist, idle.
# Free-threaded builds running without the GIL, and GMPDEBUG=gilaware=0,
# keep every wakep of Go's.

cdef enum:
    RETAKE_IDLE = 0
    RETAKE_PENDING = 1              # an M was woken to probe: sysmon waits for the answer
    RETAKE_OK = 2
    RETAKE_FAILED = 3
    GILRETAKE_NS = 1000000          # one goroutine held its P this long with Gs queued
    RETAKE_BACKOFF_MIN_NS = 5000000
    RETAKE_BACKOFF_MAX_NS = 1000000000
    RETAKE_STALE_NS = 100000000     # a woken M that never answered: give up on it
    GILPROBE_SAMPLES = 8
    GILPROBE_GAP_NS = 20000
    GILPROBE_FREE_NS = 20000        # taking a free GIL costs ~1 us; a held one, until its
                                    # holder's next release
    STEALCREDIT_NS = 20000000


cdef inline bint maysteal(M m) noexcept nogil:
    """May m steal from other Ps? Always in Go; under the GIL only while
    spinning (woken by wakep) or on a GIL retake's credit."""
    return not gilaware or gmp_load32(&m.spinning) != 0 \
        or (m.stealuntil != 0 and gmp_nanotime_coarse() < m.stealuntil)


cdef bint gilprobe() noexcept nogil:
    """Is the GIL free, sampled GILPROBE_SAMPLES times GILPROBE_GAP_NS
    apart? Called without the GIL; takes it briefly at each sample."""
    cdef int i
    cdef int64_t t0, t1
    cdef timespec gap
    gap.tv_sec = 0
    gap.tv_nsec = GILPROBE_GAP_NS
    for i in range(GILPROBE_SAMPLES):
        if i:
            nanosleep(&gap, NULL)
        t0 = gmp_nanotime()
        with gil:
            t1 = gmp_nanotime()
        if t1 - t0 > GILPROBE_FREE_NS:
            return False
    return True


cdef inline bint retakeclaim(P p) noexcept nogil:
    """Did sysmon ask p's M for a GIL retake? Consumes the request."""
    return gmp_load32(&sched.retake[p.id]) != 0 and gmp_xchg32(&sched.retake[p.id], 0) != 0 \
        and not gmp_load32(&sched.exiting)


cdef void retakeprobe(M m, P p) noexcept nogil:
    """m was woken by a GIL retake: if the GIL is free, steal and keep the
    credit to steal again; tell sysmon how it went. Executed only by m,
    without the GIL."""
    cdef int32_t st = RETAKE_FAILED
    if gilprobe():
        st = RETAKE_IDLE                # free, but the work was gone: no back-off
        if trysteal(p):
            m.stealuntil = gmp_nanotime_coarse() + STEALCREDIT_NS
            gmp_xadd64(&sched.nretakeok, 1)
            setgilwait(p.id)
            st = RETAKE_OK
    gmp_store32(&sched.retakestate, st)


cdef bint retakewake(int32_t busy) noexcept nogil:
    """sysmon: wakes one parked M of another P to probe the GIL for P busy's
    queued work. Returns whether one was woken. Executed only by sysmon."""
    cdef int32_t i, n = sched.nprocs
    cdef uint32_t start
    if n < 2:
        return False
    start = gmp_fastrandn(<uint32_t>n)
    for k in range(n):
        i = <int32_t>((start + <uint32_t>k) % <uint32_t>n)
        if i == busy or sched.mparked[i] == NULL or not gmp_load32(sched.mparked[i]):
            continue
        gmp_store32(&sched.retake[i], 1)
        gmp_store32(&sched.retakestate, RETAKE_PENDING)
        if wakemflags(sched.mparked[i], sched.mpark[i], sched.minpoll[i]):
            gmp_xadd64(&sched.nretake, 1)
            return True
        gmp_store32(&sched.retake[i], 0)        # it woke meanwhile
        gmp_store32(&sched.retakestate, RETAKE_IDLE)
    return False


cdef int wakep() except -1:
    """Wakes (or starts) one idle P's M to spin for work, if no M is spinning.
    Mirrors runtime/proc.go:wakep. Can be executed by any thread."""
    cdef P p
    if gmp_load32(&sched.npidle) == 0 or gmp_load32(&sched.nmspinning) != 0:
        return 0
    if not gmp_cas32(&sched.nmspinning, 0, 1):
        return 0
    p = pidleget()
    if p is None:
        gmp_xadd32(&sched.nmspinning, -1)
        return 0
    gmp_xadd64(&sched.nwakep, 1)
    if p.m is None:
        newm(p, True)
        startm(p.m)
    else:
        gmp_store32(&p.m.spinning, 1)   # before wakem's CAS on parked: see mwaitfirst
        wakem(p.m)
    return 0


cdef int handoffnogil() except -1:
    """Deviation from Go (not in Go; DESIGN.md "Typed channels"). Called by a
    goroutine that parks while it runs code that releases the GIL (a nogil
    caller of the typed channels' C API, a bulk copy of send_array or
    recv_into): a second M pays for such work, as Go's wakep would have paid
    at the go statement that GIL-aware scheduling leaves alone. One unstarted
    G of its P (runnext, then the ring) moves to an idle P, whose M is woken
    or started, or to a P whose M is awake without work. Without it the
    parking M starts that G itself, and a started G never changes P: both
    stages of a pipeline would stay on one M.
    Executed only by the owner P, with the GIL held."""
    cdef M m = getm()
    cdef P p, q = None
    cdef G g
    cdef void *x = NULL
    cdef int32_t i
    cdef bint fromnext = False
    if m is None or sched.nprocs < 2:
        return 0
    p = m.p
    g = p.runnext
    if g is not None and g.gr is None:
        p.runnext = None
        Py_INCREF(g)
        x = <void *>g
        fromnext = True
    else:
        x = runqget(&p.runq)
    if x == NULL:
        return 0
    q = pidleget()
    if q is None:
        # no idle P: an M that is awake without work (spinning, polling its
        # readyq in spinready, or waiting for the GIL with stolen Gs) takes
        # it, as sharerunq hands work over
        for i in range(sched.nprocs):
            if i != p.id and (<P>allp[i]).status == _Prunning and (<P>allp[i]).m is not None \
                    and (gmp_load32(&(<P>allp[i]).m.spinning) or gmp_load32(&sched.gilwait[i])
                         or gmp_load32(&sched.polling[i])):
                q = <P>allp[i]
                break
    if q is None:                           # nobody to take it: the G stays
        if fromnext and p.runnext is None:
            p.runnext = <G>x
            Py_DECREF(<G>x)
        elif not runqputring(&p.runq, x):
            runqputslow(p, x)
        return 0
    gq_push(&q.readyq, x)
    gmp_xadd64(&sched.nhandoff, 1)
    if q.m is None:
        newm(q, False)
        startm(q.m)
    else:
        wakem(q.m)
    return 0


cdef M newm(P p, bint spinning):
    cdef M m = M.__new__(M)
    gmp_lock(&sched.lock)
    m.id = sched.mcount
    sched.mcount += 1
    gmp_unlock(&sched.lock)
    m.p = p
    m.spinning = spinning
    p.m = m
    sched.mparked[p.id] = &m.parked
    sched.mpark[p.id] = &m.park
    sched.minpoll[p.id] = &m.inpoll
    return m


# Ms and sysmon are started with CPython's PyThread_start_new_thread, not
# pthread_create (why: gmp/includes/python.pxd).

cdef int startthread(void (*fn)(void *) noexcept nogil, void *arg, str what) except -1:
    """Starts a detached OS thread running fn(arg), with the C library's
    default stack size, as pthread_create with default attributes did.

    PyThread_start_new_thread takes the stack size of the calling thread's
    interpreter, threading.stack_size(): an M runs every goroutine of its P
    on its stack (and sysmon runs Python code), so a size a program sets for
    its own threads must not apply to them; it is cleared for this call and
    put back. Invariant: called holding the GIL (startm, startsysmon), so no
    Python thread starts in between, and the thread state that
    PyThread_start_new_thread reads (on 3.11, whichever holds the GIL's;
    3.12+: the caller's own) is ours and alive."""
    cdef unsigned long r
    old = _thread.stack_size(0)
    try:
        r = PyThread_start_new_thread(fn, arg)
    finally:
        if old:
            _thread.stack_size(old)
    if r == PYTHREAD_INVALID_THREAD_ID:
        raise OSError("gmp: cannot start " + what)
    return 0


cdef int startm(M m) except -1:
    """Starts m's OS thread. It is a plain thread that first waits for work
    without the GIL (stealing as soon as it is woken), so a new M costs the
    running Python code nothing until it has something to run."""
    startthread(mthreadstart, <void *>m, "an M thread")
    return 0


cdef void mthreadstart(void *arg) noexcept nogil:
    mwaitfirst(<M>arg)
    with gil:
        try:
            _mstart(<M>arg)
        except BaseException:
            pass


cdef void mwaitfirst(M m) noexcept nogil:
    """The first wait of a new M, before it has a Python thread state: park
    until woken or until there is something to steal."""
    cdef int r
    while True:
        if gmp_load32(&sched.exiting):
            exitpark(m)                     # never enters Python at exit
        if gq_len(&m.p.readyq) > 0 or (m.p.status == _Prunning and gq_len(&sched.runq) > 0):
            return
        if maysteal(m) and trysteal(m.p):
            setgilwait(m.p.id)
            return
        gmp_store32(&m.parked, 1)
        # wakep stores spinning then CASes parked; we store parked then load
        # spinning (both seq_cst): one of us sees the other
        if gq_len(&m.p.readyq) > 0 or gmp_load32(&m.spinning):
            unpark(m)
            return
        r = gmp_sema_wait(&m.park, -1)
        if r == 0:
            return
        unpark(m)                   # interrupted: look again


def _mstart(M m):
    """Thread body of an M other than M0: its main greenlet is its g0."""
    m_idents.add(threading.get_ident())
    # registered in threading under Go's M number, so that logging records
    # (threadName), thread dumps and threading.enumerate() say gmp-M<id>,
    # not Dummy-<n>; it stays registered while this thread state lives
    # (the M's whole life: this call never returns before the M ends)
    threading.current_thread().name = "gmp-M%d" % m.id
    m.thread = threading.get_ident()
    m.tstate = <void *>PyThreadState_Get()
    gmp_set_tls_m(<void *>m)
    m.g0 = gmp_gr_getcurrent()
    _g0entry()


def _g0entry():
    """The scheduler loop of each M's g0 (Go's mstart calling schedule)."""
    cdef M m = getm()
    if m.p.status != _Pdead:
        m.p.status = _Prunning
    pidleget_self(m.p)
    while True:
        schedule(m, None, SCHED_G0)
