/* gmp_rt.h: the small amount of C that Cython cannot express directly.
 *
 * - atomics (GCC __atomic builtins) with explicit memory orders;
 * - a test-and-test-and-set spinlock for short critical sections;
 * - thread-local slots for the current M and the foreign-thread waiter;
 * - a per-thread fast random generator (wyrand);
 * - monotonic nanotime and a futex-based semaphore with a deadline;
 * - access to greenlet's C API through its capsule.
 *
 * Nothing here touches Python objects except the greenlet entry points.
 */
#ifndef GMP_RT_H
#define GMP_RT_H

#include <Python.h>
#include <stdint.h>
#include <time.h>
#include <errno.h>
#include <sched.h>

/* ---- atomics ---------------------------------------------------------- */
#define gmp_load_acq32(p)      __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define gmp_load_relaxed32(p)  __atomic_load_n((p), __ATOMIC_RELAXED)
#define gmp_load_relaxed64(p)  __atomic_load_n((p), __ATOMIC_RELAXED)
#define gmp_store_relaxed64(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define gmp_store_rel32(p, v)  __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define gmp_load_acq64(p)      __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define gmp_store_rel64(p, v)  __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define gmp_load_ptr(p)        __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define gmp_store_ptr(p, v)    __atomic_store_n((p), (v), __ATOMIC_RELEASE)

static inline int gmp_cas_rel32(uint32_t *p, uint32_t old, uint32_t nw) {
    return __atomic_compare_exchange_n(p, &old, nw, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}
static inline int gmp_cas32(int32_t *p, int32_t old, int32_t nw) {
    return __atomic_compare_exchange_n(p, &old, nw, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
static inline int32_t gmp_xadd32(int32_t *p, int32_t d) {
    return __atomic_add_fetch(p, d, __ATOMIC_SEQ_CST);
}
static inline int64_t gmp_xadd64(int64_t *p, int64_t d) {
    return __atomic_add_fetch(p, d, __ATOMIC_SEQ_CST);
}
static inline int32_t gmp_load32(int32_t *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static inline void gmp_store32(int32_t *p, int32_t v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }
static inline int32_t gmp_xchg32(int32_t *p, int32_t v) { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }
static inline int64_t gmp_xchg64(int64_t *p, int64_t v) { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }
static inline int gmp_cas64(int64_t *p, int64_t old, int64_t nw) {
    return __atomic_compare_exchange_n(p, &old, nw, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
static inline void gmp_store64(int64_t *p, int64_t v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }
static inline void gmp_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* ---- spinlock ---------------------------------------------------------
 * Held only for a handful of instructions (queue links, ring indices).
 * Never held across anything that can release the GIL or run Python code.
 *
 * Each lock has a rank in the lock order (gmp_lockrank.h): initialise it with
 * gmp_lock_init_rank(l, GMP_LR_...). A GMP_DEBUG build stores the rank and
 * the owning thread in the lock and checks every gmp_lock/gmp_unlock against
 * the locks the thread holds; a release build compiles to the bare spinlock
 * below (the rank is dropped), byte for byte what it was before ranks.
 * gmp_lock_init leaves the lock unranked, which the checks treat as a leaf. */
#include "gmp_lockrank.h"
#ifndef GMP_DEBUG
#define GMP_DEBUG_BUILD 0
typedef struct { int32_t v; } gmp_lock_t;
static inline void gmp_lock_init(gmp_lock_t *l) { l->v = 0; }
static inline void gmp_lock(gmp_lock_t *l) {
    for (;;) {
        if (!__atomic_exchange_n(&l->v, 1, __ATOMIC_ACQUIRE)) return;
        int spins = 0;
        while (__atomic_load_n(&l->v, __ATOMIC_RELAXED)) {
            gmp_cpu_relax();
            if (++spins > 1000) { sched_yield(); spins = 0; }
        }
    }
}
static inline void gmp_unlock(gmp_lock_t *l) { __atomic_store_n(&l->v, 0, __ATOMIC_RELEASE); }
static inline int gmp_lock_held(gmp_lock_t *l) { return __atomic_load_n(&l->v, __ATOMIC_RELAXED); }
static inline void gmp_lock_init_rank(gmp_lock_t *l, int32_t rank) { (void)rank; l->v = 0; }
#define GMP_ASSERT_HELD(l) ((void)0)
#else
#define GMP_DEBUG_BUILD 1
/* v: the spinlock word, as in release; rank: its gmp_lockrank_t; owner: the
   holding thread (gmp_lockrank_self()), 0 when free (written by the holder
   only, read by any thread through gmp_lock_held) */
typedef struct { int32_t v; int32_t rank; uintptr_t owner; } gmp_lock_t;
static inline void gmp_lock_init_rank(gmp_lock_t *l, int32_t rank) {
    l->v = 0;
    l->rank = rank;
    __atomic_store_n(&l->owner, 0, __ATOMIC_RELAXED);
}
static inline void gmp_lock_init(gmp_lock_t *l) { gmp_lock_init_rank(l, GMP_LR_UNRANKED); }
static inline void gmp_lock(gmp_lock_t *l) {
    gmp_lockrank_check(l, l->rank);
    for (;;) {
        if (!__atomic_exchange_n(&l->v, 1, __ATOMIC_ACQUIRE)) break;
        int spins = 0;
        while (__atomic_load_n(&l->v, __ATOMIC_RELAXED)) {
            gmp_cpu_relax();
            if (++spins > 1000) { sched_yield(); spins = 0; }
        }
    }
    __atomic_store_n(&l->owner, gmp_lockrank_self(), __ATOMIC_RELAXED);
    gmp_lockrank_push(l, l->rank);
}
static inline void gmp_unlock(gmp_lock_t *l) {
    if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) != gmp_lockrank_self())
        gmp_lockrank_fatal("unlock of a lock this thread does not hold", l, l->rank);
    gmp_lockrank_pop(l, l->rank);
    __atomic_store_n(&l->owner, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&l->v, 0, __ATOMIC_RELEASE);
}
/* debug builds: whether the CALLING thread holds l (release: whether anyone does) */
static inline int gmp_lock_held(gmp_lock_t *l) {
    return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) == gmp_lockrank_self();
}
static __attribute__((noreturn, cold, noinline, unused)) void
gmp_assert_held_failed(gmp_lock_t *l, const char *func, int line) {
    fprintf(stderr, "gmp: lock not held by this thread in %s (line %d of the generated C)\n",
            func, line);
    gmp_lockrank_fatal("lock must be held", l, l->rank);
}
/* aborts unless the calling thread holds l; nothing in a release build */
#define GMP_ASSERT_HELD(l) \
    do { if (!gmp_lock_held(l)) gmp_assert_held_failed((l), __func__, __LINE__); } while (0)
#endif
static inline int gmp_debug_build(void) { return GMP_DEBUG_BUILD; }
/* relaxed loads of fields another thread writes under a lock: for lock-free
   guesses that are confirmed under the lock (Go's chan.go "empty" checks) */
#define gmp_relaxed_i32(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define gmp_relaxed_ssize(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define gmp_relaxed_ptr(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* ---- thread-local slots ----------------------------------------------- */
/* initial-exec: the slots live in the static TLS block, so reading one is a
   %fs-relative load instead of a __tls_get_addr call (measured at 3 % of the
   select fast path). 24 bytes per module fit glibc's reserved surplus. */
#define GMP_TLS __thread __attribute__((tls_model("initial-exec")))
static GMP_TLS PyObject *gmp_tls_m = NULL;        /* borrowed: the M object of this thread */
static GMP_TLS PyObject *gmp_tls_fg = NULL;       /* borrowed: waiter G of a foreign thread
                                                    (owned by its thread state's dict) */
static GMP_TLS PyThreadState *gmp_tls_fgts = NULL; /* ... valid while this is the thread state */
static GMP_TLS uint64_t gmp_tls_rand = 0;

static inline PyObject *gmp_get_tls_m(void) { return gmp_tls_m; }
static inline void gmp_set_tls_m(PyObject *m) { gmp_tls_m = m; }
/* A C thread that calls PyGILState_Ensure/Release repeatedly gets a new
   thread state (and dict) each time: the cached G died with the old one. */
static inline PyObject *gmp_get_tls_fg(void) {
    return gmp_tls_fgts == PyThreadState_Get() ? gmp_tls_fg : NULL;
}
static inline void gmp_set_tls_fg(PyObject *g) { gmp_tls_fg = g; gmp_tls_fgts = PyThreadState_Get(); }

/* ---- time ------------------------------------------------------------- */
static inline int64_t gmp_nanotime(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
static inline int64_t gmp_nanotime_coarse(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
static inline int64_t gmp_walltime(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- fast random (wyrand), per thread ---------------------------------
 * Each thread draws from its own wyrand state. Unseeded (the default), a
 * thread's state starts from the clock and the address of its state.
 *
 * gmp_fastrand_seed(seed) makes the draws reproducible. The guarantee: the
 * thread that calls it becomes thread 0 and restarts its sequence at once;
 * after it returns, the k-th other thread (k = 1, 2, ... counted from the
 * seeding) to draw from this module's gmp_fastrand restarts its sequence
 * from a state that is a function of (seed, k) alone, and so does every
 * later draw of that thread. So each thread's sequence is a deterministic
 * function of the seed and of the order in which threads first draw after
 * the seeding. Threads that drew before are re-seeded too (each draw
 * compares the thread's generation with the seeding generation; a mismatch
 * re-seeds it, off the fast path). Seeding again restarts the count. Not
 * covered: draws racing with gmp_fastrand_seed itself, and the other
 * extension module, whose copy of this state is seeded by its own call
 * (gmp._core and gmp._chan each compile this header).
 *
 * gmp_rand_seedgen starts at 1 and gmp_tls_randgen at 0, so a thread's first
 * draw takes the same re-seed path, which keeps the unseeded behaviour while
 * gmp_rand_seeded is 0. */
static uint64_t gmp_rand_seedgen = 1;   /* bumped by each gmp_fastrand_seed */
static uint64_t gmp_rand_seed;          /* the seed; valid when gmp_rand_seeded */
static int gmp_rand_seeded;
static uint64_t gmp_rand_nthreads;      /* threads re-seeded since the seeding */
static GMP_TLS uint64_t gmp_tls_randgen = 0;

static inline uint64_t gmp_mix64(uint64_t z) {     /* splitmix64's finaliser */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static inline uint64_t gmp_fastrand_state(uint64_t seed, uint64_t k) {
    return gmp_mix64(seed + (k + 1) * 0x9E3779B97F4A7C15ULL);
}
/* the thread's new state (and generation), off the fast path */
static __attribute__((noinline, cold, unused)) uint64_t gmp_fastrand_reseed(void) {
    uint64_t gen = __atomic_load_n(&gmp_rand_seedgen, __ATOMIC_ACQUIRE);
    uint64_t st;
    if (__atomic_load_n(&gmp_rand_seeded, __ATOMIC_RELAXED)) {
        uint64_t k = __atomic_fetch_add(&gmp_rand_nthreads, 1, __ATOMIC_RELAXED);
        st = gmp_fastrand_state(gmp_rand_seed, k);
    } else {
        st = (uint64_t)gmp_nanotime() ^ ((uint64_t)(uintptr_t)&gmp_tls_rand << 16) ^ 0x9E3779B97F4A7C15ULL;
    }
    gmp_tls_randgen = gen;
    return st;
}
/* Seeds every thread's gmp_fastrand of this module (the guarantee above).
   The calling thread takes k = 0 before the new generation is published,
   so no other thread can take it first. */
static inline void gmp_fastrand_seed(uint64_t seed) {
    uint64_t gen = __atomic_load_n(&gmp_rand_seedgen, __ATOMIC_RELAXED) + 1;
    gmp_rand_seed = seed;
    __atomic_store_n(&gmp_rand_seeded, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&gmp_rand_nthreads, 1, __ATOMIC_RELAXED);
    gmp_tls_rand = gmp_fastrand_state(seed, 0);
    gmp_tls_randgen = gen;
    __atomic_store_n(&gmp_rand_seedgen, gen, __ATOMIC_RELEASE);
}
static inline uint32_t gmp_fastrand(void) {
    uint64_t st = gmp_tls_rand;
    if (__builtin_expect(gmp_tls_randgen != __atomic_load_n(&gmp_rand_seedgen, __ATOMIC_RELAXED), 0))
        st = gmp_fastrand_reseed();
    st += 0xa0761d6478bd642fULL;
    gmp_tls_rand = st;
    __uint128_t t = (__uint128_t)st * (st ^ 0xe7037ed1a0b428dbULL);
    return (uint32_t)((uint64_t)(t >> 64) ^ (uint64_t)t);
}
/* uniform in [0, n) without modulo bias worth measuring (Lemire's reduction) */
static inline uint32_t gmp_fastrandn(uint32_t n) {
    return (uint32_t)(((uint64_t)gmp_fastrand() * (uint64_t)n) >> 32);
}

/* ---- counting semaphore on a futex, with a monotonic deadline ---------
 * Parks Ms, sysmon and plain threads (Go parks its Ms on raw futexes too:
 * runtime/lock_futex.go, notesleep/notewakeup). Built on the futex system
 * call rather than sem_t so that the extension needs nothing newer than
 * glibc 2.17 (sem_clockwait and, in glibc 2.34+ builds, every sem_* symbol
 * carry the GLIBC_2.34 version): syscall() is GLIBC_2.2.5.
 *
 * count is the futex word: posts not yet taken. nwait counts threads that
 * are in, or about to enter, the kernel wait.
 *
 * Invariant (no lost wake-up): a post either wakes a sleeping waiter or the
 * waiter sees the post before it sleeps. post does count += 1 then loads
 * nwait; a waiter does nwait += 1 then lets the kernel compare count with 0
 * (FUTEX_WAIT checks the word and queues the thread atomically with respect
 * to FUTEX_WAKE on the same word). All four accesses are seq_cst, so in
 * their single total order either post's load of nwait comes after the
 * waiter's increment (post calls FUTEX_WAKE: it finds the waiter queued, or
 * the waiter's compare comes later and sees count != 0 and returns EAGAIN),
 * or it comes before it, and then post's increment of count does too, so
 * the kernel's compare sees count != 0. Hence post skips the system call
 * whenever nwait is 0 (the common case: the waiter is not asleep).
 *
 * A woken waiter only retries (another thread may take the post first); a
 * waiter that ends its wait by a timeout or a signal has left the kernel's
 * queue before a FUTEX_WAKE could pick it, so that wake goes to another
 * waiter: no post is consumed without being taken.
 *
 * Private futexes: a gmp_sema_t is never shared between processes. In a
 * forked child, a semaphore copied while a parent thread waited keeps that
 * stale nwait: harmless (post makes one needless FUTEX_WAKE), and the
 * runtime re-initialises the ones it keeps (core/fork.pxi). */
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/futex.h>

/* SYS_futex takes the kernel's native timespec (two longs); a 32-bit build
   with a 64-bit time_t would need SYS_futex_time64 instead. */
_Static_assert(sizeof(struct timespec) == 2 * sizeof(long), "gmp: SYS_futex timespec layout");

typedef struct {
    uint32_t count;     /* the futex word: posts not yet taken */
    uint32_t nwait;     /* threads in (or entering) the kernel wait */
} gmp_sema_t;

static inline void gmp_sema_init(gmp_sema_t *s) {
    __atomic_store_n(&s->count, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&s->nwait, 0, __ATOMIC_SEQ_CST);
}
static inline void gmp_sema_destroy(gmp_sema_t *s) { (void)s; }

static inline void gmp_sema_post(gmp_sema_t *s) {
    __atomic_add_fetch(&s->count, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&s->nwait, __ATOMIC_SEQ_CST) != 0)
        syscall(SYS_futex, &s->count, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
}

/* Takes one post if there is one; never blocks. Returns 1 when taken. */
static inline int gmp_sema_trywait(gmp_sema_t *s) {
    uint32_t c = __atomic_load_n(&s->count, __ATOMIC_RELAXED);
    while (c != 0) {
        if (__atomic_compare_exchange_n(&s->count, &c, c - 1, 1,
                                        __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return 1;
    }
    return 0;
}

/* Waits until posted or until the monotonic deadline (ns, <0: forever).
 * Returns 0 when posted, 1 on timeout, 2 when interrupted by a signal
 * handler (EINTR, as sem_wait reported it). A post that arrives as the
 * deadline passes is taken (0). */
static inline int gmp_sema_wait(gmp_sema_t *s, int64_t deadline) {
    struct timespec ts, *tp = NULL;
    long r;
    int e;
    if (gmp_sema_trywait(s)) return 0;
    if (deadline >= 0) {
        ts.tv_sec = (time_t)(deadline / 1000000000LL);
        ts.tv_nsec = (long)(deadline % 1000000000LL);
        tp = &ts;
    }
    for (;;) {
        __atomic_add_fetch(&s->nwait, 1, __ATOMIC_SEQ_CST);
        /* FUTEX_WAIT_BITSET takes an absolute deadline on CLOCK_MONOTONIC
           (FUTEX_CLOCK_REALTIME not set): no drift when a wait restarts */
        r = syscall(SYS_futex, &s->count, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, tp,
                    NULL, FUTEX_BITSET_MATCH_ANY);
        e = r == 0 ? 0 : errno;
        __atomic_sub_fetch(&s->nwait, 1, __ATOMIC_SEQ_CST);
        if (gmp_sema_trywait(s)) return 0;
        if (r == 0 || e == EAGAIN) continue;    /* woken (maybe beaten to it), or count moved */
        if (e == ETIMEDOUT) return 1;
        return 2;                               /* EINTR (nothing else with these arguments) */
    }
}

/* ---- greenlet C API ----------------------------------------------------
 * greenlet publishes a table of function pointers in the capsule
 * "greenlet._C_API". We use five slots; the indices are part of greenlet's
 * stable C API (greenlet.h). */
typedef PyObject *(*gmp_gr_new_t)(PyObject *run, PyObject *parent);
typedef PyObject *(*gmp_gr_getcurrent_t)(void);
typedef PyObject *(*gmp_gr_switch_t)(PyObject *g, PyObject *args, PyObject *kwargs);
typedef PyObject *(*gmp_gr_throw_t)(PyObject *g, PyObject *typ, PyObject *val, PyObject *tb);
typedef int (*gmp_gr_setparent_t)(PyObject *g, PyObject *parent);
typedef int (*gmp_gr_flag_t)(PyObject *g);

static void **gmp_gr_api = NULL;
static inline int gmp_greenlet_import(void) {
    gmp_gr_api = (void **)PyCapsule_Import("greenlet._C_API", 0);
    return gmp_gr_api ? 0 : -1;
}
static inline PyObject *gmp_gr_new(PyObject *run, PyObject *parent) {
    return ((gmp_gr_new_t)gmp_gr_api[3])(run, parent);
}
static inline PyObject *gmp_gr_getcurrent(void) {
    return ((gmp_gr_getcurrent_t)gmp_gr_api[4])();
}
static inline PyObject *gmp_gr_switch(PyObject *g, PyObject *args) {
    return ((gmp_gr_switch_t)gmp_gr_api[6])(g, args, NULL);
}
static inline int gmp_gr_setparent(PyObject *g, PyObject *parent) {
    return ((gmp_gr_setparent_t)gmp_gr_api[7])(g, parent);
}
static inline int gmp_gr_started(PyObject *g) { return ((gmp_gr_flag_t)gmp_gr_api[9])(g); }
static inline int gmp_gr_active(PyObject *g) { return ((gmp_gr_flag_t)gmp_gr_api[10])(g); }

#endif
