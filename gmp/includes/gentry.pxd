# C declarations only (see gmp_gentry.h): the C loop that is the body of
# every goroutine greenlet, and the step callbacks it calls (goexit.pxi).
from cpython.object cimport PyObject

cdef extern from "gmp_gentry.h":
    ctypedef object (*gmp_gstep_t)(object g, int failed)
    ctypedef object (*gmp_gdone_t "gmp_gstep_t")(PyObject *g, int failed)   # steals g
    ctypedef int (*gmp_gtake_t)(object g, PyObject **fn, PyObject **args, PyObject **kw,
                                PyObject **ctx) except -1
    gmp_gstep_t gmp_gstart_cb
    gmp_gtake_t gmp_gtake_cb
    gmp_gdone_t gmp_gdone_cb
    ctypedef struct PyMethodDef:
        pass
    PyMethodDef gmp_gentry_def
    object PyCFunction_NewEx(PyMethodDef *ml, PyObject *self, PyObject *module)
