/* gmp_chanop.h: the descriptors behind chan.send, chan.recv and chan.recv_ok.
 *
 * Two uses of `ch.recv` must both stay cheap:
 *
 *  - `ch.recv()`, a method call. CPython loads the descriptor unbound (no
 *    binding) and calls it with the channel as first argument. Its
 *    specialising interpreter (3.11-3.13) has a fast call path only for a
 *    few exact types: method_descriptor, builtin function, Python function,
 *    and a class with a vectorcall slot (PRECALL/CALL_BUILTIN_CLASS).
 *  - `ready.recv` as a value, which every select loop evaluates per
 *    iteration (`select(ready.recv, idle.recv)`). Through method_descriptor
 *    that is a fresh builtin method each time: an allocation, GC linking,
 *    and the reverse when select returns, about half of what such a select
 *    costs.
 *
 * method_descriptor gives the first and not the second. So each of the three
 * is a small static *type object* (its metatype is gmp_chanop_metatype, a
 * subclass of type):
 *
 *  - the metatype carries Py_TPFLAGS_METHOD_DESCRIPTOR, so `ch.recv()` is
 *    loaded unbound, and each type's tp_vectorcall runs the method, so the
 *    call is specialised as a builtin class's (a direct C call);
 *  - the metatype's tp_descr_get binds: it hands out exact builtin methods
 *    (PyCFunction objects over the chan's own PyMethodDef, the object
 *    method_descriptor would create, so prebound calls keep CPython's
 *    builtin fast paths and select recognises them by their C function),
 *    but from a small pool: a pooled method that nothing else references
 *    (refcount 1, no weak reference) is rebound to the requested channel
 *    and handed out again. Nobody can observe the rebinding, as no one else
 *    holds the object.
 *
 * Read through the class, `chan.recv` is the method_descriptor that Cython
 * made (kept in `descr`): introspection (inspect.signature, help(), pydoc's
 * "Methods" section, Sphinx, stubtest) sees an ordinary C method, with the
 * text signature of its docstring (`recv($self, /)\n--\n\n...`), and
 * `chan.recv(ch)` calls it as any method_descriptor. Neither `ch.recv()`
 * (LOAD_METHOD/LOAD_ATTR finds the type object in chan's dict and checks
 * its flag, without calling tp_descr_get) nor `ch.recv` (tp_descr_get with
 * the channel) goes through that branch. The type objects themselves, in
 * chan.__dict__, carry the same docstring, so their __text_signature__ is
 * the method's too.
 *
 * Visible differences from method_descriptor: `type(chan.__dict__["recv"])`
 * is gmp_chanop_metatype (the bound `ch.recv` is an ordinary builtin
 * method); an idle pooled method keeps its last channel alive until it is
 * rebound, at most GMP_CHANOP_POOL channels per operation.
 *
 * Everything here runs with the GIL held; the pools are GIL-protected.
 */
#ifndef GMP_CHANOP_H
#define GMP_CHANOP_H
#include <Python.h>

#define GMP_CHANOP_POOL 4
#define GMP_CHANOP_MAX 4

typedef struct {
    PyTypeObject type;                  /* first: the descriptor is a type object */
    PyMethodDef *ml;                    /* the chan method's own definition */
    PyObject *descr;                    /* Cython's method_descriptor over ml (strong) */
    PyTypeObject *objclass;             /* chan */
    PyCFunctionObject *pool[GMP_CHANOP_POOL];   /* strong, or NULL */
    unsigned int evict;                 /* next slot to give up when all are in use */
    char name[64];                      /* tp_name: "gmp._chan.chan.recv" */
} gmp_chanop_t;

static gmp_chanop_t gmp_chanops[GMP_CHANOP_MAX];
static int gmp_nchanops;

/* ---- ch.recv: a pooled builtin method -------------------------------------- */

static PyObject *gmp_chanop_bind(gmp_chanop_t *d, PyObject *obj) {
    PyCFunctionObject *f, *idle = NULL;
    PyObject *old, *fresh;
    int i;
    for (i = 0; i < GMP_CHANOP_POOL; i++) {
        f = d->pool[i];
        if (f == NULL || Py_REFCNT(f) != 1 || f->m_weakreflist != NULL)
            continue;
        if (f->m_self == obj) {         /* bound to this channel already */
            Py_INCREF(f);
            return (PyObject *)f;
        }
        if (idle == NULL)
            idle = f;
    }
    if (idle != NULL) {
        old = idle->m_self;
        Py_INCREF(obj);
        idle->m_self = obj;             /* before the DECREF: it may run code */
        Py_INCREF(idle);
        Py_XDECREF(old);
        return (PyObject *)idle;
    }
    fresh = PyCFunction_NewEx(d->ml, obj, NULL);
    if (fresh == NULL)
        return NULL;
    for (i = 0; i < GMP_CHANOP_POOL; i++) {
        if (d->pool[i] == NULL) {
            Py_INCREF(fresh);
            d->pool[i] = (PyCFunctionObject *)fresh;
            return fresh;
        }
    }
    /* every slot is held elsewhere (kept by its user): the pool lets go of
     * one, round robin, so long-lived methods do not hog it */
    i = (int)(d->evict++ % GMP_CHANOP_POOL);
    old = (PyObject *)d->pool[i];
    Py_INCREF(fresh);
    d->pool[i] = (PyCFunctionObject *)fresh;
    Py_DECREF(old);                     /* not its last reference: it is in use */
    return fresh;
}

static PyObject *gmp_chanop_get(PyObject *self, PyObject *obj, PyObject *type) {
    gmp_chanop_t *d = (gmp_chanop_t *)self;
    (void)type;
    if (obj == NULL || obj == Py_None) {     /* chan.recv: the plain method_descriptor */
        Py_INCREF(d->descr);
        return d->descr;
    }
    if (!Py_IS_TYPE(obj, d->objclass)) {
        PyErr_Format(PyExc_TypeError, "descriptor '%s' for '%s' objects doesn't apply to a '%s' object",
                     d->ml->ml_name, d->objclass->tp_name, Py_TYPE(obj)->tp_name);
        return NULL;
    }
    return gmp_chanop_bind(d, obj);
}

/* ---- ch.recv(): an unbound call ------------------------------------------- */

static PyObject *gmp_chanop_fail(gmp_chanop_t *d, PyObject *const *args, Py_ssize_t nargs,
                                 PyObject *kwnames) {
    if (nargs < 1)
        PyErr_Format(PyExc_TypeError, "unbound method %s.%s() needs an argument",
                     _PyType_Name(d->objclass), d->ml->ml_name);
    else if (!Py_IS_TYPE(args[0], d->objclass))
        PyErr_Format(PyExc_TypeError, "descriptor '%s' for '%s' objects doesn't apply to a '%s' object",
                     d->ml->ml_name, d->objclass->tp_name, Py_TYPE(args[0])->tp_name);
    else if (kwnames != NULL && PyTuple_GET_SIZE(kwnames) != 0)
        PyErr_Format(PyExc_TypeError, "%s.%s() takes no keyword arguments",
                     _PyType_Name(d->objclass), d->ml->ml_name);
    else if (d->ml->ml_flags & METH_O)
        PyErr_Format(PyExc_TypeError, "%s.%s() takes exactly one argument (%zd given)",
                     _PyType_Name(d->objclass), d->ml->ml_name, nargs - 1);
    else
        PyErr_Format(PyExc_TypeError, "%s.%s() takes no arguments (%zd given)",
                     _PyType_Name(d->objclass), d->ml->ml_name, nargs - 1);
    return NULL;
}

/* One entry point per calling convention, each a test and a tail call when
 * the arguments are right. chan is final: its instances are of its exact
 * type. */
#define GMP_CHANOP_ARGS_OK(d, args, nargs, kwnames, want) \
    ((nargs) == (want) && ((kwnames) == NULL || PyTuple_GET_SIZE(kwnames) == 0) \
     && Py_IS_TYPE((args)[0], (d)->objclass))

static PyObject *gmp_chanop_call_noargs(PyObject *self, PyObject *const *args, size_t nargsf,
                                        PyObject *kwnames) {
    gmp_chanop_t *d = (gmp_chanop_t *)self;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (__builtin_expect(GMP_CHANOP_ARGS_OK(d, args, nargs, kwnames, 1), 1))
        return d->ml->ml_meth(args[0], NULL);
    return gmp_chanop_fail(d, args, nargs, kwnames);
}

static PyObject *gmp_chanop_call_o(PyObject *self, PyObject *const *args, size_t nargsf,
                                   PyObject *kwnames) {
    gmp_chanop_t *d = (gmp_chanop_t *)self;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (__builtin_expect(GMP_CHANOP_ARGS_OK(d, args, nargs, kwnames, 2), 1))
        return d->ml->ml_meth(args[0], args[1]);
    return gmp_chanop_fail(d, args, nargs, kwnames);
}

/* ---- the metatype ---------------------------------------------------------- */

static PyObject *gmp_chanop_repr(PyObject *self) {
    gmp_chanop_t *d = (gmp_chanop_t *)self;
    return PyUnicode_FromFormat("<method '%s' of '%s' objects>", d->ml->ml_name, d->objclass->tp_name);
}

static PyTypeObject gmp_chanop_metatype = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "gmp._chan.chan_method_descriptor",
    .tp_repr = gmp_chanop_repr,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(PyTypeObject, tp_vectorcall),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL | Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_doc = "The type of chan.__dict__['send'], ['recv'] and ['recv_ok']: method descriptors\n"
              "whose unbound calls are direct C calls and whose bound methods come from a pool.",
    .tp_descr_get = gmp_chanop_get,
};

/* Replaces chantype.<name>, a method_descriptor of a METH_NOARGS or METH_O
 * method, by a gmp_chanop_t over the same PyMethodDef. 0, or -1 with an error
 * set. */
static int gmp_chanop_install(PyObject *chantype_obj, const char *name) {
    PyTypeObject *chantype = (PyTypeObject *)chantype_obj;
    PyObject *old;
    PyMethodDef *ml;
    gmp_chanop_t *d;
    int flags;
    if (gmp_nchanops >= GMP_CHANOP_MAX) {
        PyErr_SetString(PyExc_SystemError, "gmp: too many chan operations");
        return -1;
    }
    if (gmp_chanop_metatype.tp_base == NULL) {
        gmp_chanop_metatype.tp_base = &PyType_Type;
        if (PyType_Ready(&gmp_chanop_metatype) < 0)
            return -1;
    }
    old = PyDict_GetItemString(chantype->tp_dict, name);     /* borrowed */
    if (old == NULL || !Py_IS_TYPE(old, &PyMethodDescr_Type)) {
        PyErr_Format(PyExc_SystemError, "gmp: %s.%s is not a C method", chantype->tp_name, name);
        return -1;
    }
    ml = ((PyMethodDescrObject *)old)->d_method;   /* static storage in the module */
    flags = ml->ml_flags & ~METH_COEXIST;
    if (flags != METH_NOARGS && flags != METH_O) {
        PyErr_Format(PyExc_SystemError, "gmp: %s.%s has unexpected flags %d", chantype->tp_name, name,
                     ml->ml_flags);
        return -1;
    }
    d = &gmp_chanops[gmp_nchanops];
    memset(d, 0, sizeof(*d));
    PyOS_snprintf(d->name, sizeof(d->name), "%s.%s", chantype->tp_name, name);
    Py_SET_REFCNT((PyObject *)&d->type, 1);         /* static: never freed */
    Py_SET_TYPE((PyObject *)&d->type, &gmp_chanop_metatype);
    d->type.tp_name = d->name;
    d->type.tp_basicsize = sizeof(PyObject);
    d->type.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION;
    d->type.tp_doc = ml->ml_doc;
    d->type.tp_vectorcall = flags == METH_O ? gmp_chanop_call_o : gmp_chanop_call_noargs;
    d->ml = ml;
    Py_INCREF(old);
    d->descr = old;
    Py_INCREF(chantype);
    d->objclass = chantype;
    if (PyType_Ready(&d->type) < 0)
        return -1;
    gmp_nchanops++;
    if (PyDict_SetItemString(chantype->tp_dict, name, (PyObject *)d) < 0)
        return -1;
    PyType_Modified(chantype);
    return 0;
}

#endif
