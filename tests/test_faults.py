"""Faults never corrupt the runtime: signals and exceptions thrown into parks.

Each case runs tests/faultprog.py in a subprocess (python -X dev -X
faulthandler, with a timeout: a hang gets faulthandler's thread dump, then
gmp's SIGQUIT goroutine dump, then SIGKILL) and fails with the program's own report: which
check broke, in which round and park kind, the seed, the signals sent, and
the output. The storm cases send SIGINT/SIGTERM/SIGUSR1 at random moments
(seeded) while the main goroutine, a plain thread or a plain main thread
parks in every kind of wait; the program checks that every value sent was
received exactly once and in order per sender, that no receive saw
(None, False) before close, that every exception a handler raised surfaced
once at a blocking call of the main goroutine, and it must exit 0 by itself
with nothing on stderr. scripts/faultsoak.py runs the same cases with random
seeds for as long as you like.

A failure's report has a "repeat:" line that runs the same case (same seed:
the same workload and signal sequence; the timing differs).
"""
import pytest

import faultprog

# Budget: a storm sends 200 signals 1-5 ms apart (about 0.6 s) plus start-up
# and the last round, 0.5-1.8 s a case; the module should take about 35 s on a
# busy 2-core machine once every case passes. (Until then a plain main thread
# whose waits ignore signals costs 2 s per park kind, 20 s in all.)
NSIG = 200
GAP = (0.001, 0.005)
TIMEOUT = 20.0


def _check(o):
    assert o.ok, o.report()


@pytest.mark.parametrize("procs,seed,gilaware", [(1, 11, False), (2, 12, False), (4, 13, False),
                                                  (2, 14, True)])
def test_signal_storm_main_goroutine(procs, seed, gilaware):
    """G1 parks in chan recv/recv_ok/send/iteration, select, Mutex, WaitGroup,
    Cond, sleep, syscall and a net read; handlers raise into those parks.
    At several Ps with Go's eager wakep (the goroutines spread over the Ms),
    and once with the default GIL-aware scheduling."""
    o = faultprog.drive("main", seed, procs, nsig=NSIG, gap=GAP, timeout=TIMEOUT,
                        gilaware=gilaware)
    _check(o)
    assert o.result["raised"] > 0, "no handler exception reached a park:\n" + o.report()


@pytest.mark.parametrize("station,procs", [
    (name, (1, 2, 4)[i % 3]) for i, name in enumerate(faultprog.MODE_STATIONS["main"])])
def test_signal_storm_one_park_kind(station, procs):
    """One park kind at a time (a shorter storm), so that a failure names
    the kind of wait that broke rather than the first victim of a stale
    wake-up that another kind left behind."""
    o = faultprog.drive("main", 70 + procs, procs, nsig=80, gap=GAP, timeout=TIMEOUT,
                        stations=station)
    _check(o)


@pytest.mark.parametrize("procs,seed", [(1, 21), (4, 22)])
def test_signal_storm_handler_sends_on_channel(procs, seed):
    """SIGUSR1's handler sends on a channel (Go's signal.Notify) from
    wherever it runs (G1, another goroutine, the scheduler); SIGINT and
    SIGTERM still raise."""
    o = faultprog.drive("main", seed, procs, nsig=NSIG, gap=GAP, handler="mixed",
                        timeout=TIMEOUT)
    _check(o)
    assert o.result["sigsent"] > 0, o.report()


@pytest.mark.parametrize("procs,seed", [(1, 31), (2, 32)])
def test_signal_storm_with_plain_thread_in_channel_ops(procs, seed):
    """A threading.Thread blocks in send/recv/select against G1 and a
    goroutine while the main thread takes the signals."""
    o = faultprog.drive("thread", seed, procs, nsig=NSIG, gap=GAP, timeout=TIMEOUT)
    _check(o)


@pytest.mark.parametrize("procs,seed", [(1, 41), (2, 42)])
def test_signal_storm_main_thread_as_plain_waiter(procs, seed):
    """The runtime was started by another thread: the main thread parks on
    its OS semaphore in chan, select and sync operations."""
    o = faultprog.drive("foreign", seed, procs, nsig=NSIG, gap=GAP, timeout=TIMEOUT)
    _check(o)


@pytest.mark.parametrize("procs", [1, 4])
def test_interrupt_each_park_kind(procs):
    """Deterministic: for each park kind a probe thread signals G1 once it is
    parked; the call raises, leaves no waiter behind, and no stale wake-up
    (a syscall finishing later, a timer, a Cond signal) reaches a later park."""
    o = faultprog.drive("targeted", 51, procs, min_rounds=2, timeout=60.0)
    _check(o)


def test_interrupt_each_park_kind_of_plain_main_thread():
    """The same for the main thread as a plain waiter: a signal handler runs
    while it waits, as in a blocking threading.Lock.acquire, and its
    exception ends the wait (each kind waits 2 s for it before giving up)."""
    o = faultprog.drive("targeted", 52, 1, foreign=True, min_rounds=1, timeout=60.0)
    _check(o)


@pytest.mark.parametrize("part,procs", [
    ("cond_unlocked", 1), ("cond_unlocked", 4),
    ("syscall_exc", 1), ("syscall_exc", 4),
    ("ctx", 1), ("ctx", 4),
])
def test_exceptions_in_waits(part, procs):
    """No signals: Cond.wait with L unlocked raises Go's unlock panic and
    leaves no waiter for a later signal(); exceptions raised by a
    gmp.syscall function come back to their goroutine and nothing else;
    a context cancelled while select waits on it and a channel loses or
    duplicates nothing. Run in G1 and in goroutines at once."""
    o = faultprog.drive("exceptions", 60 + procs, procs, min_rounds=6, timeout=TIMEOUT,
                        stations=part)
    _check(o)


def test_handler_run_inside_a_raising_handler_loses_no_exception(monkeypatch):
    """The harness's own accounting: CPython 3.14 can run a second signal's
    handler at its pending-call check right after a call inside a raising
    handler, after that handler counted its exception and before it raised it.
    Simulated here by a raised_ids whose add() runs the nested handler: the
    exception that propagates must be the one counted, and nothing else."""
    import signal
    import types

    class NestingSet(set):
        def add(self, x):
            super().add(x)
            if len(self) == 1:
                faultprog._handler(signal.SIGUSR1, None)

    st = faultprog.State(None)
    st.armed = True
    st.me = types.SimpleNamespace(status=0)         # parked, not running
    st.raised_ids = NestingSet()
    monkeypatch.setattr(faultprog, "st", st)
    monkeypatch.setattr(faultprog, "gmp", types.SimpleNamespace(
        runtime=types.SimpleNamespace(in_goroutine=lambda: False)))
    monkeypatch.setattr(faultprog, "_EXC", {signal.SIGTERM: faultprog.SigTerm,
                                            signal.SIGUSR1: faultprog.SigUsr1})
    with pytest.raises(faultprog.SIGEXC) as ei:
        faultprog._handler(signal.SIGTERM, None)    # frame None: M0's scheduler context
    assert set(st.raised_ids) == {ei.value.fault_id}, (st.raised_ids, ei.value)
    assert st.nhandler == 2
