# gmp_api.h's function table, which gmp/chan/capi.pxi fills (users cimport
# the wrappers from gmp/__init__.pxd instead).

cdef extern from "gmp_api.h":
    enum: GMP_CAPI_VERSION
    const char *GMP_CAPI_CAPSULE
    ctypedef struct gmp_chan_t:
        pass
    ctypedef struct gmp_capi_t:
        int version
        gmp_chan_t *(*chan_ptr)(object ch) except NULL
        int (*send)(gmp_chan_t *c, const void *elem) except -1 nogil
        int (*recv)(gmp_chan_t *c, void *elem, int *ok) except -1 nogil
        int (*trysend)(gmp_chan_t *c, const void *elem) except -1 nogil
        int (*tryrecv)(gmp_chan_t *c, void *elem, int *ok) noexcept nogil
        int (*close)(gmp_chan_t *c) except -1 nogil
        Py_ssize_t (*len)(gmp_chan_t *c) noexcept nogil
        Py_ssize_t (*cap)(gmp_chan_t *c) noexcept nogil
        Py_ssize_t (*elemsize)(gmp_chan_t *c) noexcept nogil
        Py_ssize_t (*sendn)(gmp_chan_t *c, const void *elems, Py_ssize_t n) except -1 nogil
        Py_ssize_t (*recvn)(gmp_chan_t *c, void *elems, Py_ssize_t n) except -1 nogil
    object PyCapsule_New(void *pointer, const char *name, void *destructor)
