# Go's runtime/metrics (and proc.go's gTrackingPeriod sampling): the
# scheduling-latency histogram (trackready/trackrun), the thread count and
# their getters.

# ---- scheduling latency (runtime/metrics /sched/latencies:seconds) ---------
# One in 8 transitions to runnable is timed (Go samples the same way,
# gTrackingPeriod): g.waitsince holds -nanotime() from then until the G runs.
# Bucket 0 is [0, 64 ns); bucket i >= 1 is [2^(i+5), 2^(i+6)) ns; the last
# is open-ended.

cdef enum:
    NLATBUCKETS = 40


cdef int64_t schedlat[NLATBUCKETS]
cdef int64_t schedlatsum = 0


cdef inline void trackready(G g) noexcept:
    if gmp_fastrandn(8) == 0:
        g.waitsince = -gmp_nanotime()


cdef inline void trackrun(G g) noexcept:
    cdef int64_t d
    cdef int i
    if g.waitsince >= 0:
        return
    d = gmp_nanotime() + g.waitsince
    g.waitsince = 0
    if d < 0:
        d = 0
    i = 0
    if d >= 64:
        i = 63 - gmp_clz64(<uint64_t>d) - 5
        if i >= NLATBUCKETS:
            i = NLATBUCKETS - 1
    gmp_xadd64(&schedlat[i], 1)
    gmp_xadd64(&schedlatsum, d)


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


cdef int32_t nthreads() noexcept:
    return sched.mcount + (1 if sysmon_running else 0) + nhelpers


def _schedstats():
    """The scheduler's event counters since the runtime started (a forked
    child goes on from its parent's counts): Ms woken by another thread,
    Ms woken by wakep, steals, unstarted goroutines handed to an idle P by
    a goroutine that parked from nogil code (handoffnogil), GIL retakes and those that found the GIL
    free (proc_m.pxi, "The GIL"),
    scheduling rounds that ran on another M than the round before (the GIL
    moved between threads), and whether GIL-aware scheduling is on."""
    return {
        "mwakes": gmp_load64(&sched.nmwake),
        "wakeps": gmp_load64(&sched.nwakep),
        "steals": gmp_load64(&sched.nsteal),
        "handoffs": gmp_load64(&sched.nhandoff),
        "gilretakes": gmp_load64(&sched.nretake),
        "gilretakes_ok": gmp_load64(&sched.nretakeok),
        "mswitches": gmp_load64(&sched.nmswitch),
        "gilaware": bool(gilaware),
    }
