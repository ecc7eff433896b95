# ---- probes for tests (Go's export_test.go) ---------------------------------

def _recvq_len(chan c):
    cdef int n = 0
    cdef PyObject *x
    gmp_lock(&c.lock)
    x = c.recvq.first
    while x != NULL:
        n += 1
        x = <PyObject *>(<Sudog>x).next if (<Sudog>x).next is not None else NULL
    gmp_unlock(&c.lock)
    return n


def _sendq_len(chan c):
    cdef int n = 0
    cdef PyObject *x
    gmp_lock(&c.lock)
    x = c.sendq.first
    while x != NULL:
        n += 1
        x = <PyObject *>(<Sudog>x).next if (<Sudog>x).next is not None else NULL
    gmp_unlock(&c.lock)
    return n
