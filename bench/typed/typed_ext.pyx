# cython: language_level=3, boundscheck=False, wraparound=False
"""bench.typed's nogil loops over typed channels (the C API, gmp_api.h):
W4a and W4b, and the threads' pipeline blocks (the goroutines' pipeline is
examples/pipeline). Built by bench/typed/__main__.py into a cache folder."""
from libc.stdint cimport int64_t
from posix.time cimport clock_gettime, timespec, CLOCK_MONOTONIC
from gmp cimport (gmp_chan_t, gmp_chan_ptr, gmp_chan_send, gmp_chan_recv, gmp_chan_close,
                  gmp_chan_elemsize)


cdef inline int64_t now_ns() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return ts.tv_sec * 1000000000 + ts.tv_nsec


cdef gmp_chan_t *i8chan(ch) except NULL:
    cdef gmp_chan_t *c = gmp_chan_ptr(ch)
    if gmp_chan_elemsize(c) != 8:
        raise TypeError("an 8-byte dtype is needed")
    return c


def w4a(ch, int64_t n):
    """W4a: one goroutine sends then receives on ch (capacity 1024, never
    blocks), n pairs; ns per pair."""
    cdef gmp_chan_t *c = i8chan(ch)
    cdef int64_t i, v = 0, acc = 0, t0, t1
    cdef int ok = 0
    with nogil:
        t0 = now_ns()
        for i in range(n):
            gmp_chan_send(c, &i)
            gmp_chan_recv(c, &v, &ok)
            acc += v
        t1 = now_ns()
    if acc != n * (n - 1) // 2:
        raise AssertionError("W4a-typed: wrong sum")
    return (t1 - t0) / <double>n


def produce(ch, int64_t n):
    """Sends 0..n-1, then closes ch."""
    cdef gmp_chan_t *c = i8chan(ch)
    cdef int64_t i
    with nogil:
        for i in range(n):
            gmp_chan_send(c, &i)
        gmp_chan_close(c)


def consume(ch):
    """Receives until ch is closed: (count, sum)."""
    cdef gmp_chan_t *c = i8chan(ch)
    cdef int64_t v = 0, k = 0, s = 0
    cdef int ok = 1
    with nogil:
        while True:
            gmp_chan_recv(c, &v, &ok)
            if not ok:
                break
            k += 1
            s += v
    return k, s


cdef inline double work(double x, int rounds) noexcept nogil:
    # examples/pipeline/pipeline.pyx's work(), for the threads' pipeline
    cdef int k
    for k in range(rounds):
        x = x * 0.999999 + 1e-6 * k
    return x


def block1(double[::1] out, int64_t start, int rounds):
    """pipeline.produce's work for a block of numpy values (the threads' pipeline)."""
    cdef Py_ssize_t j
    with nogil:
        for j in range(out.shape[0]):
            out[j] = work(<double>(start + j), rounds)


def block2(double[::1] inp, int rounds):
    """pipeline.consume's work for a block: the sum of work(x)."""
    cdef Py_ssize_t j
    cdef double acc = 0
    with nogil:
        for j in range(inp.shape[0]):
            acc += work(inp[j], rounds)
    return acc
