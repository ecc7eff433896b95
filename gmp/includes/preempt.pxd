# C declarations only (see gmp_preempt.h): setting and reading another
# thread's trace function for asynchronous preemption (preempt.pxi).
from cpython.object cimport PyObject
from gmp.includes.python cimport Py_tracefunc

cdef extern from "gmp_preempt.h":
    bint GMP_HAVE_SETTRACE
    int GMP_ARM_FRAME
    int gmp_settrace(void *tstate, Py_tracefunc f, PyObject *obj)
    Py_tracefunc gmp_gettrace(void *tstate, PyObject **obj)
