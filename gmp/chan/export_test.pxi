# ---- probes for tests (Go's export_test.go) ---------------------------------

cdef int wq_len(chan c, waitq_t *q) noexcept:
    """How many sudogs are on q, one of c's queues (claimed ones included)."""
    cdef int n = 0
    cdef PyObject *x
    gmp_lock(&c.lock)
    x = q.first
    while x != NULL:
        n += 1
        x = <PyObject *>(<Sudog>x).next if (<Sudog>x).next is not None else NULL
    gmp_unlock(&c.lock)
    return n


cdef int tq_len(chan c, twaitq_t *q) noexcept:
    """wq_len for a typed channel's queue of C sudogs."""
    cdef int n = 0
    cdef tsudog_t *x
    gmp_lock(&c.lock)
    x = q.first
    while x != NULL:
        n += 1
        x = x.next
    gmp_unlock(&c.lock)
    return n


def _recvq_len(chan c):
    if c.tc != NULL:
        return tq_len(c, &c.tc.recvq)
    return wq_len(c, &c.recvq)


def _sendq_len(chan c):
    if c.tc != NULL:
        return tq_len(c, &c.tc.sendq)
    return wq_len(c, &c.sendq)


def _fastrand_seed(seed):
    """gmp_fastrand_seed in _chan (select's poll order): _chan's generator is
    its own, apart from _core's."""
    gmp_fastrand_seed(<uint64_t><int64_t>seed)
