# Go's runtime/signal_unix.go: the SIGINT and SIGQUIT handlers the runtime
# installs at start, and checksignals (M0 runs Python's handlers when a
# signal interrupted its park).

def _sigint(signum, frame):
    """SIGINT's handler while the runtime runs (installed at start in place of
    Python's default_int_handler). Python runs signal handlers on the main
    thread, i.e. on M0, in whichever goroutine M0 is running; as Python
    raises KeyboardInterrupt in the main thread only, this raises it in the
    main goroutine only: directly when that is the one running, otherwise
    from its blocking call (throwinto), or at its next park or scheduling
    point when it is runnable."""
    cdef M m = getm()
    if g1 is None or g1.status == _Gdead or m is None or m.curg is g1:
        raise KeyboardInterrupt
    throwinto(g1, KeyboardInterrupt())


cdef int installsigint() except -1:
    """Routes KeyboardInterrupt to the main goroutine (_sigint), unless the
    program installed its own SIGINT handler."""
    if g1 is not None and _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
        _signal.signal(_signal.SIGINT, _sigint)
    return 0


cdef int checksignals() except -1:
    """M0 was interrupted by a signal while parked: run Python's handlers and
    deliver what they raise (KeyboardInterrupt) to the main goroutine."""
    try:
        PyErr_CheckSignals()
    except BaseException as e:
        # raised from g1's blocking call if its park can still be ended,
        # else at g1's next park or scheduling point (throwinto); never on g0
        if g1 is not None and g1.status != _Gdead:
            throwinto(g1, e)
        else:
            _flush_std()
            sys.stderr.write("gmp: %s raised by a signal handler with no main goroutine to deliver it to\n"
                             % type(e).__name__)
    return 0


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
