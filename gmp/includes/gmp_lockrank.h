/* gmp_lockrank.h: the runtime's lock order, as data (Go's runtime/lockrank.go).
 *
 * Every gmp_lock_t has a rank. The ranks below are listed in acquisition
 * order, and gmp_lockrank_after[r] is the set of ranks that a thread may
 * hold while it acquires a lock of rank r. A rank whose own row lists it may
 * be held several times at once (select locks several channels): those locks
 * are taken in increasing address order, which the debug build checks too.
 *
 * In a GMP_DEBUG build (setup.py: GMP_DEBUG=1) gmp_lock() checks the new
 * lock's rank against every lock the calling thread holds and aborts with
 * "gmp: lock ordering problem: ..." on a violation (Go throws the same
 * words); gmp_unlock() aborts when the thread does not hold the lock. In a
 * release build the rank is not stored and nothing is checked: the lock is
 * today's 4-byte spinlock (gmp_rt.h).
 *
 * The held-lock record is per thread and per extension module (each of
 * gmp._core and gmp._chan compiles its own copy of this header): an order
 * between a lock of _chan (chan, sync) and one of _core (the rest) is
 * checked only when both are taken in one module. The runtime holds no lock
 * across a call into the other module ("No lock is held while ... a G is
 * readied", docs/HACKING.md), so no such nesting exists today.
 */
#ifndef GMP_LOCKRANK_H
#define GMP_LOCKRANK_H

#include <stdint.h>

/* acquisition order: a lock may be taken while holding only locks of the
   ranks its row of gmp_lockrank_after lists (all of them above it here) */
typedef enum {
    GMP_LR_UNRANKED = 0,    /* gmp_lock_init without a rank: checked as a leaf */
    GMP_LR_CHAN,            /* chan.lock; several in increasing address order (select) */
    GMP_LR_SYNC,            /* Mutex/RWMutex/WaitGroup/Once/Cond .lk */
    GMP_LR_TIMERS,          /* p.timerlock */
    GMP_LR_SCHED,           /* sched.lock (idle Ps, M ids, Ps' status) */
    GMP_LR_GQUEUE,          /* a gqueue_t's lock: sched.runq, p.readyq */
    GMP_LR_ALLG,            /* allglock */
    GMP_LR_POLLDESC,        /* PollDesc.lock: a leaf */
    GMP_LR_LEAF,            /* any other leaf: nothing is taken while it is held */
    GMP_LR_NRANKS
} gmp_lockrank_t;

#define GMP_LR_BIT(r) (1u << (r))
/* every rank that is not a leaf: what a leaf may be taken under */
#define GMP_LR_NONLEAF (GMP_LR_BIT(GMP_LR_CHAN) | GMP_LR_BIT(GMP_LR_SYNC) \
                        | GMP_LR_BIT(GMP_LR_TIMERS) | GMP_LR_BIT(GMP_LR_SCHED) \
                        | GMP_LR_BIT(GMP_LR_GQUEUE) | GMP_LR_BIT(GMP_LR_ALLG))

/* gmp_lockrank_after[r]: the ranks that may be held when a lock of rank r
   is acquired. The relation is transitively closed (Go's lockPartialOrder
   is too), so checking the new lock against each held lock is enough. */
static const uint32_t gmp_lockrank_after[GMP_LR_NRANKS] __attribute__((unused)) = {
    [GMP_LR_UNRANKED] = GMP_LR_NONLEAF,
    [GMP_LR_CHAN]     = GMP_LR_BIT(GMP_LR_CHAN),
    [GMP_LR_SYNC]     = GMP_LR_BIT(GMP_LR_CHAN),
    [GMP_LR_TIMERS]   = GMP_LR_BIT(GMP_LR_CHAN) | GMP_LR_BIT(GMP_LR_SYNC),
    [GMP_LR_SCHED]    = GMP_LR_BIT(GMP_LR_CHAN) | GMP_LR_BIT(GMP_LR_SYNC)
                        | GMP_LR_BIT(GMP_LR_TIMERS),
    [GMP_LR_GQUEUE]   = GMP_LR_BIT(GMP_LR_CHAN) | GMP_LR_BIT(GMP_LR_SYNC)
                        | GMP_LR_BIT(GMP_LR_TIMERS) | GMP_LR_BIT(GMP_LR_SCHED),
    [GMP_LR_ALLG]     = GMP_LR_BIT(GMP_LR_CHAN) | GMP_LR_BIT(GMP_LR_SYNC)
                        | GMP_LR_BIT(GMP_LR_TIMERS) | GMP_LR_BIT(GMP_LR_SCHED)
                        | GMP_LR_BIT(GMP_LR_GQUEUE),
    [GMP_LR_POLLDESC] = GMP_LR_NONLEAF,
    [GMP_LR_LEAF]     = GMP_LR_NONLEAF,
};

/* names for messages (Go's lockNames) */
static const char *const gmp_lockrank_names[GMP_LR_NRANKS] __attribute__((unused)) = {
    [GMP_LR_UNRANKED] = "unranked",
    [GMP_LR_CHAN]     = "chan",
    [GMP_LR_SYNC]     = "sync",
    [GMP_LR_TIMERS]   = "timers",
    [GMP_LR_SCHED]    = "sched",
    [GMP_LR_GQUEUE]   = "gqueue",
    [GMP_LR_ALLG]     = "allg",
    [GMP_LR_POLLDESC] = "polldesc",
    [GMP_LR_LEAF]     = "leaf",
};

_Static_assert(GMP_LR_NRANKS <= 32, "gmp: lock ranks are bits of a uint32_t");

#ifdef GMP_DEBUG
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

/* ---- the checks (debug builds only) -----------------------------------
 * Per thread: the locks it holds, in acquisition order, and a bit per rank
 * held (with a count per rank), so that the order check of an acquisition
 * is one mask test whatever the number of locks held (select may hold
 * thousands of channel locks). Locks may be released in any order. */
typedef struct { const void *l; int32_t rank; } gmp_heldlock_t;
typedef struct {
    uint32_t mask;                      /* bit r: a lock of rank r is held */
    int32_t count[GMP_LR_NRANKS];       /* locks held per rank */
    int32_t n, cap;                     /* entries in held */
    gmp_heldlock_t *held;               /* inl, or malloc'd when more are held */
    gmp_heldlock_t inl[16];
} gmp_lockrank_state_t;

static __thread gmp_lockrank_state_t gmp_lrs;

static inline const char *gmp_lockrank_name(int32_t r) {
    return (r >= 0 && r < GMP_LR_NRANKS) ? gmp_lockrank_names[r] : "bad-rank";
}

static __attribute__((unused)) void gmp_lockrank_dumpheld(void) {
    gmp_lockrank_state_t *s = &gmp_lrs;
    int32_t i;
    fprintf(stderr, "gmp: %d locks held by this thread (oldest first):\n", (int)s->n);
    for (i = 0; i < s->n && i < 64; i++)
        fprintf(stderr, "    %s %p\n", gmp_lockrank_name(s->held[i].rank), s->held[i].l);
    if (s->n > 64)
        fprintf(stderr, "    ... and %d more\n", (int)(s->n - 64));
}

static __attribute__((noreturn, cold, noinline, unused)) void
gmp_lockrank_badorder(const void *l, int32_t rank, const gmp_heldlock_t *h) {
    fprintf(stderr, "gmp: lock ordering problem: acquiring %s (%p) while holding %s (%p)%s\n",
            gmp_lockrank_name(rank), l, gmp_lockrank_name(h->rank), h->l,
            h->l == l ? ": this thread already holds it" : "");
    gmp_lockrank_dumpheld();
    fflush(stderr);
    abort();
}

static __attribute__((noreturn, cold, noinline, unused)) void
gmp_lockrank_fatal(const char *what, const void *l, int32_t rank) {
    fprintf(stderr, "gmp: %s: %s (%p)\n", what, gmp_lockrank_name(rank), l);
    gmp_lockrank_dumpheld();
    fflush(stderr);
    abort();
}

/* Called before spinning for l (a thread that would deadlock on itself is
   reported instead of spinning forever). */
static __attribute__((noinline, unused)) void gmp_lockrank_check(const void *l, int32_t rank) {
    gmp_lockrank_state_t *s = &gmp_lrs;
    uint32_t bad;
    int32_t i;
    if (s->n == 0)
        return;
    if (rank < 0 || rank >= GMP_LR_NRANKS)
        gmp_lockrank_fatal("lock with a bad rank (not initialised?)", l, rank);
    bad = s->mask & ~gmp_lockrank_after[rank];
    if (bad) {              /* the most recent offender, for the message */
        for (i = s->n - 1; i >= 0; i--)
            if (bad & GMP_LR_BIT(s->held[i].rank))
                gmp_lockrank_badorder(l, rank, &s->held[i]);
    }
    if (s->mask & GMP_LR_BIT(rank)) {
        /* same rank, allowed by the table: strictly increasing addresses.
           Locks of one rank enter the record in increasing address order and
           leaving it keeps that order, so the highest one held is the most
           recent of its rank. */
        for (i = s->n - 1; i >= 0; i--) {
            if (s->held[i].rank == rank) {
                if ((uintptr_t)s->held[i].l >= (uintptr_t)l)
                    gmp_lockrank_badorder(l, rank, &s->held[i]);
                break;
            }
        }
    }
}

/* Called once l is held. */
static __attribute__((noinline, unused)) void gmp_lockrank_push(const void *l, int32_t rank) {
    gmp_lockrank_state_t *s = &gmp_lrs;
    if (s->held == NULL) {
        s->held = s->inl;
        s->cap = (int32_t)(sizeof(s->inl) / sizeof(s->inl[0]));
    }
    if (s->n == s->cap) {
        gmp_heldlock_t *nh = (gmp_heldlock_t *)malloc(2 * (size_t)s->cap * sizeof(*nh));
        if (nh == NULL)
            gmp_lockrank_fatal("out of memory recording a held lock", l, rank);
        memcpy(nh, s->held, (size_t)s->n * sizeof(*nh));
        if (s->held != s->inl)
            free(s->held);
        s->held = nh;
        s->cap *= 2;
    }
    s->held[s->n].l = l;
    s->held[s->n].rank = rank;
    s->n++;
    if (s->count[rank]++ == 0)
        s->mask |= GMP_LR_BIT(rank);
}

/* Called before l is released; aborts when this thread does not hold it. */
static __attribute__((noinline, unused)) void gmp_lockrank_pop(const void *l, int32_t rank) {
    gmp_lockrank_state_t *s = &gmp_lrs;
    int32_t i;
    for (i = s->n - 1; i >= 0; i--)
        if (s->held[i].l == l)
            break;
    if (i < 0)
        gmp_lockrank_fatal("unlock of a lock this thread does not hold", l, rank);
    rank = s->held[i].rank;
    memmove(&s->held[i], &s->held[i + 1], (size_t)(s->n - i - 1) * sizeof(s->held[0]));
    s->n--;
    if (--s->count[rank] == 0)
        s->mask &= ~GMP_LR_BIT(rank);
    if (s->n == 0 && s->held != s->inl && s->held != NULL) {
        free(s->held);      /* a thread that ends holds nothing: no leak */
        s->held = s->inl;
        s->cap = (int32_t)(sizeof(s->inl) / sizeof(s->inl[0]));
    }
}

/* the identity of the calling thread, as stored in a held lock's owner */
static inline uintptr_t gmp_lockrank_self(void) { return (uintptr_t)pthread_self(); }

#endif /* GMP_DEBUG */
#endif /* GMP_LOCKRANK_H */
