"""Timers: sleep, after, Timer, Ticker, after_func, tick."""
import time

import pytest

import gmp
from gmp import time as gtime
from gmptest import wait_until


def test_sleep_orders_wakeups():
    """Mirrors Go's TestAfterQueuing (src/time/sleep_test.go), with sleeps in place of After."""
    # Deadlines fixed before any goroutine runs and 100 ms apart, so that a
    # goroutine started late on a loaded machine still sleeps to its own
    # deadline: the order checked is the timers', not the spawns'.
    out = gmp.chan(3)
    t0 = time.monotonic()
    for d in (0.3, 0.1, 0.2):
        gmp.go(lambda d=d: (gmp.sleep(t0 + d - time.monotonic()), out.send(d)))
    assert [out.recv() for _ in range(3)] == [0.1, 0.2, 0.3]


def test_sleep_at_least():
    """Mirrors Go's TestSleep (src/time/sleep_test.go)."""
    t = time.monotonic()
    gmp.sleep(0.02)
    assert time.monotonic() - t >= 0.02


def test_sleep_nonpositive_returns():
    gmp.sleep(0)
    gmp.sleep(-1)


def test_sleeping_goroutine_status():
    done = gmp.chan()
    gmp.go(lambda: (gmp.sleep(0.1), done.close()))
    wait_until(lambda: any(gmp._core._gstatus(g)[1] == "sleep" for g in gmp._core._allgs()))
    done.recv()


def test_after():
    c = gmp.after(0.01)
    v = c.recv()
    assert abs(v - time.time()) < 5


def test_after_in_select_timeout():
    never = gmp.chan()
    i, _ = gmp.select(never.recv, gmp.after(0.01).recv)
    assert i == 1


def test_timer_stop():
    """Mirrors the Timer part of Go's TestAfterStop (src/time/sleep_test.go)."""
    t = gmp.Timer(0.01)
    assert t.stop() is True
    assert t.stop() is False
    i, _ = gmp.select(t.c.recv, gmp.after(0.05).recv)
    assert i == 1


def test_timer_reset():
    """Mirrors Go's TestReset (src/time/sleep_test.go)."""
    t = gmp.Timer(10)
    assert t.reset(0.01) is True
    t.c.recv()
    assert t.reset(0.01) is False
    t.c.recv()


def test_timer_stop_after_fire_drains_stale():
    t = gmp.Timer(0.001)
    gmp.sleep(0.02)
    # Go 1.23: the value was never received, so the timer counts as stopped
    # before it fired (True), and no stale value is received after Stop
    assert t.stop() is True
    assert len(t.c) == 0
    assert t.stop() is False


def test_ticker():
    tk = gmp.Ticker(0.005)
    vals = [tk.c.recv() for _ in range(3)]
    tk.stop()
    assert vals == sorted(vals)
    gmp.sleep(0.02)
    assert len(tk.c) <= 1


def test_ticker_nonpositive_panics():
    """Mirrors Go's TestNewTickerLtZeroDuration (src/time/tick_test.go)."""
    with pytest.raises(gmp.Panic, match="non-positive interval for NewTicker"):
        gmp.Ticker(0)


def test_tick():
    """Mirrors Go's TestTick (src/time/tick_test.go)."""
    c = gmp.tick(0.002)
    c.recv()
    c.recv()
    assert gmp.tick(0) is gmp.nilchan


def test_after_func():
    out = gmp.chan(1)
    gmp.after_func(0.005, lambda: out.send("fired"))
    assert out.recv() == "fired"


def test_after_func_stop():
    """Mirrors the AfterFunc part of Go's TestAfterStop (src/time/sleep_test.go)."""
    fired = []
    t = gmp.after_func(0.01, lambda: fired.append(1))
    assert t.stop()
    gmp.sleep(0.03)
    assert fired == []


def test_time_module_exports():
    for name in ("sleep", "after", "tick", "Timer", "Ticker", "after_func"):
        assert getattr(gtime, name) is getattr(gmp, name)


def test_many_sleepers():
    wg = gmp.WaitGroup()
    n = 2000
    wg.add(n)

    def f(i):
        gmp.sleep(0.001 * (i % 10))
        wg.done()

    for i in range(n):
        gmp.go(f, i)
    wg.wait()


def test_sleep_in_plain_thread():
    import threading
    r = []
    t = threading.Thread(target=lambda: (gmp.sleep(0.01), r.append(1)))
    t.start()
    t.join()
    assert r == [1]


def test_stopped_timers_do_not_keep_their_callbacks_alive():
    # a stopped timer leaves a stale heap entry; once those are over a quarter
    # of the heap they are dropped, releasing the callback long before the
    # old deadline (Go's time.go cleans deleted timers the same way)
    import gc
    import weakref

    class Payload:
        pass

    refs = []
    before = gmp._core._sched_counts()["ntimers"]
    for _ in range(500):
        obj = Payload()
        refs.append(weakref.ref(obj))
        t = gmp.after_func(3600, lambda obj=obj: None)
        t.stop()
        del obj, t
    gc.collect()
    alive = sum(r() is not None for r in refs)
    assert alive < 100, alive
    assert gmp._core._sched_counts()["ntimers"] == before


@pytest.mark.parametrize("make", ["gmp.after(3600)", "gmp.Timer(3600).c", "gmp.Ticker(3600).c",
                                  "gmp.tick(3600)"])
def test_timer_channels_are_receive_only(make):
    # Go's <-chan Time: closing or sending is a compile error there; here a
    # TypeError, so the runtime's send can never meet a closed channel
    c = eval(make)
    with pytest.raises(TypeError, match="cannot close receive-only channel"):
        c.close()
    with pytest.raises(TypeError, match="cannot send to receive-only channel"):
        c.send(1)
    with pytest.raises(TypeError, match="cannot send to receive-only channel"):
        c.send_nowait(1)
    with pytest.raises(TypeError, match="cannot send to receive-only channel"):
        gmp.select((c.send, 1), gmp.default)
    assert not c.closed


def test_timer_channel_fires_and_sleep_still_works():
    t = gmp.Timer(0.001)
    with pytest.raises(TypeError):
        t.c.close()
    assert isinstance(t.c.recv(), float)
    gmp.sleep(0.001)                        # the scheduler is intact


def test_tiny_ticker_period_keeps_ticking():
    # a period below 1 ns rounded to 0 made a one-shot timer
    tk = gmp.Ticker(1e-10)
    try:
        for _ in range(5):
            assert isinstance(tk.c.recv(), float)
    finally:
        tk.stop()


def test_unreferenced_after_timers_are_freed():
    # select(..., after(3600).recv) in a loop: once the channel is dropped,
    # its timer is disarmed and its heap entry dropped (Go 1.23)
    import gc
    before = gmp._core._sched_counts()["ntimers"]
    c = gmp.chan(1)
    for i in range(2000):
        c.send(i)
        k, v = gmp.select(c.recv, gmp.after(3600).recv)
        assert (k, v) == (0, i)
    gc.collect()
    # the chan method pool may still hold the last few channels bound
    # (at most 4 per operation: docs/DESIGN.md); nothing else stays
    left = gmp._core._sched_counts()["ntimers"] - before
    assert 0 <= left <= 4, left
    t = gmp.Timer(3600)                     # a referenced one stays armed
    assert gmp._core._sched_counts()["ntimers"] == before + left + 1
    assert t.stop()


def test_huge_sleep_deadline_saturates():
    """Mirrors the first half of Go's TestOverflowSleep (src/time/sleep_test.go)."""
    # now + a huge duration must not wrap to a deadline in the past
    from gmptest import run_program
    r = run_program("time_huge_sleep_deadline_saturates.py", timeout=30)
    assert r.stdout.strip() == "still asleep", r.stderr
