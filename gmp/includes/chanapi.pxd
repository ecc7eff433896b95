# The CPython API gmp._chan uses beyond Cython's cpython/ declarations.
from cpython.object cimport PyObject

cdef extern from "Python.h":
    ctypedef struct PyMethodDef:
        const char *ml_name
        void *ml_meth
        int ml_flags
        const char *ml_doc
    enum: METH_FASTCALL
    object PyCFunction_NewEx(PyMethodDef *ml, PyObject *self, object module)
    Py_ssize_t Py_REFCNT(PyObject *o)
    PyObject *PyTuple_GET_ITEM(object t, Py_ssize_t i)
    void PyTuple_SET_ITEM(object t, Py_ssize_t i, object v)
    int PyObject_GC_IsTracked(object o)
    bint PyObject_IS_GC(object o)
    void PyObject_GC_Track(object o)
    ctypedef struct PyTypeObject
    PyTypeObject *Py_TYPE(PyObject *o)
    bint PyTuple_Check(PyObject *o)
    Py_ssize_t PyTuple_GET_SIZE(PyObject *o)
    bint PyCFunction_Check(PyObject *o)
    PyObject *PyCFunction_GET_SELF(PyObject *o)
    void *PyCFunction_GET_FUNCTION(PyObject *o)

# the type slots chan's GC hooks replace (chan/chan.pxi)
cdef extern from "Python.h":
    ctypedef int (*gmp_visitproc "visitproc")(PyObject *, void *) noexcept
    ctypedef int (*gmp_traverseproc "traverseproc")(PyObject *, gmp_visitproc, void *) noexcept
    ctypedef int (*gmp_inquiry "inquiry")(PyObject *) noexcept
    ctypedef struct gmp_typeobject "PyTypeObject":
        gmp_traverseproc tp_traverse
        gmp_inquiry tp_clear
        unsigned long tp_flags
    enum: Py_TPFLAGS_HAVE_GC
