# select (Go's runtime/select.go): case parsing, the lock order, selectgo.

# ---- select ------------------------------------------------------------------

cdef class _Default:
    def __repr__(self):
        return "gmp.default"

cdef object _default = _Default()     # C global: select compares by address
default = _default

# chan's methods are plain C methods (binding=False): ch.recv is a builtin
# method whose self is the channel, and calling one goes straight to its C
# function. A select case is recognised by the identity of that C function,
# without calling anything. send, recv and recv_ok are then re-installed as
# gmp_chanop.h descriptors: the same C functions, but binding one (every
# select loop's ready.recv) takes a builtin method from a small pool instead
# of allocating one.
gmp_chanop_install(chan, "send")
gmp_chanop_install(chan, "recv")
gmp_chanop_install(chan, "recv_ok")

cdef object _m = nilchan.recv
cdef void *_fn_recv = PyCFunction_GET_FUNCTION(<PyObject *>_m)
_m = nilchan.recv_ok
cdef void *_fn_recv_ok = PyCFunction_GET_FUNCTION(<PyObject *>_m)
_m = nilchan.send
cdef void *_fn_send = PyCFunction_GET_FUNCTION(<PyObject *>_m)
_m = None

# GMPDEBUG=randseed=N (core/runtime1.pxi) seeds _chan's fastrand as well:
# each extension has its own copy of the generator, and select's poll order
# draws from this one, so with the seed it repeats from run to run on the
# thread that imported gmp.
if _core._debugvars()["randseed"] != 0:
    gmp_fastrand_seed(<uint64_t><int64_t>_core._debugvars()["randseed"])

cdef enum:
    CASE_RECV = 0
    CASE_RECV_OK = 1
    CASE_SEND = 2
    CASE_KIND = 3           # the kind's bits
    CASE_TYPED = 4          # or'ed in for a typed channel's case (tselprep)
    NSTACK = 8

cdef struct scase_t:
    PyObject *c         # borrowed from the cases tuple
    PyObject *v         # value to send (borrowed)
    int32_t kind


cdef int parsecase(PyObject *case, scase_t *sc) except -1:
    # borrowed pointers throughout: the cases outlive the select call
    cdef PyObject *fn
    cdef PyObject *self_
    cdef void *f
    if PyCFunction_Check(case):
        self_ = PyCFunction_GET_SELF(case)
        if self_ != NULL and Py_TYPE(self_) == <PyTypeObject *>chan:
            f = PyCFunction_GET_FUNCTION(case)
            sc.c = self_
            sc.v = NULL
            if f == _fn_recv:
                sc.kind = CASE_RECV
                return 0
            if f == _fn_recv_ok:
                sc.kind = CASE_RECV_OK
                return 0
            if f == _fn_send:
                raise TypeError("select: a send case needs a value: (ch.send, value)")
    elif PyTuple_Check(case):
        if PyTuple_GET_SIZE(case) != 2:
            raise TypeError("select: a send case is (ch.send, value), got a tuple of %d"
                            % PyTuple_GET_SIZE(case))
        fn = PyTuple_GET_ITEM(<object>case, 0)
        if PyCFunction_Check(fn) and PyCFunction_GET_FUNCTION(fn) == _fn_send:
            self_ = PyCFunction_GET_SELF(fn)
            if self_ != NULL and Py_TYPE(self_) == <PyTypeObject *>chan:
                if (<chan>self_).recvonly:
                    raise TypeError(_RECVONLY_SEND)
                sc.c = self_
                sc.v = PyTuple_GET_ITEM(<object>case, 1)
                sc.kind = CASE_SEND
                return 0
        raise TypeError("select: a send case is (ch.send, value), got (%r, ...)" % (<object>fn,))
    raise TypeError("select: invalid case %r (expected ch.recv, ch.recv_ok, (ch.send, v) or gmp.default)"
                    % (<object>case,))


cdef inline void selunlock(scase_t *cases, int32_t *lockorder, int32_t n) noexcept:
    cdef int32_t i
    cdef PyObject *c
    # unlock in reverse order, each channel once
    i = n - 1
    while i >= 0:
        c = cases[lockorder[i]].c
        if i == 0 or cases[lockorder[i - 1]].c != c:
            gmp_unlock(&(<chan>c).lock)
        i -= 1


cdef inline void sellock(scase_t *cases, int32_t *lockorder, int32_t n) noexcept:
    cdef int32_t i
    cdef PyObject *prev = NULL
    for i in range(n):
        if cases[lockorder[i]].c != prev:
            prev = cases[lockorder[i]].c
            gmp_lock(&(<chan>prev).lock)


# select's (index, value) result tuple is reused while nobody but this module
# holds it: `k, v = select(...)` drops it before the next select, so the
# steady state allocates nothing (the trick CPython's enumerate and zip use).
# The GIL makes the check-and-refill atomic; the tuple is referenced twice
# while the old items are released, so a __del__ that selects gets a fresh one.
cdef PyObject *_selpair = NULL


cdef int32_t _selpair_idx = -1     # the index _selpair holds


cdef object selpair(int32_t idx, object v):
    global _selpair, _selpair_idx
    cdef object t
    cdef object i           # typed: an inferred C int would be boxed twice below, and
                            # the tuple got a reference it did not own (freed for idx > 256)
    cdef PyObject *old
    if _selpair != NULL and Py_REFCNT(_selpair) == 1:
        t = <object>_selpair
        if idx != _selpair_idx:
            old = PyTuple_GET_ITEM(t, 0)
            i = idx
            Py_INCREF(i)
            PyTuple_SET_ITEM(t, 0, i)
            _selpair_idx = idx
            Py_DECREF(<object>old)
        old = PyTuple_GET_ITEM(t, 1)
        Py_INCREF(v)
        PyTuple_SET_ITEM(t, 1, v)
        Py_DECREF(<object>old)
        # the collector untracks a tuple of atomic items; one that may now
        # hold a container must be tracked again
        if PyObject_IS_GC(v) and not PyObject_GC_IsTracked(t):
            PyObject_GC_Track(t)
        return t
    t = (idx, v)
    Py_XDECREF(_selpair)
    Py_INCREF(t)
    _selpair = <PyObject *>t
    _selpair_idx = idx
    return t


cdef object selresult(int32_t kind, int32_t idx, object v, bint ok):
    if kind == CASE_RECV:
        return selpair(idx, v)
    if kind == CASE_RECV_OK:
        return selpair(idx, (v, ok))
    return selpair(idx, None)


cdef object _select(object self, PyObject **args, Py_ssize_t ncases):
    # METH_FASTCALL: the cases arrive as the caller's argument array (borrowed,
    # alive for the whole call), so no argument tuple is built per select.
    cdef scase_t stack_cases[NSTACK]
    cdef int32_t stack_order[2 * NSTACK]
    cdef scase_t *sc = stack_cases
    cdef int32_t *pollorder = stack_order
    cdef int32_t *lockorder
    cdef int32_t n = 0, i, j, k, dflt = -1
    cdef PyObject *case
    cdef object r
    cdef int32_t *caseidx
    cdef int32_t stack_idx[NSTACK]
    cdef list keep = None       # typed cases' element buffers (tselprep)
    caseidx = stack_idx
    if ncases > NSTACK:
        sc = <scase_t *>malloc(ncases * sizeof(scase_t))
        pollorder = <int32_t *>malloc(2 * ncases * sizeof(int32_t))
        caseidx = <int32_t *>malloc(ncases * sizeof(int32_t))
        if sc == NULL or pollorder == NULL or caseidx == NULL:
            free(sc); free(pollorder); free(caseidx)
            raise MemoryError()
    try:
        # parse; nil channels never become ready and are left out, as Go does
        for i in range(ncases):
            case = args[i]
            if case == <PyObject *>_default:
                if dflt >= 0:
                    raise Panic("select: multiple default")
                dflt = i
                continue
            parsecase(case, &sc[n])
            if (<chan>sc[n].c).isnil:
                continue
            if (<chan>sc[n].c).tc != NULL:
                if keep is None:
                    keep = []
                tselprep(&sc[n], keep)
                sc[n].kind |= CASE_TYPED
            caseidx[n] = i
            n += 1
        lockorder = pollorder + n
        # poll order: a uniform random permutation (inside-out Fisher-Yates;
        # step 0 always keeps 0, so it draws nothing)
        if n > 0:
            pollorder[0] = 0
        for i in range(1, n):
            j = gmp_fastrandn(i + 1)
            pollorder[i] = pollorder[j]
            pollorder[j] = i
        # pass 0 (not in Go): the first case in poll order that looks ready is
        # completed under its own channel's lock alone. Go's pass 1 (selectgo)
        # locks every channel; when some case is ready this saves n - 1 lock
        # round trips and the sort, and picks the same case Go would for that
        # state. Done here, before the large selectgo frame is entered.
        for i in range(n):
            k = pollorder[i]
            if looksready(&sc[k]):
                gmp_lock(&(<chan>sc[k].c).lock)
                r = selfire(sc, k, caseidx, &pollorder[i], 1)
                if r is not _NOTREADY:
                    return r
                gmp_unlock(&(<chan>sc[k].c).lock)
        return selectgo(sc, caseidx, pollorder, lockorder, n, dflt, ncases)
    finally:
        if sc != stack_cases:
            free(sc)
            free(pollorder)
            free(caseidx)


cdef PyMethodDef _select_def
_select_def.ml_name = "select"
_select_def.ml_meth = <void *>_select
_select_def.ml_flags = METH_FASTCALL
_select_def.ml_doc = """select(*cases)
--

Go's select: waits until one case can proceed and runs it; with
gmp.default, never blocks. Cases are ch.recv, ch.recv_ok, (ch.send, v)
and gmp.default. Returns (index, value): the received value for recv,
(value, ok) for recv_ok, None for a send or the default.
Among ready cases one is chosen uniformly at random.
Mirrors runtime/select.go:selectgo."""
select = PyCFunction_NewEx(&_select_def, NULL, __name__)


cdef object _NOTREADY = object()


cdef object selfire(scase_t *sc, int32_t k, int32_t *caseidx, int32_t *lockorder, int32_t nlock):
    """Completes case k if it can proceed now, releasing the nlock channel
    locks in lockorder; returns _NOTREADY, locks still held, if it cannot."""
    cdef PyObject *cp = sc[k].c     # borrowed: the cases hold the channels
    cdef Sudog sg
    cdef object v
    if sc[k].kind & CASE_TYPED:
        return tselfire(sc, k, caseidx, lockorder, nlock)
    if sc[k].kind == CASE_SEND:
        if (<chan>cp).closed:
            selunlock(sc, lockorder, nlock)
            raise Panic("send on closed channel")
        if not wq_empty(&(<chan>cp).recvq):
            sg = wq_dequeue(&(<chan>cp).recvq)
            if sg is not None:
                send(sg, <object>sc[k].v)
                selunlock(sc, lockorder, nlock)
                readysg(sg)
                return selpair(caseidx[k], None)
        if (<chan>cp).qcount < (<chan>cp).cap:
            ring_put(<chan>cp, sc[k].v)
            selunlock(sc, lockorder, nlock)
            return selpair(caseidx[k], None)
    else:
        if not wq_empty(&(<chan>cp).sendq):
            sg = wq_dequeue(&(<chan>cp).sendq)
            if sg is not None:
                v = recv(<chan>cp, sg)
                selunlock(sc, lockorder, nlock)
                readysg(sg)
                return selresult(sc[k].kind, caseidx[k], v, True)
        if (<chan>cp).qcount > 0:
            v = ring_take(<chan>cp)
            selunlock(sc, lockorder, nlock)
            return selresult(sc[k].kind, caseidx[k], v, True)
        if (<chan>cp).closed:
            selunlock(sc, lockorder, nlock)
            return selresult(sc[k].kind, caseidx[k], None, False)
    return _NOTREADY


cdef inline bint looksready(scase_t *s) noexcept:
    """Case s can proceed now: a racy guess without the lock (confirmed under
    it by selfire), exact with it."""
    cdef PyObject *cp = s.c     # borrowed, cast from a local: no INCREF/DECREF pair
    if s.kind & CASE_TYPED:
        if (s.kind & CASE_KIND) == CASE_SEND:
            return tsendready((<chan>cp).tc)
        return trecvready((<chan>cp).tc)
    if s.kind == CASE_SEND:
        return sendready(<chan>cp)
    return recvready(<chan>cp)


cdef inline uintptr_t caddr(scase_t *sc, int32_t *order, int32_t i) noexcept nogil:
    return <uintptr_t>sc[order[i]].c


cdef void siftlock(scase_t *sc, int32_t *order, int32_t root, int32_t n) noexcept nogil:
    """Moves order[root] down the max-heap order[0:n] (keyed by channel address)."""
    cdef int32_t child, t
    while True:
        child = 2 * root + 1
        if child >= n:
            return
        if child + 1 < n and caddr(sc, order, child + 1) > caddr(sc, order, child):
            child += 1
        if caddr(sc, order, root) >= caddr(sc, order, child):
            return
        t = order[root]; order[root] = order[child]; order[child] = t
        root = child


cdef void lockorder_heapsort(scase_t *sc, int32_t *order, int32_t n) noexcept nogil:
    """order = 0..n-1 sorted by channel address (Go's selectgo heapsorts too)."""
    cdef int32_t i, t
    for i in range(n):
        order[i] = i
    i = n // 2 - 1
    while i >= 0:
        siftlock(sc, order, i, n)
        i -= 1
    i = n - 1
    while i > 0:
        t = order[0]; order[0] = order[i]; order[i] = t
        siftlock(sc, order, 0, i)
        i -= 1


cdef object selectgo(scase_t *sc, int32_t *caseidx, int32_t *pollorder, int32_t *lockorder,
                     int32_t n, int32_t dflt, Py_ssize_t ncases):
    cdef int32_t i, j, k, tok
    cdef PyObject *cp      # borrowed: the cases hold the channels
    cdef Sudog sg
    cdef Sudog win
    cdef G g
    cdef object v
    cdef list sgs
    cdef tsudog_t **tsgs = NULL     # typed cases' C sudogs (NULL: none)
    cdef bint woke = False
    # lock order: by channel address (insertion sort for the usual few
    # cases, heapsort beyond: n log n for a select over thousands)
    if n <= 16:
        for i in range(n):
            j = i
            while j > 0 and <uintptr_t>sc[lockorder[j - 1]].c > <uintptr_t>sc[i].c:
                lockorder[j] = lockorder[j - 1]
                j -= 1
            lockorder[j] = i
    else:
        lockorder_heapsort(sc, lockorder, n)
    # pass 1: look for a case that can proceed now, every channel locked
    sellock(sc, lockorder, n)
    for i in range(n):
        v = selfire(sc, pollorder[i], caseidx, lockorder, n)
        if v is not _NOTREADY:
            return v
    if dflt >= 0:
        selunlock(sc, lockorder, n)
        return selpair(dflt, None)
    selunlock(sc, lockorder, n)
    if n == 0:
        parkforever(wr_select_nocases)
    # pass 2: enqueue on every channel, then park
    g = getg()
    sgs = []
    for i in range(n):
        if (<chan>sc[i].c).tc != NULL:
            tsgs = tselsudog(sc, i, n, g, tsgs)
            sgs.append(None)
            continue
        sg = newsudog(g, <object>sc[i].c)
        sg.isselect = True
        sg.caseidx = i
        if sc[i].kind == CASE_SEND:
            sg.elem = <object>sc[i].v
        sgs.append(sg)
    g.param = None
    sellock(sc, lockorder, n)
    # re-check readiness: the state may have changed between passes
    for i in range(n):
        if looksready(&sc[i]):
            selunlock(sc, lockorder, n)
            tselfree(tsgs, n)
            return selectgo(sc, caseidx, pollorder, lockorder, n, dflt, ncases)
    tok = parkprep(g)           # one token for every case: the first claim wins
    for i in range(n):
        if tsgs != NULL and tsgs[i] != NULL:
            tsgs[i].tok = tok
        else:
            (<Sudog>sgs[i]).tok = tok
    for i in range(n):
        k = lockorder[i]
        cp = sc[k].c
        if tsgs != NULL and tsgs[k] != NULL:
            tq_enqueue(&(<chan>cp).tc.sendq if (sc[k].kind & CASE_KIND) == CASE_SEND
                       else &(<chan>cp).tc.recvq, tsgs[k])
        elif sc[k].kind == CASE_SEND:
            wq_enqueue(&(<chan>cp).sendq, <Sudog>sgs[k])
        else:
            wq_enqueue(&(<chan>cp).recvq, <Sudog>sgs[k])
    selunlock(sc, lockorder, n)
    try:
        gopark(wr_select)
        woke = True
    finally:
        # pass 3: dequeue from the channels that did not win
        win = g.param if isinstance(g.param, Sudog) else None
        g.param = None
        sellock(sc, lockorder, n)
        for i in range(n):
            if tsgs != NULL and tsgs[i] != NULL:
                if tsgs[i].queued:
                    cp = sc[i].c
                    tq_unlink(&(<chan>cp).tc.sendq if (sc[i].kind & CASE_KIND) == CASE_SEND
                              else &(<chan>cp).tc.recvq, tsgs[i])
                continue
            sg = <Sudog>sgs[i]
            if sg.queued:
                cp = sc[i].c
                if sc[i].kind == CASE_SEND:
                    wq_unlink(&(<chan>cp).sendq, sg)
                else:
                    wq_unlink(&(<chan>cp).recvq, sg)
                Py_DECREF(sg)
        selunlock(sc, lockorder, n)
        if not woke:
            tselfree(tsgs, n)
    if tsgs != NULL:
        for i in range(n):
            if tsgs[i] != NULL and tsgs[i].done:
                return tselwon(sc, i, caseidx, tsgs, n)
        tselfree(tsgs, n)
    if win is None:             # the park protocol makes this unreachable
        raise RuntimeError("gmp: select woke with no case completed")
    k = win.caseidx
    if sc[k].kind == CASE_SEND:
        if not win.success:
            raise Panic("send on closed channel")
        return selpair(caseidx[k], None)
    v = win.elem
    win.elem = None
    return selresult(sc[k].kind, caseidx[k], v, win.success)


# ---- typed channels in select (tchan.pxi) --------------------------------------
# A typed case's element lives in C memory: a send case's value is converted
# before any lock is taken (tpack may run Python code), into a bytes object
# that sc.v then points to; a receive case whose element is too large for
# selfire's stack buffer gets a bytearray there. keep holds both for the
# whole select.

cdef int tselprep(scase_t *sc, list keep) except -1:
    cdef chan c = <chan>sc.c
    cdef object b
    if sc.kind == CASE_SEND:
        b = PyBytes_FromStringAndSize(NULL, c.tc.elemsize)
        tpack(c, <object>sc.v, PyBytes_AS_STRING(b))
    elif c.tc.elemsize > TSMALL:
        b = bytearray(c.tc.elemsize)
    else:
        return 0
    keep.append(b)
    sc.v = <PyObject *>b
    return 0


cdef object tselfire(scase_t *sc, int32_t k, int32_t *caseidx, int32_t *lockorder, int32_t nlock):
    """selfire for a typed case (its channel's lock among the nlock held)."""
    cdef tchan_t *tc = (<chan>sc[k].c).tc
    cdef tsudog_t *wl = NULL
    cdef double small[TSMALL_D]
    cdef char *buf = <char *>small
    cdef int ok = 0, r
    cdef int32_t kind = sc[k].kind & CASE_KIND
    if kind == CASE_SEND:
        r = tsendlocked(tc, PyBytes_AS_STRING(<object>sc[k].v), &wl)
        if r == TC_BLOCK:
            return _NOTREADY
        selunlock(sc, lockorder, nlock)
        twakeall(wl)
        if r == TC_CLOSED:
            raise Panic("send on closed channel")
        return selpair(caseidx[k], None)
    if tc.elemsize > TSMALL:
        buf = PyByteArray_AS_STRING(<object>sc[k].v)
    if trecvlocked(tc, buf, &ok, &wl) == TC_BLOCK:
        return _NOTREADY
    selunlock(sc, lockorder, nlock)
    twakeall(wl)
    return selresult(kind, caseidx[k], tunpack(<chan>sc[k].c, buf), ok != 0)


cdef tsudog_t **tselsudog(scase_t *sc, int32_t i, int32_t n, G g, tsudog_t **tsgs) except NULL:
    """Pass 2 for typed case i: its C sudog, in tsgs (allocated on the first)."""
    cdef tchan_t *tc = (<chan>sc[i].c).tc
    cdef tsudog_t *sg
    if tsgs == NULL:
        tsgs = <tsudog_t **>calloc(n, sizeof(tsudog_t *))
        if tsgs == NULL:
            raise MemoryError()
    try:
        sg = tsudog_new(g, tc)
    except BaseException:
        tselfree(tsgs, n)
        raise
    sg.isselect = 1
    sg.caseidx = i
    if (sc[i].kind & CASE_KIND) == CASE_SEND:
        memcpy(sg.elem, PyBytes_AS_STRING(<object>sc[i].v), tc.elemsize)
    tsgs[i] = sg
    return tsgs


cdef void tselfree(tsudog_t **tsgs, int32_t n) noexcept:
    cdef int32_t i
    if tsgs == NULL:
        return
    for i in range(n):
        if tsgs[i] != NULL:
            tsudog_free(tsgs[i])
    free(tsgs)


cdef object tselwon(scase_t *sc, int32_t k, int32_t *caseidx, tsudog_t **tsgs, int32_t n):
    """The result of a select whose typed case k a partner (or close)
    completed; frees the C sudogs."""
    cdef tsudog_t *sg = tsgs[k]
    cdef bint ok = sg.success != 0
    cdef object raw = None
    cdef int32_t kind = sc[k].kind & CASE_KIND
    if kind != CASE_SEND:
        try:
            raw = PyBytes_FromStringAndSize(sg.elem, (<chan>sc[k].c).tc.elemsize)
        except BaseException:
            tselfree(tsgs, n)
            raise
    tselfree(tsgs, n)
    if kind == CASE_SEND:
        if not ok:
            raise Panic("send on closed channel")
        return selpair(caseidx[k], None)
    return selresult(kind, caseidx[k], tunpack(<chan>sc[k].c, PyBytes_AS_STRING(raw)), ok)
