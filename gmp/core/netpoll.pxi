# Go's runtime/netpoll.go + netpoll_epoll.go: the network poller. One
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

cdef struct netpoll_t:          # netpoll.pxi
    int32_t inited              # atomic
    int32_t nwaiters            # atomic: goroutines parked on a PollDesc
    int64_t lastpoll            # atomic: nanotime of the last poll; 0 while an M blocks in it
    int32_t wakesig             # atomic: a break of the blocking poll is pending

cdef netpoll_t np


cdef enum:
    MODE_R = 1
    MODE_W = 2
    PD_CLOSING = 1
    PD_TIMEOUT = 2
    SCRATCH = 65536
    NETPOLL_STALE_NS = 10000000     # sysmon polls the network when nobody has for 10 ms (Go's sysmon)


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


cdef inline PyObject *pd_unblock(PyObject **gp, int32_t *tokp, int32_t *readyp, int64_t *dp,
                                 int err, int32_t *tok) noexcept nogil:
    """Go's netpollunblock for one mode's slot (gp/tokp/readyp/dp point at
    rg/rtok/rready/rd or their w twins; pd.lock held): takes the waiting G
    out of the slot (its park token into tok), or remembers the edge when
    nobody waits. Returns the G (a reference the caller drops) or NULL."""
    cdef PyObject *g = gp[0]
    if err == PD_TIMEOUT:
        dp[0] = -1
    if g != NULL:
        tok[0] = tokp[0]
        gp[0] = NULL
    elif err == 0:
        readyp[0] = 1
    return g


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
        rg = pd_unblock(&pd.rg, &pd.rtok, &pd.rready, &pd.rd, err, &rtok)
    if modes & MODE_W:
        wg = pd_unblock(&pd.wg, &pd.wtok, &pd.wready, &pd.wd, err, &wtok)
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
