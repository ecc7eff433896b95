# The network poller, as Go's runtime/netpoll.go + netpoll_epoll.go: one
# edge-triggered epoll instance for the process and a PollDesc per fd with
# one reader slot and one writer slot. A goroutine whose non-blocking call
# would block parks in its slot ("IO wait"); whoever polls readies it on its
# home P. Polling happens
#   - without blocking, in findrunnable_nb, once a P has no local work;
#   - blocking, by the one idle M that takes the poller role (np.lastpoll
#     swapped to 0) instead of parking on its semaphore, until the earliest
#     timer; wakem breaks that wait through the eventfd when the M has work;
#   - from sysmon when nobody has polled for 10 ms (a P busy with runnable
#     goroutines never runs dry).
#
# Invariants:
#   pd.rg / pd.wg hold a strong reference to the parked G, or NULL. Whoever
#   takes a G out of a slot (event, deadline, close, withdrawal) owns that
#   reference and readies the G, or drops it when withdrawing.
#   pd.rready / pd.wready record an edge that arrived with nobody waiting
#   (Go's pdReady): the next wait consumes it instead of parking.
#   pd.lock protects the slots, the flags, closing and the deadlines.
#   pdtab[fd] is a borrowed pointer to the live PollDesc of fd, and each
#   epoll registration carries (seq << 32 | fd); an event whose seq differs
#   from the table's is for an fd number since reused and is dropped.
#   pdtab is read and written with the GIL held (every poll dispatches its
#   events holding the GIL, because readying a G touches reference counts).
#   np.nwaiters counts parked Gs; while it is non-zero checkdead reports no
#   deadlock (an armed fd can still wake someone), as in Go.

cdef extern from "gmp_netpoll.h" nogil:
    int gmp_np_init()
    int gmp_np_add(int fd, uint64_t data)
    int gmp_np_del(int fd)
    int gmp_np_wait(int64_t timeout_ns, uint64_t *data, uint32_t *events, int n)
    void gmp_np_break()
    void gmp_np_drain()
    Py_ssize_t gmp_recv(int fd, char *buf, size_t n)
    Py_ssize_t gmp_send(int fd, const char *buf, size_t n)
    int gmp_poll1(int fd, int write, int ms)
    int gmp_sock_error(int fd)
    uint32_t GMP_EV_R
    uint32_t GMP_EV_W
    uint64_t GMP_NP_BREAK

cdef extern from "<errno.h>" nogil:
    enum:
        EAGAIN
        EINTR

cdef extern from "<string.h>" nogil:
    char *strerror(int errnum)

cdef extern from "<math.h>" nogil:
    const double INFINITY

cdef extern from "Python.h":
    bytes PyBytes_FromStringAndSize(const char *s, Py_ssize_t n)
    char *PyBytes_AS_STRING(object b)
    int PyObject_GetBuffer(object o, Py_buffer *view, int flags) except -1
    void PyBuffer_Release(Py_buffer *view)
    enum:
        PyBUF_SIMPLE
        PyBUF_WRITABLE

cdef enum:
    MODE_R = 1
    MODE_W = 2
    PD_CLOSING = 1
    PD_TIMEOUT = 2
    SCRATCH = 65536
    SYSMON_POLL_NS = 10000000       # sysmon polls when nobody has for 10 ms


class NetClosingError(OSError):
    """An operation on a closed connection (Go's poll.ErrNetClosing)."""

    def __init__(self, *args):
        super().__init__(*(args or ("use of closed network connection",)))


class DeadlineExceededError(TimeoutError):
    """A deadline passed (Go's os.ErrDeadlineExceeded): "i/o timeout"."""

    def __init__(self, *args):
        super().__init__(*(args or ("i/o timeout",)))


cdef PyObject **pdtab = NULL        # fd -> its PollDesc (borrowed), GIL-protected
cdef int pdtabcap = 0
cdef uint32_t pdseqgen = 0
cdef char scratch[SCRATCH]          # recv buffer; used only with the GIL held


cdef int netpollinit() except -1:
    cdef int r
    if np.inited:
        return 0
    r = gmp_np_init()
    if r < 0:
        raise OSError(-r, "gmp: cannot create the network poller: " + strerror(-r).decode())
    gmp_store64(&np.lastpoll, gmp_nanotime())
    gmp_store32(&np.inited, 1)
    return 0


cdef inline void netpollbreak() noexcept nogil:
    """Wakes the M blocked in epoll (one write per wait: Go's netpollWakeSig)."""
    if gmp_cas32(&np.wakesig, 0, 1):
        gmp_np_break()


cdef inline bint netpollwaiters() noexcept nogil:
    return gmp_load32(&np.inited) != 0 and gmp_load32(&np.nwaiters) > 0


cdef int netpoll(int64_t delay) except? -9999:
    """Polls once, waiting up to delay ns (< 0: until an event or a break;
    0: not at all, and then without releasing the GIL), and readies the Gs
    of the events. Returns how many it readied, or -errno (-EINTR when a
    signal interrupted the wait). Mirrors runtime/netpoll_epoll.go:netpoll."""
    cdef uint64_t data[128]
    cdef uint32_t evs[128]
    cdef int n, i, fd, cnt = 0
    cdef PollDesc pd
    if delay == 0:
        n = gmp_np_wait(0, data, evs, 128)
    else:
        with nogil:
            n = gmp_np_wait(delay, data, evs, 128)
    if n < 0:
        return n
    for i in range(n):
        if data[i] == GMP_NP_BREAK:
            gmp_np_drain()
            gmp_store32(&np.wakesig, 0)
            continue
        fd = <int>(data[i] & 0xffffffff)
        if fd >= pdtabcap or pdtab[fd] == NULL:
            continue
        pd = <PollDesc>pdtab[fd]
        if pd.seq != <uint32_t>(data[i] >> 32):
            continue
        cnt += pd_ready(pd, (MODE_R if evs[i] & GMP_EV_R else 0) |
                            (MODE_W if evs[i] & GMP_EV_W else 0), 0)
    return cnt


cdef int pd_ready(PollDesc pd, int modes, int err) except -1:
    """Readies the Gs waiting in pd's slots for modes; an edge with nobody
    waiting is remembered. err (PD_CLOSING, PD_TIMEOUT) is recorded first,
    under the same lock, so the woken G sees it. Returns how many it readied."""
    cdef PyObject *rg = NULL
    cdef PyObject *wg = NULL
    cdef int32_t rtok = 0, wtok = 0
    gmp_lock(&pd.lock)
    if err == PD_CLOSING:
        pd.closing = 1
    if modes & MODE_R:
        if err == PD_TIMEOUT:
            pd.rd = -1
        if pd.rg != NULL:
            rg = pd.rg
            rtok = pd.rtok
            pd.rg = NULL
        elif err == 0:
            pd.rready = 1
    if modes & MODE_W:
        if err == PD_TIMEOUT:
            pd.wd = -1
        if pd.wg != NULL:
            wg = pd.wg
            wtok = pd.wtok
            pd.wg = NULL
        elif err == 0:
            pd.wready = 1
    gmp_unlock(&pd.lock)
    if rg != NULL:
        readyclaim(<G>rg, rtok)    # fails if an interrupt ended the wait
        Py_DECREF(<object>rg)
    if wg != NULL:
        readyclaim(<G>wg, wtok)
        Py_DECREF(<object>wg)
    return (rg != NULL) + (wg != NULL)


cdef inline int pd_err(PollDesc pd, int mode) noexcept nogil:
    if pd.closing:
        return PD_CLOSING
    if (mode == MODE_R and pd.rd < 0) or (mode == MODE_W and pd.wd < 0):
        return PD_TIMEOUT
    return 0


cdef int pd_raise(int err) except -1:
    if err == PD_CLOSING:
        raise NetClosingError()
    raise DeadlineExceededError()


cdef int pd_wait(PollDesc pd, int mode) except -1:
    """Parks the calling goroutine until pd is ready for mode (after a call
    that would have blocked). Raises NetClosingError once pd is closed and
    DeadlineExceededError once the mode's deadline has passed.
    Mirrors runtime/netpoll.go:netpollblock."""
    cdef G g = getg()
    cdef PyObject **slot
    cdef int32_t *ready
    cdef int err, r
    cdef bint own = False
    if g.foreign:
        return pd_wait_thread(pd, mode)
    slot = &pd.rg if mode == MODE_R else &pd.wg
    ready = &pd.rready if mode == MODE_R else &pd.wready
    gmp_lock(&pd.lock)
    err = pd_err(pd, mode)
    if err == 0:
        if ready[0]:
            ready[0] = 0
            gmp_unlock(&pd.lock)
            return 0
        if slot[0] != NULL:
            gmp_unlock(&pd.lock)
            raise RuntimeError("gmp: two goroutines wait to %s fd %d at once" % (
                "read" if mode == MODE_R else "write", pd.fd))
        Py_INCREF(g)
        slot[0] = <PyObject *>g
        if mode == MODE_R:
            pd.rtok = parkprep(g)
        else:
            pd.wtok = parkprep(g)
    gmp_unlock(&pd.lock)
    if err:
        return pd_raise(err)
    gmp_xadd32(&np.nwaiters, 1)
    r = goparkx(wr_io_wait)
    gmp_xadd32(&np.nwaiters, -1)
    gmp_lock(&pd.lock)
    if slot[0] == <PyObject *>g:        # woken by something else: withdraw
        slot[0] = NULL
        own = True
    err = pd_err(pd, mode)
    gmp_unlock(&pd.lock)
    if own:
        Py_DECREF(g)
    if r:
        gothrow(g)
    if err:
        pd_raise(err)
    return 0


cdef int pd_wait_thread(PollDesc pd, int mode) except -1:
    """pd_wait for a plain Python thread: poll(2) on the fd with the GIL
    released, in slices of at most 50 ms so that close and deadlines are
    noticed."""
    cdef int err, r, ms
    cdef int64_t dl, left
    while True:
        gmp_lock(&pd.lock)
        err = pd_err(pd, mode)
        dl = pd.rd if mode == MODE_R else pd.wd
        gmp_unlock(&pd.lock)
        if err:
            return pd_raise(err)
        ms = 50
        if dl > 0:
            left = dl - gmp_nanotime()
            if left <= 0:
                gmp_lock(&pd.lock)
                if mode == MODE_R:
                    pd.rd = -1
                else:
                    pd.wd = -1
                gmp_unlock(&pd.lock)
                continue
            if left < 50000000:
                ms = <int>((left + 999999) // 1000000)
        with nogil:
            r = gmp_poll1(pd.fd, mode == MODE_W, ms)
        if r > 0:
            return 0
        if r == -EINTR:
            PyErr_CheckSignals()


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
    cdef int64_t now, ns
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
    now = gmp_nanotime()
    left = (secs - gmp_walltime() / 1e9) * 1e9      # ns until the deadline
    if left <= 0:
        return -1
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
        gmp_lock_init(&self.lock)
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

    def read(self, Py_ssize_t n=SCRATCH):
        """Reads up to n bytes; b"" at end of stream. Parks while nothing
        is available. (Go's FD.Read.)"""
        cdef Py_ssize_t r
        cdef bytes out
        cdef int err
        if n < 0:
            raise ValueError("gmp: negative read size")
        if n == 0:
            return b""
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
            pd_wait(self, MODE_R)

    def readinto(self, buf):
        """Reads into a writable buffer; returns the byte count (0 at end)."""
        cdef Py_buffer view
        cdef Py_ssize_t r
        cdef int err
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
                pd_wait(self, MODE_R)
        finally:
            PyBuffer_Release(&view)

    def write(self, data):
        """Writes all of data, parking while the socket buffer is full;
        returns the byte count. (Go's FD.Write.)"""
        cdef Py_buffer view
        cdef Py_ssize_t r, done = 0
        cdef int err
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
                pd_wait(self, MODE_W)
        finally:
            PyBuffer_Release(&view)

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


cdef int netdeadline(PollDesc pd, int mode) except -1:
    """A deadline timer fired (Go's netpolldeadlineimpl)."""
    if pd.closing:
        return 0
    pd_ready(pd, mode, PD_TIMEOUT)
    return 0


def _netpoll_counts():
    return dict(inited=np.inited, nwaiters=gmp_load32(&np.nwaiters),
                lastpoll=gmp_load64(&np.lastpoll))


def _netpoll_init():
    """Creates the poller now (tests count fds, and the poller owns two)."""
    netpollinit()
