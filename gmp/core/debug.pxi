# GODEBUG / GMPDEBUG settings and the scheduler trace (Go's runtime1.go
# parsedebugvars and proc.go schedtrace).
#
# GODEBUG is read once, at import: comma-separated key=value pairs; GMPDEBUG
# is read after it, so its keys override GODEBUG's, and a later pair
# overrides an earlier one. Unknown keys are ignored (as Go does); a value
# Go would not take gets one warning line and is ignored.
#
# Invariant: no environment value fails start-up or reaches a C field
# unchecked. Values are read as Go's parsedebugvars reads them, with
# strconv.ParseInt(v, 10, 32): a sign, ASCII digits, and an int32 range.
# Anything else (garbage, "1_0", non-ASCII digits, 20 digits) is ignored,
# not clamped, as in Go: the setting keeps its earlier value or default.
# The int32 range also keeps the ms -> ns products below (blockwarn,
# schedtrace: at most 2**31 * 10**6 ns) far inside int64.
#
# sysmon is a plain pthread without a P or a Python thread state; it takes
# the GIL only to act (print a trace, poll the network, arm a preemption).
# It starts with the runtime.

cdef struct debugvars_t:
    int64_t schedtrace          # ms between SCHED lines; 0: off
    int64_t scheddetail
    int64_t asyncpreemptoff
    int64_t gcshrinkstackoff
    int64_t tracebackancestors
    int64_t blockwarn           # ms (GMPDEBUG only in Go terms; accepted in both)

cdef debugvars_t dbg

_DEBUG_KEYS = ("schedtrace", "scheddetail", "asyncpreemptoff", "gcshrinkstackoff",
               "tracebackancestors", "blockwarn")

_INT32_MIN = -(1 << 31)
_INT32_MAX = (1 << 31) - 1


def _atoi(text):
    """The syntax of Go's strconv.ParseInt(text, 10, bits): an optional sign
    then ASCII digits, nothing else (no spaces, "_", "0x" or non-ASCII
    digits, which int() would take). Returns the int, or None if text is
    not such a number; the caller checks the range. A number of more than
    20 digits comes back as 2**70 (or its negative) instead of being
    converted (int() refuses very long strings, and nothing needs them)."""
    sign = text[:1]
    digits = text[1:] if sign in ("+", "-") else text
    if not digits or not digits.isascii() or not digits.isdigit():
        return None
    digits = digits.lstrip("0") or "0"
    if len(digits) > 20:
        n = 1 << 70                     # out of any range a caller accepts
    else:
        n = int(digits)
    return -n if sign == "-" else n


def _shortrepr(value):
    """A value for a warning line: repr, cut to 60 characters."""
    r = repr(value)
    return r if len(r) <= 60 else r[:50] + "... (%d chars)" % len(r)


def _parsedebug(godebug, gmpdebug, warn):
    """The settings from the two variables, GMPDEBUG winning: {key: int}.
    warn(line) is called once per value that does not parse, or does not
    fit int32 (both ignored, as Go ignores them)."""
    vals = {}
    for var, text in (("GODEBUG", godebug), ("GMPDEBUG", gmpdebug)):
        for item in (text or "").split(","):
            key, eq, value = item.strip().partition("=")
            if not eq or key not in _DEBUG_KEYS:
                continue
            value = value.strip()
            v = _atoi(value)
            if v is None:
                warn("gmp: %s: %s=%s is not an integer; ignored\n" % (var, key, _shortrepr(value)))
                continue
            if not _INT32_MIN <= v <= _INT32_MAX:
                warn("gmp: %s: %s=%s is out of range; ignored\n" % (var, key, _shortrepr(value)))
                continue
            vals[key] = v
    return vals


def _envwarn(line):
    """A warning line about the environment, straight to fd 2 (at import,
    sys.stderr may be anything); it never fails."""
    try:
        os.write(2, line.encode("utf-8", "backslashreplace"))
    except OSError:
        pass


cdef int loaddebug() except -1:
    vals = _parsedebug(os.environ.get("GODEBUG"), os.environ.get("GMPDEBUG"), _envwarn)
    # every value is an int32 here (_parsedebug): the int64 fields take it.
    # schedtrace and blockwarn are periods: Go acts on schedtrace > 0 only,
    # so a negative one is off, stored as 0 for the loops that multiply it.
    dbg.schedtrace = max(0, vals.get("schedtrace", 0))
    dbg.scheddetail = vals.get("scheddetail", 0)
    dbg.asyncpreemptoff = vals.get("asyncpreemptoff", 0)
    dbg.gcshrinkstackoff = vals.get("gcshrinkstackoff", 0)
    dbg.tracebackancestors = vals.get("tracebackancestors", 0)
    dbg.blockwarn = max(0, vals.get("blockwarn", 0))
    return 0


loaddebug()


def _debugvars():
    """The settings in effect, {key: value} (Cython turns the struct into a dict)."""
    return dbg


# ---- the scheduler trace --------------------------------------------------

cdef int64_t runtimeinit_ns = gmp_nanotime()


cdef str schedtrace_text(bint detailed):
    """One trace in Go 1.19's format (proc.go schedtrace). The counters are
    read as they are, without stopping anything: a trace is a snapshot
    that may be slightly inconsistent, as Go's is."""
    cdef int32_t i, nidle = 0, nspin = 0
    cdef P p
    cdef M m
    cdef G g
    ms = []
    for i in range(sched.nallp):
        m = (<P>allp[i]).m
        if m is not None:
            ms.append(m)
            if gmp_load32(&m.parked) and not gmp_load32(&m.spinning):
                nidle += 1
    threads = nthreads()
    # Go's allp has gomaxprocs entries; Ps left beyond a lowered GOMAXPROCS
    # (still running their pinned goroutines) are not listed or counted idle
    nidlep = 0
    for i in range(sched.nprocs):
        if (<P>allp[i]).idle:
            nidlep += 1
    out = ["SCHED %dms: gomaxprocs=%d idleprocs=%d threads=%d spinningthreads=%d "
           "idlethreads=%d runqueue=%d" % (
               (gmp_nanotime() - runtimeinit_ns) // 1000000, sched.nprocs,
               nidlep, threads, gmp_load32(&sched.nmspinning), nidle,
               gq_len(&sched.runq))]
    if detailed:
        out.append(" gcwaiting=0 nmidlelocked=0 stopwait=0 sysmonwait=0\n")
    for i in range(sched.nprocs):
        p = <P>allp[i]
        qlen = runq_len(&p.runq) + gq_len(&p.readyq) + (1 if p.runnext is not None else 0)
        if detailed:
            out.append("  P%d: status=%d schedtick=%d syscalltick=%d m=%d runqsize=%d "
                       "gfreecnt=%d timerslen=%d\n" % (
                           i, _Pidle if p.idle else p.status, p.schedtick, p.syscalltick,
                           p.m.id if p.m is not None else -1, qlen, len(p.gfree), p.ntimers))
        else:
            out.append((" [" if i == 0 else " ") + str(qlen))
    if not detailed:
        out.append("]\n" if sched.nprocs else "\n")
        return "".join(out)
    running = {}
    for x in ms:
        m = <M>x
        if m.curg is not None:
            running[m.curg.goid] = m.id
        out.append("  M%d: p=%d curg=%d mallocing=0 throwing=0 preemptoff= locks=0 dying=0 "
                   "spinning=%s blocked=%s lockedg=-1\n" % (
                       m.id, m.p.id if m.p is not None else -1,
                       m.curg.goid if m.curg is not None else -1,
                       "true" if gmp_load32(&m.spinning) else "false",
                       "true" if gmp_load32(&m.parked) or (m.p is not None and
                                   gmp_load32(&sched.mstuck[m.p.id])) else "false"))
    for x in allglist():
        g = <G>x
        reason = WAIT_REASONS[g.waitreason] if g.status == _Gwaiting and \
            0 <= g.waitreason < len(WAIT_REASONS) else ""
        out.append("  G%d: status=%d(%s) m=%d lockedm=-1\n" % (
            g.goid, g.status, reason, running.get(g.goid, -1)))
    return "".join(out)


def _schedtrace(bint detailed=False):
    """The trace sysmon prints, as a string (for tests and tools)."""
    return schedtrace_text(detailed)


# ---- sysmon -----------------------------------------------------------------

cdef extern from *:
    uint32_t __atomic_load_n(uint32_t *p, int order) nogil
    enum: __ATOMIC_RELAXED

cdef gmp_sema_t sysmon_sema
gmp_sema_init(&sysmon_sema)
cdef gmp_sema_t sysmon_done         # posted by sysmon as the last thing it does
gmp_sema_init(&sysmon_done)
cdef bint sysmon_running = False
cdef int32_t sysmon_stop = 0


cdef enum:
    SYSMON_MIN_NS = 20000           # Go's sysmon: 20 us after it acted,
    SYSMON_MAX_NS = 10000000        # doubling once idle for 50 rounds, up to 10 ms
    PREEMPT_NS = 10000000           # Go's forcePreemptNS: a goroutine has run 10 ms
    STUCK_NS = 20000000             # still there 10 ms after the request: blocked=true


# Before 3.13 threading keeps a C thread's entry (a _DummyThread) after the
# thread state that made it ends, so naming sysmon once, when it starts,
# names it for good. 3.13+ drops the entry with the thread state, and each
# of sysmon's GIL blocks has a new one: see sysmonname.
cdef bint sysmon_nameable = sys.version_info < (3, 13)


cdef void sysmonname() noexcept:
    """Registers sysmon's thread in threading as gmp-sysmon (instead of a
    Dummy-<n> made the first time code running there asks for it); called
    once, when sysmon starts, and only where sysmon_nameable.
    Invariant: no garbage collection runs on sysmon's thread (it is no M: a
    finalizer that blocked there would stop preemption and the netpoll for
    good), so the collector is paused while threading allocates the entry,
    as it is while sysmon arms a preemption (preempt.pxi). On 3.13+ sysmon
    is not named: the entry would be dropped at the end of every GIL block,
    running threading's Python code there with the collector on (seen:
    finalizers of goroutines' garbage ran on sysmon's thread), and made
    again at the next."""
    cdef int gcwas = PyGC_Disable()
    try:
        threading.current_thread().name = "gmp-sysmon"
    except BaseException:
        pass
    finally:
        if gcwas:
            PyGC_Enable()


cdef void sysmon(void *arg) noexcept nogil:
    """Go's sysmon (runtime/proc.go), a C thread without a P that takes
    the GIL only to act: it sleeps 20 us, doubling up to 10 ms while it
    finds nothing to do; polls the network when nobody has for 10 ms;
    requests preemption of a goroutine that has held its P for 10 ms
    (preempt.pxi) and marks its M blocked=true if it is still there 10 ms
    later; prints schedtrace; and with blockwarn reports stuck Ps."""
    cdef int64_t now, nexttrace = -1, next, delay = SYSMON_MIN_NS, lp
    cdef int64_t since[MAXPROCS]
    cdef uint32_t last[MAXPROCS]
    cdef uint32_t warned[MAXPROCS]
    cdef int64_t asked[MAXPROCS]
    cdef int32_t sus[MAXPROCS]
    cdef uint32_t t
    cdef int32_t i, idle = 0, n
    cdef bint suspect, acted
    if sysmon_nameable:
        with gil:
            sysmonname()
    now = gmp_nanotime()
    for i in range(MAXPROCS):
        since[i] = now
        last[i] = 0
        warned[i] = 0xFFFFFFFF
        asked[i] = 0
    if dbg.schedtrace > 0:
        nexttrace = gmp_nanotime() + dbg.schedtrace * 1000000
    while not gmp_load32(&sysmon_stop):
        if idle == 0:
            delay = SYSMON_MIN_NS
        elif idle > 50:
            delay *= 2
        if delay > SYSMON_MAX_NS:
            delay = SYSMON_MAX_NS
        next = gmp_nanotime() + delay
        if nexttrace > 0 and nexttrace < next:
            next = nexttrace
        gmp_sema_wait(&sysmon_sema, next)
        if gmp_load32(&sysmon_stop):
            break
        now = gmp_nanotime()
        acted = False
        # the network, if nobody has polled it for 10 ms
        lp = gmp_load64(&np.lastpoll)
        if netpollwaiters() and lp != 0 and now - lp > SYSMON_POLL_NS \
                and gmp_cas64(&np.lastpoll, lp, now):
            with gil:
                try:
                    n = netpoll(0)
                except BaseException:
                    n = 0
            gmp_store64(&np.lastpoll, gmp_nanotime())
            if n > 0:
                acted = True
        # Ps whose M has run the same goroutine for 10 ms (Go's retake)
        suspect = False
        for i in range(sched.nprocs):
            sus[i] = 0
            if sched.ptick[i] == NULL or sched.mparked[i] == NULL:
                continue
            t = __atomic_load_n(sched.ptick[i], __ATOMIC_RELAXED)
            if t != last[i] or gmp_load32(sched.mparked[i]):
                last[i] = t
                since[i] = now
                gmp_store32(&sched.mstuck[i], 0)
                continue
            if now - since[i] >= PREEMPT_NS and now - asked[i] >= PREEMPT_NS \
                    and not dbg.asyncpreemptoff:
                asked[i] = now              # again every 10 ms while it runs on
                acted = True
                with gil:
                    try:
                        preemptm(i, t)
                    except BaseException:
                        pass
            if now - since[i] >= STUCK_NS:
                gmp_store32(&sched.mstuck[i], 1)
            if dbg.blockwarn > 0 and now - since[i] >= dbg.blockwarn * 1000000 \
                    and warned[i] != t:
                warned[i] = t               # once per episode
                sus[i] = 1
                suspect = True
        if suspect:
            with gil:
                try:
                    blockwarn_report(sus)
                except BaseException:
                    pass
        if nexttrace > 0 and now >= nexttrace:
            with gil:
                try:
                    os.write(2, schedtrace_text(dbg.scheddetail > 0).encode())
                except BaseException:
                    pass
            # from now, as Go's lasttrace = now: a trace delayed by the GIL
            # must not be followed at once by the ones it overran
            nexttrace = gmp_nanotime() + dbg.schedtrace * 1000000
        idle = 0 if acted else idle + 1
    gmp_sema_post(&sysmon_done)     # nothing of sysmon's runs after this: see _stopsysmon


cdef void blockwarn_report(int32_t *sus):
    """Prints, in Go's traceback format, the goroutines that have held their
    P past blockwarn ms (what gevent's monitor thread reports)."""
    cdef P p
    cdef M m
    cdef int32_t i
    frames = sys._current_frames()
    out = []
    for i in range(sched.nprocs):
        if not sus[i]:
            continue
        p = <P>allp[i]
        m = p.m
        if m is None or m.curg is None or gmp_load32(&m.parked):
            continue
        f = frames.get(m.thread) if m.thread is not None else None
        if f is None and m is m0:
            f = frames.get(_main_ident)
        out.append("gmp: goroutine %d has held P%d for over %d ms without yielding "
                   "(GMPDEBUG=blockwarn=%d):\n%s\n" % (
                       m.curg.goid, i, dbg.blockwarn, dbg.blockwarn, dumpg(m.curg, f)))
    if out:
        os.write(2, "".join(out).encode("utf-8", "replace"))




cdef bint sysmon_atexit = False


cdef int startsysmon() except -1:
    """Starts sysmon (again in a forked child, whose atexit handlers,
    _stopsysmon's included, are the parent's)."""
    global sysmon_running, sysmon_atexit
    if sysmon_running:
        return 0
    startthread(sysmon, NULL, "sysmon")       # not pthread_create: see proc.pxi
    sysmon_running = True
    if not sysmon_atexit:
        sysmon_atexit = True
        atexit.register(_stopsysmon)
    return 0


def _stopsysmon():
    """At exit: sysmon must not take the GIL of a finalizing interpreter.

    sysmon is a detached thread; instead of joining it, this waits for the
    post sysmon makes as the last statement of its loop's function. That
    is enough: after the post, sysmon takes no lock and touches no Python
    object (it holds no thread state: each `with gil` block ends with
    PyGILState_Release, which deletes the state it created). It only
    returns through CPython's thread wrapper into the C library's thread
    exit, whose code stays mapped (CPython never unloads an extension
    module) and which runs no Python code of ours; a greenlet thread-local
    destructor there, if a finalizer ever ran greenlet code on sysmon's
    thread, is the one every Python thread ending during finalization runs,
    and greenlet defers its cleanup safely then. A join would only also
    wait for those last instructions."""
    global sysmon_running
    if not sysmon_running:
        return
    gmp_store32(&sysmon_stop, 1)
    gmp_sema_post(&sysmon_sema)
    with nogil:
        while gmp_sema_wait(&sysmon_done, -1) != 0:
            pass                        # a signal handler interrupted the wait
    sysmon_running = False


# ---- GOTRACEBACK and SIGQUIT ------------------------------------------------

# gmp's levels: none 0, single 1 (the default), all 2, system 3, crash 4.
# Go reads GOTRACEBACK (runtime1.go, setTraceback) as a name, "" (single),
# or a number n in uint32: level n with every goroutine, so 0 is none, 1
# is all and 2 (or more: nothing prints more than system) is system.
# Anything else, a negative or too large number included, is Go's level 0
# with "all" set: no tracebacks. The environment gets that reading (plus a
# warning line); set_traceback, an API, raises ValueError instead.
_TRACEBACK_NAMES = {"none": 0, "single": 1, "": 1, "all": 2, "system": 3, "crash": 4}
cdef int traceback_level = 1


def _parsetraceback(value):
    """GOTRACEBACK's value as Go reads it (names are also taken in any case
    and with spaces around them): gmp's level, or None if Go would not
    recognise it."""
    v = (value or "").strip().lower()
    if v in _TRACEBACK_NAMES:
        return _TRACEBACK_NAMES[v]
    n = _atoi(v)
    if n is None or not 0 <= n <= 0xFFFFFFFF:
        return None
    return 0 if n == 0 else 2 if n == 1 else 3


def set_traceback(level):
    """Go's runtime/debug.SetTraceback: "none", "single", "all", "system" or
    "crash" (or Go's numbers: 0 none, 1 all, 2 system). Governs panic
    reports (all and up: every goroutine) and SIGQUIT (none: no stacks;
    otherwise every goroutine)."""
    global traceback_level
    n = _parsetraceback(str(level))
    if n is None:
        raise ValueError("set_traceback: unknown level %s (none, single, all, system, crash)"
                         % _shortrepr(level))
    traceback_level = n


def _traceback_level():
    return traceback_level


cdef int loadtraceback() except -1:
    global traceback_level
    env = os.environ.get("GOTRACEBACK")
    if env is None:
        return 0
    n = _parsetraceback(env)
    if n is None:
        # Go's reading of a value it does not know: level 0 (see above)
        _envwarn("gmp: GOTRACEBACK=%s is not a level; no tracebacks, as Go reads it "
                "(none, single, all, system, crash, 0, 1, 2)\n" % _shortrepr(env))
        n = 0
    traceback_level = n
    return 0


loadtraceback()


def _sigquit(signum, frame):
    """Go's SIGQUIT: "SIGQUIT: quit", every goroutine's stack (unless
    GOTRACEBACK=none), exit status 2. Written to stderr only."""
    cdef M m = getm()
    cdef G cur = m.curg if m is not None else None
    _flush_std()
    out = ["SIGQUIT: quit\nPC=0x0 m=%d sigcode=0\n\n" % (m.id if m is not None else 0)]
    if traceback_level > 0:
        out.append(dumpall(cur, frame))
        out.append("\n")
    try:
        os.write(2, "".join(out).encode("utf-8", "replace"))
    finally:
        os._exit(2)


cdef int installsigquit() except -1:
    """Installs the SIGQUIT dump at runtime start, on the main thread, unless
    the program installed its own handler. An inherited SIG_IGN is replaced,
    as Go does (it keeps an inherited SIG_IGN only for SIGHUP and SIGINT):
    a shell starts background jobs with SIGQUIT ignored."""
    import signal
    if threading.get_ident() != _main_ident or not hasattr(signal, "SIGQUIT"):
        return 0
    if signal.getsignal(signal.SIGQUIT) in (signal.SIG_DFL, signal.SIG_IGN):
        signal.signal(signal.SIGQUIT, _sigquit)
    return 0


# ---- runtime/metrics ----------------------------------------------------------

def _schedlat():
    """(counts per bucket, sum of the sampled delays in ns) of the
    runnable-to-running histogram; see trackrun."""
    return [gmp_load64(&schedlat[i]) for i in range(NLATBUCKETS)], gmp_load64(&schedlatsum)


def _schedlat_bounds():
    """Bucket boundaries in seconds: len(counts) + 1 values, the last inf."""
    return [0.0] + [float(1 << (i + 6)) / 1e9 for i in range(NLATBUCKETS - 1)] + [float("inf")]


def _threads():
    """OS threads of the runtime: the Ms, sysmon and syscall helpers."""
    return nthreads()


cdef int32_t nthreads():
    return sched.mcount + (1 if sysmon_running else 0) + nhelpers
