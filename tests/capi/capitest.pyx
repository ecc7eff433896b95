# cython: language_level=3
"""Built by tests/test_capi.py against the installed gmp (gmp.get_include()):
each function drives one part of the typed-channel C API from nogil code."""
from gmp cimport (gmp_chan_t, gmp_chan_ptr, gmp_import, gmp_chan_send, gmp_chan_recv,
                  gmp_chan_trysend, gmp_chan_tryrecv, gmp_chan_close, gmp_chan_len,
                  gmp_chan_cap, gmp_chan_elemsize, gmp_chan_sendn, gmp_chan_recvn)
from libc.stdint cimport int64_t

gmp_import()


def ptr(ch):
    """gmp_chan_ptr: raises TypeError for what is not a typed channel."""
    gmp_chan_ptr(ch)
    return True


def info(ch):
    cdef gmp_chan_t *c = gmp_chan_ptr(ch)
    with nogil:
        n = gmp_chan_len(c)
    return n, gmp_chan_cap(c), gmp_chan_elemsize(c)


def trysend(ch, int64_t v):
    """1 sent, 0 would block (raises gmp.Panic on a closed channel)."""
    cdef gmp_chan_t *c = gmp_chan_ptr(ch)
    cdef int r
    with nogil:
        r = gmp_chan_trysend(c, &v)
    return r


def tryrecv(ch):
    """(1, value, ok) or (0, None, None) when it would block."""
    cdef gmp_chan_t *c = gmp_chan_ptr(ch)
    cdef int64_t v = -1
    cdef int ok = 0, r
    with nogil:
        r = gmp_chan_tryrecv(c, &v, &ok)
    return (r, v, ok) if r else (0, None, None)


def send(ch, int64_t v):
    cdef gmp_chan_t *c = gmp_chan_ptr(ch)
    with nogil:
        gmp_chan_send(c, &v)


def recv(ch):
    """(value, ok), blocking."""
    cdef gmp_chan_t *c = gmp_chan_ptr(ch)
    cdef int64_t v = -1
    cdef int ok = 0
    with nogil:
        gmp_chan_recv(c, &v, &ok)
    return v, ok


def close(ch):
    cdef gmp_chan_t *c = gmp_chan_ptr(ch)
    with nogil:
        gmp_chan_close(c)


def send_range(ch, int64_t start, int64_t n, bint close_after):
    """Sends start..start+n-1 one at a time from a nogil loop."""
    cdef gmp_chan_t *c = gmp_chan_ptr(ch)
    cdef int64_t i, v
    with nogil:
        for i in range(n):
            v = start + i
            gmp_chan_send(c, &v)
        if close_after:
            gmp_chan_close(c)


def sum_until_closed(ch):
    """(count, sum) of what arrives until close, received one at a time."""
    cdef gmp_chan_t *c = gmp_chan_ptr(ch)
    cdef int64_t v, s = 0, k = 0
    cdef int ok = 1
    with nogil:
        while True:
            gmp_chan_recv(c, &v, &ok)
            if not ok:
                break
            s += v
            k += 1
    return k, s


def sendn(ch, int64_t start, int64_t n):
    """Sends start..start+n-1 with one gmp_chan_sendn; returns its result."""
    cdef gmp_chan_t *c = gmp_chan_ptr(ch)
    cdef int64_t *buf = <int64_t *>PyMem_Malloc(n * sizeof(int64_t) + 8)
    cdef Py_ssize_t r
    cdef int64_t i
    for i in range(n):
        buf[i] = start + i
    try:
        with nogil:
            r = gmp_chan_sendn(c, buf, n)
    finally:
        PyMem_Free(buf)
    return r


def recvn(ch, int64_t n):
    """One gmp_chan_recvn of up to n: the list of what it received."""
    cdef gmp_chan_t *c = gmp_chan_ptr(ch)
    cdef int64_t *buf = <int64_t *>PyMem_Malloc(n * sizeof(int64_t) + 8)
    cdef Py_ssize_t r
    try:
        with nogil:
            r = gmp_chan_recvn(c, buf, n)
        return [buf[i] for i in range(r)]
    finally:
        PyMem_Free(buf)


from cpython.mem cimport PyMem_Malloc, PyMem_Free
