# Goroutine dumps in Go's format (runtime/traceback.go), with Python frames.
#
#   goroutine 18 [chan receive, 2 minutes]:
#   mymod.worker(...)
#   	/path/to/mymod.py:12
#   created by mymod.main in goroutine 1
#   	/path/to/mymod.py:26

cdef str funcname(object code, object globs):
    mod = globs.get("__name__", "?") if globs is not None else "?"
    qn = getattr(code, "co_qualname", code.co_name)
    return "%s.%s" % (mod, qn)


cdef tuple frameinfo(object code, object globs, int line):
    return (funcname(code, globs), code.co_filename, line)


cdef enum:
    TRACEBACK_MAX_FRAMES = 100      # Go's _TracebackMaxFrames


cdef str fmtframes(list frames):
    """(function, file, line) frames in Go's traceback lines, innermost
    first; past 100 frames Go's elision line ends them."""
    out = ["%s(...)\n\t%s:%d\n" % fr if fr[2] else "%s(...)\n" % fr[0]
           for fr in frames[:TRACEBACK_MAX_FRAMES]]
    if len(frames) > TRACEBACK_MAX_FRAMES:
        out.append("...additional frames elided...\n")
    return "".join(out)


cdef tuple createdby(G g):
    """(function, parent goid, file, line) of g's go() call site, or None."""
    if g.createdcode is None:
        return None
    return (funcname(g.createdcode, g.createdglobals), g.parentgoid,
            g.createdcode.co_filename, PyCode_Addr2Line(<PyCodeObject *>g.createdcode, g.createdlasti))


cdef str fmtcreated(tuple created):
    if created is None:
        return ""
    return "created by %s in goroutine %d\n\t%s:%d\n" % created


cdef int _internal(object code) except -1:
    """Frames of gmp's compiled core (Cython reports them with .pxi/.pyx files)."""
    fn = code.co_filename
    return fn.endswith(".pxi") or fn.endswith(".pyx")


cdef str gstatus(G g):
    """The status in a goroutine's dump header, as Go's goroutineheader: the
    wait reason of a waiting G, "syscall" for one in gmp.syscall, with the
    minutes either has been blocked."""
    cdef str s
    if g.status == _Gwaiting or g.status == _Gsyscall:
        if g.status == _Gsyscall:
            s = "syscall"
        else:
            s = WAIT_REASONS[g.waitreason] if 0 < g.waitreason < len(WAIT_REASONS) else "waiting"
        mins = (gmp_nanotime_coarse() - g.waitsince) // 60000000000
        if g.waitsince and mins >= 1:
            s += ", %d minutes" % mins
        return s
    if g.status == _Grunnable:
        return "runnable"
    if g.status == _Grunning:
        return "running"
    return "dead"


cdef str dumpg(G g, object curframe):
    out = ["goroutine %d [%s]:\n" % (g.goid, gstatus(g)), fmtframes(gframes(g, curframe))]
    out.append(fmtcreated(createdby(g)))
    if g.ancestors:
        for goid, frames, created in g.ancestors:
            out.append("[originating from goroutine %d]:\n" % goid)
            for fn, path, line in frames:
                out.append("%s(...)\n\t%s:%d\n" % (fn, path, line))
            if goid != 1:
                out.append(fmtcreated(created))
    return "".join(out)


cdef list ancestry(G parent, PyFrameObject *fp):
    """GODEBUG=tracebackancestors=N: the creator's stack now, then its own
    ancestors, N entries at most (Go's saveAncestors)."""
    f = <object><PyObject *>fp if fp != NULL else None
    out = [(parent.goid, gframes(parent, f), createdby(parent))]
    if parent.ancestors:
        out.extend(parent.ancestors)
    return out[:dbg.tracebackancestors]


cdef str dumpall(G cur, object curframe=None):
    """Every goroutine, the current one first, blank line between them."""
    parts = []
    if cur is not None:
        parts.append(dumpg(cur, curframe))
    for g in allglist():
        if g is cur:
            continue
        parts.append(dumpg(<G>g, None))
    return "\n".join(parts)


def stack(bint all=False):
    """Go's runtime.Stack: the current goroutine's stack, or every one's."""
    cdef M m = getm()
    cdef G cur = m.curg if m is not None else None
    cdef PyFrameObject *fp = PyEval_GetFrame()
    f = <object><PyObject *>fp if fp != NULL else None
    if not all:
        if cur is None:
            return "goroutine 0 [running]:\n" + fmtframes(
                [frameinfo(x.f_code, x.f_globals, x.f_lineno) for x in _walk(f)])
        return dumpg(cur, f)
    return dumpall(cur, f)


def _walk(f):
    while f is not None:
        yield f
        f = f.f_back


cdef list gframes(G g, object curframe):
    """g's Python frames, innermost first, as (function, file, line); an
    unstarted G shows its function."""
    frames = []
    f = curframe
    if f is None and g.gr is not None:
        f = getattr(g.gr, "gr_frame", None)
    if f is None and g.fn is not None:
        code = getattr(g.fn, "__code__", None)
        if code is not None:
            frames.append((funcname(code, getattr(g.fn, "__globals__", None)),
                           code.co_filename, code.co_firstlineno))
        else:
            frames.append((getattr(g.fn, "__qualname__", repr(g.fn)), "?", 0))
    while f is not None:
        if not _internal(f.f_code):
            frames.append(frameinfo(f.f_code, f.f_globals, f.f_lineno))
        f = f.f_back
    return frames


def _goroutines():
    """Every goroutine as (goid, state, frames, created_by, dump, current)
    for gmp.testing and the profilers: frames innermost first as (function,
    file, line); created_by (function, parent goid, file, line) or None;
    dump is the goroutine in Go's traceback format; current is True for the
    calling goroutine, which comes first, with its current frames."""
    cdef M m = getm()
    cdef G cur = m.curg if m is not None else None
    cdef PyFrameObject *fp = PyEval_GetFrame()
    f = <object><PyObject *>fp if fp != NULL else None
    out = []
    gs = allglist()
    if cur is not None:
        gs.remove(cur)
        gs.insert(0, cur)
    for x in gs:
        g = <G>x
        cf = f if g is cur else None
        out.append((g.goid, gstatus(g), gframes(g, cf), createdby(g), dumpg(g, cf), g is cur))
    return out
