# The scheduler: newproc, schedule/findrunnable, gopark/goready, Ms and their
# parking, wakep, checkdead, gomaxprocs. Mirrors runtime/proc.go.
#
# Invariants:
#   A P and its M are paired for life (p.m, m.p); a started G runs only on its
#   homep's M, so only that thread ever switches into its greenlet.
#   m.curg is the G whose greenlet is running on m's thread (None in g0).
#   p.idle == 1 iff p is on the idle list; sched.npidle counts them
#   (protected by sched.lock, npidle also read atomically).
#   m.parked == 1 from just before an M re-checks for work until a waker
#   clears it with a CAS; whoever clears it owes one post on m.park.
#   m.spinning is counted in sched.nmspinning.
#
# Lock order (docs/HACKING.md): chan locks (by address) < p.timerlock <
# sched.lock < gqueue locks. No Python code runs while any of them is held.

cdef struct sched_t:
    gqueue_t runq               # global run queue of unstarted Gs
    gmp_lock_t lock             # protects p.idle, the M list
    int32_t nprocs              # GOMAXPROCS
    int32_t nallp               # Ps allocated (>= nprocs after a decrease)
    int32_t npidle              # atomic
    int32_t nmspinning          # atomic
    int32_t mcount              # Ms started
    int64_t goidgen             # atomic
    int64_t ngoroutines         # atomic: live goroutines (not counting foreign waiters)
    int64_t ntimers             # atomic: active timers
    int32_t nforeignwait        # atomic: foreign threads parked in gmp
    int32_t nsyscall            # atomic: goroutines in gmp.syscall
    int32_t exiting             # atomic: the interpreter is exiting (exitstop)
    runq_t *allrunq[MAXPROCS]
    gqueue_t *allreadyq[MAXPROCS]
    int32_t gilwait[MAXPROCS]   # atomic: P i's M stole Gs without the GIL and waits for it
    int32_t ngilwait            # atomic: how many gilwait flags are set
    uint32_t *ptick[MAXPROCS]   # &p.schedtick of P i (Ps live forever): sysmon reads it
    int32_t *mparked[MAXPROCS]  # &m.parked of P i's M, once it has one
    int32_t mstuck[MAXPROCS]    # atomic: sysmon saw P i's M in one goroutine for 20 ms

cdef sched_t sched
gq_init(&sched.runq)


cdef struct netpoll_t:          # netpoll.pxi
    int32_t inited              # atomic
    int32_t nwaiters            # atomic: goroutines parked on a PollDesc
    int64_t lastpoll            # atomic: nanotime of the last poll; 0 while an M blocks in it
    int32_t wakesig             # atomic: a break of the blocking poll is pending

cdef netpoll_t np
gmp_lock_init(&sched.lock)
sched.nprocs = 0

cdef list allp = []             # P objects, index = P id
cdef PyObject *allghead = NULL  # every live goroutine, newest first (strong refs)
cdef gmp_lock_t allglock        # protects allghead and every g.allnext/allprev
gmp_lock_init(&allglock)


cdef inline void allgadd(G g) noexcept:
    """Links g into the list of all goroutines. Can be executed by any thread."""
    global allghead
    Py_INCREF(g)
    gmp_lock(&allglock)
    g.allprev = NULL
    g.allnext = allghead
    if allghead != NULL:
        (<G>allghead).allprev = <PyObject *>g
    allghead = <PyObject *>g
    gmp_unlock(&allglock)


cdef inline void allgdel(G g) noexcept:
    """Unlinks g if it is linked. Can be executed by any thread."""
    global allghead
    gmp_lock(&allglock)
    if g.allprev == NULL and allghead != <PyObject *>g:
        gmp_unlock(&allglock)
        return
    if g.allprev != NULL:
        (<G>g.allprev).allnext = g.allnext
    else:
        allghead = g.allnext
    if g.allnext != NULL:
        (<G>g.allnext).allprev = g.allprev
    g.allnext = NULL
    g.allprev = NULL
    gmp_unlock(&allglock)
    Py_DECREF(g)


cdef list allglist():
    """A snapshot of all goroutines, oldest first. The references are taken
    under allglock into a C array; the list is built after unlocking (an
    allocation can run the GC, and a finalizer could need allglock)."""
    cdef list out = []
    cdef PyObject *x
    cdef PyObject **buf = NULL
    cdef Py_ssize_t n, i
    while True:
        n = gmp_load64(&sched.ngoroutines) + 16
        buf = <PyObject **>realloc(buf, n * sizeof(PyObject *))
        if buf == NULL:
            raise MemoryError()
        i = 0
        gmp_lock(&allglock)
        x = allghead
        while x != NULL and i < n:
            Py_INCREF(<object>x)
            buf[i] = x
            i += 1
            x = (<G>x).allnext
        gmp_unlock(&allglock)
        if x == NULL:
            break
        while i > 0:                # the list grew meanwhile: retry bigger
            i -= 1
            Py_DECREF(<object>buf[i])
    while i > 0:
        i -= 1
        out.append(<object>buf[i])  # newest first in the list: reversed here
        Py_DECREF(<object>buf[i])
    free(buf)
    return out


cdef set m_idents = set()       # thread idents of runtime Ms
cdef bint started = False
cdef G g1 = None                # the main goroutine (None when the runtime started off the main thread)
cdef M m0 = None
cdef object _main_ident = threading.main_thread().ident
cdef tuple _noargs = ()
cdef int32_t spin_iters = 400   # ~20 us of polling before an M parks (measured: docs/DESIGN.md)

_GOMAXPROCS_ENV = None


class Panic(Exception):
    """A Go runtime panic, with Go's message (e.g. "send on closed channel")."""


class Deadlock(Panic):
    """Raised in the main goroutine when every goroutine is asleep."""


class GoExit(BaseException):
    """Raised by runtime.goexit(): unwinds the goroutine, running finally blocks."""


cdef inline int64_t nanotime() noexcept nogil:
    return gmp_nanotime()

cdef inline uint32_t fastrandn(uint32_t n) noexcept nogil:
    return gmp_fastrandn(n)


# ---- scheduling latency (runtime/metrics /sched/latencies:seconds) ---------
# One in 8 transitions to runnable is timed (Go samples the same way,
# gTrackingPeriod): g.waitsince holds -nanotime() from then until the G runs.
# Bucket 0 is [0, 64 ns); bucket i >= 1 is [2^(i+5), 2^(i+6)) ns; the last
# is open-ended.

cdef enum:
    NLATBUCKETS = 40

cdef extern from *:
    int __builtin_clzll(unsigned long long x) nogil

cdef int64_t schedlat[NLATBUCKETS]
cdef int64_t schedlatsum = 0


cdef inline void trackready(G g) noexcept:
    if gmp_fastrandn(8) == 0:
        g.waitsince = -gmp_nanotime()


cdef inline void trackrun(G g) noexcept:
    cdef int64_t d
    cdef int i
    if g.waitsince >= 0:
        return
    d = gmp_nanotime() + g.waitsince
    g.waitsince = 0
    if d < 0:
        d = 0
    i = 0
    if d >= 64:
        i = 63 - __builtin_clzll(<unsigned long long>d) - 5
        if i >= NLATBUCKETS:
            i = NLATBUCKETS - 1
    gmp_xadd64(&schedlat[i], 1)
    gmp_xadd64(&schedlatsum, d)



cdef Py_ssize_t nglive = 0     # G objects alive (GIL-protected); _nglive() for tests


# Not tracked by the cyclic GC, as Go's Gs are not collected: a live G is
# reachable from allg anyway, and a dead one holds nothing that could lead
# back to it (gdead clears fn and gr; args are moved out when it starts;
# g.param is cleared by selectgo). Tracking cost spawn-heavy code ~20 % in
# collections that traversed every queued G (perf, W1).
@cython.no_gc
cdef class G:
    """A goroutine (Go's runtime2.go g). Not constructed by users."""

    def __cinit__(self):
        global nglive
        nglive += 1

    def __repr__(self):
        return "<gmp.G goid=%d status=%d>" % (self.goid, self.status)

    def __dealloc__(self):
        global nglive
        nglive -= 1
        if self.sema != NULL:
            gmp_sema_destroy(self.sema)
            free(self.sema)


cdef class P:
    """A processor (Go's runtime2.go p)."""

    def __cinit__(self):
        gq_init(&self.readyq)
        gmp_lock_init(&self.timerlock)
        self.gfree = []
        self.timers = NULL
        self.ntimers = 0
        self.timerscap = 0


cdef class M:
    """An OS thread running a scheduler loop (Go's runtime2.go m)."""

    def __cinit__(self):
        gmp_sema_init(&self.park)


cdef inline M getm():
    cdef void *m = gmp_get_tls_m()
    if m == NULL:
        return None
    return <M>m


cdef extern from "Python.h":
    PyObject *PyThreadState_GetDict()


cdef str _FG_KEY = "gmp.waiter"
cdef set foreignparked = set()  # plain threads' waiter Gs while they wait (a forked child drops them)


cdef G foreign_g():
    """The waiter G of the current plain Python thread (created once). It is
    owned by the thread state's dict, which CPython clears when the thread
    ends, so a finished thread leaves no G behind; the C thread-local slot
    is a borrowed cache of it (a new thread starts with the slot empty)."""
    cdef void *ptr = gmp_get_tls_fg()
    cdef PyObject *d
    cdef G g
    if ptr != NULL:
        return <G>ptr
    g = G.__new__(G)
    g.foreign = True
    g.status = _Grunning
    g.sema = <gmp_sema_t *>malloc(sizeof(gmp_sema_t))
    gmp_sema_init(g.sema)
    d = PyThreadState_GetDict()
    if d == NULL:
        Py_INCREF(g)                # no thread dict: the slot owns it for good
    else:
        (<dict>d)[_FG_KEY] = g
    gmp_set_tls_fg(<void *>g)
    return g


cdef G getg():
    """The G that a blocking operation on this thread parks: the running
    goroutine on an M, the thread's waiter G on a plain thread. The first
    blocking call on the main thread starts the runtime (it becomes M0/G1)."""
    cdef M m = getm()
    if m is not None:
        if m.curg is None:
            raise RuntimeError("gmp: blocking operation in the scheduler context")
        return m.curg
    if not started and threading.get_ident() == _main_ident:
        start_runtime()
        return getm().curg
    return foreign_g()


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


cdef int32_t default_gomaxprocs():
    """GOMAXPROCS from the environment as Go's schedinit reads it: a positive
    int32 (strconv.ParseInt(v, 10, 32): sign and ASCII digits only), capped
    at MAXPROCS; anything else (garbage, "1.5", 0, negative, past int32) is
    ignored for the CPU count, never an error."""
    global _GOMAXPROCS_ENV
    cdef str env = os.environ.get("GOMAXPROCS", "")
    v = _atoi(env)                  # debug.pxi
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
            if p.status == _Pgcstop:
                p.status = _Prunning
        else:
            p.status = _Pgcstop
    gmp_store32(&sched.nprocs, n)
    gmp_unlock(&sched.lock)
    # wake the stopped Ms so they hand their unstarted Gs to the global queue
    for i in range(n, sched.nallp):
        wakem((<P>allp[i]).m)
    return 0


cdef void startidlems():
    """Starts an M for every P that has none. They park at once (GIL
    released), so that wakep later only posts a semaphore and the woken M
    can steal before it even has the GIL."""
    cdef P p
    for p in allp:
        if p.m is None:
            newm(p, False)
            startm(p.m)


# ---- goroutine creation -------------------------------------------------

cdef extern from "Python.h":
    PyObject *PyContext_CopyCurrent() except NULL
    PyObject *PyContext_Copy(object ctx) except NULL


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
    wakep()
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


cdef bint readyclaim(G g, int32_t tok):
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


cdef void pendpush(G g, object exc) noexcept:
    """Queues exc for g's next park or scheduling point (each is raised)."""
    if g.pendingexc is None:
        g.pendingexc = [exc]
    else:
        (<list>g.pendingexc).append(exc)


cdef object pendpop(G g):
    """The oldest pending exception of g (g.pendingexc is not None)."""
    cdef list l = <list>g.pendingexc
    e = l.pop(0)
    if not l:
        g.pendingexc = None
    return e


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
    cdef G nxt
    cdef int r
    cdef bint ismain
    if m is None:
        getg()          # on the main thread this starts the runtime (M0/G1)
        m = getm()
    if m is None:
        g = foreign_g()
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
    else:
        g = m.curg
        if g.pendingexc is not None and parkclaim(g, g.parkseq):
            g.throwexc = pendpop(g)
            return 1
        g.status = _Gwaiting
        g.waitreason = reason
        g.waitsince = gmp_nanotime_coarse()
        stackpark(g)
        nxt = findrunnable_nb(m, m.p)
        if nxt is g:
            trackrun(g)
            g.status = _Grunning
        elif nxt is None:
            m.curg = None
            gmp_gr_switch(m.g0, _noargs)
        else:
            execute(m, nxt, False)
        # resumed: execute() set m.curg = g and g.status = _Grunning
    return g.throwexc is not None


cdef void goready(G g):
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


cdef inline void wakem(M m):
    """Wakes m if it is parked. Can be executed by any thread."""
    if m is not None and gmp_load32(&m.parked) and gmp_cas32(&m.parked, 1, 0):
        gmp_sema_post(&m.park)
        # m.inpoll is stored before m re-checks parked: see findrunnable
        if gmp_load32(&m.inpoll):
            netpollbreak()


cdef extern from "gmp_gentry.h":
    ctypedef object (*gmp_gstep_t)(object g, int failed)
    ctypedef object (*gmp_gdone_t "gmp_gstep_t")(PyObject *g, int failed)   # steals g
    ctypedef int (*gmp_gtake_t)(object g, PyObject **fn, PyObject **args, PyObject **kw,
                                PyObject **ctx) except -1
    gmp_gstep_t gmp_gstart_cb
    gmp_gtake_t gmp_gtake_cb
    gmp_gdone_t gmp_gdone_cb
    ctypedef struct PyMethodDef:
        pass
    PyMethodDef gmp_gentry_def
    object PyCFunction_NewEx(PyMethodDef *ml, PyObject *self, PyObject *module)


# Body of every goroutine greenlet: runs Gs one after another, so that a
# finished G's greenlet runs the next unstarted G (Go's gfget/gfput). The
# loop is C (gmp_gentry.h); these are its steps.

cdef object gstart(object unused, int failed):
    cdef M m = getm()
    cdef G g = m.nextg
    m.nextg = None
    return g


cdef int gtake(object og, PyObject **fn, PyObject **args, PyObject **kw,
               PyObject **ctx) except -1:
    cdef G g = <G>og
    ctx[0] = <PyObject *>g.ctx      # moved: the C loop holds it while fn runs
    Py_INCREF(g.ctx)
    g.ctx = None
    fn[0] = <PyObject *>g.fn
    Py_INCREF(g.fn)
    args[0] = <PyObject *>g.args
    Py_INCREF(g.args)
    g.args = None
    if g.kwargs is not None:
        kw[0] = <PyObject *>g.kwargs
        Py_INCREF(g.kwargs)
        g.kwargs = None
    else:
        kw[0] = NULL
    return 0


cdef object gdone(PyObject *og, int failed):
    # og: the C loop's reference, handed over (see gfinish). No local of this
    # frame may hold g: the frame stays on the greenlet's stack while the
    # greenlet waits in the free list.
    if failed and goexc(<G>og, takeexc()):
        Py_DECREF(<object>og)
        return None         # killed (GreenletExit): let the greenlet end
    if og == forkmain:
        forkmainexit()      # a forked child's main goroutine returned (fork.pxi)
    grelease(<G>og)
    return gfinish(og)


cdef void grelease(G g):
    """Drops the user objects a finished g still references (its function,
    and what its dump's "created by" line needs) while g is still the running
    goroutine: a finalizer that their release triggers may block, and only a
    running goroutine can park. (In gdead, with the G already dead, such a
    finalizer found no goroutine to park.)"""
    g.fn = None
    g.ancestors = None
    g.createdcode = None
    g.createdglobals = None
    g.param = None
    g.throwexc = None


gmp_gstart_cb = gstart
gmp_gtake_cb = gtake
gmp_gdone_cb = gdone
cdef object _gentry = PyCFunction_NewEx(&gmp_gentry_def, NULL, NULL)


cdef extern from "Python.h":
    PyObject *PyObject_Call(PyObject *f, PyObject *args, PyObject *kw)   # NULL with an error set
    void PyErr_Fetch(PyObject **t, PyObject **v, PyObject **tb)
    void PyErr_NormalizeException(PyObject **t, PyObject **v, PyObject **tb)
    int PyException_SetTraceback(PyObject *ex, PyObject *tb)


cdef object takeexc():
    """Takes the raised exception out of the error indicator (3.11-safe)."""
    cdef PyObject *t = NULL
    cdef PyObject *v = NULL
    cdef PyObject *tb = NULL
    PyErr_Fetch(&t, &v, &tb)
    PyErr_NormalizeException(&t, &v, &tb)
    if tb != NULL and v != NULL:
        PyException_SetTraceback(v, tb)
    e = <object>v if v != NULL else None
    Py_XDECREF(t)
    Py_XDECREF(v)
    Py_XDECREF(tb)
    return e


cdef bint goexc(G g, object e) except? True:
    """The exception that ended g's function: GoExit is a normal end,
    GreenletExit a kill (the greenlet ends), anything else a fatal panic."""
    if isinstance(e, GoExit):
        return False
    if isinstance(e, GreenletExit):
        gdead(g)
        return True
    if isinstance(e, SystemExit):
        sysexit(e)
    fatalpanic(g, e)
    return False


cdef int32_t exitclaim = 0         # atomic: set by the first goroutine that ends the process


cdef extern from "<unistd.h>" nogil:
    int pause()


cdef void exitfirst() noexcept:
    """Only the first goroutine that ends the process (sys.exit, a fatal
    panic) reports and exits; any other one waits here, GIL released, for
    that exit: two panics on two Ms print one report, as in Go."""
    if gmp_cas32(&exitclaim, 0, 1):
        return
    with nogil:
        while True:
            pause()


cdef void sysexit(object e) noexcept:
    """sys.exit() in a goroutine ends the process as it would on the main
    thread: None is status 0, an int is passed to exit() (the OS keeps its
    low 8 bits; one beyond a C long is 255, as CPython), anything else is
    printed to stderr and gives 1. Nothing here may raise: an exit that
    raised on another M used to be lost."""
    cdef int status = 1
    exitfirst()
    try:
        code = e.code
        if code is None:
            status = 0
        elif isinstance(code, int):
            status = <int>(code & 0xff) if -(1 << 63) <= code < (1 << 63) else 255
        else:
            _flush_std()
            try:
                sys.stderr.write("%s\n" % (code,))
            except BaseException:
                sys.stderr.write("<exit message str() failed>\n")
    except BaseException:
        pass
    _flush_std()
    os._exit(status)


cdef void gdead(G g):
    cdef M m = getm()
    g.status = _Gdead
    gmp_store32(&g.parktok, 0)      # a sudog a killed G left queued can never ready it
    g.gr = None
    g.fn = None
    allgdel(g)
    gmp_xadd64(&sched.ngoroutines, -1)
    if m is not None and m.curg is g:
        m.curg = None


cdef G gfinish(PyObject *og):
    """Called on a goroutine's greenlet after its function returned, with the
    greenlet loop's reference to the G (consumed here): marks it dead and
    picks what this greenlet does next. An unstarted G runs right here;
    otherwise the greenlet goes to the P's free list (or ends when the list
    is full) and the thread switches to the chosen G or to g0. A greenlet in
    the free list holds no G: the dead one is released and the next one is
    held by m.curg before the switch, so parked greenlets keep nothing alive.
    Mirrors runtime/proc.go:goexit0 + gfput. Executed only by the owner P."""
    cdef M m = getm()
    cdef P p = m.p
    cdef G nxt
    cdef PyObject *gr
    gdead(<G>og)
    Py_DECREF(<object>og)       # og may be freed from here on
    og = NULL
    nxt = findrunnable_nb(m, p)
    if nxt is not None and nxt.gr is None:
        trackrun(nxt)
        nxt.homep = p
        nxt.gr = gmp_gr_getcurrent()
        nxt.status = _Grunning
        m.curg = nxt
        return nxt
    if len(p.gfree) >= GFREE_MAX:
        m.handoff = nxt     # g0 runs it once this greenlet has ended
        return None
    p.gfree.append(gmp_gr_getcurrent())
    if nxt is None:
        gr = <PyObject *>m.g0
    else:
        gr = resumeg(m, nxt)        # a started G; m.curg holds it from here
        nxt = None                  # no reference left in this frame
    gmp_gr_switch(<object>gr, _noargs)
    # reused for a new G by execute()
    nxt = m.nextg
    m.nextg = None
    return nxt


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
                x = runq_get_ring(&p.runq)
        else:
            sharerunq(p)
            x = runq_get_ring(&p.runq)
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
    if sched.nprocs > 1 and trysteal(p):
        x = runq_get_ring(&p.runq)
        if x != NULL:
            return take(x)
    return None


cdef void sharerunq(P p):
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
    n = runq_len(&p.runq)
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
            x = runq_get_ring(&p.runq)
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
        return not runq_empty(&p.runq)
    if gq_len(&sched.runq) > 0:
        return True
    for i in range(sched.nallp):
        if not runq_empty(sched.allrunq[i]):
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
        if pos != <uint32_t>p.id and not runq_empty(sched.allrunq[pos]) \
                and not gmp_load32(&sched.gilwait[pos]):
            x = runq_steal(&p.runq, sched.allrunq[pos])
            if x != NULL:
                if not runq_put_ring(&p.runq, x):
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
        g = findrunnable_nb(m, p)
        if g is not None:
            resetspinning(m)
            return g
        if p.status == _Pgcstop and not runq_empty(&p.runq):
            drainrunq(p)
            continue
        if p.status == _Prunning and sched.nprocs > 1:
            with nogil:
                found = spin(p)
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
            if gmp_load32(&m.spinning) and trysteal(p):     # before waiting for the GIL
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


cdef void exitpark(M m) noexcept nogil:
    """Parks m for good, without the GIL: the interpreter is exiting."""
    gmp_store32(&m.exited, 1)
    while True:
        gmp_sema_wait(&m.park, -1)


cdef extern from "<unistd.h>" nogil:
    int usleep(unsigned int us)


def _exitstop():
    """atexit (registered at runtime start, so it runs before the handlers
    registered earlier and before interpreter finalization): the program is
    over, as when Go's main returns. Every M but M0 finishes the goroutine
    it is running up to its next scheduling point (preemption bounds that
    for Python code) and parks for good in its scheduler context. An M left
    inside a goroutine's greenlet during finalization would be ended by
    CPython with pthread_exit when it next wanted the GIL, unwinding
    through greenlet's C++ frames: a crash. If an M is still in a goroutine
    after 250 ms (a blocking C call), the process exits without
    finalization instead, after flushing stdout and stderr. From here on
    M0 yields to no other goroutine (no preemption, gosched is a no-op):
    a preempted spinner resumed on M0 during finalization, with sysmon
    gone, ran forever (seen on 16 cores)."""
    cdef int32_t *flags[2 * MAXPROCS]
    cdef int32_t n = 0, i, k
    cdef bint done = False
    cdef M m
    if not started:
        return
    if gmp_load32(&exitclaim):
        # a goroutine is ending the process (a fatal panic running its
        # hooks, a sys.exit): its status is the process's, so the main
        # thread waits for that exit instead of finishing with its own
        exitfirst()
    gmp_store32(&sched.exiting, 1)
    for i in range(sched.nallp):
        m = (<P>allp[i]).m
        if m is None or m is m0:
            continue
        flags[n] = &m.parked
        flags[n + 1] = &m.exited
        n += 2
    with nogil:
        for k in range(250):
            done = True
            i = 0
            while i < n:
                if not gmp_load32(flags[i]) and not gmp_load32(flags[i + 1]):
                    done = False
                    break
                i += 2
            if done:
                break
            usleep(1000)
    if not done:
        _flush_std()
        os._exit(1 if getattr(sys, "last_value", None) is not None else 0)


cdef inline void unpark(M m) noexcept nogil:
    """Ends a park that was published (m.parked = 1) but is over: if a waker
    already cleared parked it owes us one post, which we take here so the
    semaphore stays balanced. Executed only by m's thread."""
    if not gmp_cas32(&m.parked, 1, 0):
        gmp_sema_wait(&m.park, -1)


cdef void resetspinning(M m):
    """An M that found work stops spinning and, as Go does, wakes another
    spinning M if Ps are idle (so work keeps spreading)."""
    if gmp_load32(&m.spinning):
        gmp_store32(&m.spinning, 0)
        if gmp_xadd32(&sched.nmspinning, -1) == 0:
            wakep()


cdef void drainrunq(P p):
    """A P beyond GOMAXPROCS hands its unstarted Gs to the global queue."""
    cdef void *x
    while True:
        x = runq_get_ring(&p.runq)
        if x == NULL:
            break
        gq_push(&sched.runq, x)
    wakep()


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


cdef void wakep():
    """Wakes (or starts) one idle P's M to spin for work, if no M is spinning.
    Mirrors runtime/proc.go:wakep. Can be executed by any thread."""
    cdef P p
    cdef int32_t i
    if gmp_load32(&sched.npidle) == 0 or gmp_load32(&sched.nmspinning) != 0:
        return
    if not gmp_cas32(&sched.nmspinning, 0, 1):
        return
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
        return
    if p.m is None:
        newm(p, True)
        startm(p.m)
    else:
        gmp_store32(&p.m.spinning, 1)   # before wakem's CAS on parked: see mwaitfirst
        wakem(p.m)


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


# Ms and sysmon are started with CPython's PyThread_start_new_thread (a
# detached pthread) instead of pthread_create, which glibc 2.34+ exports
# only as pthread_create@GLIBC_2.34: linked directly, it made the extension
# need a glibc newer than manylinux_2_17's.
cdef extern from "pythread.h":
    unsigned long PyThread_start_new_thread(void (*func)(void *) noexcept nogil, void *arg)
    enum: PYTHREAD_INVALID_THREAD_ID


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


cdef void startm(M m):
    """Starts m's OS thread. It is a plain thread that first waits for work
    without the GIL (stealing as soon as it is woken), so a new M costs the
    running Python code nothing until it has something to run."""
    startthread(mthreadstart, <void *>m, "an M thread")


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
    """The scheduler loop (Go's schedule), run on each M's g0."""
    cdef M m = getm()
    cdef G g
    if m.p.status != _Pgcstop:
        m.p.status = _Prunning
    pidleget_self(m.p)
    while True:
        g = m.handoff
        m.handoff = None
        if g is None:
            g = findrunnable(m)
        execute(m, g, True)


cdef int32_t foreign_threads():
    """Plain Python threads alive that could still wake a goroutine."""
    cdef int32_t n = 0
    for t in threading.enumerate():
        if t.ident not in m_idents and not isinstance(t, threading._DummyThread):
            n += 1
    return n


cdef bint signalwaiters():
    """Whether a Python signal handler of the program's own is installed: it
    runs on the main thread (M0) and may wake a goroutine, as Go's
    signal.Notify channel can, so no deadlock is reported while one is
    (Go's checkdead does not fire while signal delivery can wake the
    program). The default SIGINT handler, SIG_DFL/SIG_IGN and gmp's own
    SIGQUIT dump do not count."""
    if g1 is None:
        return False                # no main goroutine: M0 runs no handlers
    for sig in _signal.valid_signals():
        try:
            h = _signal.getsignal(sig)
        except (ValueError, OSError):
            continue
        if (h is None or h is _signal.SIG_DFL or h is _signal.SIG_IGN
                or h is _signal.default_int_handler or h is _sigquit or h is _sigint):
            continue
        return True
    return False


cdef enum:
    DEAD_NO = 0             # some M may still find work: park normally
    DEAD_HANDLED = 1        # deadlock raised in the main goroutine: do not park
    DEAD_BUT_THREADS = 2    # all idle, but a plain thread may still wake someone


cdef int checkdead(M m) except -1:
    """Called by an M about to park with no timer pending. If no M can ever
    find work again, reports Go's deadlock: raises gmp.Deadlock in the main
    goroutine when it is parked in gmp, otherwise prints the dump and exits
    with status 2. Plain Python threads that are alive and not parked in gmp
    might still wake a goroutine: then it reports DEAD_BUT_THREADS, and the
    caller re-checks later. Mirrors runtime/proc.go:checkdead."""
    cdef int32_t i, tok
    cdef P p
    if gmp_load32(&exitclaim):
        return DEAD_NO      # a goroutine is ending the process (its crash hooks may park): that exit comes
    if gmp_load32(&sched.npidle) != sched.nallp:
        return DEAD_NO
    if gq_len(&sched.runq) or sched.nsyscall > 0 or netpollwaiters():
        return DEAD_NO
    for i in range(sched.nallp):
        p = <P>allp[i]
        if gq_len(&p.readyq) or not runq_empty(&p.runq) or p.runnext is not None:
            return DEAD_NO
    if gmp_load64(&sched.ntimers) > 0:
        return DEAD_NO
    if sched.nforeignwait < foreign_threads() or signalwaiters():
        return DEAD_BUT_THREADS
    if g1 is not None and g1.status == _Gwaiting:
        tok = gmp_load32(&g1.parktok)
        if tok != 0 and parkclaim(g1, tok):
            g1.throwexc = Deadlock("all goroutines are asleep - deadlock!")
            goready(g1)
            return DEAD_HANDLED
        return DEAD_NO              # a waker readied g1 meanwhile: no deadlock
    _flush_std()
    sys.stderr.write("fatal error: all goroutines are asleep - deadlock!\n\n")
    sys.stderr.write(dumpall(None))
    sys.stderr.flush()
    os._exit(2)


def _sigint(signum, frame):
    """SIGINT's handler while the runtime runs (installed at start in place of
    Python's default_int_handler). Python runs signal handlers on the main
    thread, i.e. on M0, in whichever goroutine M0 is running; as Python
    raises KeyboardInterrupt in the main thread only, this raises it in the
    main goroutine only: directly when that is the one running, otherwise
    from its blocking call (throwinto), or at its next park or scheduling
    point when it is runnable."""
    cdef M m = getm()
    if g1 is None or g1.status == _Gdead or m is None or m.curg is g1:
        raise KeyboardInterrupt
    throwinto(g1, KeyboardInterrupt())


cdef int installsigint() except -1:
    """Routes KeyboardInterrupt to the main goroutine (_sigint), unless the
    program installed its own SIGINT handler."""
    if g1 is not None and _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
        _signal.signal(_signal.SIGINT, _sigint)
    return 0


cdef void checksignals():
    """M0 was interrupted by a signal while parked: run Python's handlers and
    deliver what they raise (KeyboardInterrupt) to the main goroutine."""
    try:
        PyErr_CheckSignals()
    except BaseException as e:
        # raised from g1's blocking call if its park can still be ended,
        # else at g1's next park or scheduling point (throwinto); never on g0
        if g1 is not None and g1.status != _Gdead:
            throwinto(g1, e)
        else:
            _flush_std()
            sys.stderr.write("gmp: %s raised by a signal handler with no main goroutine to deliver it to\n"
                             % type(e).__name__)


cdef int gosched_m() except -1:
    """Yields the processor: the current G goes to the tail of its home
    readyq. Mirrors runtime/proc.go:Gosched (Go uses the global queue, which
    cannot hold a started G here)."""
    cdef M m = getm()
    cdef G g
    cdef G nxt
    cdef void *x
    cdef bint exiting
    if m is None or m.curg is None:
        return 0
    exiting = gmp_load32(&sched.exiting)
    if exiting and m is m0:
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
    # Go's Gosched queues g globally, behind the local queues; here the
    # local Gs ahead of it are taken explicitly, whatever the readyq/runq
    # priority phase (which would otherwise hand g straight back)
    nxt = m.p.runnext
    if exiting:
        nxt = None                          # to g0, which parks for good
    elif nxt is not None:
        m.p.runnext = None
        m.p.schedtick += 1
    else:
        x = runq_get_ring(&m.p.runq)
        if x != NULL:
            nxt = take(x)
            m.p.schedtick += 1
        else:
            nxt = findrunnable_nb(m, m.p)
    if nxt is g:
        trackrun(g)
        g.status = _Grunning
        return 0
    if nxt is None:
        # cannot happen (g itself is queued), but never lose the G
        m.curg = None
        gmp_gr_switch(m.g0, _noargs)
    else:
        execute(m, nxt, False)
    if g.throwexc is not None:
        exc = g.throwexc
        g.throwexc = None
        raise exc
    if g.pendingexc is not None:
        raise pendpop(g)
    return 0


cdef void _flush_std():
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except Exception:
            pass


cdef object panichook = None       # hook(goid, exc, report) -> handled; see _set_panic_hook


def _set_panic_hook(hook):
    """Installs hook(goid, exc, report) for exceptions that escape a goroutine
    other than the main one (None removes it), and returns the previous hook.
    Without a hook, such a panic ends the process with Go's report and status
    2 (fatalpanic). With one, the runtime calls it instead, in the panicking
    goroutine (any M, the GIL held; it must not block) with Go's report text;
    if it returns a true value the process goes on and that goroutine is
    over, its frames unwound (finally blocks ran as the exception rose), as
    if its function had returned. gmp's pytest plugin installs one so that a
    goroutine's panic fails the test instead of killing pytest."""
    global panichook
    if hook is not None and not callable(hook):
        raise TypeError("gmp: the panic hook must be callable or None")
    old = panichook
    panichook = hook
    return old


cdef list mainthrown = None      # what _throw_main delivered in the open window; None: closed


def _main_window(bint opened):
    """Opens (True) or closes (False) the window in which _throw_main
    delivers exceptions to the main goroutine (gmp.pytest_plugin opens it
    for each phase of a test). Closing withdraws every exception delivered
    in the window that is still pending (no park or scheduling point of the
    main goroutine has raised it yet) and returns the ones delivered.
    Invariant: a close, and each _throw_main, is one step with the GIL held
    (no Python code runs within it), so nothing is delivered after a close
    and nothing delivered stays pending past it, to surface later in code
    that has nothing to do with it."""
    global mainthrown
    cdef list thrown = mainthrown
    if opened:
        mainthrown = []
        return []
    mainthrown = None
    if thrown is None:
        return []
    cdef list keep
    if g1 is not None and g1.pendingexc is not None:
        keep = []
        for x in <list>g1.pendingexc:
            for t in thrown:
                if x is t:
                    break
            else:
                keep.append(x)
        g1.pendingexc = keep if keep else None
    return thrown


def _throw_main(exc):
    """While the window is open (_main_window), raises exc in the main
    goroutine: from its blocking call if it is parked (and no waker claimed
    the park), else at its next park or scheduling point (throwinto).
    Returns False, delivering nothing, when the window is closed or there is
    no main goroutine (the runtime started off the main thread, or G1 ended)."""
    if mainthrown is None or g1 is None or g1.status == _Gdead:
        return False
    mainthrown.append(exc)
    throwinto(g1, exc)
    return True


cdef object panicreport(G g, object e):
    """Go's report of a panic that ended goroutine g: "panic: <exception>",
    the Python traceback, then the goroutine's stack in Go's form (and the
    others' with GOTRACEBACK=all)."""
    out = []
    try:
        try:
            text = str(e)
        except BaseException:
            text = "<exception str() failed>"      # CPython's wording
        if isinstance(e, Panic):
            msg = text
        else:
            msg = "%s: %s" % (type(e).__qualname__, text) if text else type(e).__qualname__
        out.append("panic: %s\n\n" % msg)
        out.append("".join(traceback.format_exception(type(e), e, e.__traceback__)))
        out.append("\ngoroutine %d [running]:\n" % g.goid)
        tb = e.__traceback__
        frames = []
        while tb is not None:
            frames.append((tb.tb_frame, tb.tb_lineno))
            tb = tb.tb_next
        out.append(fmtframes([frameinfo(f.f_code, f.f_globals, line)
                              for f, line in reversed(frames) if not _internal(f.f_code)]))
        out.append(fmtcreated(createdby(g)))
        if traceback_level >= 2:            # GOTRACEBACK=all: the others too
            for x in allglist():
                if x is not g:
                    out.append("\n" + dumpg(<G>x, None))
    except BaseException:
        if not out:
            out.append("panic: %s\n" % type(e).__qualname__)
        out.append("\n[gmp: the rest of the panic report could not be formatted]\n")
    return "".join(out)


cdef bint hookpanic(G g, object e) noexcept:
    """Offers the panic to panichook: True when the hook took it. A hook that
    raises has not taken it (the process then exits as without one, after
    saying why): a panic is never lost."""
    try:
        return bool(panichook(g.goid, e, panicreport(g, e)))
    except BaseException as he:
        try:
            _flush_std()
            sys.stderr.write("gmp: the panic hook raised %s: %s\n" % (type(he).__qualname__, he))
        except BaseException:
            pass
        return False


from libc.string cimport strlen


cdef extern from "<unistd.h>" nogil:
    ssize_t write(int fd, const void *buf, size_t n)
    void _exit(int status)


cdef double crashtimeout = 5.0     # seconds the crash hooks may take (set_crash_hook_timeout)
cdef const char *CRASHLATE = b"gmp: the crash hooks did not finish in time; exiting\n"


def _set_crash_hook_timeout(seconds):
    """Sets how long (seconds, > 0) the exception hooks and the flush of the
    logging handlers may take after a fatal panic before the process exits
    regardless; returns the previous value."""
    global crashtimeout
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError("set_crash_hook_timeout: seconds must be a number, not %s"
                        % type(seconds).__name__)
    if not seconds > 0 or seconds != seconds or seconds == float("inf"):
        raise ValueError("set_crash_hook_timeout: seconds must be positive and finite")
    old = crashtimeout
    crashtimeout = seconds
    return old


cdef void crashwatch(void *arg) noexcept nogil:
    """Watchdog of a fatal panic's hooks: exits with status 2 once their
    time is up, without the GIL (a hook may hold it for ever). It sleeps on
    a semaphore nobody posts, to the deadline (a signal ends a wait early:
    it waits again)."""
    cdef gmp_sema_t never
    cdef int64_t deadline = satadd(gmp_nanotime(), <int64_t>(min(crashtimeout, 9.2e9) * 1e9))
    gmp_sema_init(&never)
    while gmp_sema_wait(&never, deadline) != 1:
        pass
    write(2, CRASHLATE, strlen(CRASHLATE))
    _exit(2)


cdef void crashhooks(object e) noexcept:
    """What error reporters get of a fatal panic, after Go's report: the
    program's own exception hook (threading.excepthook if the program
    replaced it, else sys.excepthook if replaced: a default hook would only
    print the traceback a second time), then a flush (not a close) of every
    logging handler. Invariant: the exit that follows is never lost: a hook
    that raises is reported and skipped, and a watchdog thread started
    first ends the process with status 2 if the hooks and the flush have not
    finished within crashtimeout; without the watchdog nothing runs."""
    try:
        startthread(crashwatch, NULL, "the crash watchdog")
    except BaseException:
        return
    try:
        if threading.excepthook is not threading.__excepthook__:
            threading.excepthook(threading.ExceptHookArgs(
                [type(e), e, e.__traceback__, threading.current_thread()]))
        elif sys.excepthook is not sys.__excepthook__:
            sys.excepthook(type(e), e, e.__traceback__)
    except BaseException as he:
        try:
            _flush_std()
            sys.stderr.write("gmp: the exception hook raised %s: %s\n" % (type(he).__qualname__, he))
        except BaseException:
            pass
    try:
        logging = sys.modules.get("logging")
        if logging is not None:
            for ref in reversed(list(logging._handlerList)):
                h = ref()
                if h is not None:
                    try:
                        h.flush()
                    except BaseException:
                        pass
    except BaseException:
        pass


cdef void fatalpanic(G g, object e):
    """An exception escaped goroutine g: print Go's panic report, let the
    program's exception hook see it and flush the logging handlers
    (crashhooks), and exit 2 (no atexit handler runs, as Go runs no deferred
    call on a fatal panic), unless the panic hook (gmp.pytest_plugin during
    a test) takes it; then g just ends. Invariant: the hook is looked at only
    here, on the panic path, and the default path (no hook) is Go's: exactly
    one report, status 2."""
    if panichook is not None and hookpanic(g, e):
        return
    exitfirst()
    _flush_std()
    try:
        sys.stderr.write(panicreport(g, e))
        sys.stderr.flush()
        crashhooks(e)
        _flush_std()
    finally:
        os._exit(2)
