# Go's runtime/proc.go goexit0/gfput/gfget and the goroutine entry: the
# greenlet body's steps (the C loop is gmp/includes/gmp_gentry.h), the end of
# a goroutine (gdone, grelease, gdead, gfinish) and the exception that ended
# it (takeexc, goexc).

cdef enum:
    GFREE_MAX = 256     # idle greenlets kept per P (Go keeps 64 Gs per P, more globally)


# Body of every goroutine greenlet: runs Gs one after another, so that a
# finished G's greenlet runs the next unstarted G (Go's gfget/gfput). The
# loop is C (gmp_gentry.h); these are its steps.

cdef object gstart(object unused, int failed):
    cdef M m = getm()
    cdef G g = m.nextg
    m.nextg = None
    return g


cdef int gtake(object og, PyObject **fn, PyObject **args, PyObject **kw,
               PyObject **ctx) except -1:
    cdef G g = <G>og
    ctx[0] = <PyObject *>g.ctx      # moved: the C loop holds it while fn runs
    Py_INCREF(g.ctx)
    g.ctx = None
    fn[0] = <PyObject *>g.fn
    Py_INCREF(g.fn)
    args[0] = <PyObject *>g.args
    Py_INCREF(g.args)
    g.args = None
    if g.kwargs is not None:
        kw[0] = <PyObject *>g.kwargs
        Py_INCREF(g.kwargs)
        g.kwargs = None
    else:
        kw[0] = NULL
    return 0


cdef object gdone(PyObject *og, int failed):
    # og: the C loop's reference, handed over (see gfinish). No local of this
    # frame may hold g: the frame stays on the greenlet's stack while the
    # greenlet waits in the free list.
    if failed and goexc(<G>og, takeexc()):
        Py_DECREF(<object>og)
        return None         # killed (GreenletExit): let the greenlet end
    if og == forkmain:
        forkmainexit()      # a forked child's main goroutine returned (fork.pxi)
    grelease(<G>og)
    return gfinish(og)


cdef void grelease(G g) noexcept:
    """Drops the user objects a finished g still references (its function,
    and what its dump's "created by" line needs) while g is still the running
    goroutine: a finalizer that their release triggers may block, and only a
    running goroutine can park. (In gdead, with the G already dead, such a
    finalizer found no goroutine to park.)"""
    g.fn = None
    g.ancestors = None
    g.createdcode = None
    g.createdglobals = None
    g.param = None
    g.throwexc = None


gmp_gstart_cb = gstart
gmp_gtake_cb = gtake
gmp_gdone_cb = gdone
cdef object _gentry = PyCFunction_NewEx(&gmp_gentry_def, NULL, NULL)


cdef object takeexc():
    """Takes the raised exception out of the error indicator (3.11-safe)."""
    cdef PyObject *t = NULL
    cdef PyObject *v = NULL
    cdef PyObject *tb = NULL
    PyErr_Fetch(&t, &v, &tb)
    PyErr_NormalizeException(&t, &v, &tb)
    if tb != NULL and v != NULL:
        PyException_SetTraceback(v, tb)
    e = <object>v if v != NULL else None
    Py_XDECREF(t)
    Py_XDECREF(v)
    Py_XDECREF(tb)
    return e


cdef bint goexc(G g, object e) except? True:
    """The exception that ended g's function: GoExit is a normal end,
    GreenletExit a kill (the greenlet ends), anything else a fatal panic."""
    if isinstance(e, GoExit):
        return False
    if isinstance(e, GreenletExit):
        gdead(g)
        return True
    if isinstance(e, SystemExit):
        sysexit(e)
    fatalpanic(g, e)
    return False


cdef void gdead(G g) noexcept:
    cdef M m = getm()
    g.status = _Gdead
    gmp_store32(&g.parktok, 0)      # a sudog a killed G left queued can never ready it
    g.gr = None
    g.fn = None
    allgdel(g)
    gmp_xadd64(&sched.ngoroutines, -1)
    if m is not None and m.curg is g:
        m.curg = None


cdef G gfswitch(M m):
    """The EXIT case of schedule() (Go's goexit0 after gfput): the greenlet
    of a dead G picks the next G (findrunnable_nb) and runs it. An unstarted
    one runs right here (returned: the caller's loop calls it); otherwise the
    greenlet goes to the P's free list and switches to it (or to g0 when
    there is none), to be reused for a new G later (returns that G,
    m.nextg, when it is). With the free list full, g0 runs it once this
    greenlet has ended (returns None).
    A greenlet in the free list holds no G: the dead one was released by
    the caller, and the next one is held by m.curg before the switch, and by
    no local of this frame or its callers' (the pick is made here, not in
    schedule), so free greenlets keep nothing alive."""
    cdef P p = m.p
    cdef PyObject *gr
    cdef G nxt = findrunnable_nb(m, p)
    if nxt is not None and nxt.gr is None:
        trackrun(nxt)                       # an unstarted G runs right here
        nxt.homep = p
        nxt.gr = gmp_gr_getcurrent()
        nxt.status = _Grunning
        m.curg = nxt
        return nxt
    if len(p.gfree) >= GFREE_MAX:
        m.handoff = nxt                     # g0 runs it once this greenlet has ended
        return None
    p.gfree.append(gmp_gr_getcurrent())
    if nxt is None:
        gr = <PyObject *>m.g0
    else:
        gr = resumeg(m, nxt)                # a started G; m.curg holds it from here
        nxt = None                          # no reference left in this frame
    gmp_gr_switch(<object>gr, _noargs)
    nxt = m.nextg                           # reused for a new G by execute()
    m.nextg = None
    return nxt


cdef G gfinish(PyObject *og):
    """Called on a goroutine's greenlet after its function returned, with the
    greenlet loop's reference to the G (consumed here): marks it dead and
    lets schedule pick what this greenlet does next: an unstarted G runs
    right here (returned); otherwise the greenlet goes to the P's free list
    (or ends when the list is full: None) and the thread switches to the
    chosen G or to g0. Mirrors runtime/proc.go:goexit0 (gdead is its gfput
    half). Executed only by the owner P."""
    cdef M m = getm()
    gdead(<G>og)
    Py_DECREF(<object>og)       # og may be freed from here on
    og = NULL
    return schedule(m, None, SCHED_EXIT)
