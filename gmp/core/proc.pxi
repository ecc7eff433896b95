# Go's runtime/proc.go, the G half: runtime start and procresize, newproc,
# execute, gopark/goready and the park protocol, findrunnable, gosched_m.
# The M half (wakep/startm/mstart, spinning, stealing) is proc_m.pxi.
#
# Invariants:
#   A P and its M are paired for life (p.m, m.p); a started G runs only on its
#   homep's M, so only that thread ever switches into its greenlet.
#   m.curg is the G whose greenlet is running on m's thread (None in g0).
#   p.idle == 1 iff p's M has nothing to run (Go's idle P list is these
#   flags: pidleput/pidleget_self); sched.npidle counts them (protected by
#   sched.lock, npidle also read atomically).
#   m.parked == 1 from just before an M re-checks for work until a waker
#   clears it with a CAS; whoever clears it owes one post on m.park.
#   m.spinning is counted in sched.nmspinning.
#
# Exceptions: every C-level function of _core says how it reports one. A
# function that cannot raise is noexcept (goready, runqput, wakem...); one
# that can returns int and is except -1 (wakep: starting an M can fail), or
# except? X where any value is a result. Functions returning a Python object
# (a G, a list) propagate by returning NULL, as Cython does by default.

cdef enum:
    FORCEPREEMPT_NS = 10000000   # Go's forcePreemptNS: a goroutine's time slice (10 ms); sysmon
                                 # preempts one that ran longer, runnext chains give up the P after it

# Go's default, kept after measuring GIL builds (docs/DESIGN.md, "Default
# GOMAXPROCS"): goroutines stay on the P that started them, so Python-bound
# workloads cost the same on 1 or 2 Ps, and GIL-releasing work overlaps.
try:
    DEFAULT_GOMAXPROCS = min(len(os.sched_getaffinity(0)), MAXPROCS)
except AttributeError:
    DEFAULT_GOMAXPROCS = min(os.cpu_count() or 1, MAXPROCS)


# ---- runtime start ------------------------------------------------------

cdef int start_runtime() except -1:
    """Creates the Ps; binds the calling thread as M0 and its current greenlet
    as G1 when it is the main thread, else P0 gets an M thread of its own."""
    global started, g1, m0
    cdef int32_t n
    cdef M m
    cdef G g
    if started:
        return 0
    n = sched.nprocs if sched.nprocs > 0 else default_gomaxprocs()
    started = True
    setgilaware()
    procresize(n)
    if threading.get_ident() == _main_ident:
        m = newm(allp[0], False)
        m0 = m
        m_idents.add(_main_ident)
        gmp_set_tls_m(<void *>m)
        g = G.__new__(G)
        g.goid = gmp_xadd64(&sched.goidgen, 1)
        g.status = _Grunning
        g.homep = allp[0]
        g.gr = gmp_gr_getcurrent()
        allgadd(g)
        gmp_xadd64(&sched.ngoroutines, 1)
        g1 = g
        m.curg = g
        m.g0 = gmp_gr_new(_g0entry, None)
        m.tstate = <void *>PyThreadState_Get()
        (<P>allp[0]).status = _Prunning
        (<P>allp[0]).idle = 0
        gmp_xadd32(&sched.npidle, -1)
    startidlems()
    startsysmon()
    atexit.register(_exitstop)      # after sysmon's: runs before it (LIFO)
    installsigquit()
    installsigint()
    return 0


cdef int setgilaware() except -1:
    """GIL-aware scheduling (proc_m.pxi, "The GIL") unless GMPDEBUG=gilaware=0
    or the interpreter runs without the GIL (a free-threaded build that has
    not re-enabled it)."""
    global gilaware
    isgil = getattr(sys, "_is_gil_enabled", None)
    gilaware = dbg.gilaware != 0 and (isgil is None or bool(isgil()))
    return 0


cdef int32_t default_gomaxprocs() except -1:
    """GOMAXPROCS from the environment as Go's schedinit reads it: a positive
    int32 (strconv.ParseInt(v, 10, 32): sign and ASCII digits only), capped
    at MAXPROCS; anything else (garbage, "1.5", 0, negative, past int32) is
    ignored for the CPU count, never an error."""
    global _GOMAXPROCS_ENV
    cdef str env = os.environ.get("GOMAXPROCS", "")
    v = _atoi(env)                  # runtime1.pxi
    if v is not None and 1 <= v <= 0x7FFFFFFF:
        _GOMAXPROCS_ENV = v
        return min(v, MAXPROCS)
    return DEFAULT_GOMAXPROCS


cdef int procresize(int32_t n) except -1:
    """Sets GOMAXPROCS to n: allocates missing Ps (idle, no M yet); Ps at or
    beyond n stop taking new work but still run the Gs pinned to them.
    Mirrors runtime/proc.go:procresize (no stop-the-world needed: a P's status
    is only read by its own M, and thieves tolerate either value)."""
    cdef P p
    cdef int32_t i
    if n > MAXPROCS:
        n = MAXPROCS
    while sched.nallp < n:
        p = P.__new__(P)
        p.id = sched.nallp
        p.status = _Prunning    # idleness is p.idle; status says in or beyond GOMAXPROCS
        p.idle = 1
        allp.append(p)
        sched.allrunq[p.id] = &p.runq
        sched.allreadyq[p.id] = &p.readyq
        sched.ptick[p.id] = &p.schedtick
        gmp_xadd32(&sched.npidle, 1)
        sched.nallp += 1
    gmp_lock(&sched.lock)
    for i in range(sched.nallp):
        p = <P>allp[i]
        if i < n:
            if p.status == _Pdead:
                p.status = _Prunning
        else:
            p.status = _Pdead
    gmp_store32(&sched.nprocs, n)
    gmp_unlock(&sched.lock)
    # wake the stopped Ms so they hand their unstarted Gs to the global queue
    for i in range(n, sched.nallp):
        wakem((<P>allp[i]).m)
    return 0


cdef int startidlems() except -1:
    """Starts an M for every P that has none. They park at once (GIL
    released), so that wakep later only posts a semaphore and the woken M
    can steal before it even has the GIL."""
    cdef P p
    for p in allp:
        if p.m is None:
            newm(p, False)
            startm(p.m)
    return 0


# ---- goroutine creation -------------------------------------------------


cdef G newproc(object fn, tuple args, dict kwargs, object ctx=None):
    """Creates a runnable G for fn(*args, **kwargs) and queues it, to run in
    a copy of ctx (a contextvars.Context), or of the current context.
    Mirrors runtime/proc.go:newproc. Can be executed by any thread."""
    cdef M m = getm()
    cdef G g = G.__new__(G)
    cdef G cur
    cdef PyFrameObject *f
    if not started:
        start_runtime()
        m = getm()
    g.goid = gmp_xadd64(&sched.goidgen, 1)
    g.status = _Grunnable
    g.stacksize = STACK_MIN
    g.fn = fn
    g.args = args
    g.kwargs = kwargs
    # A goroutine runs in a copy of its creator's contextvars context, as an
    # asyncio task does (O(1): the copy shares the variables' HAMT). Taken
    # here, on the creator's thread; gmp_gentry.h enters it around fn.
    # (Each G gets a copy of its own: one context can be entered only once.)
    g.ctx = <object>(PyContext_CopyCurrent() if ctx is None else PyContext_Copy(ctx))
    Py_DECREF(g.ctx)
    f = PyEval_GetFrame()
    if f != NULL:
        g.createdcode = <object><PyObject *>PyFrame_GetCode(f)
        Py_DECREF(g.createdcode)
        g.createdglobals = <object><PyObject *>PyFrame_GetGlobals(f)
        Py_DECREF(g.createdglobals)
        g.createdlasti = PyFrame_GetLasti(f)     # its line is looked up when printed
    if m is not None and m.curg is not None:
        g.parentgoid = m.curg.goid
        if dbg.tracebackancestors > 0:
            g.ancestors = ancestry(m.curg, f)
    allgadd(g)
    gmp_xadd64(&sched.ngoroutines, 1)
    trackready(g)
    if m is not None and m.p is not None:
        runqput(m.p, g, True)
    else:
        Py_INCREF(g)
        gq_push(&sched.runq, <void *>g)
    # under the GIL a running M does not wake another for the Gs it makes
    # (proc_m.pxi, "The GIL"); one that makes them from a plain thread does
    if not gilaware or m is None or m.p is None:
        wakep()
    else:
        sysmonwake()
    return g


# ---- switching ------------------------------------------------------------

cdef inline PyObject *resumeg(M m, G g) noexcept:
    """Makes the started G g the one m runs; returns its greenlet to switch
    to (borrowed: g holds it), so that a caller can drop its own reference
    to g before the switch."""
    trackrun(g)
    m.curg = g
    g.status = _Grunning
    return <PyObject *>g.gr


cdef int execute(M m, G g, bint ong0) except -1:
    """Switches this thread to g: resumes its greenlet, or starts it on an
    idle greenlet of the P. A new greenlet is only ever created on g0: a
    greenlet starts at the recursion depth of the code that first switches
    into it, so starting one goroutine from another would stack their depths.
    Mirrors runtime/proc.go:execute. Executed only by m's thread."""
    cdef P p
    cdef object gr
    if g.gr is not None:
        gmp_gr_switch(<object>resumeg(m, g), _noargs)
        return 0
    trackrun(g)
    p = m.p
    if p.gfree:
        gr = p.gfree.pop()
    elif not ong0:
        m.curg = None
        m.handoff = g
        gmp_gr_switch(m.g0, _noargs)
        return 0
    else:
        gr = gmp_gr_new(_gentry, m.g0)
    m.curg = g
    g.status = _Grunning
    g.homep = p
    g.gr = gr
    m.nextg = g
    gmp_gr_switch(gr, _noargs)
    return 0


# ---- schedule -----------------------------------------------------------

cdef enum:
    # Why schedule() is called: from the four places Go calls its schedule().
    SCHED_PARK = 0      # g parked (goparkx; Go's park_m)
    SCHED_YIELD = 1     # g queued itself on its readyq (gosched_m)
    SCHED_EXIT = 2      # g is dead; this greenlet may run a new G (gfinish; goexit0)
    SCHED_G0 = 3        # the g0 loop of m, which may block (_g0entry; mstart)


cdef G pickg(M m, int why):
    """The pick half of schedule() for g0 and for a yield: the G m runs
    next, or None (nothing runnable now; on g0 it blocks until there is).
    (A park or an exit picks with findrunnable_nb directly.) Separate from
    schedule() so that its locals are not in the frame every parked
    goroutine keeps on its saved stack (schedule's frame is live across the
    switch)."""
    cdef P p = m.p
    cdef G nxt
    cdef void *x
    if why == SCHED_G0:
        nxt = m.handoff
        m.handoff = None
        if nxt is None:
            nxt = findrunnable(m)
        return nxt
    if why == SCHED_YIELD:
        # Go's Gosched queues g globally, behind the local queues; here the
        # local Gs ahead of it are taken explicitly, whatever the readyq/runq
        # priority phase (which would otherwise hand g straight back)
        if gmp_load32(&sched.exiting):
            return None                     # to g0, which parks for good
        if p.runnext is not None:
            nxt = p.runnext
            p.runnext = None
            p.schedtick += 1
            return nxt
        x = runqget(&p.runq)
        if x != NULL:
            p.schedtick += 1
            return take(x)
    return findrunnable_nb(m, p)


cdef G schedule(M m, G g, int why):
    """Go's schedule(): picks the next G for m (pickg) and runs it in place
    of g, the G that stops running here (None when it is dead, or on g0).
    Every path that gives up the thread comes here. Executed only by m's
    thread.

    On g0 the pick may block (findrunnable). On a goroutine's greenlet it
    does not (findrunnable_nb): with nothing runnable, the thread goes to
    g0, whose schedule blocks. g itself may be the pick (PARK: a goready
    arrived before it parked; YIELD: nothing else to run): then g just goes
    on running and schedule returns g. Otherwise it returns None once g
    runs again (PARK, YIELD) or the picked G gave g0 back (G0). For EXIT it
    returns the unstarted G this greenlet runs next, or None: the greenlet
    ends (gfswitch)."""
    cdef G nxt
    if why == SCHED_EXIT:
        # the pick is gfswitch's own: a local of this frame would keep the
        # next G alive for as long as this greenlet waits in the free list
        return gfswitch(m)
    if why == SCHED_PARK:
        nxt = findrunnable_nb(m, m.p)
    else:
        nxt = pickg(m, why)
    if why == SCHED_G0:
        execute(m, nxt, True)
        return None
    if nxt is g:
        trackrun(g)
        g.status = _Grunning
        return g
    if nxt is None:
        # on a yield, cannot happen (g itself is queued), but never lose the G
        m.curg = None
        gmp_gr_switch(m.g0, _noargs)
    else:
        execute(m, nxt, False)
    return None                             # g runs again: execute() set m.curg and its status


cdef int gopark(int32_t reason) except -1:
    """Parks the current G until goready(g); runs other Gs on this M meanwhile.
    On a plain thread, blocks the thread on its semaphore (GIL released).
    Raises g.throwexc if one was set while it was parked.
    Mirrors runtime/proc.go:gopark. The caller has already published g
    (in a sudog or a timer) and released every lock."""
    if goparkx(reason):
        gothrow(getg())
    return 0


cdef int gothrow(G g) except -1:
    """Raises the exception thrown into g while it was parked."""
    exc = g.throwexc
    g.throwexc = None
    raise exc


# ---- parking and readying ---------------------------------------------------
#
# Invariants (the park protocol):
#   A park is ended by exactly one goready. Before a G publishes itself to any
#   waker (a sudog on a queue, a sleep timer, a syscall job, a netpoll slot) it
#   takes a fresh token with parkprep(g), which stores it in g.parktok, and it
#   hands the token to that waker. A waker readies g only after its CAS of
#   g.parktok from that token to 0 succeeded (parkclaim/readyclaim); a waker
#   that loses the CAS does nothing. So a second waker of the same park, and a
#   stale waker of an earlier park (a syscall that completes after its caller
#   was interrupted, a Cond waiter that never parked), can never ready g.
#   A G is on at most one wait queue per token; a park that ends by an
#   interrupt removes every sudog it published before it returns.
#   An interrupter (a signal handler's exception, the deadlock report) claims
#   the token the same way (throwinto). If it wins, no partner can complete the
#   operation any more: g resumes with g.throwexc set, withdraws what it
#   published and raises. If a partner won first, the operation completed
#   (a value was received or handed over, a lock acquired): it returns its
#   result, and the exception waits in g.pendingexc until g's next park
#   (goparkx raises it before parking) or scheduling point (gosched_m).
#   Nothing is lost either way.

cdef inline int32_t parkprep(G g) noexcept:
    """Issues g's token for its next park and makes it claimable. Executed
    only by g itself, before it publishes the token to a waker."""
    cdef int32_t tok = g.parkseq + 1
    if tok <= 0:
        tok = 1
    g.parkseq = tok
    gmp_store32(&g.parktok, tok)
    return tok


cdef inline bint parkclaim(G g, int32_t tok) noexcept:
    """Takes the right to end g's park tok; False if it was taken already, or
    tok belongs to an earlier park. Can be executed by any thread."""
    return gmp_cas32(&g.parktok, tok, 0)


cdef bint readyclaim(G g, int32_t tok) noexcept:
    """parkclaim, then goready when it succeeded."""
    if gmp_cas32(&g.parktok, tok, 0):
        goready(g)
        return True
    return False


cdef int parkcancel(G g, int32_t tok, int32_t reason) except -1:
    """Withdraws park tok before g parked (g itself gave up, e.g. an exception
    between publishing and parking). If a waker claimed it meanwhile, its
    goready is on the way: g parks to absorb it, so that no ready is left over
    for a later park. Returns 1 in that case, 0 if withdrawn."""
    if gmp_cas32(&g.parktok, tok, 0):
        return 0
    goparkx(reason)
    return 1


cdef bint throwinto(G g, object exc) except? True:
    """Ends g's current park with exc raised from its blocking call, if no
    waker has claimed the park; otherwise (or if g is not parked) exc is kept
    in g.pendingexc (a list, oldest first: none is dropped) for g's next park or scheduling
    point. Returns whether g was readied. Can be executed by any thread."""
    cdef int32_t tok = gmp_load32(&g.parktok)
    if g.status != _Gdead and tok != 0 and gmp_cas32(&g.parktok, tok, 0):
        g.throwexc = exc
        goready(g)
        return True
    pendpush(g, exc)
    return False


cdef int pendpush(G g, object exc) except -1:
    """Queues exc for g's next park or scheduling point (each is raised)."""
    if g.pendingexc is None:
        g.pendingexc = [exc]
    else:
        (<list>g.pendingexc).append(exc)
    return 0


cdef object pendpop(G g):
    """The oldest pending exception of g (g.pendingexc is not None)."""
    cdef list l = <list>g.pendingexc
    e = l.pop(0)
    if not l:
        g.pendingexc = None
    return e


cdef int parkforeign(G g, int32_t reason) except -1:
    """goparkx on a plain thread (g is its waiter G): blocks the thread on
    g's semaphore with the GIL released. A function of its own so that the
    frame a goroutine keeps on its saved stack while parked (goparkx's)
    holds none of this path's exception-handling state."""
    cdef int r
    cdef bint ismain
    if g.pendingexc is not None and parkclaim(g, g.parkseq):
        g.throwexc = pendpop(g)
        return 1
    g.waitreason = reason
    g.status = _Gwaiting
    gmp_xadd32(&sched.nforeignwait, 1)
    foreignparked.add(g)
    # Only the main thread runs Python's signal handlers, and what they
    # raise ends its wait like a thrown exception. A signal that arrived
    # before the semaphore wait interrupted nothing: the main thread
    # waits in 50 ms slices to see it (as M0 parks).
    ismain = <bint>(threading.get_ident() == _main_ident)
    r = 1 if ismain else 2
    while r != 0:
        if r != 3:
            try:
                PyErr_CheckSignals()
            except BaseException as e:
                pendpush(g, e)
            if g.pendingexc is not None and parkclaim(g, g.parkseq):
                gmp_xadd32(&sched.nforeignwait, -1)
                g.throwexc = pendpop(g)
                break
        with nogil:
            r = gmp_sema_wait(g.sema, gmp_nanotime() + 50000000 if ismain else -1)
        if r == 2 and not ismain:
            r = 3               # EINTR elsewhere: no handler runs here
    foreignparked.discard(g)
    g.status = _Grunning    # the waker took us off nforeignwait
    return g.throwexc is not None


# Deviation from Go: no unlockf, and a goready may come before the park.
# Go's gopark switches to g0 (park_m), sets _Gwaiting there and only then
# calls unlockf to release the lock its waker needs, so a waker always
# finds g parked. gmp parks without a g0 hop (the goroutine's greenlet
# runs schedule itself, one greenlet switch per park instead of two), and
# its callers release their locks before gopark: a goready can arrive
# between publishing the token and parking (early goready). It is safe
# because the waker only claims the token, marks g _Grunnable and queues it
# on g's home P (runnext or readyq), and only that P's M, the thread
# running this goparkx, can switch into g's greenlet: schedule then picks
# g from its queue, at once (`nxt is g`: g goes on running) or after the
# Gs ahead of it. Until then g is queued with the status goparkx gave it
# (_Gwaiting or _Gsyscall), which a dump taken meanwhile shows.
cdef int goparkx(int32_t reason) except -1:
    """gopark without the raise: returns 1 when g woke to an exception thrown
    into it (g.throwexc), which the caller raises with gothrow(g) after its
    own clean-up. Channel operations park this way so that their frames,
    which every parked goroutine's saved stack contains, hold no exception
    handler state (try/except added 80 bytes to chanrecv's frame).
    The caller has taken a token (parkprep) and published it. An exception
    pending from an earlier interrupt ends this park at once, as a thrown one
    would, if the park can still be withdrawn."""
    cdef M m = getm()
    cdef G g
    if m is None:
        getg()          # on the main thread this starts the runtime (M0/G1)
        m = getm()
    if m is None:
        return parkforeign(foreign_g(), reason)
    else:
        g = m.curg
        if g.pendingexc is not None and parkclaim(g, g.parkseq):
            g.throwexc = pendpop(g)
            return 1
        # a G parked in gmp.syscall is in a system call, as Go's _Gsyscall
        # (its call runs on a helper thread): the dump says [syscall]
        g.status = _Gsyscall if reason == wr_syscall else _Gwaiting
        g.waitreason = reason
        g.waitsince = gmp_nanotime_coarse()
        stackpark(g)
        schedule(m, g, SCHED_PARK)
    return g.throwexc is not None


cdef void goready(G g) noexcept:
    """Makes a parked G runnable. On its home P's thread it goes to runnext;
    from any other thread it goes to its home P's readyq and that M is woken.
    A foreign waiter's semaphore is posted. Mirrors runtime/proc.go:ready.
    Can be executed by any thread, with no chan lock held. The caller has
    claimed g's park (parkclaim): see the park protocol above."""
    cdef M m
    cdef P p
    g.status = _Grunnable
    if g.foreign:
        # count it as awake now: it may not get the GIL back for a while,
        # and checkdead must not take it for a parked thread
        gmp_xadd32(&sched.nforeignwait, -1)
        gmp_sema_post(g.sema)
        return
    trackready(g)
    m = getm()
    p = g.homep
    if m is not None and m.p is p:
        runqput(p, g, True)
    else:
        Py_INCREF(g)
        gq_push(&p.readyq, <void *>g)
        wakem(p.m)


cdef void gwakeprep(G g, gwake_t *w) noexcept:
    """Fills w for a goreadyw of g, which is about to park (the GIL held),
    and takes a reference to g for w: goreadyw moves a goroutine's to its
    readyq; gwakedrop drops what is left once the park has ended."""
    w.status = &g.status
    w.waitsince = &g.waitsince
    Py_INCREF(g)
    w.g = <void *>g
    if g.foreign:
        w.readyq = NULL
        w.sema = g.sema
        w.pid = -1
    else:
        w.readyq = &g.homep.readyq
        w.sema = NULL
        w.pid = g.homep.id


cdef void gwakedrop(gwake_t *w) noexcept:
    """Releases what gwakeprep took and goreadyw did not move to a readyq:
    a goroutine's reference when no waker readied it (an exception was
    thrown into its park), a plain thread's always. The GIL held."""
    if w.g != NULL:
        Py_DECREF(<object>w.g)
    w.g = NULL


cdef void goreadyw(gwake_t *w) noexcept nogil:
    """goready without the GIL, for the typed channels' waker (which may be
    a nogil loop on any thread): the G goes to its home P's readyq, never to
    runnext, and that P's M is woken; a plain thread's waiter is posted.
    Can be executed by any thread, with no chan lock held. The caller has
    claimed the park (parkclaim's CAS on g.parktok). w lives in the parked
    G's sudog, which the G frees once it runs: w is read in full before the
    G is published."""
    cdef void *g = w.g
    cdef gqueue_t *rq = w.readyq
    cdef gmp_sema_t *sema = w.sema
    cdef int32_t pid = w.pid
    w.status[0] = _Grunnable
    if rq == NULL:                          # the waiter drops its own reference (gwakedrop)
        gmp_xadd32(&sched.nforeignwait, -1)
        gmp_sema_post(sema)
        return
    if gmp_fastrandn(8) == 0:               # trackready's sample
        w.waitsince[0] = -gmp_nanotime()
    w.g = NULL
    gq_push(rq, g)                          # the sudog's reference moves here
    if sched.mparked[pid] != NULL:
        wakemflags(sched.mparked[pid], sched.mpark[pid], sched.minpoll[pid])


cdef inline void wakem(M m) noexcept:
    """Wakes m if it is parked. Can be executed by any thread."""
    if m is not None:
        wakemflags(&m.parked, &m.park, &m.inpoll)


cdef inline bint wakemflags(int32_t *parked, gmp_sema_t *park, int32_t *inpoll) noexcept nogil:
    """wakem on an M's fields (sysmon, which holds no GIL, reaches them
    through sched.mparked/mpark/minpoll). Returns whether it woke the M."""
    if gmp_load32(parked) and gmp_cas32(parked, 1, 0):
        gmp_xadd64(&sched.nmwake, 1)
        gmp_sema_post(park)
        # m.inpoll is stored before m re-checks parked: see findrunnable
        if gmp_load32(inpoll):
            netpollbreak()
        return True
    return False


# ---- finding work -------------------------------------------------------

cdef G findrunnable_nb(M m, P p):
    """Looks for a runnable G without blocking: global queue every 61st tick,
    runnext, the local queues, the global queue, expired timers, stealing.
    Mirrors runtime/proc.go:findRunnable up to the point where it blocks.
    Executed only by the owner P."""
    cdef G g
    cdef void *x
    if gmp_load32(&sched.exiting) and m is not m0:
        return None                         # to g0, which parks for good (exitstop)
    cleargilwait(p.id)                      # it has the GIL now
    if gmp_load_relaxed64(&sched.lastm) != m.id:
        gmp_store_relaxed64(&sched.lastm, m.id)
        gmp_xadd64(&sched.nmswitch, 1)
    p.schedtick += 1
    if p.schedtick % 61 == 0:
        p.readyfirst = not p.readyfirst
        if p.ntimers != 0:
            runtimers(p, 0)
        if p.status == _Prunning and gq_len(&sched.runq) > 0:
            g = globrunqget(p, 1)
            if g is not None:
                return g
    for _ in range(3):
        g = p.runnext
        if g is not None:
            # A G taken from runnext inherits the current time slice (Go's
            # inheritTime), so two Gs readying each other could hold the P
            # forever; once the slice passes 10 ms the chain goes to the back.
            p.runnext = None
            p.nrunnext += 1
            if (p.nrunnext & 63) != 0 or not sliceexpired(p):
                return g
            runqput(p, g, False)
        p.nrunnext = 0
        p.slicestart = 0
        if p.readyfirst:
            x = gq_pop(&p.readyq)
            if x == NULL:
                sharerunq(p)
                x = runqget(&p.runq)
        else:
            sharerunq(p)
            x = runqget(&p.runq)
            if x == NULL:
                x = gq_pop(&p.readyq)
        if x != NULL:
            return take(x)
        if p.status != _Prunning:
            return None
        if gq_len(&sched.runq) > 0:
            g = globrunqget(p, 0)
            if g is not None:
                return g
        # expired timers or network events may ready Gs here: then look again
        if p.ntimers != 0 and runtimers(p, 0) != 0:
            continue
        if netpollwaiters() and gmp_load64(&np.lastpoll) != 0 and netpoll(0) > 0:
            continue
        break
    if sched.nprocs > 1 and maysteal(m) and trysteal(p):
        x = runqget(&p.runq)
        if x != NULL:
            return take(x)
    return None


cdef G findrunnable(M m):
    """Finds a runnable G for m, parking the M (GIL released) until there is
    one or until the earliest timer. Runs on g0. Mirrors the blocking half of
    runtime/proc.go:findRunnable and stopm."""
    cdef P p = m.p
    cdef G g
    cdef int64_t deadline, now
    cdef int r, dead
    cdef bint found, stay
    while True:
        if gmp_load32(&sched.exiting) and m is not m0:
            with nogil:
                exitpark(m)
        if retakeclaim(p):
            with nogil:
                retakeprobe(m, p)           # woken by sysmon's GIL retake on its first wait
        g = findrunnable_nb(m, p)
        if g is not None:
            resetspinning(m)
            return g
        if p.status == _Pdead and not runqempty(&p.runq):
            drainrunq(p)
            continue
        if p.status == _Prunning and sched.nprocs > 1 and maysteal(m):
            with nogil:
                found = spin(p)
            if found:
                continue
        if sched.nprocs > 1 and nogilrecent():
            with nogil:
                found = spinready(p)        # typed channels in nogil use
            if found:
                continue
        # Publish idleness, then check once more (wakers look at m.parked
        # and p.idle only after making their work visible).
        if gmp_load32(&m.spinning):
            gmp_store32(&m.spinning, 0)
            gmp_xadd32(&sched.nmspinning, -1)
        gmp_store32(&m.parked, 1)
        pidleput(p)
        dead = DEAD_NO
        deadline = -1
        stay = haswork(p) or p.runnext is not None
        if not stay and m is m0:
            # a signal whose C handler ran while M0 was on its way here
            # did not interrupt anything: run its Python handler now, before
            # a deadlock is declared or the thread blocks
            checksignals()
            stay = haswork(p) or p.runnext is not None
        if not stay:
            deadline = nexttimer()
            if deadline < 0:
                dead = checkdead(m)
                stay = dead == DEAD_HANDLED
        if stay:
            with nogil:
                unpark(m)
            pidleget_self(p)
            continue
        if dead == DEAD_BUT_THREADS:
            deadline = gmp_nanotime() + 50000000    # a plain thread may still wake someone
        if m is m0:
            # ... and one that arrives between that check and the wait is
            # seen within 50 ms (only the main thread runs Python's handlers)
            now = gmp_nanotime()
            if deadline < 0 or deadline > now + 50000000:
                deadline = now + 50000000
        if netpollwaiters() and gmp_xchg64(&np.lastpoll, 0) != 0:
            r = pollidle(m, deadline)
            pidleget_self(p)
            if r == -EINTR and m is m0:
                checksignals()
            continue
        with nogil:
            r = gmp_sema_wait(&m.park, deadline)
            if r != 0:
                unpark(m)                           # timed out or interrupted
            if retakeclaim(p):
                retakeprobe(m, p)                   # woken by sysmon's GIL retake
            elif gmp_load32(&m.spinning) and trysteal(p):   # before waiting for the GIL
                setgilwait(p.id)
        pidleget_self(p)
        if r == 2 and m is m0:
            checksignals()


cdef int pollidle(M m, int64_t deadline) except? -9999:
    """The poller role of an idle M (Go's findRunnable blocking in netpoll):
    waits in epoll until an event, the deadline (the earliest timer) or a
    wakem; np.lastpoll is 0 meanwhile so that no other M blocks there too.
    m.parked is already 1. Returns netpoll's result (0 when it did not wait)."""
    cdef int r = 0
    cdef int64_t delay = -1
    gmp_store32(&m.inpoll, 1)
    # a waker CASes parked and then loads inpoll; we stored inpoll and now
    # load parked (both seq_cst): if it already woke us, do not wait
    if gmp_load32(&m.parked) and not haswork(m.p):
        if deadline >= 0:
            delay = deadline - gmp_nanotime()
            if delay <= 0:
                delay = 0
        r = netpoll(delay)
    gmp_store32(&m.inpoll, 0)
    gmp_store64(&np.lastpoll, gmp_nanotime())
    with nogil:
        unpark(m)
    return r


cdef int gosched_m() except -1:
    """Yields the processor: the current G goes to the tail of its home
    readyq. Mirrors runtime/proc.go:Gosched (Go uses the global queue, which
    cannot hold a started G here)."""
    cdef M m = getm()
    cdef G g
    if m is None or m.curg is None:
        return 0
    if gmp_load32(&sched.exiting) and m is m0:
        return 0                    # main has returned (exitstop): nothing else runs here
    g = m.curg
    # due timers first (Go's schedule runs checkTimers before the queues):
    # a goroutine that keeps yielding must not starve a sleeper
    if m.p.ntimers != 0:
        runtimers(m.p, 0)
    g.status = _Grunnable
    trackready(g)
    Py_INCREF(g)
    gq_push(&m.p.readyq, <void *>g)
    if schedule(m, g, SCHED_YIELD) is g:
        return 0                            # nothing else to run: g goes on
    if g.throwexc is not None:
        gothrow(g)
    if g.pendingexc is not None:
        raise pendpop(g)
    return 0
