# Go's runtime/panic.go (fatalpanic, the panic report and hooks) and the
# ends of the process: Panic/Deadlock/GoExit, sys.exit in a goroutine
# (exitclaim, sysexit), checkdead (proc.go), the crash hooks and their
# watchdog, and _exitstop (the atexit stop of every M).

class _ExceptionSignature:
    """The ``__signature__`` of gmp's exception classes: ``(*args)``, what
    BaseException takes. inspect.signature finds none on an exception class
    by itself (not even on ValueError: BaseException's docstring carries no
    text signature), and before 3.12 it takes only an inspect.Signature
    there, which is built when read so that importing gmp does not import
    inspect."""

    def __get__(self, obj, cls=None):
        import inspect
        return inspect.Signature([inspect.Parameter("args", inspect.Parameter.VAR_POSITIONAL)])


class Panic(Exception):
    """A Go runtime panic, with Go's message (e.g. "send on closed channel")."""
    __signature__ = _ExceptionSignature()


class Deadlock(Panic):
    """Raised in the main goroutine when every goroutine is asleep."""


class GoExit(BaseException):
    """Raised by runtime.goexit(): unwinds the goroutine, running finally blocks."""
    __signature__ = _ExceptionSignature()


cdef void _flush_std() noexcept:
    """Flushes sys.stdout and sys.stderr. Invariant: cannot raise (it runs
    on the way to os._exit, which must be reached): a stream that is gone or
    fails to flush is skipped."""
    for name in ("stdout", "stderr"):
        try:
            getattr(sys, name).flush()
        except BaseException:
            pass


cdef int32_t exitclaim = 0         # atomic: set by the first goroutine that ends the process


cdef void exitfirst() noexcept:
    """Only the first goroutine that ends the process (sys.exit, a fatal
    panic) reports and exits; any other one waits here, GIL released, for
    that exit: two panics on two Ms print one report, as in Go."""
    if gmp_cas32(&exitclaim, 0, 1):
        return
    with nogil:
        while True:
            pause()


cdef void sysexit(object e) noexcept:
    """sys.exit() in a goroutine ends the process as it would on the main
    thread: None is status 0, an int is passed to exit() (the OS keeps its
    low 8 bits; one beyond a C long is 255, as CPython), anything else is
    printed to stderr and gives 1. Nothing here may raise: an exit that
    raised on another M used to be lost."""
    cdef int status = 1
    exitfirst()
    try:
        code = e.code
        if code is None:
            status = 0
        elif isinstance(code, int):
            status = <int>(code & 0xff) if -(1 << 63) <= code < (1 << 63) else 255
        else:
            _flush_std()
            try:
                sys.stderr.write("%s\n" % (code,))
            except BaseException:
                sys.stderr.write("<exit message str() failed>\n")
    except BaseException:
        pass
    _flush_std()
    os._exit(status)


cdef int32_t foreign_threads() except -1:
    """Plain Python threads alive that could still wake a goroutine."""
    cdef int32_t n = 0
    for t in threading.enumerate():
        if t.ident not in m_idents and not isinstance(t, threading._DummyThread):
            n += 1
    return n


cdef int signalwaiters() except -1:
    """Whether a Python signal handler of the program's own is installed: it
    runs on the main thread (M0) and may wake a goroutine, as Go's
    signal.Notify channel can, so no deadlock is reported while one is
    (Go's checkdead does not fire while signal delivery can wake the
    program). The default SIGINT handler, SIG_DFL/SIG_IGN and gmp's own
    SIGQUIT dump do not count."""
    if g1 is None:
        return False                # no main goroutine: M0 runs no handlers
    for sig in _signal.valid_signals():
        try:
            h = _signal.getsignal(sig)
        except (ValueError, OSError):
            continue
        if (h is None or h is _signal.SIG_DFL or h is _signal.SIG_IGN
                or h is _signal.default_int_handler or h is _sigquit or h is _sigint):
            continue
        return True
    return False


cdef enum:
    DEAD_NO = 0             # some M may still find work: park normally
    DEAD_HANDLED = 1        # deadlock raised in the main goroutine: do not park
    DEAD_BUT_THREADS = 2    # all idle, but a plain thread may still wake someone


cdef int checkdead(M m) except -1:
    """Called by an M about to park with no timer pending. If no M can ever
    find work again, reports Go's deadlock: raises gmp.Deadlock in the main
    goroutine when it is parked in gmp, otherwise prints the dump and exits
    with status 2. Plain Python threads that are alive and not parked in gmp
    might still wake a goroutine: then it reports DEAD_BUT_THREADS, and the
    caller re-checks later. Mirrors runtime/proc.go:checkdead."""
    cdef int32_t i, tok
    cdef P p
    if gmp_load32(&exitclaim):
        return DEAD_NO      # a goroutine is ending the process (its crash hooks may park): that exit comes
    if gmp_load32(&sched.npidle) != sched.nallp:
        return DEAD_NO
    if gq_len(&sched.runq) or sched.nsyscall > 0 or netpollwaiters():
        return DEAD_NO
    for i in range(sched.nallp):
        p = <P>allp[i]
        if gq_len(&p.readyq) or not runqempty(&p.runq) or p.runnext is not None:
            return DEAD_NO
    if gmp_load64(&sched.ntimers) > 0:
        return DEAD_NO
    if sched.nforeignwait < foreign_threads() or signalwaiters():
        return DEAD_BUT_THREADS
    if g1 is not None and g1.status == _Gwaiting:
        tok = gmp_load32(&g1.parktok)
        if tok != 0 and parkclaim(g1, tok):
            g1.throwexc = Deadlock("all goroutines are asleep - deadlock!")
            goready(g1)
            return DEAD_HANDLED
        return DEAD_NO              # a waker readied g1 meanwhile: no deadlock
    # two idle Ms can reach this at once (their checks hold no lock, and the
    # report's writes release the GIL): only the first reports and exits,
    # as under Go's sched.lock; the other waits for that exit
    exitfirst()
    _flush_std()
    sys.stderr.write("fatal error: all goroutines are asleep - deadlock!\n\n")
    sys.stderr.write(dumpall(None))
    sys.stderr.flush()
    os._exit(2)


def _exitstop():
    """atexit (registered at runtime start, so it runs before the handlers
    registered earlier and before interpreter finalization): the program is
    over, as when Go's main returns. Every M but M0 finishes the goroutine
    it is running up to its next scheduling point (preemption bounds that
    for Python code) and parks for good in its scheduler context. An M left
    inside a goroutine's greenlet during finalization would be ended by
    CPython with pthread_exit when it next wanted the GIL, unwinding
    through greenlet's C++ frames: a crash. If an M is still in a goroutine
    after 250 ms (a blocking C call), the process exits without
    finalization instead, after flushing stdout and stderr. From here on
    M0 yields to no other goroutine (no preemption, gosched is a no-op):
    a preempted spinner resumed on M0 during finalization, with sysmon
    gone, ran forever (seen on 16 cores)."""
    cdef int32_t *flags[2 * MAXPROCS]
    cdef int32_t n = 0, i, k
    cdef bint done = False
    cdef M m
    if not started:
        return
    if gmp_load32(&exitclaim):
        # a goroutine is ending the process (a fatal panic running its
        # hooks, a sys.exit): its status is the process's, so the main
        # thread waits for that exit instead of finishing with its own
        exitfirst()
    gmp_store32(&sched.exiting, 1)
    for i in range(sched.nallp):
        m = (<P>allp[i]).m
        if m is None or m is m0:
            continue
        flags[n] = &m.parked
        flags[n + 1] = &m.exited
        n += 2
    with nogil:
        for k in range(250):
            done = True
            i = 0
            while i < n:
                if not gmp_load32(flags[i]) and not gmp_load32(flags[i + 1]):
                    done = False
                    break
                i += 2
            if done:
                break
            usleep(1000)
    if not done:
        _flush_std()
        os._exit(1 if getattr(sys, "last_value", None) is not None else 0)


cdef object panichook = None       # hook(goid, exc, report) -> handled; see _set_panic_hook


def _set_panic_hook(hook):
    """Installs hook(goid, exc, report) for exceptions that escape a goroutine
    other than the main one (None removes it), and returns the previous hook.
    Without a hook, such a panic ends the process with Go's report and status
    2 (fatalpanic). With one, the runtime calls it instead, in the panicking
    goroutine (any M, the GIL held; it must not block) with Go's report text;
    if it returns a true value the process goes on and that goroutine is
    over, its frames unwound (finally blocks ran as the exception rose), as
    if its function had returned. gmp's pytest plugin installs one so that a
    goroutine's panic fails the test instead of killing pytest."""
    global panichook
    if hook is not None and not callable(hook):
        raise TypeError("gmp: the panic hook must be callable or None")
    old = panichook
    panichook = hook
    return old


cdef list mainthrown = None      # what _throw_main delivered in the open window; None: closed


def _main_window(bint opened):
    """Opens (True) or closes (False) the window in which _throw_main
    delivers exceptions to the main goroutine (gmp.pytest_plugin opens it
    for each phase of a test). Closing withdraws every exception delivered
    in the window that is still pending (no park or scheduling point of the
    main goroutine has raised it yet) and returns the ones delivered.
    Invariant: a close, and each _throw_main, is one step with the GIL held
    (no Python code runs within it), so nothing is delivered after a close
    and nothing delivered stays pending past it, to surface later in code
    that has nothing to do with it."""
    global mainthrown
    cdef list thrown = mainthrown
    if opened:
        mainthrown = []
        return []
    mainthrown = None
    if thrown is None:
        return []
    cdef list keep
    if g1 is not None and g1.pendingexc is not None:
        keep = []
        for x in <list>g1.pendingexc:
            for t in thrown:
                if x is t:
                    break
            else:
                keep.append(x)
        g1.pendingexc = keep if keep else None
    return thrown


def _throw_main(exc):
    """While the window is open (_main_window), raises exc in the main
    goroutine: from its blocking call if it is parked (and no waker claimed
    the park), else at its next park or scheduling point (throwinto).
    Returns False, delivering nothing, when the window is closed or there is
    no main goroutine (the runtime started off the main thread, or G1 ended)."""
    if mainthrown is None or g1 is None or g1.status == _Gdead:
        return False
    mainthrown.append(exc)
    throwinto(g1, exc)
    return True


cdef object panicreport(G g, object e):
    """Go's report of a panic that ended goroutine g: "panic: <exception>",
    the Python traceback, then the goroutine's stack in Go's form (and the
    others' with GOTRACEBACK=all)."""
    out = []
    try:
        try:
            text = str(e)
        except BaseException:
            text = "<exception str() failed>"      # CPython's wording
        if isinstance(e, Panic):
            msg = text
        else:
            msg = "%s: %s" % (type(e).__qualname__, text) if text else type(e).__qualname__
        out.append("panic: %s\n\n" % msg)
        out.append("".join(traceback.format_exception(type(e), e, e.__traceback__)))
        out.append("\ngoroutine %d [running]:\n" % g.goid)
        tb = e.__traceback__
        frames = []
        while tb is not None:
            frames.append((tb.tb_frame, tb.tb_lineno))
            tb = tb.tb_next
        out.append(fmtframes([frameinfo(f.f_code, f.f_globals, line)
                              for f, line in reversed(frames) if not _internal(f.f_code)]))
        out.append(fmtcreated(createdby(g)))
        if traceback_level >= 2:            # GOTRACEBACK=all: the others too
            for x in allglist():
                if x is not g:
                    out.append("\n" + dumpg(<G>x, None))
    except BaseException:
        if not out:
            out.append("panic: %s\n" % type(e).__qualname__)
        out.append("\n[gmp: the rest of the panic report could not be formatted]\n")
    return "".join(out)


cdef void hookfailed(str what, object he) noexcept:
    """Says on stderr that a crash hook (what) raised he; the exit goes on
    (a failing report must not lose the panic)."""
    try:
        _flush_std()
        sys.stderr.write("gmp: the %s raised %s: %s\n" % (what, type(he).__qualname__, he))
    except BaseException:
        pass


cdef bint hookpanic(G g, object e) noexcept:
    """Offers the panic to panichook: True when the hook took it. A hook that
    raises has not taken it (the process then exits as without one, after
    saying why): a panic is never lost."""
    try:
        return bool(panichook(g.goid, e, panicreport(g, e)))
    except BaseException as he:
        hookfailed("panic hook", he)
        return False


from libc.string cimport strlen


cdef double crashtimeout = 5.0     # seconds the crash hooks may take (set_crash_hook_timeout)
cdef const char *CRASHLATE = b"gmp: the crash hooks did not finish in time; exiting\n"


def _set_crash_hook_timeout(seconds):
    """Sets how long (seconds, > 0) the exception hooks and the flush of the
    logging handlers may take after a fatal panic before the process exits
    regardless; returns the previous value."""
    global crashtimeout
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError("set_crash_hook_timeout: seconds must be a number, not %s"
                        % type(seconds).__name__)
    if not seconds > 0 or seconds != seconds or seconds == float("inf"):
        raise ValueError("set_crash_hook_timeout: seconds must be positive and finite")
    old = crashtimeout
    crashtimeout = seconds
    return old


cdef void crashwatch(void *arg) noexcept nogil:
    """Watchdog of a fatal panic's hooks: exits with status 2 once their
    time is up, without the GIL (a hook may hold it for ever). It sleeps on
    a semaphore nobody posts, to the deadline (a signal ends a wait early:
    it waits again)."""
    cdef gmp_sema_t never
    cdef int64_t deadline = satadd(gmp_nanotime(), <int64_t>(min(crashtimeout, 9.2e9) * 1e9))
    gmp_sema_init(&never)
    while gmp_sema_wait(&never, deadline) != 1:
        pass
    write(2, CRASHLATE, strlen(CRASHLATE))
    _exit(2)


cdef void crashhooks(object e) noexcept:
    """What error reporters get of a fatal panic, after Go's report: the
    program's own exception hook (threading.excepthook if the program
    replaced it, else sys.excepthook if replaced: a default hook would only
    print the traceback a second time), then a flush (not a close) of every
    logging handler. Invariant: the exit that follows is never lost: a hook
    that raises is reported and skipped, and a watchdog thread started
    first ends the process with status 2 if the hooks and the flush have not
    finished within crashtimeout; without the watchdog nothing runs."""
    try:
        startthread(crashwatch, NULL, "the crash watchdog")
    except BaseException:
        return
    try:
        if threading.excepthook is not threading.__excepthook__:
            threading.excepthook(threading.ExceptHookArgs(
                [type(e), e, e.__traceback__, threading.current_thread()]))
        elif sys.excepthook is not sys.__excepthook__:
            sys.excepthook(type(e), e, e.__traceback__)
    except BaseException as he:
        hookfailed("exception hook", he)
    try:
        logging = sys.modules.get("logging")
        if logging is not None:
            for ref in reversed(list(logging._handlerList)):
                h = ref()
                if h is not None:
                    try:
                        h.flush()
                    except BaseException:
                        pass
    except BaseException:
        pass


cdef void fatalpanic(G g, object e) noexcept:
    """An exception escaped goroutine g: print Go's panic report, let the
    program's exception hook see it and flush the logging handlers
    (crashhooks), and exit 2 (no atexit handler runs, as Go runs no deferred
    call on a fatal panic), unless the panic hook (gmp.pytest_plugin during
    a test) takes it; then g just ends. Invariant: the hook is looked at only
    here, on the panic path, and the default path (no hook) is Go's: exactly
    one report, status 2."""
    if panichook is not None and hookpanic(g, e):
        return
    exitfirst()
    _flush_std()
    try:
        sys.stderr.write(panicreport(g, e))
        sys.stderr.flush()
        crashhooks(e)
        _flush_std()
    finally:
        os._exit(2)
