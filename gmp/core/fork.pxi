# Go's runtime/proc.go fork hooks (syscall.runtime_BeforeFork/AfterFork):
# the runtime's side of os.fork.
#
# os.fork() with a running runtime (Go forbids fork without exec; Python
# programs fork: multiprocessing's "fork" start method, pre-fork servers).
#
# In the child only the forking thread exists, as for Python threads, so the
# runtime is rebuilt around it:
#   - the forking thread becomes M0 (its M object and its g0 are kept: they
#     live on this thread) and the forking goroutine becomes the main
#     goroutine G1, on a fresh P0; the other Ps get fresh Ms, and a fresh
#     sysmon starts. Forked from a plain thread, that thread becomes M0 and
#     its running code G1, as at a first start on the main thread.
#   - every other goroutine (started or not, on any M) and every plain
#     thread's waiter is dropped: marked _Gdead, never run again, never
#     handed a value (wq_dequeue skips dead waiters), and kept referenced
#     for good (forkgrave) so that no finally block or finalizer of theirs
#     runs in the child: a greenlet of a thread that no longer exists cannot
#     be switched to, and one of this thread must not be killed either.
#   - the epoll instance and its eventfd are shared with the parent (one
#     open file description): the child's copies are closed at once (a C
#     pthread_atfork handler, before any Python code runs in the child, so
#     that nothing in the child can add, delete or consume the parent's
#     registrations), a new instance is created, and every PollDesc the
#     child inherited is registered there (a listener created before the
#     fork keeps working in the child). Goroutines parked on them are gone.
#   - timers: a dropped goroutine's sleep is dropped; every other armed
#     timer (after/tick/Timer/Ticker channels, after_func, net deadlines)
#     is re-armed on P0 at its old deadline: timers are process state.
#   - syscall helpers are gone: their queue is replaced; helpers start on
#     demand again.
#   - the runtime's spinlocks are re-initialised in the C handler: Ms
#     without the GIL may have held sched.lock or a run-queue lock at the
#     fork. Everything else is mutated only with the GIL, which the forking
#     thread held, so it is consistent in the child.
#   - a goroutine that forked from an M other than M0 has no main program
#     beneath it in the child: when its function returns, the child exits
#     with status 0 (stdout/stderr flushed, no atexit handlers: Go's exit
#     when main returns, and CPython's when the last thread of a child
#     forked from a thread ends).
# From before-fork until the child's runtime is rebuilt (or the parent's
# after-fork hook), asynchronous preemption is declined (forking > 0): a
# goroutine switch inside another library's fork hook would run goroutines
# on the stale runtime in the child.

import gc as _gc


cdef int32_t forking = 0            # GIL-protected: forks between their before and after hooks
cdef int32_t np_rearm = 0           # the child must rebuild the poller (set by the C handler)
cdef PyObject *forkmain = NULL      # the goroutine a child was forked from (borrowed; allg holds it)
cdef list forkgrave = []            # what the child dropped, referenced for good
Py_INCREF(forkgrave)                # ... even past module teardown at exit


cdef void forkchild_c() noexcept nogil:
    """pthread_atfork child handler: runs in the child before any Python
    code. Only plain stores and close(2) here."""
    global np_rearm
    cdef int32_t i
    if np.inited:
        gmp_np_atfork_child()
        np.inited = 0
        np_rearm = 1
    np.nwaiters = 0
    np.wakesig = 0
    gmp_lock_init_rank(&sched.lock, GMP_LR_SCHED)
    gmp_lock_init_rank(&sched.runq.lock, GMP_LR_GQUEUE)
    gmp_lock_init_rank(&allglock, GMP_LR_ALLG)
    for i in range(MAXPROCS):
        if sched.allreadyq[i] != NULL:
            gmp_lock_init_rank(&sched.allreadyq[i].lock, GMP_LR_GQUEUE)


pthread_atfork(NULL, NULL, forkchild_c)


def _atfork_before():
    global forking
    forking += 1


def _atfork_parent():
    global forking
    if forking > 0:
        forking -= 1


def _atfork_child():
    """os.register_at_fork(after_in_child=...): rebuilds the runtime. A
    child that cannot have a working runtime stops with a clear error
    instead of hanging later."""
    global forking
    try:
        forkreset()
    except BaseException:
        try:
            _flush_std()
            sys.stderr.write("fatal error: gmp: cannot rebuild the runtime in the forked child\n")
            traceback.print_exc()
            sys.stderr.flush()
        finally:
            os._exit(2)
    forking = 0


os.register_at_fork(before=_atfork_before, after_in_parent=_atfork_parent,
                    after_in_child=_atfork_child)


cdef void forkmainexit() noexcept:
    """The goroutine a child was forked from returned: the child's main has
    returned, the process ends (status 0)."""
    _flush_std()
    os._exit(0)


cdef int forkreset() except -1:
    cdef bint gcwas = _gc.isenabled()
    _gc.disable()           # no finalizer runs mid-rebuild
    try:
        forkreset_net()
        forkreset_helpers()
        if started:
            forkreset_sched()
    finally:
        if gcwas:
            _gc.enable()
    return 0


cdef int forkreset_net() except -1:
    """A new epoll instance with every inherited PollDesc registered; their
    waiters were goroutines of the parent and are gone."""
    global np_rearm
    cdef int fd, r
    cdef PollDesc pd
    if not np_rearm:
        return 0
    np_rearm = 0
    netpollinit()
    for fd in range(pdtabcap):
        if pdtab[fd] == NULL:
            continue
        pd = <PollDesc>pdtab[fd]
        gmp_lock_init_rank(&pd.lock, GMP_LR_POLLDESC)
        if pd.rg != NULL:
            forkgrave.append(<object>pd.rg)
            Py_DECREF(<object>pd.rg)
            pd.rg = NULL
        if pd.wg != NULL:
            forkgrave.append(<object>pd.wg)
            Py_DECREF(<object>pd.wg)
            pd.wg = NULL
        r = gmp_np_add(fd, (<uint64_t>pd.seq << 32) | <uint32_t>fd)
        if r < 0:
            pdtab[fd] = NULL            # cannot be polled here: operations fail at once
            pd.closing = 1
    gmp_store32(&np.nwaiters, 0)
    gmp_store64(&np.lastpoll, gmp_nanotime())
    return 0


cdef int forkreset_helpers() except -1:
    """Syscall helpers, sysmon and plain threads' waiters of the parent."""
    global _sysq, nhelpers, nhelpers_idle, sysmon_running, sysmon_stop, _main_ident
    cdef void *own = gmp_get_tls_fg()
    cdef G x
    _main_ident = threading.get_ident()     # this thread is the child's main thread
    forkgrave.append(_sysq)                 # calls queued there belong to dropped goroutines
    _sysq = _queue.SimpleQueue()
    nhelpers = 0
    nhelpers_idle = 0
    sched.nsyscall = 0
    sysmon_running = False
    sysmon_stop = 0
    gmp_sema_init(&sysmon_sema)
    gmp_sema_init(&sysmon_done)         # the parent's sysmon may have posted it
    for o in list(foreignparked):
        x = <G>o
        if <void *>x != own:
            x.status = _Gdead               # its thread is gone: never hand it anything
            gmp_store32(&x.parktok, 0)      # no waker can claim its park
            forkgrave.append(x)
            foreignparked.discard(x)
    sched.nforeignwait = 0
    return 0


cdef int forkreset_sched() except -1:
    """Drops every G but the forking one, every M but the forking thread's,
    and all Ps; starts a fresh scheduler around the forking thread."""
    global allp, allghead, m_idents, started, g1, m0, forkmain
    cdef M m = getm()
    cdef G cur = m.curg if m is not None else None
    cdef G x
    cdef P p
    cdef M om
    cdef _Timer t
    cdef timerent_t e
    cdef PyObject *y
    cdef PyObject *nx
    cdef int32_t i, j
    cdef list keep = []
    # the Ms of other threads, and their armed preemption (3.13+: events on
    # shared code objects)
    for o in allp:
        p = <P>o
        om = p.m
        if om is not None and om is not m:
            forkgrave.append(om)
            if isinstance(om.armed, list):
                mondisarm(om)               # 3.13+: code objects shared with this thread
            elif om.armed is not None:
                disarmframe(om)             # 3.11/3.12: a frame of the vanished thread
    # armed timers, except the sleeps of goroutines that are dropped
    for o in allp:
        p = <P>o
        for j in range(p.ntimers):
            e = p.timers[j]
            t = <_Timer>e.t
            if e.seq == t.seq and t.active and t.kind != TIMER_READY:
                keep.append(t)
        for j in range(p.ntimers):
            t = <_Timer>p.timers[j].t
            t.active = False
            t.p = None
    # the goroutines
    y = allghead
    allghead = NULL
    while y != NULL:
        x = <G>y
        nx = x.allnext
        x.allnext = NULL
        x.allprev = NULL
        if x is not cur:
            x.status = _Gdead
            gmp_store32(&x.parktok, 0)      # no waker (netpoll slot, sudog) can claim its park
            forkgrave.append(x)
        Py_DECREF(x)                # allg's reference
        y = nx
    forkgrave.append(allp)
    allp = []
    # a fresh scheduler (GOMAXPROCS and the goroutine ids carry on)
    gq_init(&sched.runq)
    sched.nallp = 0
    sched.npidle = 0
    sched.nmspinning = 0
    sched.mcount = 0
    sched.ngoroutines = 0
    sched.ntimers = 0
    sched.exiting = 0
    sched.ngilwait = 0
    for i in range(MAXPROCS):
        sched.allrunq[i] = NULL
        sched.allreadyq[i] = NULL
        sched.gilwait[i] = 0
        sched.ptick[i] = NULL
        sched.mparked[i] = NULL
        sched.mpark[i] = NULL
        sched.minpoll[i] = NULL
        sched.mstuck[i] = 0
        sched.retake[i] = 0
    sched.retakestate = RETAKE_IDLE
    m_idents = set()
    procresize(sched.nprocs)
    p = <P>allp[0]
    if m is None:
        # forked from a plain thread: it starts the runtime as the main
        # thread would (start_runtime), its running code being G1
        m = newm(p, False)
        gmp_set_tls_m(<void *>m)
        cur = G.__new__(G)
        cur.goid = gmp_xadd64(&sched.goidgen, 1)
        cur.gr = gmp_gr_getcurrent()
        m.curg = cur
        m.g0 = gmp_gr_new(_g0entry, None)
        m.tstate = <void *>PyThreadState_Get()
    else:
        m.id = 0
        sched.mcount = 1
        m.p = p
        p.m = m
        sched.mparked[0] = &m.parked
        sched.mpark[0] = &m.park
        sched.minpoll[0] = &m.inpoll
        gmp_sema_init(&m.park)
        m.parked = 0
        m.spinning = 0
        m.inpoll = 0
        m.exited = 0
        m.preempt = 0
        m.nextg = None
        m.handoff = None
    m_idents.add(threading.get_ident())
    m0 = m
    g1 = cur
    forkmain = <PyObject *>cur if cur is not None else NULL
    if cur is not None:
        cur.status = _Grunning
        cur.homep = p
        allgadd(cur)
        gmp_xadd64(&sched.ngoroutines, 1)
    p.status = _Prunning
    p.idle = 0
    gmp_xadd32(&sched.npidle, -1)
    started = True
    for o in keep:
        t = <_Timer>o
        addtimer(t, t.when)
    startidlems()
    startsysmon()
    return 0

