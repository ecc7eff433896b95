# cython: language_level=3
"""A two-stage pipeline over a typed gmp channel, each stage a nogil loop.

    import gmp, pipeline
    ch = gmp.chan(1024, dtype="f8")
    gmp.go(pipeline.produce, ch, 1_000_000, 100)
    total = pipeline.consume(ch, 100)

produce computes n values and sends each on ch, then closes it; consume
receives until the channel is closed and returns the sum of what it
computes from them. Neither holds the GIL while it loops: run as two
goroutines with GOMAXPROCS=2, the stages run in parallel on two Ms. When a
stage must wait (the ring full or empty), gmp_chan_send/recv take the GIL
and park the goroutine, and its M runs other goroutines.

Built with include_dirs=[gmp.get_include()] (setup.py here)."""
from gmp cimport (gmp_chan_t, gmp_chan_ptr, gmp_chan_send, gmp_chan_recv, gmp_chan_close,
                  gmp_chan_sendn, gmp_chan_recvn, gmp_chan_elemsize)


cdef inline double work(double x, int rounds) noexcept nogil:
    # a few hundred ns of arithmetic per element for rounds ~ 100
    cdef int k
    for k in range(rounds):
        x = x * 0.999999 + 1e-6 * k
    return x


def produce(ch, long n, int rounds):
    """Sends work(i) for i in range(n) on ch, one element at a time, then closes it."""
    cdef gmp_chan_t *c = gmp_chan_ptr(ch)
    cdef double x
    cdef long i
    if gmp_chan_elemsize(c) != sizeof(double):
        raise TypeError("produce: the channel's dtype must be float64")
    with nogil:
        for i in range(n):
            x = work(<double>i, rounds)
            gmp_chan_send(c, &x)
        gmp_chan_close(c)


def consume(ch, int rounds):
    """Receives until ch is closed; returns the sum of work(x) over what came."""
    cdef gmp_chan_t *c = gmp_chan_ptr(ch)
    cdef double x, acc = 0
    cdef int ok = 1
    if gmp_chan_elemsize(c) != sizeof(double):
        raise TypeError("consume: the channel's dtype must be float64")
    with nogil:
        while True:
            gmp_chan_recv(c, &x, &ok)
            if not ok:
                break
            acc += work(x, rounds)
    return acc


def produce_blocks(ch, long n, int rounds, long block=256):
    """produce, in blocks of `block` values sent with one gmp_chan_sendn."""
    cdef gmp_chan_t *c = gmp_chan_ptr(ch)
    cdef double buf[1024]
    cdef long i = 0, j, k
    if block < 1 or block > 1024:
        raise ValueError("block must be 1..1024")
    with nogil:
        while i < n:
            k = min(block, n - i)
            for j in range(k):
                buf[j] = work(<double>(i + j), rounds)
            gmp_chan_sendn(c, &buf[0], k)
            i += k
        gmp_chan_close(c)


def consume_blocks(ch, int rounds, long block=256):
    """consume, receiving up to `block` values per gmp_chan_recvn."""
    cdef gmp_chan_t *c = gmp_chan_ptr(ch)
    cdef double buf[1024]
    cdef double acc = 0
    cdef Py_ssize_t got, j
    if block < 1 or block > 1024:
        raise ValueError("block must be 1..1024")
    with nogil:
        while True:
            got = gmp_chan_recvn(c, &buf[0], block)
            for j in range(got):
                acc += work(buf[j], rounds)
            if got < block:
                break
    return acc


def expected(long n, int rounds):
    """What consume returns for produce(ch, n, rounds), computed in one loop."""
    cdef double acc = 0
    cdef long i
    with nogil:
        for i in range(n):
            acc += work(work(<double>i, rounds), rounds)
    return acc
