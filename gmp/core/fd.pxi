# Go's internal/poll FD (fd_unix.go, fd_poll_runtime.go): the PollDesc
# class with its read/write loops and deadlines, and the errors it raises
# (NetClosingError, DeadlineExceededError). The poller itself is netpoll.pxi.

class NetClosingError(OSError):
    """An operation on a closed connection (Go's poll.ErrNetClosing)."""

    def __init__(self, *args):
        super().__init__(*(args or ("use of closed network connection",)))


class DeadlineExceededError(TimeoutError):
    """A deadline passed: "i/o timeout" (Go's os.ErrDeadlineExceeded).

    The root of gmp's deadline errors: gmp.context.DeadlineExceeded (Go's
    context.DeadlineExceeded) is a subclass, so one ``except
    DeadlineExceededError`` (or ``except TimeoutError``) sees a deadline
    from either package. Both report ``timeout()`` true, as Go's two errors
    satisfy ``interface{ Timeout() bool }``. Deviation: in Go
    ``errors.Is(context.DeadlineExceeded, os.ErrDeadlineExceeded)`` is
    false; Python catches by class, and a handler for "a deadline passed"
    wants both."""

    def __init__(self, *args):
        super().__init__(*(args or ("i/o timeout",)))

    def timeout(self):
        """True: a deadline error is a timeout (Go's Timeout() method)."""
        return True


cdef int64_t deadline2ns(object t) except? -2:
    """A PollDesc deadline for t (absolute time.time() seconds): 0 for none,
    -1 for one already passed, else the monotonic nanotime it falls at.
    Invariant: the result is 0, -1 or a nanotime > now that fits in int64:
    the wall-clock distance is converted in floating point and compared with
    the room left before INT64_MAX before any cast (a double cast to int64
    out of range is undefined and came out negative, so inf or time.time() +
    1e10 used to mean "already passed"). A distance beyond that room is no
    deadline: it could not fire for ~292 years of uptime."""
    cdef double secs, left
    if t is None:
        return 0
    if isinstance(t, bool):
        raise TypeError("gmp: a deadline is time.time() seconds or None, not bool")
    try:
        secs = t
    except OverflowError:
        if not isinstance(t, int):
            raise
        secs = INFINITY if t > 0 else -INFINITY     # an int beyond float range
    if secs == 0:
        return 0                    # Go's zero Time: no deadline
    if secs != secs:
        raise ValueError("gmp: deadline is NaN")
    left = (secs - gmp_walltime() / 1e9) * 1e9      # ns until the deadline
    if left <= 0:
        return -1
    return nsafter(left)


cdef int64_t nsafter(double left) noexcept nogil:
    """The nanotime left ns (> 0) from now, or 0 (no deadline) when that
    falls beyond what int64 holds (see deadline2ns)."""
    cdef int64_t now = gmp_nanotime()
    cdef int64_t ns
    # 4096 ns of margin: INT64_MAX - now rounds by up to 512 ns as a double
    if left >= <double>(INT64_MAX - now) - 4096.0:
        return 0
    ns = now + <int64_t>left
    return ns if ns > now else -1


@cython.binding(False)
@cython.always_allow_keywords(False)
cdef class PollDesc:
    """The runtime's view of one non-blocking fd (Go's pollDesc plus the
    read/write loops of internal/poll.FD). gmp.net builds connections on it;
    anything holding a non-blocking socket can use wait_read/wait_write.
    close() must come before the fd itself is closed."""
    cdef readonly int fd
    cdef uint32_t seq
    cdef gmp_lock_t lock
    cdef PyObject *rg
    cdef PyObject *wg
    cdef int32_t rtok               # park tokens of the Gs in rg / wg
    cdef int32_t wtok
    cdef int32_t rready
    cdef int32_t wready
    cdef int32_t closing
    cdef int64_t rd                 # read deadline: 0 none, > 0 nanotime, -1 passed
    cdef int64_t wd
    cdef _Timer rt
    cdef _Timer wt

    def __cinit__(self, int fd):
        global pdtab, pdtabcap, pdseqgen
        cdef PyObject **nt
        cdef int ncap, r, i
        self.fd = -1
        self.rg = NULL
        self.wg = NULL
        gmp_lock_init_rank(&self.lock, GMP_LR_POLLDESC)
        if fd < 0:
            raise ValueError("gmp: bad file descriptor %d" % fd)
        netpollinit()
        if fd >= pdtabcap:
            ncap = max(fd + 1, pdtabcap * 2, 1024)
            nt = <PyObject **>realloc(pdtab, ncap * sizeof(PyObject *))
            if nt == NULL:
                raise MemoryError()
            for i in range(pdtabcap, ncap):
                nt[i] = NULL
            pdtab = nt
            pdtabcap = ncap
        if pdtab[fd] != NULL:
            # the fd number was reused, so its old file was closed without
            # PollDesc.close(): evict whoever still waits on the old one
            (<PollDesc>pdtab[fd]).evict()
        pdseqgen += 1
        self.seq = pdseqgen
        r = gmp_np_add(fd, (<uint64_t>self.seq << 32) | <uint32_t>fd)
        if r < 0:
            raise OSError(-r, strerror(-r).decode())
        self.fd = fd
        pdtab[fd] = <PyObject *>self

    def __dealloc__(self):
        if self.fd >= 0 and self.fd < pdtabcap and pdtab[self.fd] == <PyObject *>self:
            pdtab[self.fd] = NULL
            gmp_np_del(self.fd)

    cdef int evict(self) except -1:
        """Marks pd closed, wakes its waiters (they raise NetClosingError),
        stops its deadline timers and unregisters the fd."""
        if self.closing:
            return 0
        if self.rt is not None:
            deltimer(self.rt)
            self.rt = None
        if self.wt is not None:
            deltimer(self.wt)
            self.wt = None
        if self.fd < pdtabcap and pdtab[self.fd] == <PyObject *>self:
            pdtab[self.fd] = NULL
            gmp_np_del(self.fd)
        pd_ready(self, MODE_R | MODE_W, PD_CLOSING)
        return 0

    def close(self):
        """Evicts the waiters (they raise NetClosingError) and unregisters
        the fd; the caller closes the fd afterwards. Idempotent."""
        self.evict()

    @property
    def closed(self):
        return self.closing != 0

    def wait_read(self):
        """Parks until the fd may be readable (call after EAGAIN)."""
        pd_wait(self, MODE_R)

    def wait_write(self):
        """Parks until the fd may be writable (call after EAGAIN)."""
        pd_wait(self, MODE_W)

    def check(self, bint write=False):
        """Raises what an operation would raise now (closed, deadline passed)."""
        cdef int err
        gmp_lock(&self.lock)
        err = pd_err(self, MODE_W if write else MODE_R)
        gmp_unlock(&self.lock)
        if err:
            pd_raise(err)

    def read(self, Py_ssize_t n=SCRATCH, timeout=None):
        """Reads up to n bytes; b"" at end of stream. Parks while nothing
        is available. (Go's FD.Read.) timeout is a socket's: None waits
        for ever, 0.0 raises BlockingIOError instead of parking, seconds
        raise TimeoutError("timed out") once they pass (counted from the
        first wait, as CPython's socket calls)."""
        cdef Py_ssize_t r
        cdef bytes out
        cdef int err
        cdef int64_t dl = 0
        if n < 0:
            raise ValueError("gmp: negative read size")
        if n == 0:
            return b""
        try:
            while True:
                err = pd_err(self, MODE_R)
                if err:
                    pd_raise(err)
                if n <= SCRATCH:
                    r = gmp_recv(self.fd, scratch, n)
                    if r >= 0:
                        return PyBytes_FromStringAndSize(scratch, r)
                else:
                    out = PyBytes_FromStringAndSize(NULL, n)
                    r = gmp_recv(self.fd, PyBytes_AS_STRING(out), n)
                    if r >= 0:
                        return out[:r] if r < n else out
                if r != -EAGAIN:
                    raise OSError(-r, strerror(-r).decode())
                pd_waitfor(self, MODE_R, timeout, &dl)
        finally:
            if dl != 0:
                self.setdl(MODE_R, 0)

    def readinto(self, buf, timeout=None, /):
        """Reads into a writable buffer; returns the byte count (0 at end).
        timeout as read's."""
        cdef Py_buffer view
        cdef Py_ssize_t r
        cdef int err
        cdef int64_t dl = 0
        PyObject_GetBuffer(buf, &view, PyBUF_WRITABLE)
        try:
            if view.len == 0:
                return 0
            while True:
                err = pd_err(self, MODE_R)
                if err:
                    pd_raise(err)
                r = gmp_recv(self.fd, <char *>view.buf, view.len)
                if r >= 0:
                    return r
                if r != -EAGAIN:
                    raise OSError(-r, strerror(-r).decode())
                pd_waitfor(self, MODE_R, timeout, &dl)
        finally:
            PyBuffer_Release(&view)
            if dl != 0:
                self.setdl(MODE_R, 0)

    def write(self, data, timeout=None, /):
        """Writes all of data, parking while the socket buffer is full;
        returns the byte count. (Go's FD.Write.) timeout as read's, for
        the whole write (as CPython's sendall)."""
        cdef Py_buffer view
        cdef Py_ssize_t r, done = 0
        cdef int err
        cdef int64_t dl = 0
        PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        try:
            while True:
                err = pd_err(self, MODE_W)
                if err:
                    pd_raise(err)
                r = gmp_send(self.fd, <char *>view.buf + done, view.len - done)
                if r >= 0:
                    done += r
                    if done >= view.len:
                        return done
                    continue
                if r != -EAGAIN:
                    raise OSError(-r, strerror(-r).decode())
                pd_waitfor(self, MODE_W, timeout, &dl)
        finally:
            PyBuffer_Release(&view)
            if dl != 0:
                self.setdl(MODE_W, 0)

    def connect_error(self):
        """The pending error of a non-blocking connect (SO_ERROR), 0 if none."""
        return gmp_sock_error(self.fd)

    def set_deadline(self, t, bint read=True, bint write=True):
        """Sets the read and/or write deadline to t, an absolute time.time()
        value; None or 0 clears it. A deadline in the past (-inf included)
        makes pending and future operations fail with DeadlineExceededError
        until it is moved; one too far away for the monotonic clock (inf,
        1e300, time.time() + 1e10) is no deadline, as Go's time arithmetic
        saturates. NaN is a ValueError.
        Mirrors runtime/netpoll.go:poll_runtime_pollSetDeadline."""
        cdef int64_t ns = deadline2ns(t)
        if self.closing:
            return
        if read:
            self.setdl(MODE_R, ns)
        if write:
            self.setdl(MODE_W, ns)

    cdef int setdl(self, int mode, int64_t ns) except -1:
        cdef _Timer t = self.rt if mode == MODE_R else self.wt
        if t is not None:
            deltimer(t)
        gmp_lock(&self.lock)
        if mode == MODE_R:
            self.rd = ns
        else:
            self.wd = ns
        gmp_unlock(&self.lock)
        if ns < 0:
            pd_ready(self, mode, PD_TIMEOUT)
        elif ns > 0:
            if t is None:
                t = _Timer.__new__(_Timer)
                t.kind = TIMER_NETRD if mode == MODE_R else TIMER_NETWD
                t.arg = self
                if mode == MODE_R:
                    self.rt = t
                else:
                    self.wt = t
            addtimer(t, ns)
        return 0


cdef int pd_waitfor(PollDesc pd, int mode, object timeout, int64_t *dl) except -1:
    """After EAGAIN, parks as a socket with this timeout waits (see
    PollDesc.read): None for ever; 0.0 not at all (BlockingIOError); else
    until *dl, the deadline set on the first wait (0 until then; the
    caller clears it with setdl(mode, 0) when the operation ends), then
    TimeoutError("timed out")."""
    cdef double secs
    if timeout is None:
        pd_wait(pd, mode)
        return 0
    secs = timeout
    if secs == 0.0:
        raise BlockingIOError(EAGAIN, strerror(EAGAIN).decode())
    if dl[0] == 0:
        # NaN or negative (settimeout rejects both), or beyond the clock:
        # no deadline
        dl[0] = nsafter(secs * 1e9) if secs > 0 else 0
        if dl[0] <= 0:
            dl[0] = 0
            pd_wait(pd, mode)
            return 0
        pd.setdl(mode, dl[0])
    try:
        pd_wait(pd, mode)
    except DeadlineExceededError:
        raise TimeoutError("timed out") from None
    return 0


cdef int netdeadline(PollDesc pd, int mode) except -1:
    """A deadline timer fired (Go's netpolldeadlineimpl)."""
    if pd.closing:
        return 0
    pd_ready(pd, mode, PD_TIMEOUT)
    return 0
