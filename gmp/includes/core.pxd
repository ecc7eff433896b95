# C declarations only (see gmp_core.h).
from libc.stdint cimport uint32_t, uint64_t
from gmp.includes.rt cimport gmp_sema_t

cdef extern from "gmp_core.h" nogil:
    int gmp_clz64(uint64_t x)
    uint32_t gmp_sema_nwait_probe(gmp_sema_t *s)
    uint32_t gmp_sema_count_probe(gmp_sema_t *s)
