# Go's runtime/runtime2.go: the scheduler's global state (sched_t, allp,
# allg), the G/P/M classes (declared in gmp/_core.pxd, with the G statuses
# and wait reasons), the runtime's globals (started, g1, m0) and the
# lookups of the current M and G (getm, getg, foreign_g).
#
# Lock order: the table in gmp/includes/gmp_lockrank.h (checked by GMP_DEBUG
# builds). No Python code runs while any runtime lock is held.

cdef struct sched_t:
    gqueue_t runq               # global run queue of unstarted Gs
    gmp_lock_t lock             # protects every p.idle and npidle's changes
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
    gmp_sema_t *mpark[MAXPROCS] # &m.park of P i's M (sysmon wakes it without the GIL)
    int32_t *minpoll[MAXPROCS]  # &m.inpoll of P i's M
    # GIL-aware scheduling (proc_m.pxi, "The GIL"): sysmon's GIL retake
    int32_t retake[MAXPROCS]    # atomic: sysmon asks P i's M to probe the GIL and steal
    int32_t retakestate         # atomic: RETAKE_IDLE, _PENDING, _OK or _FAILED
    # counters (_schedstats, gmp.runtime.metrics()); atomic, only ever added to
    int64_t nmwake              # parked Ms woken by another thread (a semaphore post)
    int64_t nwakep              # Ms woken or started by wakep to spin for work
    int64_t nsteal              # successful steals of half a ring
    int64_t nhandoff            # unstarted Gs handed to an idle P by handoffnogil
    int64_t nogilpark           # nanotime of the last park from nogil code (notenogilpark)
    int32_t polling[MAXPROCS]   # atomic: P i's M is polling its readyq in spinready
    int64_t nretake             # GIL retakes: an idle M woken to probe the GIL
    int64_t nretakeok           # ... that found the GIL free and stole
    int64_t nmswitch            # schedule() ran on another M than the one before:
                                # the GIL (and the Python work) moved between threads
    int64_t lastm               # relaxed: the M id of the last findrunnable_nb

cdef sched_t sched
gq_init(&sched.runq)


gmp_lock_init_rank(&sched.lock, GMP_LR_SCHED)
sched.nprocs = 0

cdef list allp = []             # P objects, index = P id
cdef PyObject *allghead = NULL  # every live goroutine, newest first (strong refs)
cdef gmp_lock_t allglock        # protects allghead and every g.allnext/allprev
gmp_lock_init_rank(&allglock, GMP_LR_ALLG)


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
# GIL-aware scheduling (proc_m.pxi, "The GIL"): set when the runtime starts,
# False on a free-threaded build running without the GIL or with gilaware=0
cdef bint gilaware = True
cdef int32_t sysmonlong = 0     # atomic: sysmon sleeps past GILRETAKE_NS/2 (sysmonwake)
cdef int32_t spin_iters = 400   # ~20 us of polling before an M parks (measured: docs/DESIGN.md)

_GOMAXPROCS_ENV = None


WAIT_REASONS = [
    "", "chan receive", "chan send", "select", "select (no cases)",
    "chan receive (nil chan)", "chan send (nil chan)", "sleep", "IO wait",
    "sync.Mutex.Lock", "sync.RWMutex.RLock", "sync.RWMutex.Lock",
    "sync.WaitGroup.Wait", "sync.Cond.Wait", "syscall",
]


cdef inline int64_t nanotime() noexcept nogil:
    return gmp_nanotime()

cdef inline uint32_t fastrandn(uint32_t n) noexcept nogil:
    return gmp_fastrandn(n)


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
        gmp_lock_init_rank(&self.timerlock, GMP_LR_TIMERS)
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
