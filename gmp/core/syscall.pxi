# Go's runtime/proc.go entersyscall/exitsyscall, as gmp does it: the call
# moves to a helper thread instead of the P moving away from the blocked M.
#
# Blocking-call hand-off (DESIGN.md "the call moves, not the P"): gmp.syscall
# runs fn on a pooled helper thread while the calling goroutine is parked
# ("syscall"); its P keeps running the other goroutines. Helpers are plain
# Python threads (a blocking C call releases the GIL there), started on
# demand and kept idle for reuse; they count in schedtrace's threads=, and
# checkdead treats a pending call as work in progress, idle helpers as
# nothing.

import queue as _queue

cdef object _sysq = _queue.SimpleQueue()
cdef int32_t nhelpers = 0           # helper threads started (GIL-protected)
cdef int32_t nhelpers_idle = 0      # free helpers not yet claimed by a call


def _syshelper():
    """A helper's loop. Each queued call has claimed a helper of its own
    (an idle one, or this new one), so a call never waits behind another."""
    global nhelpers_idle
    cdef G g
    cdef int32_t tok
    m_idents.add(threading.get_ident())     # not a plain thread for checkdead
    while True:
        job = _sysq.get()
        fn, args, kwargs, g, tok, box = job
        job = None
        try:
            box[0] = fn(*args, **kwargs)
        except BaseException as e:
            box[1] = e
        fn = args = kwargs = None
        gmp_xadd32(&sched.nsyscall, -1)
        nhelpers_idle += 1
        # a caller that was interrupted meanwhile has moved on: its token is
        # stale and the claim fails (the park protocol, proc.pxi)
        readyclaim(g, tok)
        g = None


def syscall(fn, *args, **kwargs):
    """Runs ``fn(*args, **kwargs)`` on a helper thread while the calling goroutine
    parks, so a blocking call holds up nothing else; returns its result or
    raises its exception. From a plain thread it just calls fn."""
    global nhelpers, nhelpers_idle
    cdef G g = getg()
    if g.foreign:
        return fn(*args, **kwargs)
    box = [None, None]
    gmp_xadd32(&sched.nsyscall, 1)
    if nhelpers_idle > 0:
        nhelpers_idle -= 1          # claim an idle helper
    else:
        nhelpers += 1
        threading.Thread(target=_syshelper, name="gmp-syscall-%d" % nhelpers,
                         daemon=True).start()
    _sysq.put((fn, args, kwargs, g, parkprep(g), box))
    if goparkx(wr_syscall):
        gothrow(g)          # the call still completes on its helper; its result is dropped
    if box[1] is not None:
        e = box[1]
        box[1] = None
        raise e
    return box[0]
