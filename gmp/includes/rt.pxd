# C declarations only (see gmp_rt.h for the contracts).
from libc.stdint cimport int32_t, uint32_t, int64_t, uint64_t

cdef extern from "gmp_lockrank.h" nogil:
    # the lock order (gmp_lockrank.h): ranks in acquisition order
    ctypedef enum gmp_lockrank_t:
        GMP_LR_UNRANKED
        GMP_LR_CHAN
        GMP_LR_SYNC
        GMP_LR_TIMERS
        GMP_LR_SCHED
        GMP_LR_GQUEUE
        GMP_LR_ALLG
        GMP_LR_POLLDESC
        GMP_LR_LEAF
        GMP_LR_NRANKS

cdef extern from "gmp_rt.h" nogil:
    uint32_t gmp_load_acq32(uint32_t *p)
    uint32_t gmp_load_relaxed32(uint32_t *p)
    int64_t gmp_load_relaxed64(int64_t *p)
    void gmp_store_relaxed64(int64_t *p, int64_t v)
    void gmp_store_rel32(uint32_t *p, uint32_t v)
    int gmp_cas_rel32(uint32_t *p, uint32_t old, uint32_t nw)
    bint gmp_cas32(int32_t *p, int32_t old, int32_t nw)
    int32_t gmp_xadd32(int32_t *p, int32_t d)
    int64_t gmp_xadd64(int64_t *p, int64_t d)
    int64_t gmp_load64 "gmp_load_acq64"(int64_t *p)
    int32_t gmp_load32(int32_t *p)
    void gmp_store32(int32_t *p, int32_t v)
    int32_t gmp_xchg32(int32_t *p, int32_t v)
    int64_t gmp_xchg64(int64_t *p, int64_t v)
    void gmp_store64(int64_t *p, int64_t v)
    bint gmp_cas64(int64_t *p, int64_t old, int64_t nw)
    void gmp_cpu_relax()

    ctypedef struct gmp_lock_t:
        pass
    void gmp_lock_init(gmp_lock_t *l)                       # unranked: checked as a leaf
    void gmp_lock_init_rank(gmp_lock_t *l, gmp_lockrank_t rank)
    void gmp_lock(gmp_lock_t *l)
    void gmp_unlock(gmp_lock_t *l)
    int gmp_relaxed_i32(int x)
    Py_ssize_t gmp_relaxed_ssize(Py_ssize_t x)
    void *gmp_relaxed_ptr(void *x)
    bint gmp_lock_held(gmp_lock_t *l)   # debug builds: held by the calling thread
    void GMP_ASSERT_HELD(gmp_lock_t *l)   # debug builds: abort unless held by this thread
    bint gmp_debug_build()              # compiled with -DGMP_DEBUG

    void *gmp_get_tls_m()
    void gmp_set_tls_m(void *m)
    void *gmp_get_tls_fg()
    void gmp_set_tls_fg(void *g)

    int64_t gmp_nanotime()
    int64_t gmp_nanotime_coarse()
    int64_t gmp_walltime()
    uint32_t gmp_fastrand()
    uint32_t gmp_fastrandn(uint32_t n)
    void gmp_fastrand_seed(uint64_t seed)  # per module; see gmp_rt.h for the guarantee

    ctypedef struct gmp_sema_t:
        pass
    void gmp_sema_init(gmp_sema_t *s)
    void gmp_sema_destroy(gmp_sema_t *s)
    void gmp_sema_post(gmp_sema_t *s)
    int gmp_sema_wait(gmp_sema_t *s, int64_t deadline)
    bint gmp_sema_trywait(gmp_sema_t *s)

cdef extern from "gmp_rt.h":
    int gmp_greenlet_import() except -1
    object gmp_gr_new(object run, object parent)
    object gmp_gr_getcurrent()
    object gmp_gr_switch(object g, object args)
    int gmp_gr_setparent(object g, object parent) except -1
    bint gmp_gr_started(object g)
    bint gmp_gr_active(object g)
