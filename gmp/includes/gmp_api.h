/* gmp_api.h: gmp's C API for typed channels (chan(size, dtype=...)).
 *
 * Compile with include_dirs=[gmp.get_include()]. From Cython,
 * `from gmp cimport ...` declares all of this (gmp/__init__.pxd).
 *
 *     gmp_chan_t *c = gmp_chan_ptr(ch);          // with the GIL
 *     ...
 *     double x = 1.5;
 *     if (gmp_chan_send(c, &x) < 0) ...          // no GIL needed
 *
 * Elements are copied by value, elemsize bytes each (the channel's
 * dtype.itemsize); the pointer passed is read or written only during the
 * call. A gmp_chan_t stays valid while its Python channel object is alive:
 * the caller keeps a reference to it (a goroutine's argument does).
 *
 * Which calls need what:
 *
 *   gmp_chan_ptr           Must be called with the GIL held.
 *   gmp_chan_trysend,      Never block and never need the GIL: the
 *   gmp_chan_tryrecv,      channel's own lock, a copy, and (when a partner
 *   gmp_chan_close,        is parked) a wake that is a lock-free push onto
 *   gmp_chan_len,          that goroutine's P and a futex post. Callable
 *   gmp_chan_cap,          with or without the GIL, from a goroutine or any
 *   gmp_chan_elemsize      thread. On an error (a send on, or a close of, a
 *                          closed channel) they take the GIL to raise
 *                          gmp.Panic and return -1.
 *   gmp_chan_send,         May block. When the operation can complete at
 *   gmp_chan_recv,         once they run as the calls above, without the
 *   gmp_chan_sendn,        GIL. When they must wait they take the GIL
 *   gmp_chan_recvn         (PyGILState_Ensure) and park: the calling
 *                          goroutine, so that its M runs other goroutines
 *                          meanwhile, or a plain thread on an OS semaphore
 *                          with the GIL released. They return with the GIL
 *                          as they were called. -1 with an exception set
 *                          when the park was interrupted (an exception
 *                          thrown into the goroutine, e.g. KeyboardInterrupt
 *                          or a context's cancellation by gmp) or a send met
 *                          a closed channel (gmp.Panic); for sendn/recvn the
 *                          exception's `transferred` attribute says how many
 *                          elements moved before it.
 *
 * Return values: 0 (or a count) on success, -1 with a Python exception set.
 * gmp_chan_trysend returns 1 when it sent and 0 when it would block;
 * gmp_chan_tryrecv returns 1 when it completed (*ok is 1 for a value, 0 for
 * a closed and drained channel, whose elem it zeroes) and 0 when it would
 * block. gmp_chan_recvn returns how many elements it received, fewer than n
 * only when the channel was closed and drained.
 */
#ifndef GMP_API_H
#define GMP_API_H
#include <Python.h>

#define GMP_CAPI_VERSION 1
#define GMP_CAPI_CAPSULE "gmp._chan._C_API"

typedef struct gmp_chan gmp_chan_t;     /* opaque */

typedef struct {
    int version;                        /* GMP_CAPI_VERSION */
    gmp_chan_t *(*chan_ptr)(PyObject *ch);
    int (*send)(gmp_chan_t *c, const void *elem);
    int (*recv)(gmp_chan_t *c, void *elem, int *ok);
    int (*trysend)(gmp_chan_t *c, const void *elem);
    int (*tryrecv)(gmp_chan_t *c, void *elem, int *ok);
    int (*close)(gmp_chan_t *c);
    Py_ssize_t (*len)(gmp_chan_t *c);
    Py_ssize_t (*cap)(gmp_chan_t *c);
    Py_ssize_t (*elemsize)(gmp_chan_t *c);
    Py_ssize_t (*sendn)(gmp_chan_t *c, const void *elems, Py_ssize_t n);
    Py_ssize_t (*recvn)(gmp_chan_t *c, void *elems, Py_ssize_t n);
} gmp_capi_t;

/* Each translation unit that includes this header has its own pointer to
 * the table, loaded by the first gmp_chan_ptr (or gmp_import). */
static gmp_capi_t *gmp_capi __attribute__((unused)) = NULL;

/* Loads the table from gmp._chan. With the GIL held. 0, or -1 with an
 * exception set. */
static inline int gmp_import(void) {
    gmp_capi_t *t;
    if (gmp_capi != NULL)
        return 0;
    t = (gmp_capi_t *)PyCapsule_Import(GMP_CAPI_CAPSULE, 0);
    if (t == NULL)
        return -1;
    if (t->version != GMP_CAPI_VERSION) {
        PyErr_Format(PyExc_ImportError, "gmp_api.h is version %d, the installed gmp's C API %d: "
                     "rebuild this extension against the installed gmp", GMP_CAPI_VERSION, t->version);
        return -1;
    }
    gmp_capi = t;
    return 0;
}

/* The typed channel behind ch (a gmp.chan made with a dtype). Must be
 * called with the GIL held. NULL with TypeError for anything else (a
 * channel of objects, the nil channel). */
static inline gmp_chan_t *gmp_chan_ptr(PyObject *ch) {
    if (gmp_import() < 0)
        return NULL;
    return gmp_capi->chan_ptr(ch);
}

static inline int gmp_chan_send(gmp_chan_t *c, const void *elem) { return gmp_capi->send(c, elem); }
static inline int gmp_chan_recv(gmp_chan_t *c, void *elem, int *ok) { return gmp_capi->recv(c, elem, ok); }
static inline int gmp_chan_trysend(gmp_chan_t *c, const void *elem) { return gmp_capi->trysend(c, elem); }
static inline int gmp_chan_tryrecv(gmp_chan_t *c, void *elem, int *ok) { return gmp_capi->tryrecv(c, elem, ok); }
static inline int gmp_chan_close(gmp_chan_t *c) { return gmp_capi->close(c); }
static inline Py_ssize_t gmp_chan_len(gmp_chan_t *c) { return gmp_capi->len(c); }
static inline Py_ssize_t gmp_chan_cap(gmp_chan_t *c) { return gmp_capi->cap(c); }
static inline Py_ssize_t gmp_chan_elemsize(gmp_chan_t *c) { return gmp_capi->elemsize(c); }
static inline Py_ssize_t gmp_chan_sendn(gmp_chan_t *c, const void *elems, Py_ssize_t n) {
    return gmp_capi->sendn(c, elems, n);
}
static inline Py_ssize_t gmp_chan_recvn(gmp_chan_t *c, void *elems, Py_ssize_t n) {
    return gmp_capi->recvn(c, elems, n);
}

#endif /* GMP_API_H */
