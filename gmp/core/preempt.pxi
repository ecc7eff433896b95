# Go's runtime/preempt.go: asynchronous preemption (DESIGN.md "Preemption"; preemptone,
# asyncPreempt). A greenlet can only be switched from its own thread, so
# sysmon, which notices a goroutine that has held its P for 10 ms, arms a
# hook in that M's thread and the hook yields there:
#   - 3.11/3.12: a C trace function in the M's thread state
#     (_PyEval_SetTrace); at its first event it puts back the thread's own
#     trace function (a debugger's, coverage's), hands it that event, yields.
#     On 3.11 a loop that jumps back to its own instruction (`while True:
#     pass`, `while 1: continue`) raises no trace event at all: no new line,
#     and CPython counts a jump as backward only if it lands on an earlier
#     instruction. So sysmon also turns on opcode events (f_trace_opcodes)
#     in the innermost frame, the one running such a loop. 3.12 reports
#     every backward jump, a jump to itself included, as a LINE event, but
#     only in frames with f_trace_lines on (a debugger or profiler turns it
#     off in frames it ignores): there sysmon turns it on in the innermost
#     frame. The hook turns either off again at its first event;
#   - 3.13+: local sys.monitoring JUMP and PY_START events on the code
#     objects of the goroutine's current frames (the innermost may be a
#     callee without loops, e.g. a sort key); the callback turns them off.
# Nothing is armed in the steady state, so code runs at full speed before
# and after a preemption. The yield is wrapped in
# PyThreadState_LeaveTracing/EnterTracing: hooks run with the thread's
# tracing counter raised, and the goroutine switched to must not inherit it.
# GODEBUG=asyncpreemptoff=1 disables all of this.
#
# Invariants:
#   m.preempt is set (with the GIL) by sysmon before arming, and cleared by
#   the hook in m's thread, which yields only if it finds it set and finds
#   itself in m.curg's greenlet (never in g0).
#   armedcodes counts, per code object, the Ms armed on it: code objects are
#   shared by threads, and one M's callback must not disarm another's.
#   On 3.11/3.12, m.armed is the frame whose opcode (3.11) or line (3.12)
#   events sysmon turned on (only ever from off: a debugger's own choice is
#   left alone), or None; whoever clears m.armed turns them off again, and
#   the events they cause in that frame are never handed to the thread's
#   own trace function, which did not ask for them.


cdef int64_t npreempt = 0           # preemptions that yielded (GIL-protected)
cdef int64_t npreemptreq = 0        # requests sysmon made
cdef object _mon = None             # sys.monitoring (3.13+)
cdef int montool = -1
cdef int monevents = 0
cdef dict armedcodes = {}
cdef enum:
    MON_DEPTH = 8                   # frames of the goroutine armed (3.13+)


def _stdlib_files(*names):
    """Paths of stdlib source files, found without importing them (an
    import is Python code, and would run inside a preemption hook)."""
    base = os.path.dirname(threading.__file__)
    return frozenset([threading.__file__] + [os.path.join(base, n) for n in names])


cdef object _unsafe_files = _stdlib_files(
    "queue.py", os.path.join("logging", "__init__.py"), os.path.join("logging", "handlers.py"),
    os.path.join("concurrent", "futures", "_base.py"),
    os.path.join("concurrent", "futures", "thread.py"))
cdef int64_t npreemptunsafe = 0     # requests declined at an unsafe point


cdef bint unsafe_point() except -1:
    """Go preempts only at async-safe points. Here the hazard is code that
    holds a thread lock across Python code: another goroutine on the same M
    taking that lock would block the M for good (a threading.Lock) or enter
    the critical section beside it (an RLock, an import lock). So a
    preemption is declined while any of the innermost frames belongs to the
    stdlib modules that do this (threading, queue, logging, importlib,
    concurrent.futures); sysmon asks again 10 ms later."""
    f = sys._getframe(0)
    depth = 0
    while f is not None and depth < 64:
        fn = f.f_code.co_filename
        if fn in _unsafe_files or fn.startswith("<frozen importlib"):
            return True
        f = f.f_back
        depth += 1
    return False


cdef int preempt_here(M m) except -1:
    """In m's thread, from a hook: yields if a preemption is pending, this
    is a goroutine (not g0), and the goroutine is at a safe point."""
    global npreempt, npreemptunsafe
    cdef PyThreadState *ts
    if m is None or not m.preempt:
        return 0
    m.preempt = 0
    if m is m0 and gmp_load32(&sched.exiting):
        return 0                    # main has returned: M0 runs nothing else
    if forking:
        return 0                    # inside os.fork's hooks (fork.pxi)
    if m.curg is None or m.curg.gr is None or gmp_gr_getcurrent() is not m.curg.gr:
        return 0
    if unsafe_point():
        npreemptunsafe += 1
        return 0
    npreempt += 1
    ts = PyThreadState_Get()
    PyThreadState_LeaveTracing(ts)
    try:
        gosched_m()
    finally:
        PyThreadState_EnterTracing(ts)
    return 0


cdef int c_trace(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg) except -1:
    """The armed trace function (3.11/3.12): puts back the trace function it
    stood in for (a debugger's, coverage's, or none), hands it this event,
    then yields."""
    cdef M m = getm()
    cdef PyThreadState *ts = PyThreadState_Get()
    cdef PyObject *fo = NULL
    cdef Py_tracefunc f = gmp_gettrace(ts, &fo)
    cdef bint ours = False
    if f != <Py_tracefunc>c_trace:
        # Not armed any more: 3.11 hands the OPCODE event of an instruction
        # to the function that had its LINE event, so once that call put the
        # thread's own function back, a frame with a debugger's opcode
        # tracing calls here again. The event is the debugger's.
        if m is not None:
            disarmframe(m)
        if f != NULL:
            Py_XINCREF(fo)
            try:
                f(fo, frame, what, arg)
            finally:
                Py_XDECREF(fo)
        return 0
    f = NULL
    fo = NULL
    if m is not None:
        # an event of the kind sysmon turned on, in the frame it armed, is
        # only for us
        ours = (<PyObject *>frame == <PyObject *>m.armed and
                what == (PyTrace_OPCODE if GMP_ARM_FRAME == 1 else PyTrace_LINE))
        disarmframe(m)
        f = <Py_tracefunc>m.oldtrace
        fo = m.oldtraceobj              # its reference is ours now
        m.oldtrace = NULL
        m.oldtraceobj = NULL
    try:
        gmp_settrace(ts, f, fo)
        if f != NULL and not ours:
            f(fo, frame, what, arg)
    finally:
        Py_XDECREF(fo)
    return preempt_here(m)


cdef int armtrace(M m) except -1:
    """Installs c_trace in m's thread (3.11/3.12), standing in for the trace
    function already there, unless it is armed already; and arms the
    innermost frame (armframe)."""
    cdef PyObject *fo = NULL
    cdef Py_tracefunc f = gmp_gettrace(m.tstate, &fo)
    armframe(m)
    if f == <Py_tracefunc>c_trace:
        return 0
    Py_XINCREF(fo)
    Py_XDECREF(m.oldtraceobj)           # a stale one: replaced while armed
    m.oldtrace = <void *>f
    m.oldtraceobj = fo
    gmp_settrace(m.tstate, c_trace, NULL)
    return 0


cdef int armframe(M m) except -1:
    """Turns on, in the innermost frame of m's thread, the events a trace
    function needs to see the loop running there: opcode events on 3.11
    (for a loop that jumps back to its own instruction), line events on
    3.12 if they are off. sysmon holds the GIL, so that thread is between
    two instructions of this frame or in a C call from it. Only a loop that
    raises no event needs this, and such a loop calls no Python function:
    it runs in the innermost frame. Other code raises a call, return or
    line event of its own soon enough."""
    cdef PyFrameObject *fp
    if GMP_ARM_FRAME == 0:
        return 0
    disarmframe(m)                      # an arming that never fired
    fp = PyThreadState_GetFrame(<PyThreadState *>m.tstate)
    if fp == NULL:
        return 0
    frame = <object><PyObject *>fp
    Py_XDECREF(<PyObject *>fp)
    if GMP_ARM_FRAME == 1:
        if not frame.f_trace_opcodes:
            frame.f_trace_opcodes = True
            m.armed = frame
    elif not frame.f_trace_lines:
        frame.f_trace_lines = True
        m.armed = frame
    return 0


cdef int disarmframe(M m) except -1:
    """Turns off again the events armframe turned on, if any."""
    frame = m.armed
    if frame is not None:
        m.armed = None
        if GMP_ARM_FRAME == 1:
            frame.f_trace_opcodes = False
        else:
            frame.f_trace_lines = False
    return 0


def _mon_callback(*args):
    """The sys.monitoring callback (3.13+). Events also fire in other
    threads running the same code; only an armed M acts."""
    cdef M m = getm()
    if m is None or m.armed is None:
        return None
    mondisarm(m)
    preempt_here(m)
    return None


cdef int moninit() except -1:
    global _mon, montool, monevents
    if _mon is not None:
        return montool
    mon = sys.monitoring
    for tool in (4, 3, 2):
        if mon.get_tool(tool) is None:
            mon.use_tool_id(tool, "gmp-preempt")
            montool = tool
            break
    else:
        montool = -2                # every candidate id is taken: no preemption
        _mon = mon
        return montool
    monevents = mon.events.JUMP | mon.events.PY_START
    mon.register_callback(montool, mon.events.JUMP, _mon_callback)
    mon.register_callback(montool, mon.events.PY_START, _mon_callback)
    _mon = mon
    return montool


cdef int monarm(M m) except -1:
    cdef list codes = []
    if moninit() < 0:
        return 0
    # an earlier arming that never fired (its code is no longer running)
    # is replaced by the current frames
    mondisarm(m)
    f = sys._current_frames().get(m.thread if m.thread is not None else _main_ident)
    while f is not None and len(codes) < MON_DEPTH:
        code = f.f_code
        if code not in codes:
            codes.append(code)
        f = f.f_back
    f = None
    for code in codes:
        n = armedcodes.get(code, 0)
        armedcodes[code] = n + 1
        if n == 0:
            _mon.set_local_events(montool, code, monevents)
    m.armed = codes
    return 0


cdef int mondisarm(M m) except -1:
    codes = m.armed
    m.armed = None
    if codes is None:
        return 0
    for code in codes:
        n = armedcodes.get(code, 0) - 1
        if n <= 0:
            armedcodes.pop(code, None)
            _mon.set_local_events(montool, code, 0)
        else:
            armedcodes[code] = n
    return 0


cdef int preemptm(int32_t pid, uint32_t tick) except -1:
    """sysmon, holding the GIL: P pid has run one goroutine since tick for
    10 ms; arm its M. Mirrors runtime/proc.go:preemptone."""
    global npreemptreq
    cdef P p
    cdef M m
    cdef int gcwas
    if pid >= sched.nprocs:
        return 0
    p = <P>allp[pid]
    m = p.m
    if m is None or m.curg is None or m.tstate == NULL or gmp_load32(&m.parked):
        return 0
    if m is m0 and gmp_load32(&sched.exiting):
        return 0
    if p.schedtick != tick:
        return 0                    # it moved on while we waited for the GIL
    npreemptreq += 1
    m.preempt = 1
    # Arming allocates (a frame object for the goroutine's frame, the
    # monitoring dict and lists), and an allocation may start a garbage
    # collection, whose finalizers would run user code on sysmon's thread.
    # sysmon holds the GIL throughout, so this pause affects no one else.
    gcwas = PyGC_Disable()
    try:
        if GMP_HAVE_SETTRACE:
            armtrace(m)
        else:
            monarm(m)
    finally:
        if gcwas:
            PyGC_Enable()
    return 0
