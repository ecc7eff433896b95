# Go's runtime/proc.go sysmon: the monitor thread (preemption requests,
# network polls, blocked-M warnings), its start and stop.
#
# sysmon is a plain pthread without a P or a Python thread state; it takes
# the GIL only to act (print a trace, poll the network, arm a preemption).
# It starts with the runtime.


cdef gmp_sema_t sysmon_sema
gmp_sema_init(&sysmon_sema)
cdef gmp_sema_t sysmon_done         # posted by sysmon as the last thing it does
gmp_sema_init(&sysmon_done)
cdef bint sysmon_running = False
cdef int32_t sysmon_stop = 0


cdef enum:
    SYSMON_MIN_NS = 20000           # Go's sysmon: 20 us after it acted (a GIL retake,
                                    # as Go's retake of a P in a syscall; not a
                                    # preemption request or a network poll),
    SYSMON_MAX_NS = 10000000        # doubling once idle for 50 rounds, up to 10 ms
    STUCK_NS = 20000000             # still there 10 ms after the request: blocked=true


# Before 3.13 threading keeps a C thread's entry (a _DummyThread) after the
# thread state that made it ends, so naming sysmon once, when it starts,
# names it for good. 3.13+ drops the entry with the thread state, and each
# of sysmon's GIL blocks has a new one: see sysmonname.
cdef bint sysmon_nameable = sys.version_info < (3, 13)


cdef void sysmonname() noexcept:
    """Registers sysmon's thread in threading as gmp-sysmon (instead of a
    Dummy-<n> made the first time code running there asks for it); called
    once, when sysmon starts, and only where sysmon_nameable.
    Invariant: no garbage collection runs on sysmon's thread (it is no M: a
    finalizer that blocked there would stop preemption and the netpoll for
    good), so the collector is paused while threading allocates the entry,
    as it is while sysmon arms a preemption (preempt.pxi). On 3.13+ sysmon
    is not named: the entry would be dropped at the end of every GIL block,
    running threading's Python code there with the collector on (seen:
    finalizers of goroutines' garbage ran on sysmon's thread), and made
    again at the next."""
    cdef int gcwas = PyGC_Disable()
    try:
        threading.current_thread().name = "gmp-sysmon"
    except BaseException:
        pass
    finally:
        if gcwas:
            PyGC_Enable()


cdef void sysmon(void *arg) noexcept nogil:
    """Go's sysmon (runtime/proc.go), a C thread without a P that takes
    the GIL only to act: it sleeps 20 us, doubling up to 10 ms while it
    retakes nothing (as Go's, a preemption request does not count); polls
    the network when nobody has for 10 ms; requests preemption of a goroutine that has held its P for 10 ms
    (preempt.pxi) and marks its M blocked=true if it is still there 10 ms
    later; prints schedtrace; and with blockwarn reports stuck Ps."""
    cdef int64_t now, nexttrace = -1, next, delay = SYSMON_MIN_NS, lp
    cdef int64_t since[MAXPROCS]
    cdef uint32_t last[MAXPROCS]
    cdef uint32_t warned[MAXPROCS]
    cdef int64_t asked[MAXPROCS]
    cdef int32_t sus[MAXPROCS]
    cdef uint32_t t
    cdef int32_t i, idle = 0, n, busy, st
    cdef int64_t retakenext = 0, retakeat = 0, backoff = RETAKE_BACKOFF_MIN_NS
    cdef bint suspect, acted, watch = False, longsleep
    if sysmon_nameable:
        with gil:
            sysmonname()
    now = gmp_nanotime()
    for i in range(MAXPROCS):
        since[i] = now
        last[i] = 0
        warned[i] = 0xFFFFFFFF
        asked[i] = 0
    if dbg.schedtrace > 0:
        nexttrace = gmp_nanotime() + dbg.schedtrace * 1000000
    while not gmp_load32(&sysmon_stop):
        if idle == 0:
            delay = SYSMON_MIN_NS
        elif idle > 50:
            delay *= 2
        if delay > SYSMON_MAX_NS:
            delay = SYSMON_MAX_NS
        if watch and delay > GILRETAKE_NS // 2:
            delay = GILRETAKE_NS // 2       # a GIL retake may be due soon
        next = gmp_nanotime() + delay
        if nexttrace > 0 and nexttrace < next:
            next = nexttrace
        longsleep = gilaware and delay > GILRETAKE_NS // 2
        if longsleep:
            gmp_store32(&sysmonlong, 1)     # newproc may cut this sleep short (sysmonwake)
        gmp_sema_wait(&sysmon_sema, next)
        if longsleep and gmp_xchg32(&sysmonlong, 0) == 0:
            delay = SYSMON_MIN_NS           # woken for new work: watch it closely
            idle = 0
        if gmp_load32(&sysmon_stop):
            break
        now = gmp_nanotime()
        acted = False
        # the network, if nobody has polled it for 10 ms
        lp = gmp_load64(&np.lastpoll)
        if netpollwaiters() and lp != 0 and now - lp > NETPOLL_STALE_NS \
                and gmp_cas64(&np.lastpoll, lp, now):
            with gil:
                try:
                    n = netpoll(0)
                except BaseException:
                    n = 0
            gmp_store64(&np.lastpoll, gmp_nanotime())
        # Ps whose M has run the same goroutine for 10 ms (Go's retake)
        suspect = False
        busy = -1
        watch = False
        for i in range(sched.nprocs):
            sus[i] = 0
            if sched.ptick[i] == NULL or sched.mparked[i] == NULL:
                continue
            t = gmp_load_relaxed32(sched.ptick[i])
            if t != last[i] or gmp_load32(sched.mparked[i]):
                last[i] = t
                since[i] = now
                gmp_store32(&sched.mstuck[i], 0)
                continue
            if now - since[i] >= FORCEPREEMPT_NS and now - asked[i] >= FORCEPREEMPT_NS \
                    and not dbg.asyncpreemptoff:
                asked[i] = now              # again every 10 ms while it runs on
                with gil:
                    try:
                        preemptm(i, t)
                    except BaseException:
                        pass
            if gilaware and not runqempty(sched.allrunq[i]):
                watch = now >= retakenext and gmp_load32(&sched.npidle) > 0
                if now - since[i] >= GILRETAKE_NS:
                    busy = i                # a GIL retake's candidate (below)
            if now - since[i] >= STUCK_NS:
                gmp_store32(&sched.mstuck[i], 1)
            if dbg.blockwarn > 0 and now - since[i] >= dbg.blockwarn * 1000000 \
                    and warned[i] != t:
                warned[i] = t               # once per episode
                sus[i] = 1
                suspect = True
        # the GIL retake (proc_m.pxi, "The GIL"): an idle M probes the GIL
        # for a P that has run one goroutine for GILRETAKE_NS with Gs queued
        if gilaware:
            st = gmp_load32(&sched.retakestate)
            if st == RETAKE_OK:
                backoff = RETAKE_BACKOFF_MIN_NS
                retakenext = now + GILRETAKE_NS
                gmp_store32(&sched.retakestate, RETAKE_IDLE)
            elif st == RETAKE_FAILED:
                retakenext = now + backoff
                backoff = backoff * 2 if backoff < RETAKE_BACKOFF_MAX_NS else RETAKE_BACKOFF_MAX_NS
                gmp_store32(&sched.retakestate, RETAKE_IDLE)
            elif st == RETAKE_PENDING and now - retakeat > RETAKE_STALE_NS:
                for i in range(MAXPROCS):
                    gmp_store32(&sched.retake[i], 0)
                gmp_store32(&sched.retakestate, RETAKE_IDLE)
            elif st == RETAKE_IDLE and busy >= 0 and now >= retakenext and retakewake(busy):
                retakeat = now
                acted = True
        if suspect:
            with gil:
                try:
                    blockwarn_report(sus)
                except BaseException:
                    pass
        if nexttrace > 0 and now >= nexttrace:
            with gil:
                try:
                    os.write(2, schedtrace_text(dbg.scheddetail > 0).encode())
                except BaseException:
                    pass
            # from now, as Go's lasttrace = now: a trace delayed by the GIL
            # must not be followed at once by the ones it overran
            nexttrace = gmp_nanotime() + dbg.schedtrace * 1000000
        idle = 0 if acted else idle + 1
    gmp_sema_post(&sysmon_done)     # nothing of sysmon's runs after this: see _stopsysmon


cdef inline void sysmonwake() noexcept nogil:
    """newproc under the GIL, instead of wakep: if sysmon is in a long sleep,
    end it, so that a GIL retake for the new work comes within about
    GILRETAKE_NS (Go's sysmon is woken for new work the same way, from its
    deep sleep). At most one post per long sleep."""
    if gmp_load32(&sysmonlong) and gmp_load32(&sched.npidle) > 0 \
            and gmp_xchg32(&sysmonlong, 0):
        gmp_sema_post(&sysmon_sema)


cdef int blockwarn_report(int32_t *sus) except -1:
    """Prints, in Go's traceback format, the goroutines that have held their
    P past blockwarn ms (what gevent's monitor thread reports)."""
    cdef P p
    cdef M m
    cdef int32_t i
    frames = sys._current_frames()
    out = []
    for i in range(sched.nprocs):
        if not sus[i]:
            continue
        p = <P>allp[i]
        m = p.m
        if m is None or m.curg is None or gmp_load32(&m.parked):
            continue
        f = frames.get(m.thread) if m.thread is not None else None
        if f is None and m is m0:
            f = frames.get(_main_ident)
        out.append("gmp: goroutine %d has held P%d for over %d ms without yielding "
                   "(GMPDEBUG=blockwarn=%d):\n%s\n" % (
                       m.curg.goid, i, dbg.blockwarn, dbg.blockwarn, dumpg(m.curg, f)))
    if out:
        os.write(2, "".join(out).encode("utf-8", "replace"))
    return 0


cdef bint sysmon_atexit = False


cdef int startsysmon() except -1:
    """Starts sysmon (again in a forked child, whose atexit handlers,
    _stopsysmon's included, are the parent's)."""
    global sysmon_running, sysmon_atexit
    if sysmon_running:
        return 0
    startthread(sysmon, NULL, "sysmon")       # not pthread_create: see proc.pxi
    sysmon_running = True
    if not sysmon_atexit:
        sysmon_atexit = True
        atexit.register(_stopsysmon)
    return 0


def _stopsysmon():
    """At exit: sysmon must not take the GIL of a finalizing interpreter.

    sysmon is a detached thread; instead of joining it, this waits for the
    post sysmon makes as the last statement of its loop's function. That
    is enough: after the post, sysmon takes no lock and touches no Python
    object (it holds no thread state: each `with gil` block ends with
    PyGILState_Release, which deletes the state it created). It only
    returns through CPython's thread wrapper into the C library's thread
    exit, whose code stays mapped (CPython never unloads an extension
    module) and which runs no Python code of ours; a greenlet thread-local
    destructor there, if a finalizer ever ran greenlet code on sysmon's
    thread, is the one every Python thread ending during finalization runs,
    and greenlet defers its cleanup safely then. A join would only also
    wait for those last instructions."""
    global sysmon_running
    if not sysmon_running:
        return
    gmp_store32(&sysmon_stop, 1)
    gmp_sema_post(&sysmon_sema)
    with nogil:
        while gmp_sema_wait(&sysmon_done, -1) != 0:
            pass                        # a signal handler interrupted the wait
    sysmon_running = False
