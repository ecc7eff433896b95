# Stack accounting (Go's runtime/stack.go bookkeeping on greenlet stacks).
#
# A goroutine's "stack" is its Python frames (and the C stack greenlet saves
# with them). Each G carries Go's contiguous-stack size: 2 KiB at start,
# doubled while the in-use bytes measured exceed it (a growth, counting the
# old size as bytes copied), halved at garbage collection while a waiting
# G uses under a quarter of it (a shrink; GODEBUG=gcshrinkstackoff=1 turns
# that off). In-use bytes are measured from the frames: for each frame of
# the G, (co_stacksize + co_nlocalsplus + FRAME_SPECIALS) pointers, the
# size CPython gives a frame's slots. One park in 64 is measured (the park
# path must stay cheap); every waiting G is measured at each full (generation
# 2) collection: a scan at every young collection made the test suite 1.8x
# slower with 100,000 goroutines alive.


cdef enum:
    STACK_MIN = 2048
    FRAME_SPECIALS = 10        # a frame's fixed header, in pointers (approximation of _PyInterpreterFrame)

cdef int64_t nstackgrowth = 0
cdef int64_t nstackshrink = 0
cdef int64_t stackcopied = 0


cdef int32_t frameinuse(PyFrameObject *f) noexcept:
    """Bytes of f and its callers' frame slots (takes and drops references)."""
    cdef int64_t total = 0
    cdef PyCodeObjectFields *code
    cdef PyFrameObject *back
    if f == NULL:
        return 0
    Py_INCREF(<object><PyObject *>f)
    while f != NULL:
        code = <PyCodeObjectFields *>PyFrame_GetCode(f)
        total += (code.co_stacksize + code.co_nlocalsplus + FRAME_SPECIALS) * sizeof(void *)
        Py_DECREF(<object><PyObject *>code)
        back = PyFrame_GetBack(f)
        Py_DECREF(<object><PyObject *>f)
        f = back
    return <int32_t>min(total, 1 << 30)


cdef inline void stackgrow(G g, int32_t inuse) noexcept:
    cdef int32_t size = g.stacksize if g.stacksize else STACK_MIN
    g.stackinuse = inuse
    while inuse > size and size < (1 << 29):
        gmp_xadd64(&stackcopied, size)
        size *= 2
        gmp_xadd64(&nstackgrowth, 1)
    g.stacksize = size


cdef inline void stackpark(G g) noexcept:
    """At a park point of the running g: measure one park in 64."""
    if gmp_fastrandn(64) == 0:
        stackgrow(g, frameinuse(PyEval_GetFrame()))


def _gc_stacks(phase, info):
    """gc.callbacks: at each collection, measure every waiting G and halve
    the stacks used under a quarter (Go's shrinkstack at GC)."""
    cdef G g
    cdef int32_t inuse
    if phase != "start" or info.get("generation") != 2:
        return                      # full collections only: Go's GC cycles
    for x in allglist():
        g = <G>x
        if g.status != _Gwaiting or g.gr is None:
            continue
        f = getattr(g.gr, "gr_frame", None)
        inuse = frameinuse(<PyFrameObject *>f) if f is not None else 0
        stackgrow(g, inuse)
        if dbg.gcshrinkstackoff:
            continue
        if g.stacksize > STACK_MIN and inuse < g.stacksize // 4:
            g.stacksize //= 2
            gmp_xadd64(&nstackshrink, 1)


import gc as _gc
_gc.callbacks.append(_gc_stacks)


def read_mem_stats():
    """Go's runtime.ReadMemStats, the fields that apply: stack_inuse (bytes
    of goroutine stacks, Go's contiguous sizes), stack_sys (equal to it:
    the Ms' own thread stacks are not goroutine stacks), num_stack_growth,
    num_stack_shrink, stack_copied (bytes a contiguous stack would have
    copied), num_goroutine, and the scheduler counters."""
    cdef G g
    cdef int64_t inuse = 0
    cdef int64_t n = 0
    for x in allglist():
        g = <G>x
        inuse += g.stacksize if g.stacksize else STACK_MIN
        n += 1
    return {
        "stack_inuse": inuse,
        "stack_sys": inuse,
        "num_stack_growth": gmp_load64(&nstackgrowth),
        "num_stack_shrink": gmp_load64(&nstackshrink),
        "stack_copied": gmp_load64(&stackcopied),
        "num_goroutine": n,
        "gomaxprocs": sched.nprocs,
        "threads": nthreads(),
        "idle_procs": gmp_load32(&sched.npidle),
        "spinning_threads": gmp_load32(&sched.nmspinning),
        "global_runq": gq_len(&sched.runq),
    }
