# C declarations only: the parts of CPython's C API (Python.h, pythread.h)
# that gmp._core uses beyond Cython's own cpython/*.pxd: frames and code
# objects (dumps, stack accounting, preemption), thread states, contexts,
# the error indicator, buffers and CPython's thread start.
from cpython.object cimport PyObject

cdef extern from "Python.h":
    # frames and code objects (traceback.pxi, stack.pxi, proc.pxi newproc)
    ctypedef struct PyFrameObject:
        pass
    ctypedef struct PyCodeObject:
        pass
    ctypedef struct PyCodeObjectFields "PyCodeObject":
        int co_stacksize
        int co_nlocalsplus
    PyFrameObject *PyEval_GetFrame()
    PyCodeObject *PyFrame_GetCode(PyFrameObject *f)
    PyObject *PyFrame_GetGlobals(PyFrameObject *f)
    int PyFrame_GetLineNumber(PyFrameObject *f)
    int PyFrame_GetLasti(PyFrameObject *f)
    PyFrameObject *PyFrame_GetBack(PyFrameObject *f)
    int PyCode_Addr2Line(PyCodeObject *co, int addr)

    # thread states and tracing (runtime2.pxi, preempt.pxi)
    ctypedef struct PyThreadState:
        pass
    PyThreadState *PyThreadState_Get()
    PyObject *PyThreadState_GetDict()
    void PyThreadState_EnterTracing(PyThreadState *ts)
    void PyThreadState_LeaveTracing(PyThreadState *ts)
    PyFrameObject *PyThreadState_GetFrame(PyThreadState *ts)
    int PyTrace_OPCODE
    int PyTrace_LINE
    ctypedef int (*Py_tracefunc)(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg) except -1
    int PyGC_Enable()
    int PyGC_Disable()

    # contexts (proc.pxi newproc)
    PyObject *PyContext_CopyCurrent() except NULL
    PyObject *PyContext_Copy(object ctx) except NULL

    # calls and the error indicator (goexit.pxi)
    PyObject *PyObject_Call(PyObject *f, PyObject *args, PyObject *kw)   # NULL with an error set
    void PyErr_Fetch(PyObject **t, PyObject **v, PyObject **tb)
    void PyErr_NormalizeException(PyObject **t, PyObject **v, PyObject **tb)
    int PyException_SetTraceback(PyObject *ex, PyObject *tb)

    # bytes and buffers (fd.pxi)
    bytes PyBytes_FromStringAndSize(const char *s, Py_ssize_t n)
    char *PyBytes_AS_STRING(object b)
    int PyObject_GetBuffer(object o, Py_buffer *view, int flags) except -1
    void PyBuffer_Release(Py_buffer *view)
    enum:
        PyBUF_SIMPLE
        PyBUF_WRITABLE

# Ms and sysmon are started with CPython's PyThread_start_new_thread (a
# detached pthread) instead of pthread_create, which glibc 2.34+ exports
# only as pthread_create@GLIBC_2.34: linked directly, it made the extension
# need a glibc newer than manylinux_2_17's.
cdef extern from "pythread.h":
    unsigned long PyThread_start_new_thread(void (*func)(void *) noexcept nogil, void *arg)
    enum: PYTHREAD_INVALID_THREAD_ID
