# Go's runtime/export_test.go: every test-only hook of gmp._core. Nothing
# here is used by the runtime itself or by gmp's Python modules.

# The run-queue ring on plain
# integer tokens, so that owner and thieves can hammer it from several OS
# threads with the GIL released.

cdef class _RunqProbe:
    """A bare runq_t carrying integer tokens (never Python objects)."""
    cdef runq_t q

    def put(self, size_t tok):
        """runqput on the ring only; False when full."""
        return runqputring(&self.q, <void *>tok)

    def get(self):
        cdef void *x = runqget(&self.q)
        return None if x == NULL else <size_t>x

    def steal_from(self, _RunqProbe src):
        """runqsteal: moves half of src into self, returns one token or None."""
        cdef void *x = runqsteal(&self.q, &src.q)
        return None if x == NULL else <size_t>x

    def grab_count(self):
        return runqlen(&self.q)

    def __len__(self):
        return runqlen(&self.q)


cdef void _record(int32_t *seen, void *x) noexcept nogil:
    gmp_xadd32(&seen[<size_t>x], 1)


cdef void _owner_loop(runq_t *q, int32_t *seen, size_t n, int32_t *done) noexcept nogil:
    cdef size_t tok = 1
    cdef void *x
    while tok <= n:
        if runqputring(q, <void *>tok):
            tok += 1
        else:
            x = runqget(q)
            if x != NULL:
                _record(seen, x)
        if tok % 7 == 0:
            x = runqget(q)
            if x != NULL:
                _record(seen, x)
    while True:
        x = runqget(q)
        if x == NULL:
            break
        _record(seen, x)
    gmp_store32(done, 1)


cdef void _thief_loop(runq_t *own, runq_t *victim, int32_t *seen, int32_t *done) noexcept nogil:
    cdef void *x
    while True:
        x = runqsteal(own, victim)
        if x != NULL:
            _record(seen, x)
            while True:
                x = runqget(own)
                if x == NULL:
                    break
                _record(seen, x)
        elif gmp_load32(done) and runqempty(victim):
            break


def _runq_stress(int nthieves, size_t n):
    """Owner puts tokens 1..n (taking some back) while nthieves threads steal
    half at a time; returns the per-token counts (each must be exactly 1)."""
    cdef int32_t *seen = <int32_t *>calloc(n + 1, sizeof(int32_t))
    cdef runq_t *rings = <runq_t *>calloc(nthieves + 1, sizeof(runq_t))
    cdef int32_t done = 0
    cdef size_t addr_seen = <size_t>seen, addr_rings = <size_t>rings, addr_done = <size_t>&done
    errors = []

    def thief(int i):
        cdef runq_t *r = <runq_t *>addr_rings
        with nogil:
            _thief_loop(&r[i + 1], &r[0], <int32_t *>addr_seen, <int32_t *>addr_done)

    def owner():
        cdef runq_t *r = <runq_t *>addr_rings
        with nogil:
            _owner_loop(&r[0], <int32_t *>addr_seen, n, <int32_t *>addr_done)

    ts = [threading.Thread(target=thief, args=(i,)) for i in range(nthieves)]
    ts.append(threading.Thread(target=owner))
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    counts = [seen[i] for i in range(1, n + 1)]
    free(seen)
    free(rings)
    return counts


def _p_runq_len(int pid):
    return runqlen(&(<P>allp[pid]).runq)


def _p_readyq_len(int pid):
    return gq_len(&(<P>allp[pid]).readyq)


def _glob_len():
    return gq_len(&sched.runq)


def _p_has_runnext(int pid):
    return (<P>allp[pid]).runnext is not None


def _p_gfree_len(int pid):
    return len((<P>allp[pid]).gfree)


def _ggreenlet(G g):
    """The greenlet that runs g (None before it starts or after it ends)."""
    return g.gr


def _curp():
    """The id of the P running the caller (-1 on a plain thread)."""
    cdef M m = getm()
    return m.p.id if m is not None and m.p is not None else -1


def _gstack(G g):
    """(stack size, bytes in use when last measured) of g."""
    return (g.stacksize if g.stacksize else STACK_MIN, g.stackinuse)


def _nglive():
    """How many G objects are alive (finished ones included until freed)."""
    return nglive


# ---- the futex semaphore (gmp_rt.h) -------------------------------------


cdef class _SemaProbe:
    """A bare gmp_sema_t, the semaphore Ms, sysmon and plain threads park on."""
    cdef gmp_sema_t s

    def __cinit__(self):
        gmp_sema_init(&self.s)

    def post(self):
        gmp_sema_post(&self.s)

    def trywait(self):
        return gmp_sema_trywait(&self.s)

    def wait(self, int64_t deadline=-1):
        """gmp_sema_wait without the GIL: deadline in CLOCK_MONOTONIC ns
        (time.monotonic_ns()), <0 forever. 0 posted, 1 timeout, 2 EINTR."""
        cdef int r
        with nogil:
            r = gmp_sema_wait(&self.s, deadline)
        return r

    def waiters(self):
        """Threads registered for (or in) the kernel wait."""
        return gmp_sema_nwait_probe(&self.s)

    def count(self):
        return gmp_sema_count_probe(&self.s)


cdef struct semastress_t:
    gmp_sema_t s
    int32_t reserved        # posts claimed by waiters (each then waits for one)
    int32_t got             # posts taken
    int32_t timeouts        # short waits that timed out (then retried)
    int32_t errors          # lost wake-ups (a long wait ran to its deadline) or EINTR
    int32_t total


cdef void _sema_poster(semastress_t *st, int32_t n) noexcept nogil:
    cdef int32_t i
    for i in range(n):
        gmp_sema_post(&st.s)
        if gmp_fastrandn(64) == 0:
            sched_yield()


cdef void _sema_waiter(semastress_t *st, bint shortwaits) noexcept nogil:
    cdef int r
    cdef int64_t deadline
    while gmp_xadd32(&st.reserved, 1) <= st.total:
        # one post is owed to this waiter: it must come
        while True:
            if shortwaits and gmp_fastrandn(2):
                deadline = gmp_nanotime() + <int64_t>gmp_fastrandn(100000)  # < 100 us
            elif shortwaits:
                deadline = 0                # already past: a timeout at once, or a post
            else:
                deadline = gmp_nanotime() + 60 * <int64_t>1000000000     # a lost wake-up shows as a timeout
            r = gmp_sema_wait(&st.s, deadline)
            if r == 0:
                gmp_xadd32(&st.got, 1)
                if not shortwaits and gmp_nanotime() >= deadline:
                    gmp_xadd32(&st.errors, 1)   # slept through a post, took it at the deadline
                break
            if r == 1 and shortwaits:
                gmp_xadd32(&st.timeouts, 1)
                continue
            gmp_xadd32(&st.errors, 1)
            return


def _sema_stress(int nposters, int nwaiters, int32_t n, bint shortwaits):
    """nposters threads post n times each while nwaiters threads take the
    posts, all without the GIL; short waits (deadlines up to 100 us, or
    already past) race timeouts against posts. Returns a dict of counts;
    every post must be taken exactly once and nothing left behind."""
    cdef semastress_t *st = <semastress_t *>calloc(1, sizeof(semastress_t))
    cdef size_t addr = <size_t>st
    gmp_sema_init(&st.s)
    st.total = nposters * n

    def poster():
        with nogil:
            _sema_poster(<semastress_t *>addr, n)

    def waiter():
        with nogil:
            _sema_waiter(<semastress_t *>addr, shortwaits)

    ts = [threading.Thread(target=waiter) for _ in range(nwaiters)]
    ts += [threading.Thread(target=poster) for _ in range(nposters)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    res = dict(total=st.total, got=st.got, timeouts=st.timeouts, errors=st.errors,
               left=gmp_sema_count_probe(&st.s), nwait=gmp_sema_nwait_probe(&st.s))
    free(st)
    return res


# ---- scheduler and netpoll state ---------------------------------------

def _sched_counts():
    """Scheduler counters (for tests and observability)."""
    return dict(
        nprocs=sched.nprocs, nallp=sched.nallp, npidle=gmp_load32(&sched.npidle),
        nmspinning=gmp_load32(&sched.nmspinning), mcount=sched.mcount,
        globrunq=gq_len(&sched.runq), ntimers=gmp_load64(&sched.ntimers),
        ngoroutines=gmp_load64(&sched.ngoroutines),
        nforeignwait=gmp_load32(&sched.nforeignwait),
    )


def _gstatus(G g):
    # (status, what it is blocked in): the wait reason, or "syscall" for a G
    # in gmp.syscall (_Gsyscall: its waitreason is wr_syscall)
    return (g.status, WAIT_REASONS[g.waitreason]
            if g.status == _Gwaiting or g.status == _Gsyscall else "")


def _allgs():
    return allglist()


def _curg():
    return getg()


def _netpoll_counts():
    return dict(inited=np.inited, nwaiters=gmp_load32(&np.nwaiters),
                lastpoll=gmp_load64(&np.lastpoll))


def _netpoll_init():
    """Creates the poller now (tests count fds, and the poller owns two)."""
    netpollinit()


# ---- the scheduler trace, preemption and GOTRACEBACK, as tests read them --

def _schedtrace(bint detailed=False):
    """The trace sysmon prints, as a string (for tests and tools)."""
    return schedtrace_text(detailed)


def _preempt_counts():
    """(requests, yields, armed code objects, declined at unsafe points): for tests."""
    return npreemptreq, npreempt, len(armedcodes), npreemptunsafe


def _traceback_level():
    """The GOTRACEBACK level in effect (runtime1.pxi)."""
    return traceback_level


# ---- the lock order checks (gmp_lockrank.h) and the seedable fastrand -------

# Test hooks for the lock order checks of GMP_DEBUG builds (gmp_lockrank.h)
# and for the seedable fastrand (gmp_rt.h). The locks here are the hooks' own,
# one per rank, never taken by the runtime.

cdef gmp_lock_t _lr_locks[<int>GMP_LR_NRANKS]
cdef gmp_lock_t _lr_chans[2]        # two chan-rank locks, &_lr_chans[0] < &_lr_chans[1]
cdef gmp_lock_t _lr_unranked
cdef gmp_lock_t _lr_probe           # held across Python code by _lockrank_probe only


cdef void _lr_init() noexcept:
    cdef int r
    for r in range(<int>GMP_LR_NRANKS):
        gmp_lock_init_rank(&_lr_locks[r], <gmp_lockrank_t>r)
    gmp_lock_init_rank(&_lr_chans[0], GMP_LR_CHAN)
    gmp_lock_init_rank(&_lr_chans[1], GMP_LR_CHAN)
    gmp_lock_init(&_lr_unranked)
    gmp_lock_init_rank(&_lr_probe, GMP_LR_LEAF)

_lr_init()


def _debug_build():
    """True when the extension was compiled with -DGMP_DEBUG (GMP_DEBUG=1)."""
    return gmp_debug_build()


def _lockrank_ok():
    """Takes one lock of every rank in the documented order (two chan locks in
    address order first), checks gmp_lock_held on each, releases them out of
    order; returns the held flags seen while they were held."""
    cdef int r
    cdef list seen = []
    gmp_lock(&_lr_chans[0])
    gmp_lock(&_lr_chans[1])
    for r in range(<int>GMP_LR_SYNC, <int>GMP_LR_POLLDESC + 1):
        gmp_lock(&_lr_locks[r])
    seen.append(gmp_lock_held(&_lr_chans[0]))
    seen.append(gmp_lock_held(&_lr_chans[1]))
    for r in range(<int>GMP_LR_SYNC, <int>GMP_LR_POLLDESC + 1):
        GMP_ASSERT_HELD(&_lr_locks[r])
        seen.append(gmp_lock_held(&_lr_locks[r]))
    gmp_unlock(&_lr_chans[0])               # not last in, first out: allowed
    for r in range(<int>GMP_LR_POLLDESC, <int>GMP_LR_SYNC - 1, -1):
        gmp_unlock(&_lr_locks[r])
    gmp_unlock(&_lr_chans[1])
    # an unranked lock alone, and after every ranked one but the leaves
    gmp_lock(&_lr_unranked)
    gmp_unlock(&_lr_unranked)
    gmp_lock(&_lr_locks[<int>GMP_LR_ALLG])
    gmp_lock(&_lr_unranked)
    gmp_unlock(&_lr_unranked)
    gmp_unlock(&_lr_locks[<int>GMP_LR_ALLG])
    return seen


def _lockrank_violate(str kind):
    """Breaks the lock order in the way kind names; a GMP_DEBUG build aborts
    the process with a message on stderr (a release build would deadlock or
    corrupt nothing useful, so it refuses)."""
    if not gmp_debug_build():
        raise RuntimeError("_lockrank_violate needs a GMP_DEBUG build")
    if kind == "order":             # sched, then timers: timers comes first
        gmp_lock(&_lr_locks[<int>GMP_LR_SCHED])
        gmp_lock(&_lr_locks[<int>GMP_LR_TIMERS])
    elif kind == "chanaddr":        # two chan locks, higher address first
        gmp_lock(&_lr_chans[1])
        gmp_lock(&_lr_chans[0])
    elif kind == "samerank":        # two locks of a rank without a self edge
        gmp_lock_init_rank(&_lr_chans[0], GMP_LR_GQUEUE)
        gmp_lock_init_rank(&_lr_chans[1], GMP_LR_GQUEUE)
        gmp_lock(&_lr_chans[0])
        gmp_lock(&_lr_chans[1])
    elif kind == "leaf":            # anything while holding a PollDesc lock
        gmp_lock(&_lr_locks[<int>GMP_LR_POLLDESC])
        gmp_lock(&_lr_locks[<int>GMP_LR_ALLG])
    elif kind == "unranked":        # an unranked lock is a leaf
        gmp_lock(&_lr_unranked)
        gmp_lock(&_lr_locks[<int>GMP_LR_CHAN])
    elif kind == "recursive":       # a spinlock taken twice by one thread
        gmp_lock(&_lr_locks[<int>GMP_LR_SCHED])
        gmp_lock(&_lr_locks[<int>GMP_LR_SCHED])
    elif kind == "unlock":          # unlock of a lock nobody holds
        gmp_unlock(&_lr_locks[<int>GMP_LR_SYNC])
    elif kind == "assertheld":
        GMP_ASSERT_HELD(&_lr_locks[<int>GMP_LR_SYNC])
    else:
        raise ValueError("unknown kind %r" % (kind,))
    return "not caught"


def _lockrank_probe(str op):
    """'hold' takes a leaf lock and returns with it held, 'held' says
    whether the CALLING thread holds it, 'release' releases it: for checking
    that gmp_lock_held is per thread in debug builds."""
    if op == "hold":
        gmp_lock(&_lr_probe)
    elif op == "held":
        return gmp_lock_held(&_lr_probe)
    elif op == "release":
        gmp_unlock(&_lr_probe)
    else:
        raise ValueError("unknown op %r" % (op,))


def _fastrand_seed(uint64_t seed):
    """gmp_fastrand_seed in _core: reproducible draws (gmp_rt.h's guarantee)."""
    gmp_fastrand_seed(seed)


def _fastrandn(uint32_t n, int count=1):
    """count draws of gmp_fastrandn(n) on the calling thread, as a list."""
    cdef list out = []
    cdef int i
    for i in range(count):
        out.append(gmp_fastrandn(n))
    return out


def _gilaware(on=None):
    """GIL-aware scheduling (proc_m.pxi, "The GIL"): whether it is on; with
    an argument, turns it on or off (the tests' multi-P stress runs with
    Go's eager wakep) and returns the previous value."""
    global gilaware
    was = bool(gilaware)
    if on is not None:
        gilaware = bool(on)
    return was
