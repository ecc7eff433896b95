"""gmp.context: Go's context semantics (context_test.go's behaviours)."""
import gc
import math
import time
import weakref

import pytest

import gmp
from gmp import context
from gmptest import run_program, wait_until


def ntimers():
    return gmp._core._sched_counts()["ntimers"]


def is_closed(ch):
    return gmp.select(ch.recv_ok, gmp.default)[0] == 0


def test_background_and_todo():
    """Mirrors Go's TestBackground and TestTODO (src/context/x_test.go)."""
    for c, name in ((context.background(), "context.Background"), (context.todo(), "context.TODO")):
        assert c.done() is gmp.nilchan
        assert c.err() is None and c.deadline() is None and c.value("k") is None
        assert repr(c) == name
    assert gmp.select(context.background().done().recv, gmp.default) == (1, None)


def test_errors_have_go_messages():
    """Its TimeoutError check mirrors Go's TestDeadlineExceededSupportsTimeout
    (src/context/x_test.go)."""
    assert str(context.Canceled()) == "context canceled"
    assert str(context.DeadlineExceeded()) == "context deadline exceeded"
    assert issubclass(context.DeadlineExceeded, TimeoutError)
    assert not issubclass(context.Canceled, TimeoutError)
    assert context.CanceledError == context.Canceled
    assert context.DeadlineExceededError == context.DeadlineExceeded


def test_one_deadline_hierarchy_with_net():
    """context's and net's deadline errors share one root with timeout()
    true, as Go's context.DeadlineExceeded and os.ErrDeadlineExceeded both
    satisfy interface{ Timeout() bool }."""
    from gmp import net
    assert issubclass(context.DeadlineExceeded, net.DeadlineExceededError)
    assert not issubclass(context.Canceled, net.DeadlineExceededError)
    assert context.DeadlineExceeded().timeout() is True
    assert net.DeadlineExceededError().timeout() is True
    assert str(net.DeadlineExceededError()) == "i/o timeout"
    assert str(context.DeadlineExceeded()) == "context deadline exceeded"
    assert context.DeadlineExceeded() != net.DeadlineExceededError()
    with pytest.raises(net.DeadlineExceededError):
        ctx, cancel = context.with_timeout(context.background(), 0.001)
        ctx.done().recv()
        raise ctx.err()


def test_err_is_a_fresh_exception_each_time():
    # raise ctx.err() three times: the third traceback is as short as the
    # first (a shared instance kept every raise's frames)
    ctx, cancel = context.with_cancel(context.background())
    cancel()
    depths = []
    for _ in range(3):
        try:
            raise ctx.err()
        except context.Canceled as e:     # the class works in except
            tb, n = e.__traceback__, 0
            while tb is not None:
                n, tb = n + 1, tb.tb_next
            depths.append(n)
    assert depths == [1, 1, 1]
    a, b = ctx.err(), ctx.err()
    assert a is not b
    assert isinstance(a, context.Canceled) and not isinstance(a, context.DeadlineExceeded)
    # sentinel-style comparisons: equal to the class and to each other
    assert a == b and a == context.Canceled and context.Canceled == a
    assert a != context.DeadlineExceeded and a != context.DeadlineExceeded()
    assert hash(a) == hash(b) and a != ValueError("context canceled")
    assert context.cause(ctx) is not context.cause(ctx)
    assert context.cause(ctx) == context.Canceled


def test_deadline_err_is_fresh_too():
    ctx, cancel = context.with_timeout(context.background(), -1)
    a, b = ctx.err(), ctx.err()
    assert a is not b and isinstance(a, context.DeadlineExceeded) and a == b
    assert isinstance(a, TimeoutError)
    child, _ = context.with_cancel(ctx)      # inherited by a child: still fresh
    assert child.err() is not child.err() and child.err() == context.DeadlineExceeded
    cancel()


def test_with_cancel():
    """Mirrors Go's TestWithCancel (src/context/x_test.go)."""
    ctx, cancel = context.with_cancel(context.background())
    assert ctx.err() is None and not is_closed(ctx.done())
    assert repr(ctx) == "context.Background.WithCancel"
    cancel()
    assert ctx.err() == context.Canceled
    assert ctx.done().recv_ok() == (None, False)
    cancel()                                  # idempotent
    assert ctx.err() == context.Canceled


def test_cancel_wakes_goroutines_blocked_on_done():
    ctx, cancel = context.with_cancel(context.background())
    woke = gmp.chan(10)
    for _ in range(10):
        gmp.go(lambda: woke.send(ctx.done().recv_ok()))
    wait_until(lambda: gmp._chan._recvq_len(ctx.done()) == 10, what="10 waiters on done()")
    cancel()
    assert [woke.recv() for _ in range(10)] == [(None, False)] * 10


def test_parent_cancel_cancels_descendants_not_ancestors():
    """Mirrors Go's TestParentFinishesChild and TestChildFinishesFirst (src/context/x_test.go)."""
    root, cancel_root = context.with_cancel(context.background())
    mid, cancel_mid = context.with_cancel(root)
    leaf, _ = context.with_cancel(context.with_value(mid, "k", 1))
    sibling, _ = context.with_cancel(root)
    cancel_mid()
    assert mid.err() == context.Canceled and leaf.err() == context.Canceled
    assert root.err() is None and sibling.err() is None
    cancel_root()
    assert sibling.err() == context.Canceled


def test_child_of_cancelled_parent_is_born_cancelled():
    """Mirrors Go's TestWithCancelCanceledParent (src/context/x_test.go)."""
    p, cancel = context.with_cancel(context.background())
    cancel()
    c, _ = context.with_cancel(p)
    assert c.err() == context.Canceled and is_closed(c.done())
    t, _ = context.with_timeout(p, 100)
    assert t.err() == context.Canceled
    assert t._timer is None                        # no timer armed for a dead context


def test_cancellation_tree_of_1000_descendants():
    base = gmp.runtime.num_goroutine()
    root, cancel = context.with_cancel(context.background())
    ctxs = []
    # a chain 300 deep plus a wide fan-out of 700, with timers among them
    # (each deadline earlier than its parent's, so each has a timer of its own)
    timers0 = ntimers()
    c = root
    for i in range(300):
        c, _ = (context.with_timeout(c, 7200 - i) if i % 3 == 0 else context.with_cancel(c))
        ctxs.append(c)
    for i in range(700):
        parent = ctxs[i % len(ctxs)]
        child, _ = context.with_timeout(parent, 3600 - i) if i % 2 else context.with_cancel(parent)
        ctxs.append(child)
    assert ntimers() - timers0 == 100 + 350
    # a goroutine per 10th context, waiting on its done channel
    seen = gmp.chan(100)
    for c in ctxs[::10]:
        gmp.go(lambda c=c: seen.send(c.done().recv_ok()))
    wait_until(lambda: gmp.runtime.num_goroutine() == base + 100)
    cancel()
    assert all(c.err() == context.Canceled for c in ctxs)
    assert all(is_closed(c.done()) for c in ctxs)
    assert [seen.recv() for _ in range(100)] == [(None, False)] * 100
    wait_until(lambda: gmp.runtime.num_goroutine() == base, what="waiters gone")
    assert ntimers() == timers0                    # every deadline timer stopped
    assert root._children is None


def test_cancelled_child_leaves_parent():
    """Mirrors Go's TestCancelRemoves (src/context/x_test.go)."""
    root, _ = context.with_cancel(context.background())
    timers0 = ntimers()
    for _ in range(100):
        c, cancel = context.with_timeout(root, 3600)
        cancel()
    assert not root._children                      # nothing kept by the parent
    assert ntimers() == timers0


def test_cancelled_context_is_collectable():
    root, _ = context.with_cancel(context.background())
    c, cancel = context.with_timeout(root, 3600)
    r = weakref.ref(c)
    cancel()
    del c, cancel
    gc.collect()
    # the stopped timer's stale heap entry may still hold the callback until
    # enough stale entries pile up; force that, then the context must be gone
    for _ in range(200):
        gmp.after_func(3600, lambda: None).stop()
    gc.collect()
    assert r() is None


def test_with_timeout_fires_deadline_exceeded():
    """Mirrors Go's TestTimeout (src/context/x_test.go)."""
    ctx, cancel = context.with_timeout(context.background(), 0.05)
    d = ctx.deadline()
    assert d is not None and abs(d - (time.time() + 0.05)) < 0.1
    k, v = gmp.select(ctx.done().recv, gmp.after(5).recv)
    assert k == 0                                  # the deadline, not the 5 s timer
    assert ctx.err() == context.DeadlineExceeded
    assert context.cause(ctx) == context.DeadlineExceeded
    cancel()
    assert ctx.err() == context.DeadlineExceeded   # a later cancel changes nothing


def test_deadline_fires_in_runtime_timer_order():
    # two deadlines 50 ms apart: the runtime's timers fire them in order, and
    # the earlier one has fired while the later one has not
    a, ca = context.with_timeout(context.background(), 0.05)
    b, cb = context.with_timeout(context.background(), 0.10)
    k, _ = gmp.select(a.done().recv, b.done().recv)
    assert k == 0 and b.err() is None
    b.done().recv()
    assert b.err() == context.DeadlineExceeded
    ca(); cb()


def test_deadline_in_the_past_is_exceeded_at_once():
    """Mirrors the deadline-in-the-past case of Go's TestDeadline (src/context/x_test.go)."""
    ctx, _ = context.with_deadline(context.background(), time.time() - 1)
    assert ctx.err() == context.DeadlineExceeded
    assert is_closed(ctx.done())


def test_child_deadline_never_later_than_parent():
    timers0 = ntimers()
    p, cp = context.with_timeout(context.background(), 10)
    c, cc = context.with_timeout(p, 3600)
    assert c.deadline() == p.deadline()
    c2, cc2 = context.with_timeout(p, 1)
    assert c2.deadline() < p.deadline()
    cp(); cc(); cc2()
    assert c.err() == context.Canceled and c2.err() == context.Canceled
    assert ntimers() == timers0


def test_values_through_the_chain():
    """Mirrors Go's TestValues (src/context/x_test.go)."""
    k1, k2 = object(), object()
    c = context.with_value(context.background(), k1, "one")
    c, cancel = context.with_cancel(c)
    c = context.with_value(c, k2, "two")
    c, _ = context.with_timeout(c, 3600)
    c = context.with_value(c, k1, "shadowed")
    assert c.value(k1) == "shadowed" and c.value(k2) == "two"
    assert c.value(object()) is None
    assert "WithValue" in repr(c)
    cancel()
    deep = context.background()
    for i in range(5000):                          # no recursion limit on depth
        deep = context.with_value(deep, i, i * 2)
    assert deep.value(0) == 0 and deep.value(4999) == 9998


def test_with_value_nil_key_panics():
    """Mirrors Go's TestWithValueChecksKey (src/context/x_test.go)."""
    with pytest.raises(gmp.Panic, match="^nil key$"):
        context.with_value(context.background(), None, 1)
    with pytest.raises(gmp.Panic, match="^cannot create context from nil parent$"):
        context.with_cancel(None)


def test_cause():
    """Mirrors Go's TestCause (src/context/x_test.go)."""
    ctx, cancel = context.with_cancel_cause(context.background())
    assert context.cause(ctx) is None
    boom = ValueError("boom")
    cancel(boom)
    assert ctx.err() == context.Canceled
    assert context.cause(ctx) is boom
    child, _ = context.with_cancel(ctx)
    assert context.cause(child) is boom            # inherited from the parent
    c2, cancel2 = context.with_cancel_cause(context.background())
    cancel2()
    assert context.cause(c2) == context.Canceled
    assert context.cause(context.background()) is None


def test_without_cancel_keeps_values_only():
    """Mirrors Go's TestWithoutCancel (src/context/x_test.go)."""
    p, cancel = context.with_cancel(context.with_value(context.background(), "k", "v"))
    w = context.without_cancel(p)
    cancel()
    assert w.err() is None and w.done() is gmp.nilchan and w.deadline() is None
    assert w.value("k") == "v"
    c, _ = context.with_cancel(w)
    assert c.err() is None


def test_after_func_runs_once_in_a_goroutine():
    """Mirrors Go's TestAfterFuncCalledAfterCancel (src/context/x_test.go)."""
    ctx, cancel = context.with_cancel(context.background())
    ran = gmp.chan(2)
    stop = context.after_func(ctx, lambda: ran.send(gmp._core._curg()))
    me = gmp._core._curg()
    cancel()
    g = ran.recv()
    assert g is not me                             # its own goroutine
    assert stop() is False                         # already started
    assert len(ran) == 0


def test_after_func_stop_before_cancel():
    """Mirrors Go's TestAfterFuncNotCalledAfterStop (src/context/x_test.go)."""
    ctx, cancel = context.with_cancel(context.background())
    ran = []
    stop = context.after_func(ctx, lambda: ran.append(1))
    assert stop() is True
    assert stop() is False
    cancel()
    gmp.sleep(0.01)
    assert ran == []
    assert not ctx._children


def test_after_func_on_done_context_runs_at_once():
    """Mirrors Go's TestAfterFuncCalledImmediately (src/context/x_test.go)."""
    ctx, cancel = context.with_cancel(context.background())
    cancel()
    ran = gmp.chan(1)
    context.after_func(ctx, lambda: ran.send("yes"))
    assert ran.recv() == "yes"


def test_custom_context_parent_propagates_through_a_goroutine():
    """Mirrors Go's TestCustomContextGoroutines (src/context/x_test.go)."""
    class MyCtx(context.Context):
        def __init__(self):
            self.c = gmp.chan()
            self.e = None

        def done(self):
            return self.c

        def err(self):
            return self.e

    base = gmp.runtime.num_goroutine()
    p = MyCtx()
    c, cancel = context.with_cancel(p)
    assert gmp.runtime.num_goroutine() == base + 1  # Go's propagateCancel goroutine
    p.e = context.Canceled
    p.c.close()
    c.done().recv()
    assert c.err() == context.Canceled
    wait_until(lambda: gmp.runtime.num_goroutine() == base)
    c2, cancel2 = context.with_cancel(MyCtx())
    cancel2()                                      # the watcher leaves with the child
    wait_until(lambda: gmp.runtime.num_goroutine() == base)


def test_select_idiom_with_timeout():
    # the README's pattern: select on ctx.done() beside the work channel
    results = gmp.chan()

    def slow():
        gmp.sleep(5)
        results.send("late")

    ctx, cancel = context.with_timeout(context.background(), 0.02)
    try:
        k, v = gmp.select(ctx.done().recv, results.recv)
        assert k == 0 and ctx.err() == context.DeadlineExceeded
    finally:
        cancel()


def test_cancel_from_plain_thread(procs):
    import threading
    procs(2)
    ctx, cancel = context.with_cancel(context.background())
    t = threading.Thread(target=cancel)
    got = gmp.chan(1)
    gmp.go(lambda: got.send(ctx.done().recv_ok()))
    t.start()
    assert got.recv() == (None, False)
    t.join()


# ---- hostile values -----------------------------------------------------------

def test_infinite_and_huge_deadlines_print_never_fire_and_arm_no_timer():
    # repr used to raise OverflowError (gmtime(inf)); the timer behind such a
    # deadline could never fire, so none is armed
    timers0 = ntimers()
    bg = context.background()
    for make, d in [(lambda: context.with_deadline(bg, math.inf), math.inf),
                    (lambda: context.with_timeout(bg, math.inf), math.inf),
                    (lambda: context.with_timeout(bg, 10 ** 400), math.inf),
                    (lambda: context.with_deadline(bg, 1e300), 1e300)]:
        ctx, cancel = make()
        assert ctx.deadline() == d
        assert repr(ctx) in ("context.Background.WithDeadline(inf [inf])",
                             "context.Background.WithDeadline(1e+300 [1e+300s])")
        assert ctx.err() is None and not is_closed(ctx.done())
        assert ntimers() == timers0
        # a child with a real timeout still fires under it
        child, cc = context.with_timeout(ctx, 0.01)
        child.done().recv()
        assert child.err() == context.DeadlineExceeded and ctx.err() is None
        cancel()
        assert ctx.err() == context.Canceled
        cc()
    for make in (lambda: context.with_deadline(bg, -math.inf),
                 lambda: context.with_timeout(bg, -math.inf),
                 lambda: context.with_deadline(bg, -1e300)):
        ctx, _ = make()
        assert ctx.err() == context.DeadlineExceeded
        assert repr(ctx).startswith("context.Background.WithDeadline(")
    assert ntimers() == timers0


def test_timer_horizon_is_half_the_clock_range():
    # a timer at now + d must not overflow the int64 monotonic clock for any
    # uptime: from 2**62 ns (~146 years) on, a deadline arms no timer
    timers0 = ntimers()
    far, cfar = context.with_timeout(context.background(), 5e9)
    assert ntimers() == timers0 and far.err() is None
    near, cnear = context.with_timeout(context.background(), 4e9)
    assert ntimers() == timers0 + 1
    cfar(); cnear()
    assert ntimers() == timers0


def test_infinite_deadline_alone_is_a_deadlock_not_a_hang():
    # nothing can ever cancel it: checkdead sees no timer and reports it
    r = run_program("context_infinite_deadline_deadlock.py", timeout=30)
    assert r.returncode == 1, r.stderr[-2000:]
    assert "all goroutines are asleep - deadlock!" in r.stderr


def test_nil_parent_panics_everywhere():
    """Mirrors Go's TestInvalidDerivedFail (src/context/x_test.go)."""
    for make in (lambda: context.with_deadline(None, time.time() + 1),
                 lambda: context.with_timeout(None, 1),
                 lambda: context.with_timeout(None, None),
                 lambda: context.with_cancel(None),
                 lambda: context.with_cancel_cause(None),
                 lambda: context.with_value(None, "k", "v"),
                 lambda: context.without_cancel(None)):
        with pytest.raises(gmp.Panic, match="^cannot create context from nil parent$"):
            make()


def test_bad_deadline_and_timeout_values():
    bg = context.background()
    with pytest.raises(ValueError, match="^context: timeout is NaN$"):
        context.with_timeout(bg, math.nan)
    with pytest.raises(ValueError, match="^context: deadline is NaN$"):
        context.with_deadline(bg, math.nan)
    for bad in ("5", b"5", True, None, [1]):
        with pytest.raises(TypeError):
            context.with_timeout(bg, bad)       # "5" used to mean 5 seconds
        with pytest.raises(TypeError):
            context.with_deadline(bg, bad)
