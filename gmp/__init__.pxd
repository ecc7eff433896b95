# cython: language_level=3
# gmp's Cython API: typed channels (gmp.chan(size, dtype=...)) from nogil
# code. `from gmp cimport gmp_chan_t, gmp_chan_ptr, gmp_chan_send, ...`;
# build the extension with include_dirs=[gmp.get_include()]. What each call
# needs (the GIL or not) and when it blocks: gmp/includes/gmp_api.h and
# docs/CAPI.md.

cdef extern from "gmp_api.h":
    ctypedef struct gmp_chan_t:
        pass

    # Must be called with the GIL held.
    int gmp_import() except -1
    gmp_chan_t *gmp_chan_ptr(object ch) except NULL

    # Never block; no GIL needed (they take it only to raise gmp.Panic).
    int gmp_chan_trysend(gmp_chan_t *c, const void *elem) except -1 nogil
    int gmp_chan_tryrecv(gmp_chan_t *c, void *elem, int *ok) noexcept nogil
    int gmp_chan_close(gmp_chan_t *c) except -1 nogil
    Py_ssize_t gmp_chan_len(gmp_chan_t *c) noexcept nogil
    Py_ssize_t gmp_chan_cap(gmp_chan_t *c) noexcept nogil
    Py_ssize_t gmp_chan_elemsize(gmp_chan_t *c) noexcept nogil

    # May block: without the GIL while they need not wait; to wait they take
    # it and park the goroutine (a plain thread blocks with it released).
    int gmp_chan_send(gmp_chan_t *c, const void *elem) except -1 nogil
    int gmp_chan_recv(gmp_chan_t *c, void *elem, int *ok) except -1 nogil
    Py_ssize_t gmp_chan_sendn(gmp_chan_t *c, const void *elems, Py_ssize_t n) except -1 nogil
    Py_ssize_t gmp_chan_recvn(gmp_chan_t *c, void *elems, Py_ssize_t n) except -1 nogil
