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
        if gmp_xadd32(&sched.nmspinning, -1) == 0:
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


cdef void pidleget_self(P p) noexcept nogil:
    gmp_lock(&sched.lock)
    if p.idle:
        p.idle = 0
        gmp_xadd32(&sched.npidle, -1)
    gmp_unlock(&sched.lock)


cdef int wakep() except -1:
    """Wakes (or starts) one idle P's M to spin for work, if no M is spinning.
    Mirrors runtime/proc.go:wakep. Can be executed by any thread."""
    cdef P p
    cdef int32_t i
    if gmp_load32(&sched.npidle) == 0 or gmp_load32(&sched.nmspinning) != 0:
        return 0
    if not gmp_cas32(&sched.nmspinning, 0, 1):
        return 0
    p = None
    gmp_lock(&sched.lock)
    for i in range(sched.nprocs):
        if (<P>allp[i]).idle:
            p = <P>allp[i]
            p.idle = 0
            gmp_xadd32(&sched.npidle, -1)
            break
    gmp_unlock(&sched.lock)
    if p is None:
        gmp_xadd32(&sched.nmspinning, -1)
        return 0
    if p.m is None:
        newm(p, True)
        startm(p.m)
    else:
        gmp_store32(&p.m.spinning, 1)   # before wakem's CAS on parked: see mwaitfirst
        wakem(p.m)
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
        if trysteal(m.p):
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
