"""gmp.sync.ErrGroup: x/sync/errgroup's semantics, plus the with form."""
import pytest

import gmp
from gmp import context
from gmp.sync import ErrGroup
from gmptest import wait_until


def test_all_succeed():
    g = ErrGroup()
    out = []
    for i in range(100):
        g.go(out.append, i)
    assert g.wait() is None
    assert sorted(out) == list(range(100))
    assert g.ctx.err() == context.Canceled         # wait() releases the context


def test_first_error_wins_and_cancels_the_context():
    """Mirrors TestWithContext and TestCancelCause of golang.org/x/sync
    (errgroup/errgroup_test.go)."""
    g, ctx = ErrGroup.with_context(context.background())
    first_failed = gmp.chan()
    second = ValueError("second")

    def fail_first():
        raise KeyError("first")

    def fail_later():
        ctx.done().recv()                           # runs until the group is cancelled
        raise second

    g.go(fail_later)
    g.go(fail_first)
    with pytest.raises(KeyError, match="first") as ei:
        g.wait()
    assert context.cause(ctx) is ei.value          # the first error cancelled it
    assert g.errors == [ei.value, second]
    assert "1 more exception(s)" in "".join(ei.value.__notes__)


def test_error_goes_to_the_group_not_the_crash_handler():
    # a goroutine's exception outside a group ends the program; in a group
    # it is only returned by wait()
    from gmptest import run_program
    r = run_program("errgroup_error_is_no_crash.py")
    assert r.returncode == 0 and r.stdout.strip() == "caught", r.stderr


def test_goexit_is_not_an_error():
    g = ErrGroup()
    g.go(gmp.runtime.goexit)
    assert g.wait() is None


def test_set_limit_never_exceeded_10000_tasks(procs):
    """Mirrors TestGoLimit of golang.org/x/sync (errgroup/errgroup_test.go)."""
    procs(4)
    base = gmp.runtime.num_goroutine()
    g = ErrGroup()
    g.set_limit(64)
    mu = gmp.Mutex()
    state = {"running": 0, "max": 0, "maxg": 0}
    results = gmp.chan(10_000)
    gate = gmp.chan()

    def task(i):
        with mu:
            state["running"] += 1
            state["max"] = max(state["max"], state["running"])
            state["maxg"] = max(state["maxg"], gmp.runtime.num_goroutine() - base)
        if i < 64:
            gate.recv_ok()                          # the first 64 hold their slots
        elif i % 7 == 0:
            gmp.runtime.gosched()
        results.send(i * i)
        with mu:
            state["running"] -= 1

    def opener():
        # once all 64 slots are held and g.go waits for one, open the gate
        wait_until(lambda: gmp._chan._recvq_len(gate) == 64 and
                   gmp._chan._sendq_len(g._sem) == 1, what="64 running, g.go blocked")
        assert state["running"] == 64
        gate.close()

    gmp.go(opener)
    for i in range(10_000):
        g.go(task, i)
    g.wait()
    assert state["max"] == 64                      # the limit was reached, never passed
    # goroutines alive besides the test's: at most 64 in the group, the
    # opener, and one that has released its slot and is finishing on another P
    assert state["maxg"] <= 66
    got = [results.recv() for _ in range(10_000)]
    assert sorted(got) == [i * i for i in range(10_000)]
    wait_until(lambda: gmp.runtime.num_goroutine() == base, what="the group's goroutines gone")


def test_try_go():
    """Mirrors TestTryGo of golang.org/x/sync (errgroup/errgroup_test.go)."""
    g = ErrGroup()
    g.set_limit(1)
    release = gmp.chan()
    assert g.try_go(release.recv) is True
    assert g.try_go(lambda: None) is False         # the only slot is busy
    release.send(None)
    g.wait()
    assert g.try_go(lambda: None) is True
    g.wait()


def test_set_limit_while_active_panics():
    g = ErrGroup()
    g.set_limit(2)
    release = gmp.chan()
    g.go(release.recv)
    with pytest.raises(gmp.Panic, match="^errgroup: modify limit while 1 goroutines in the group are still active$"):
        g.set_limit(3)
    release.send(None)
    g.wait()
    g.set_limit(-1)                                # no limit
    for _ in range(10):
        g.go(lambda: None)
    g.wait()


def test_go_blocks_at_the_limit():
    g = ErrGroup()
    g.set_limit(2)
    release = gmp.chan()
    g.go(release.recv)
    g.go(release.recv)
    started = gmp.chan(1)

    def spawner():
        g.go(lambda: None)                          # blocks: both slots are busy
        started.send(True)

    gmp.go(spawner)
    wait_until(lambda: gmp.runtime.num_goroutine() > 0 and
               any(gmp._core._gstatus(x)[1] == "chan send" for x in gmp._core._allgs()),
               what="spawner blocked in g.go")
    assert len(started) == 0
    release.send(None)
    assert started.recv() is True
    release.send(None)
    g.wait()


def test_with_form_success():
    out = gmp.chan(10)
    with ErrGroup() as g:
        for i in range(10):
            g.go(out.send, i)
    assert sorted(out.recv() for _ in range(10)) == list(range(10))
    assert g.ctx.err() == context.Canceled


def test_with_form_goroutine_error_cancels_siblings():
    stopped = gmp.chan(5)
    with pytest.raises(RuntimeError, match="bad"):
        with ErrGroup() as g:
            for _ in range(5):
                g.go(lambda: stopped.send(g.ctx.done().recv_ok()))
            g.go(lambda: (_ for _ in ()).throw(RuntimeError("bad")))
    assert [stopped.recv() for _ in range(5)] == [(None, False)] * 5


def test_with_form_body_error_cancels_and_waits():
    finished = []
    with pytest.raises(ZeroDivisionError):
        with ErrGroup() as g:
            def worker():
                g.ctx.done().recv()                 # until the body fails
                finished.append(context.cause(g.ctx))
            g.go(worker)
            g.go(worker)
            1 / 0
    assert len(finished) == 2                       # waited for both
    assert all(isinstance(e, ZeroDivisionError) for e in finished)


def test_with_form_cancelled_from_outside():
    parent, cancel = context.with_cancel(context.background())
    base = gmp.runtime.num_goroutine()

    def work(ctx):
        ctx.done().recv()
        raise ctx.err()

    gmp.go(lambda: (wait_until(lambda: gmp.runtime.num_goroutine() >= base + 4), cancel()))
    with pytest.raises(context.CanceledError) as ei:
        with ErrGroup(parent) as g:
            for _ in range(3):
                g.go(work, g.ctx)
    assert ei.value == context.Canceled
    assert len(g.errors) == 3
    wait_until(lambda: gmp.runtime.num_goroutine() == base)


def test_body_error_after_goroutine_error_is_chained():
    with pytest.raises(KeyError) as ei:
        with ErrGroup() as g:
            g.go(lambda: {}["x"])
            g.ctx.done().recv()                     # the goroutine failed first
            raise ValueError("body")
    assert isinstance(ei.value.__context__, ValueError)
    assert [type(e) for e in g.errors] == [KeyError, ValueError]
