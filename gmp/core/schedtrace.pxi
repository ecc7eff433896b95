# Go's runtime/proc.go schedtrace: the GODEBUG=schedtrace/scheddetail
# output.

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
        qlen = runqlen(&p.runq) + gq_len(&p.readyq) + (1 if p.runnext is not None else 0)
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
