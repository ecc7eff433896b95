/* gmp_chanop.h: chan.send / chan.recv / chan.recv_ok as method objects of
 * their own.
 *
 * `ready.recv` is evaluated on every iteration of a select loop
 * (`select(ready.recv, idle.recv)`). As a builtin method it costs a fresh
 * PyCFunction per access (allocation, GC linking, and the reverse). Here
 * the type's attribute is a method descriptor of this file
 * (Py_TPFLAGS_METHOD_DESCRIPTOR, so `ch.recv()` still calls it without
 * binding anything), and binding it returns a small bound-operation object
 * taken from a free list. select recognises a bound operation by its type
 * and reads the channel and the operation straight out of it.
 *
 * All of it runs with the GIL held (the free list is GIL-protected).
 * The operations themselves are Cython functions reached through pointers.
 */
#ifndef GMP_CHANOP_H
#define GMP_CHANOP_H
#include <Python.h>

enum { GMP_OP_RECV = 0, GMP_OP_RECV_OK = 1, GMP_OP_SEND = 2, GMP_NOPS = 3 };

/* (channel, value or NULL) -> result (new reference) or NULL with an error */
typedef PyObject *(*gmp_chanop_fn)(PyObject *ch, PyObject *v);
static gmp_chanop_fn gmp_chanop_impl[GMP_NOPS];
static PyTypeObject *gmp_chan_type;        /* the channel type (exact) */

static const char *const gmp_op_names[GMP_NOPS] = {"recv", "recv_ok", "send"};
static const char *const gmp_op_docs[GMP_NOPS] = {
    "recv()\n--\n\nReceives a value; returns None once the channel is closed and drained.",
    "recv_ok()\n--\n\nReceives (value, ok); ok is False once the channel is closed and drained.",
    "send(v)\n--\n\nSends v, blocking until a receiver takes it or buffer space frees up.\n"
    "Panics with \"send on closed channel\".",
};

/* ---- the operation itself ------------------------------------------------ */

static PyObject *gmp_chanop_do(int op, PyObject *ch, PyObject *const *args, Py_ssize_t nargs) {
    if (op == GMP_OP_SEND) {
        if (nargs != 1) {
            PyErr_Format(PyExc_TypeError, "send() takes exactly one argument (%zd given)", nargs);
            return NULL;
        }
        return gmp_chanop_impl[op](ch, args[0]);
    }
    if (nargs != 0) {
        PyErr_Format(PyExc_TypeError, "%s() takes no arguments (%zd given)", gmp_op_names[op], nargs);
        return NULL;
    }
    return gmp_chanop_impl[op](ch, NULL);
}

/* ---- bound: ch.recv -------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject *ch;           /* strong */
    int op;
} gmp_boundop_t;

static PyTypeObject gmp_boundop_type;

#define GMP_BOUNDOP_FREE 64
static gmp_boundop_t *gmp_boundop_free[GMP_BOUNDOP_FREE];
static int gmp_boundop_nfree = 0;

static PyObject *gmp_boundop_call(PyObject *self, PyObject *const *args, size_t nargsf,
                                  PyObject *kwnames) {
    gmp_boundop_t *b = (gmp_boundop_t *)self;
    if (b->ch == NULL) {
        PyErr_SetString(PyExc_ReferenceError, "gmp: the channel of this method was collected");
        return NULL;
    }
    if (kwnames != NULL && PyTuple_GET_SIZE(kwnames) != 0) {
        PyErr_Format(PyExc_TypeError, "%s() takes no keyword arguments", gmp_op_names[b->op]);
        return NULL;
    }
    return gmp_chanop_do(b->op, b->ch, args, PyVectorcall_NARGS(nargsf));
}

static PyObject *gmp_boundop_new(PyObject *ch, int op) {
    gmp_boundop_t *b;
    if (gmp_boundop_nfree > 0) {
        b = gmp_boundop_free[--gmp_boundop_nfree];
        (void)PyObject_Init((PyObject *)b, &gmp_boundop_type);
    } else {
        b = PyObject_GC_New(gmp_boundop_t, &gmp_boundop_type);
        if (b == NULL)
            return NULL;
        b->vectorcall = gmp_boundop_call;
    }
    Py_INCREF(ch);
    b->ch = ch;
    b->op = op;
    PyObject_GC_Track((PyObject *)b);
    return (PyObject *)b;
}

static void gmp_boundop_dealloc(PyObject *self) {
    gmp_boundop_t *b = (gmp_boundop_t *)self;
    PyObject_GC_UnTrack(self);
    Py_CLEAR(b->ch);
    if (gmp_boundop_nfree < GMP_BOUNDOP_FREE)
        gmp_boundop_free[gmp_boundop_nfree++] = b;
    else
        PyObject_GC_Del(self);
}

static int gmp_boundop_traverse(PyObject *self, visitproc visit, void *arg) {
    Py_VISIT(((gmp_boundop_t *)self)->ch);
    return 0;
}

static int gmp_boundop_clear(PyObject *self) {
    Py_CLEAR(((gmp_boundop_t *)self)->ch);
    return 0;
}

static PyObject *gmp_boundop_repr(PyObject *self) {
    gmp_boundop_t *b = (gmp_boundop_t *)self;
    if (b->ch == NULL)
        return PyUnicode_FromFormat("<bound method chan.%s of a collected chan>", gmp_op_names[b->op]);
    return PyUnicode_FromFormat("<bound method chan.%s of %R>", gmp_op_names[b->op], b->ch);
}

static PyObject *gmp_boundop_richcompare(PyObject *a, PyObject *b, int cmp) {
    gmp_boundop_t *x, *y;
    int eq;
    if ((cmp != Py_EQ && cmp != Py_NE) || Py_TYPE(b) != &gmp_boundop_type)
        Py_RETURN_NOTIMPLEMENTED;
    x = (gmp_boundop_t *)a;
    y = (gmp_boundop_t *)b;
    eq = x->ch == y->ch && x->op == y->op;
    if (cmp == Py_NE)
        eq = !eq;
    return PyBool_FromLong(eq);
}

static Py_hash_t gmp_boundop_hash(PyObject *self) {
    gmp_boundop_t *b = (gmp_boundop_t *)self;
    Py_hash_t h = (Py_hash_t)((uintptr_t)b->ch >> 4) * 3 + b->op;
    return h == -1 ? -2 : h;
}

static PyObject *gmp_boundop_self(PyObject *self, void *unused) {
    PyObject *ch = ((gmp_boundop_t *)self)->ch;
    (void)unused;
    if (ch == NULL)
        Py_RETURN_NONE;
    Py_INCREF(ch);
    return ch;
}

static PyObject *gmp_boundop_name(PyObject *self, void *unused) {
    (void)unused;
    return PyUnicode_FromString(gmp_op_names[((gmp_boundop_t *)self)->op]);
}

static PyObject *gmp_boundop_qualname(PyObject *self, void *unused) {
    (void)unused;
    return PyUnicode_FromFormat("chan.%s", gmp_op_names[((gmp_boundop_t *)self)->op]);
}

static PyObject *gmp_boundop_doc(PyObject *self, void *unused) {
    (void)unused;
    return PyUnicode_FromString(gmp_op_docs[((gmp_boundop_t *)self)->op]);
}

static PyGetSetDef gmp_boundop_getset[] = {
    {"__self__", gmp_boundop_self, NULL, "the channel", NULL},
    {"__name__", gmp_boundop_name, NULL, NULL, NULL},
    {"__qualname__", gmp_boundop_qualname, NULL, NULL, NULL},
    {"__doc__", gmp_boundop_doc, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject gmp_boundop_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "gmp.chan_method",
    .tp_basicsize = sizeof(gmp_boundop_t),
    .tp_dealloc = gmp_boundop_dealloc,
    .tp_vectorcall_offset = offsetof(gmp_boundop_t, vectorcall),
    .tp_repr = gmp_boundop_repr,
    .tp_hash = gmp_boundop_hash,
    .tp_call = PyVectorcall_Call,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "A channel operation bound to its channel (ch.send, ch.recv, ch.recv_ok).",
    .tp_traverse = gmp_boundop_traverse,
    .tp_clear = gmp_boundop_clear,
    .tp_richcompare = gmp_boundop_richcompare,
    .tp_getset = gmp_boundop_getset,
};

/* ---- unbound: chan.recv, in the channel type's dict ------------------------ */

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    int op;
} gmp_chanmeth_t;

static PyObject *gmp_chanmeth_call(PyObject *self, PyObject *const *args, size_t nargsf,
                                   PyObject *kwnames) {
    int op = ((gmp_chanmeth_t *)self)->op;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (kwnames != NULL && PyTuple_GET_SIZE(kwnames) != 0) {
        PyErr_Format(PyExc_TypeError, "%s() takes no keyword arguments", gmp_op_names[op]);
        return NULL;
    }
    if (nargs < 1 || !PyObject_TypeCheck(args[0], gmp_chan_type)) {
        PyErr_Format(PyExc_TypeError, "descriptor '%s' for 'gmp.chan' objects needs a chan",
                     gmp_op_names[op]);
        return NULL;
    }
    return gmp_chanop_do(op, args[0], args + 1, nargs - 1);
}

static PyObject *gmp_chanmeth_get(PyObject *self, PyObject *obj, PyObject *type) {
    (void)type;
    if (obj == NULL || obj == Py_None) {
        Py_INCREF(self);
        return self;
    }
    return gmp_boundop_new(obj, ((gmp_chanmeth_t *)self)->op);
}

static PyObject *gmp_chanmeth_repr(PyObject *self) {
    return PyUnicode_FromFormat("<method '%s' of 'gmp.chan' objects>",
                                gmp_op_names[((gmp_chanmeth_t *)self)->op]);
}

static PyObject *gmp_chanmeth_doc(PyObject *self, void *unused) {
    (void)unused;
    return PyUnicode_FromString(gmp_op_docs[((gmp_chanmeth_t *)self)->op]);
}

static PyObject *gmp_chanmeth_name(PyObject *self, void *unused) {
    (void)unused;
    return PyUnicode_FromString(gmp_op_names[((gmp_chanmeth_t *)self)->op]);
}

static PyGetSetDef gmp_chanmeth_getset[] = {
    {"__doc__", gmp_chanmeth_doc, NULL, NULL, NULL},
    {"__name__", gmp_chanmeth_name, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject gmp_chanmeth_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "gmp.chan_method_descriptor",
    .tp_basicsize = sizeof(gmp_chanmeth_t),
    .tp_dealloc = (destructor)PyObject_Del,
    .tp_vectorcall_offset = offsetof(gmp_chanmeth_t, vectorcall),
    .tp_repr = gmp_chanmeth_repr,
    .tp_call = PyVectorcall_Call,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL | Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_descr_get = gmp_chanmeth_get,
    .tp_getset = gmp_chanmeth_getset,
};

/* Readies both types and puts the three descriptors into chan's dict.
 * 0, or -1 with an error set. */
static int gmp_chanops_install(PyTypeObject *chantype) {
    int op;
    gmp_chan_type = chantype;
    if (PyType_Ready(&gmp_boundop_type) < 0 || PyType_Ready(&gmp_chanmeth_type) < 0)
        return -1;
    for (op = 0; op < GMP_NOPS; op++) {
        gmp_chanmeth_t *m = PyObject_New(gmp_chanmeth_t, &gmp_chanmeth_type);
        if (m == NULL)
            return -1;
        m->vectorcall = gmp_chanmeth_call;
        m->op = op;
        if (PyDict_SetItemString(chantype->tp_dict, gmp_op_names[op], (PyObject *)m) < 0) {
            Py_DECREF(m);
            return -1;
        }
        Py_DECREF(m);
    }
    PyType_Modified(chantype);
    return 0;
}

/* For select: is o a bound channel operation? Then its channel and op. */
static inline int gmp_boundop_check(PyObject *o) { return Py_TYPE(o) == &gmp_boundop_type; }
static inline PyObject *gmp_boundop_chan(PyObject *o) { return ((gmp_boundop_t *)o)->ch; }
static inline int gmp_boundop_op(PyObject *o) { return ((gmp_boundop_t *)o)->op; }

#endif
