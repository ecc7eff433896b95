# Typed channels from Python: the dtype, a value's conversion to an element
# and back (numpy's rules), and the bulk transfers send_array/recv_into.
# numpy is imported on the first typed channel only.

cdef extern from "Python.h":
    double PyFloat_AS_DOUBLE(object o)
    double PyLong_AsDouble(object o) except? -1.0
    long long PyLong_AsLongLongAndOverflow(object o, int *overflow) except? -1
    char *PyByteArray_AS_STRING(object o)
    object PyBytes_FromStringAndSize(const char *s, Py_ssize_t n)
    char *PyBytes_AS_STRING(object o)
    ctypedef struct Py_buffer:
        void *buf
        Py_ssize_t len
    int PyObject_GetBuffer(object o, Py_buffer *view, int flags) except -1
    void PyBuffer_Release(Py_buffer *view)
    enum:
        PyBUF_SIMPLE
        PyBUF_WRITABLE

cdef enum:
    TSMALL = 64                 # elements up to this size convert in a stack buffer
    TSMALL_D = 8                # ... of TSMALL bytes as doubles (aligned for any scalar)
    NOGIL_BYTES = 16384         # a bulk copy this large runs with the GIL released

cdef object _np = None


cdef object numpy():
    global _np
    if _np is None:
        try:
            import numpy as m
        except ImportError:
            raise ImportError("gmp: a typed channel, chan(size, dtype=...), needs numpy "
                              "(pip install numpy)") from None
        _np = m
    return _np


cdef int tinit(chan c, Py_ssize_t n, object dtype) except -1:
    """Makes c a typed channel of n elements of dtype (anything numpy.dtype
    accepts): fixed-size and holding no Python objects."""
    cdef object dt = numpy().dtype(dtype)
    cdef int32_t k = TK_GENERIC
    if dt.hasobject:
        raise TypeError("chan: dtype %s holds Python objects; a typed channel stores values "
                        "by copy (use chan(size) for objects)" % (dt,))
    if dt.itemsize == 0:
        raise TypeError("chan: dtype %s has no size (give one, e.g. 'S16' or 'U8')" % (dt,))
    if n > (1 << 48) // dt.itemsize:        # Go's maxAlloc check (1 << 48 on linux/amd64)
        raise Panic("makechan: size out of range")
    if dt.isnative and dt.fields is None and dt.subdtype is None:
        k = {("f", 8): TK_F8, ("i", 8): TK_I8, ("i", 4): TK_I4, ("u", 1): TK_U1,
             ("b", 1): TK_BOOL}.get((dt.kind, dt.itemsize), TK_GENERIC)
    c.dtype = dt
    c.tkind = k
    c.tc = tchan_new(&c.lock, n, dt.itemsize)
    return 0


cdef int tpack(chan c, object v, char *dst) except -1:
    """Converts v to an element of c at dst, as numpy assigns it to an
    array of c's dtype (its errors too: OverflowError for an int that does
    not fit, ValueError/TypeError for what does not convert)."""
    cdef int of = 0
    cdef long long x
    cdef int32_t k = c.tkind
    if k == TK_F8:
        if type(v) is float:
            (<double *>dst)[0] = PyFloat_AS_DOUBLE(v)
            return 0
        if type(v) is int:
            (<double *>dst)[0] = PyLong_AsDouble(v)
            return 0
    elif k == TK_I8 or k == TK_I4 or k == TK_U1:
        if type(v) is int:
            x = PyLong_AsLongLongAndOverflow(v, &of)
            if of == 0:
                if k == TK_I8:
                    (<int64_t *>dst)[0] = x
                    return 0
                if k == TK_I4 and -2147483648 <= x <= 2147483647:
                    (<int32_t *>dst)[0] = <int32_t>x
                    return 0
                if k == TK_U1 and 0 <= x <= 255:
                    (<unsigned char *>dst)[0] = <unsigned char>x
                    return 0
    elif k == TK_BOOL:
        if v is True or v is False:
            dst[0] = 1 if v is True else 0
            return 0
    a = numpy().zeros(1, c.dtype)       # numpy's rules for everything else
    a[0] = v
    memcpy(dst, PyBytes_AS_STRING(a.tobytes()), c.tc.elemsize)
    return 0


cdef object tunpack(chan c, const char *src):
    """The element at src as a Python value: float, int, bool or complex for
    numeric dtypes (as ndarray.item()), otherwise numpy's scalar (numpy.void
    for a structured dtype, an ndarray for a subarray dtype)."""
    cdef int32_t k = c.tkind
    if k == TK_F8:
        return (<double *>src)[0]
    if k == TK_I8:
        return (<int64_t *>src)[0]
    if k == TK_I4:
        return (<int32_t *>src)[0]
    if k == TK_U1:
        return (<unsigned char *>src)[0]
    if k == TK_BOOL:
        return src[0] != 0
    v = numpy().frombuffer(PyBytes_FromStringAndSize(src, c.tc.elemsize), c.dtype)[0]
    if c.dtype.kind in "biufc":
        return v.item()
    return v


cdef bint tsendpy(chan c, object v, bint block) except -1:
    """chansend for a typed c (the GIL held): returns False only when block
    is False and it would block."""
    cdef double small[TSMALL_D]
    cdef char *buf = <char *>small
    cdef object big
    cdef int r
    if c.tc.elemsize > TSMALL:
        big = bytearray(c.tc.elemsize)
        buf = PyByteArray_AS_STRING(big)
    tpack(c, v, buf)
    r = tchan_trysend(c.tc, buf)
    if r == TC_OK:
        return True
    if r == TC_CLOSED:
        raise Panic("send on closed channel")
    if not block:
        return False
    tchan_park(c.tc, buf, True, NULL, False)
    return True


cdef object trecvpy(chan c, bint block, bint *ok):
    """chanrecv for a typed c (the GIL held): the value, or the dtype's zero
    value with ok False once c is closed and drained; _WOULDBLOCK when block
    is False and it would block."""
    cdef double small[TSMALL_D]
    cdef char *buf = <char *>small
    cdef object big
    cdef int iok = 0
    if c.tc.elemsize > TSMALL:
        big = bytearray(c.tc.elemsize)
        buf = PyByteArray_AS_STRING(big)
    if tchan_tryrecv(c.tc, buf, &iok) != TC_OK:
        if not block:
            return _WOULDBLOCK
        tchan_park(c.tc, buf, False, &iok, False)
    ok[0] = iok != 0
    return tunpack(c, buf)


cdef object tarray(chan c, object a, str op, bint writable):
    """a as an ndarray of c's dtype that op can copy to or from in place. A
    subarray dtype ('(3,)f8') is an array of its base dtype whose trailing
    dimensions are the subarray's shape, as numpy makes it."""
    np = numpy()
    dt = c.dtype
    if not isinstance(a, np.ndarray):
        if writable:
            raise TypeError("%s: expected a numpy array, not %s" % (op, type(a).__name__))
        # a list or a scalar: numpy's rules (for a subarray dtype, into its
        # base dtype: numpy would broadcast each number into a whole subarray)
        a = np.asarray(a, dtype=dt.base if dt.subdtype is not None else dt)
    if dt.subdtype is not None:
        base, shape = dt.subdtype
        if a.dtype != base or a.shape[a.ndim - len(shape):] != shape or a.ndim < len(shape):
            raise TypeError("%s: the array's dtype is %s with shape %s, the channel's %s "
                            "(an array of %s whose last dimensions are %s)"
                            % (op, a.dtype, a.shape, dt, base, shape))
    elif a.dtype != dt:
        raise TypeError("%s: the array's dtype is %s, the channel's %s" % (op, a.dtype, dt))
    if not a.flags.c_contiguous:
        raise ValueError("%s: the array must be C-contiguous (numpy.ascontiguousarray)" % op)
    if writable and not a.flags.writeable:
        raise ValueError("%s: the array is read-only" % op)
    return a


cdef int tsendarray(chan c, object a) except -1:
    """send_array: tchan_sendall over a's buffer, with the GIL released
    when it moves NOGIL_BYTES or more."""
    cdef tchan_t *tc = c.tc
    cdef Py_buffer view
    cdef Py_ssize_t n
    a = tarray(c, a, "send_array", False)
    n = a.nbytes // tc.elemsize
    PyObject_GetBuffer(a, &view, PyBUF_SIMPLE)
    try:
        if n * tc.elemsize >= NOGIL_BYTES:
            with nogil:
                tchan_sendall(tc, <char *>view.buf, n, True)
        else:
            tchan_sendall(tc, <char *>view.buf, n, False)
    finally:
        PyBuffer_Release(&view)
    return 0


cdef Py_ssize_t trecvinto(chan c, object out) except -1:
    """recv_into: tchan_recvall into out's buffer, with the GIL released
    when it moves NOGIL_BYTES or more."""
    cdef tchan_t *tc = c.tc
    cdef Py_buffer view
    cdef Py_ssize_t n, got
    out = tarray(c, out, "recv_into", True)
    n = out.nbytes // tc.elemsize
    PyObject_GetBuffer(out, &view, PyBUF_WRITABLE)
    try:
        if n * tc.elemsize >= NOGIL_BYTES:
            with nogil:
                got = tchan_recvall(tc, <char *>view.buf, n, True)
        else:
            got = tchan_recvall(tc, <char *>view.buf, n, False)
    finally:
        PyBuffer_Release(&view)
    return got
