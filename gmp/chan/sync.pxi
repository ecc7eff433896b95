# Go's sync package over the wait queues of sema.pxi: Mutex, RWMutex,
# WaitGroup, Once, Cond. gmp.sync re-exports them.

cdef class _Locker:
    """lock()/unlock() as a context manager (Go's sync.Locker): the base of
    Mutex, RWMutex and RWMutex.rlocker()'s locker."""

    def __enter__(self):
        self.lock()
        return self

    def __exit__(self, *exc):
        self.unlock()
        return False


@cython.final
cdef class Mutex(_Locker):
    """Mutex()\n--\n\nsync.Mutex: lock()/unlock(), a context manager. Waiters are handed the
    lock in FIFO order (Go's starvation mode), parking only the goroutine."""
    cdef gmp_lock_t lk
    cdef bint locked
    cdef waitq_t waiters

    def __cinit__(self):
        gmp_lock_init_rank(&self.lk, GMP_LR_SYNC)

    def lock(self):
        """Locks the mutex, parking the goroutine until it is free."""
        gmp_lock(&self.lk)
        if not self.locked:
            self.locked = True
            gmp_unlock(&self.lk)
            return
        if parkon(&self.lk, &self.waiters, self, wr_mutex_lock):
            gothrow(getg())

    def try_lock(self):
        """Locks the mutex if it is free; returns whether it did."""
        gmp_lock(&self.lk)
        if not self.locked:
            self.locked = True
            gmp_unlock(&self.lk)
            return True
        gmp_unlock(&self.lk)
        return False

    def unlock(self):
        """Unlocks the mutex, handing it to the first waiter. Panics with
        "sync: unlock of unlocked mutex"."""
        cdef Sudog sg
        gmp_lock(&self.lk)
        if not self.locked:
            gmp_unlock(&self.lk)
            raise Panic("sync: unlock of unlocked mutex")
        sg = wq_dequeue(&self.waiters)
        if sg is None:
            self.locked = False
        gmp_unlock(&self.lk)
        if sg is not None:
            readysg(sg)         # ownership passes straight to the waiter


@cython.final
cdef class RWMutex(_Locker):
    """RWMutex()\n--\n\nsync.RWMutex: lock/unlock for writers, rlock/runlock for readers.
    A waiting writer blocks new readers (Go's writer preference). As a
    context manager it takes the write lock."""
    cdef gmp_lock_t lk
    cdef int64_t readers
    cdef bint writer
    cdef waitq_t rwait
    cdef waitq_t wwait

    def __cinit__(self):
        gmp_lock_init_rank(&self.lk, GMP_LR_SYNC)

    def rlock(self):
        """Locks for reading: waits while a writer holds or waits for the lock."""
        gmp_lock(&self.lk)
        if not self.writer and wq_empty(&self.wwait):
            self.readers += 1
            gmp_unlock(&self.lk)
            return
        if parkon(&self.lk, &self.rwait, self, wr_rwmutex_rlock):
            gothrow(getg())

    def runlock(self):
        """Undoes one rlock(); the last reader out lets a waiting writer in.
        Panics with "sync: RUnlock of unlocked RWMutex"."""
        cdef Sudog sg = None
        gmp_lock(&self.lk)
        if self.readers <= 0:
            gmp_unlock(&self.lk)
            raise Panic("sync: RUnlock of unlocked RWMutex")
        self.readers -= 1
        if self.readers == 0:
            sg = wq_dequeue(&self.wwait)
            if sg is not None:
                self.writer = True
        gmp_unlock(&self.lk)
        if sg is not None:
            readysg(sg)

    def lock(self):
        """Locks for writing: waits until no reader or writer holds the lock."""
        gmp_lock(&self.lk)
        if not self.writer and self.readers == 0:
            self.writer = True
            gmp_unlock(&self.lk)
            return
        if parkon(&self.lk, &self.wwait, self, wr_rwmutex_lock):
            self.writerleft()
            gothrow(getg())

    cdef int writerleft(self) except -1:
        """A waiting writer left without the lock (an exception was thrown
        into its park). Readers queue behind a waiting writer (rlock) and
        only a writer's unlock or the last runlock wakes anyone: when no
        writer holds the lock or waits for it any more, the readers queued
        behind this one get the lock now, or nothing would ever wake them."""
        cdef list woken = None
        gmp_lock(&self.lk)
        if not self.writer and wq_empty(&self.wwait):
            woken = self.readersin()
        gmp_unlock(&self.lk)
        readyall(woken)
        return 0

    def unlock(self):
        """Unlocks for writing; the waiting readers go first, else one
        writer. Panics with "sync: Unlock of unlocked RWMutex"."""
        cdef list woken = None
        cdef Sudog sg
        gmp_lock(&self.lk)
        if not self.writer:
            gmp_unlock(&self.lk)
            raise Panic("sync: Unlock of unlocked RWMutex")
        self.writer = False
        # the waiting readers first; a waiting writer when none is left to
        # wake: the reader queue may hold only readers whose park an
        # exception ended (claimed, still queued until they run)
        woken = self.readersin()
        if woken is None:
            sg = wq_dequeue(&self.wwait)
            if sg is not None:
                self.writer = True
                woken = [sg]
        gmp_unlock(&self.lk)
        readyall(woken)

    cdef list readersin(self):
        """Claims every waiting reader and counts it as holding the lock;
        returns them for readyall (None: there was none). self.lk held."""
        cdef list woken = wq_dequeueall(&self.rwait, None)
        if woken is not None:
            self.readers += len(woken)
        return woken

    def rlocker(self):
        """A Locker whose lock()/unlock() are this RWMutex's rlock()/runlock()."""
        return _RLocker(self)


class _RLocker(_Locker):
    def __init__(self, rw):
        self._rw = rw

    def lock(self):
        self._rw.rlock()

    def unlock(self):
        self._rw.runlock()


@cython.final
cdef class WaitGroup:
    """WaitGroup()\n--\n\nsync.WaitGroup: add(delta), done(), wait()."""
    cdef gmp_lock_t lk
    cdef int64_t counter
    cdef waitq_t waiters

    def __cinit__(self):
        gmp_lock_init_rank(&self.lk, GMP_LR_SYNC)

    def add(self, Py_ssize_t delta):
        """Adds delta (which may be negative) to the counter; at zero every
        waiter is woken. Panics with "sync: negative WaitGroup counter"."""
        cdef list woken = None
        gmp_lock(&self.lk)
        self.counter += delta
        if self.counter < 0:
            self.counter -= delta
            gmp_unlock(&self.lk)
            raise Panic("sync: negative WaitGroup counter")
        if self.counter == 0:
            woken = wq_dequeueall(&self.waiters, None)
        gmp_unlock(&self.lk)
        readyall(woken)

    def done(self):
        """Decrements the counter by one: add(-1)."""
        self.add(-1)

    def wait(self):
        """Waits until the counter is zero."""
        gmp_lock(&self.lk)
        if self.counter == 0:
            gmp_unlock(&self.lk)
            return
        if parkon(&self.lk, &self.waiters, self, wr_waitgroup_wait):
            gothrow(getg())

    def __repr__(self):
        return "<gmp.sync.WaitGroup counter=%d>" % self.counter


@cython.final
cdef class Once:
    """Once()\n--\n\nsync.Once: do(fn) runs fn exactly once; later callers wait for it."""
    cdef bint done
    cdef Mutex m

    def __cinit__(self):
        self.m = Mutex()

    def do(self, fn, *args, **kwargs):
        """Calls ``fn(*args, **kwargs)`` if no do() of this Once has called
        its function yet; a call that comes while it runs waits for it to
        return. A call that raised counts as done, as in Go."""
        if self.done:
            return
        self.m.lock()
        try:
            if not self.done:
                try:
                    fn(*args, **kwargs)
                finally:
                    self.done = True
        finally:
            self.m.unlock()


@cython.final
cdef class Cond:
    """Cond(L)\n--\n\nsync.Cond(L): wait() atomically unlocks L and parks; signal() wakes
    one waiter, broadcast() all; a woken waiter re-locks L. L is a Locker
    (lock()/unlock(), as gmp.Mutex) or a Python lock (acquire()/release())."""
    cdef gmp_lock_t lk
    cdef waitq_t waiters
    cdef readonly object L
    cdef object _lock
    cdef object _unlock

    def __cinit__(self, L):
        gmp_lock_init_rank(&self.lk, GMP_LR_SYNC)
        self.L = L
        if hasattr(L, "lock") and hasattr(L, "unlock"):
            self._lock, self._unlock = L.lock, L.unlock
        elif hasattr(L, "acquire") and hasattr(L, "release"):
            self._lock, self._unlock = L.acquire, L.release
        else:
            raise TypeError("sync.Cond needs a Locker (lock/unlock or acquire/release), not %s"
                            % type(L).__name__)

    def wait(self):
        """Unlocks L, waits for signal() or broadcast(), and locks L again
        before returning (also when it raises)."""
        cdef G g = getg()
        cdef Sudog sg
        cdef bint interrupted
        # enqueue before unlocking L (Go's notifyListAdd): a signal between the
        # unlock and the park is not lost
        sg = newsudog(g, self)
        gmp_lock(&self.lk)
        parkenqueue(&self.lk, &self.waiters, sg)
        try:
            self._unlock()
        except BaseException:
            # L was not held (Go's fatal "unlock of unlocked mutex", here a
            # Panic a program may catch): this G never parks, so its sudog
            # and token are withdrawn before the exception leaves; a signal
            # that took it meanwhile is absorbed and passed on
            wq_withdraw(&self.lk, &self.waiters, sg)
            if parkcancel(g, sg.tok, wr_cond_wait):
                self.signal()
            raise
        interrupted = parkwait(&self.lk, &self.waiters, sg, wr_cond_wait)
        # Go's Wait returns with L held, and so does this, also when it
        # raises: a lock() interrupted before it acquired L is retried, and
        # the first exception is raised once L is held
        exc = gothrowexc(g) if interrupted else None
        for _ in range(1000):
            try:
                self._lock()
                break
            except BaseException as e:
                if exc is None:
                    exc = e
        else:
            raise exc
        if exc is not None:
            raise exc

    def signal(self):
        """Wakes one waiting goroutine, if there is one."""
        cdef Sudog sg
        gmp_lock(&self.lk)
        sg = wq_dequeue(&self.waiters)
        gmp_unlock(&self.lk)
        if sg is not None:
            readysg(sg)

    def broadcast(self):
        """Wakes every waiting goroutine."""
        cdef list woken
        gmp_lock(&self.lk)
        woken = wq_dequeueall(&self.waiters, None)
        gmp_unlock(&self.lk)
        readyall(woken)
