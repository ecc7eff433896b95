# cython: language_level=3
# Declarations of the scheduler's types (Go's runtime2.go) and the entry
# points that gmp._chan cimports. See docs/DESIGN.md and docs/HACKING.md.
from libc.stdint cimport int32_t, uint32_t, int64_t, uint64_t
from cpython.object cimport PyObject
from gmp.includes.rt cimport gmp_lock_t, gmp_sema_t

cdef enum:
    # G statuses: numbered as Go's runtime2.go.
    _Gidle = 0          # just allocated
    _Grunnable = 1      # on a run queue; not running user code
    _Grunning = 2       # running user code on its M
    _Gsyscall = 3       # parked in gmp.syscall while a helper thread runs its call
    _Gwaiting = 4       # parked (chan, select, sleep, sync); waitreason says why
    _Gdead = 6          # finished; its greenlet went back to the P's free list
    # P statuses
    _Pidle = 0
    _Prunning = 1
    _Pdead = 4          # beyond GOMAXPROCS after a decrease (Go's _Pdead): takes no new work,
                        # runs only the Gs pinned to it (a started G never changes P)
    RUNQ_SIZE = 256
    RUNQ_HALF = 128
    MAXPROCS = 256

cdef enum waitreason:
    # Indices into WAIT_REASONS (Go's waitReason strings, same wording).
    wr_zero = 0
    wr_chan_receive
    wr_chan_send
    wr_select
    wr_select_nocases
    wr_chan_receive_nilchan
    wr_chan_send_nilchan
    wr_sleep
    wr_io_wait
    wr_mutex_lock
    wr_rwmutex_rlock
    wr_rwmutex_lock
    wr_waitgroup_wait
    wr_cond_wait
    wr_syscall          # not shown: a G parked in gmp.syscall has status _Gsyscall

# Lock-free single-producer (owner) / multi-consumer (thieves) ring of
# unstarted Gs. Mirrors runtime/runtime2.go p.runqhead/runqtail/runq.
# Each slot holds a strong reference to a G; ownership moves with the slot.
cdef struct runq_t:
    uint32_t head           # atomic: load-acquire by the owner, CAS-release by consumers
    uint32_t tail           # atomic: written only by the owner (store-release)
    void *buf[RUNQ_SIZE]

# Unbounded FIFO of strong G references behind a spinlock: the readyq of a
# P (multi-producer, owner consumer) and the global run queue.
cdef struct gqueue_t:
    gmp_lock_t lock
    void **buf              # protected by lock
    uint32_t cap            # protected by lock (power of two)
    uint32_t head           # protected by lock
    int32_t n               # written under lock; read atomically without it

cdef struct timerent_t:
    int64_t when
    uint64_t seq
    void *t                 # strong reference to a _Timer

cdef class M
cdef class P

cdef class G:
    cdef readonly int64_t goid
    cdef public int32_t status      # written by the owning M, or by a waker before it readies
    cdef int32_t waitreason
    cdef int64_t waitsince          # nanotime when it parked (-nanotime while a timed runnable)
    cdef int32_t stacksize          # Go's contiguous-stack size: 2 KiB, doubling (stack.pxi)
    cdef int32_t stackinuse         # bytes of frames last measured
    cdef object ancestors           # GODEBUG=tracebackancestors: [(goid, frames, created_by)]
    cdef P homep                    # set when first run; never changes afterwards
    cdef object gr                  # its greenlet (None until started)
    cdef object fn
    cdef tuple args
    cdef dict kwargs
    cdef object ctx                 # contextvars.Context it runs in (moved out when it starts)
    cdef int64_t parentgoid
    cdef object createdcode         # code object of the go() call site
    cdef object createdglobals      # its globals (for the module name)
    cdef int32_t createdlasti       # bytecode offset of the go() call (line computed lazily)
    cdef public object param        # set by the waker: the sudog that completed, etc.
    cdef object throwexc            # exception to raise when it resumes from gopark
    cdef int32_t parktok            # atomic: the token of the park a waker may still end, or 0
                                    # (parkprep sets it; the one waker, or interrupter,
                                    # whose CAS takes it to 0 readies the G: see proc.pxi)
    cdef int32_t parkseq            # owner only: the last token parkprep issued
    cdef object pendingexc          # None, or a list of interrupts that lost the race to a waker: raised at
                                    # the next park or scheduling point (proc.pxi)
    cdef bint foreign               # a plain Python thread's waiter, not a goroutine
    cdef gmp_sema_t *sema           # foreign only: the thread blocks here
    cdef PyObject *allnext          # protected by allglock
    cdef PyObject *allprev

cdef class P:
    cdef readonly int32_t id
    cdef int32_t status
    cdef runq_t runq                # owner puts, anyone steals
    cdef G runnext                  # owner-P only
    cdef gqueue_t readyq            # started Gs pinned here, runnable again
    cdef uint32_t schedtick         # owner-P only
    cdef uint32_t syscalltick
    cdef bint readyfirst            # owner-P only: which local queue goes first
    cdef uint32_t nrunnext          # owner-P only: consecutive runnext picks
    cdef int64_t slicestart         # owner-P only: when the inherited time slice began
    cdef list gfree                 # owner-P only: idle greenlets for new Gs
    cdef M m                        # the M bound to this P for life (None until started)
    cdef int32_t idle               # protected by sched.lock
    cdef gmp_lock_t timerlock
    cdef timerent_t *timers         # 4-ary min-heap, protected by timerlock
    cdef int32_t ntimers            # protected by timerlock
    cdef int32_t nstale             # heap entries of disarmed timers; protected by timerlock
    cdef int32_t timerscap

cdef class M:
    cdef readonly int64_t id
    cdef P p
    cdef G curg
    cdef G nextg                    # hand-off to an idle greenlet being switched to
    cdef G handoff                  # a G for g0 to run once the current greenlet ends
    cdef object g0                  # the scheduler greenlet of this thread
    cdef gmp_sema_t park
    cdef int32_t parked             # atomic: 1 while parked (or about to park)
    cdef int32_t spinning           # atomic: set by wakep, cleared by the M itself
    cdef int32_t inpoll             # atomic: 1 while it may block in epoll (wakers break it)
    cdef int32_t exited             # atomic: parked for good at interpreter exit (exitpark)
    cdef object thread
    cdef void *tstate               # its PyThreadState (sysmon arms preemption there)
    cdef bint preempt               # GIL-protected: sysmon asked it to yield (preempt.pxi)
    cdef object armed               # code objects (3.13+) or the frame (3.11/3.12) armed for it, or None
    cdef int64_t stealuntil         # under the GIL: may steal until then (a GIL retake's credit)
    cdef void *oldtrace             # <3.13: the thread's trace function the armed hook stands in for
    cdef PyObject *oldtraceobj      # ... and its object (a strong reference, or NULL)

# What a waker that holds no GIL needs of a parked G (goreadyw): filled by
# gwakeprep, with the GIL, before the G publishes its park. A typed
# channel's sudog (gmp/chan/tchan.pxi) carries one.
cdef struct gwake_t:
    void *g                 # the G: a strong reference for a goroutine, which
                            # goreadyw moves to its P's readyq (or gwakedrop
                            # drops); borrowed for a plain thread's waiter
    int32_t *status         # &g.status
    int64_t *waitsince      # &g.waitsince
    gqueue_t *readyq        # &g.homep.readyq; NULL for a plain thread's waiter
    gmp_sema_t *sema        # a plain thread's waiter: the semaphore it blocks on
    int32_t pid             # g.homep.id

cdef M getm()
cdef G getg()
cdef int gopark(int32_t reason) except -1
cdef int goparkx(int32_t reason) except -1
cdef int gothrow(G g) except -1
cdef void goready(G g) noexcept
cdef void gwakeprep(G g, gwake_t *w) noexcept
cdef void gwakedrop(gwake_t *w) noexcept
cdef void goreadyw(gwake_t *w) noexcept nogil
cdef int handoffnogil() except -1
cdef void notenogilpark() noexcept nogil
cdef int32_t parkprep(G g) noexcept
cdef bint parkclaim(G g, int32_t tok) noexcept
cdef bint readyclaim(G g, int32_t tok) noexcept
cdef int parkcancel(G g, int32_t tok, int32_t reason) except -1
cdef bint throwinto(G g, object exc) except? True
cdef int64_t nanotime() noexcept nogil
cdef uint32_t fastrandn(uint32_t n) noexcept nogil
