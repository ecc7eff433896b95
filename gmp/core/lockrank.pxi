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
