/* Small C helpers of gmp._core that belong to no Go concept's own header:
 * a count-leading-zeros for the latency histogram (metrics.pxi) and the
 * test-only probes of the futex semaphore's counters (export_test.pxi). */
#ifndef GMP_CORE_H
#define GMP_CORE_H
#include <stdint.h>
#include "gmp_rt.h"

/* Leading zero bits of x; x != 0. */
static inline int gmp_clz64(uint64_t x) {
    return __builtin_clzll((unsigned long long)x);
}

/* Tests only: the semaphore's waiter count and pending posts. */
static inline uint32_t gmp_sema_nwait_probe(gmp_sema_t *s) {
    return __atomic_load_n(&s->nwait, __ATOMIC_SEQ_CST);
}
static inline uint32_t gmp_sema_count_probe(gmp_sema_t *s) {
    return __atomic_load_n(&s->count, __ATOMIC_SEQ_CST);
}

#endif
