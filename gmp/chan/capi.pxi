# The C API of typed channels (gmp/includes/gmp_api.h, gmp/__init__.pxd):
# the functions behind its table, published as the capsule gmp._chan._C_API.
# The operations that need not park run without the GIL (tchan.pxi); one
# that must wait takes the GIL (`with gil`: PyGILState_Ensure, which also
# works when the caller holds it) and parks as a Python-level call would.

cdef gmp_chan_t *capi_chan_ptr(object ch) except NULL:
    if type(ch) is not chan:
        raise TypeError("gmp_chan_ptr: expected a gmp.chan, not %s" % type(ch).__name__)
    if (<chan>ch).tc == NULL:
        raise TypeError("gmp_chan_ptr: %r is not a typed channel (make one with "
                        "chan(size, dtype=...))" % (ch,))
    return <gmp_chan_t *>(<chan>ch).tc


cdef int capi_send(gmp_chan_t *p, const void *elem) except -1 nogil:
    cdef tchan_t *c = <tchan_t *>p
    cdef int r = tchan_trysend(c, <const char *>elem)
    if r == TC_OK:
        return 0
    with gil:
        if r == TC_CLOSED:
            raise Panic("send on closed channel")
        tchan_park(c, <char *>elem, True, NULL, True)
    return 0


cdef int capi_recv(gmp_chan_t *p, void *elem, int *ok) except -1 nogil:
    cdef tchan_t *c = <tchan_t *>p
    if tchan_tryrecv(c, <char *>elem, ok) == TC_OK:
        return 0
    with gil:
        tchan_park(c, <char *>elem, False, ok, True)
    return 0


cdef int capi_trysend(gmp_chan_t *p, const void *elem) except -1 nogil:
    cdef int r = tchan_trysend(<tchan_t *>p, <const char *>elem)
    if r == TC_CLOSED:
        with gil:
            raise Panic("send on closed channel")
    return r


cdef int capi_tryrecv(gmp_chan_t *p, void *elem, int *ok) noexcept nogil:
    return tchan_tryrecv(<tchan_t *>p, <char *>elem, ok)


cdef int capi_close(gmp_chan_t *p) except -1 nogil:
    if tchan_close(<tchan_t *>p) < 0:
        with gil:
            raise Panic("close of closed channel")
    return 0


cdef Py_ssize_t capi_len(gmp_chan_t *p) noexcept nogil:
    return gmp_relaxed_ssize((<tchan_t *>p).qcount)


cdef Py_ssize_t capi_cap(gmp_chan_t *p) noexcept nogil:
    return (<tchan_t *>p).cap


cdef Py_ssize_t capi_elemsize(gmp_chan_t *p) noexcept nogil:
    return (<tchan_t *>p).elemsize


cdef Py_ssize_t capi_sendn(gmp_chan_t *p, const void *elems, Py_ssize_t n) except -1 nogil:
    return tchan_sendall(<tchan_t *>p, <const char *>elems, n, True)


cdef Py_ssize_t capi_recvn(gmp_chan_t *p, void *elems, Py_ssize_t n) except -1 nogil:
    return tchan_recvall(<tchan_t *>p, <char *>elems, n, True)


cdef gmp_capi_t _capi
_capi.version = GMP_CAPI_VERSION
_capi.chan_ptr = capi_chan_ptr
_capi.send = capi_send
_capi.recv = capi_recv
_capi.trysend = capi_trysend
_capi.tryrecv = capi_tryrecv
_capi.close = capi_close
_capi.len = capi_len
_capi.cap = capi_cap
_capi.elemsize = capi_elemsize
_capi.sendn = capi_sendn
_capi.recvn = capi_recvn
_C_API = PyCapsule_New(&_capi, GMP_CAPI_CAPSULE, NULL)
