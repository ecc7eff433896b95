"""The futex-based counting semaphore of gmp_rt.h (gmp_sema_t), which parks
Ms, sysmon and plain threads, through the test hooks: its contract is
sem_wait's with a CLOCK_MONOTONIC deadline (0 posted, 1 timeout, 2 EINTR)."""
import signal
import threading
import time

import pytest

from gmp import _core


def test_posts_before_waits_are_counted():
    s = _core._SemaProbe()
    assert not s.trywait()
    for _ in range(3):
        s.post()
    assert s.count() == 3
    assert s.wait(-1) == 0
    assert s.trywait() and s.trywait()
    assert not s.trywait()
    assert s.count() == 0 and s.waiters() == 0


def test_past_deadline_times_out_at_once_unless_posted():
    s = _core._SemaProbe()
    assert s.wait(0) == 1
    assert s.wait(time.monotonic_ns() - 10**9) == 1
    s.post()
    assert s.wait(0) == 0           # a post is taken even past the deadline
    assert s.count() == 0 and s.waiters() == 0


def test_deadline_is_absolute_on_the_monotonic_clock():
    s = _core._SemaProbe()
    deadline = time.monotonic_ns() + 30 * 10**6
    assert s.wait(deadline) == 1
    # not earlier than the deadline (a CLOCK_REALTIME reading of it would
    # have been decades in the past, so the wait would return at once)
    assert time.monotonic_ns() >= deadline
    assert s.waiters() == 0 and s.count() == 0


def _waiting_thread(s, deadline):
    # a daemon thread: a broken semaphore fails the test, it cannot keep
    # the interpreter from exiting
    out = []
    t = threading.Thread(target=lambda: out.append(s.wait(deadline)), daemon=True)
    t.start()
    # a probe, not a sleep: the waiter has registered for the kernel wait
    stop = time.monotonic() + 30
    while s.waiters() == 0:
        assert t.is_alive() and time.monotonic() < stop, "waiter never blocked"
        time.sleep(0.0005)
    return t, out


@pytest.mark.parametrize("deadline", [-1, "far"])
def test_post_wakes_a_sleeping_waiter(deadline):
    s = _core._SemaProbe()
    t, out = _waiting_thread(s, time.monotonic_ns() + 60 * 10**9 if deadline == "far" else -1)
    s.post()
    t.join(60)
    assert not t.is_alive()
    assert out == [0]
    assert s.count() == 0 and s.waiters() == 0


def test_signal_interrupts_the_wait_with_2():
    """A signal handler that runs on the waiting thread ends the wait (EINTR
    -> 2), as sem_wait did; the post count is untouched."""
    s = _core._SemaProbe()
    seen = []
    old = signal.signal(signal.SIGUSR1, lambda sig, frame: seen.append(sig))
    try:
        t, out = _waiting_thread(s, time.monotonic_ns() + 60 * 10**9)
        # The waiter counts itself just before it enters the kernel: a
        # signal in between interrupts nothing, so keep signalling it until
        # its wait returns.
        stop = time.monotonic() + 30
        while t.is_alive() and time.monotonic() < stop:
            signal.pthread_kill(t.ident, signal.SIGUSR1)
            t.join(0.002)
        t.join(60)
        assert out == [2]
        assert s.count() == 0 and s.waiters() == 0
    finally:
        signal.signal(signal.SIGUSR1, old)
    assert seen                     # the Python handler ran on the main thread


@pytest.mark.parametrize("nposters,nwaiters,shortwaits", [
    (1, 1, False), (4, 4, False), (2, 6, False), (6, 2, False), (3, 3, True), (1, 5, True)])
def test_many_posters_and_waiters_lose_nothing(nposters, nwaiters, shortwaits):
    """Posters and waiters on OS threads without the GIL: every post is taken
    exactly once, no waiter sleeps through a post (it would time out after
    60 s: errors), and short waits that time out as posts arrive leave the
    count right."""
    r = _core._sema_stress(nposters, nwaiters, 60000 // nposters, shortwaits)
    assert r["errors"] == 0, r
    assert r["got"] == r["total"], r
    assert r["left"] == 0 and r["nwait"] == 0, r
