"""Run-queue unit tests through the test hooks (Go's RunSchedLocalQueueTest
and RunSchedLocalQueueStealTest)."""
import pytest

import gmp
from gmp import _core
from gmptest import run_program


def test_put_get_fifo():
    """Mirrors Go's TestSchedLocalQueue (src/runtime/proc_test.go; RunSchedLocalQueueTest in
    export_test.go)."""
    q = _core._RunqProbe()
    assert q.get() is None
    for i in range(1, 101):
        assert q.put(i)
    assert len(q) == 100
    assert [q.get() for _ in range(100)] == list(range(1, 101))
    assert q.get() is None


def test_ring_holds_256_then_full():
    q = _core._RunqProbe()
    for i in range(1, 257):
        assert q.put(i)
    assert not q.put(999)
    assert q.get() == 1
    assert q.put(257)
    assert [q.get() for _ in range(256)] == list(range(2, 258))


def test_wraparound():
    q = _core._RunqProbe()
    for rnd in range(10):
        for i in range(200):
            assert q.put(rnd * 1000 + i + 1)
        assert [q.get() for _ in range(200)] == [rnd * 1000 + i + 1 for i in range(200)]


@pytest.mark.parametrize("n", [1, 2, 3, 10, 255, 256])
def test_steal_half(n):
    """Mirrors Go's TestSchedLocalQueueSteal (src/runtime/proc_test.go;
    RunSchedLocalQueueStealTest in export_test.go)."""
    victim, thief = _core._RunqProbe(), _core._RunqProbe()
    for i in range(1, n + 1):
        victim.put(i)
    first = thief.steal_from(victim)
    stolen = n - n // 2
    assert first == 1
    assert len(thief) == stolen - 1
    assert len(victim) == n - stolen
    rest = [thief.get() for _ in range(stolen - 1)] + [victim.get() for _ in range(n - stolen)]
    assert [first] + rest == list(range(1, n + 1))


def test_steal_from_empty():
    assert _core._RunqProbe().steal_from(_core._RunqProbe()) is None


@pytest.mark.parametrize("nthieves", [1, 3])
def test_concurrent_steal_no_loss_no_dup(nthieves):
    counts = _core._runq_stress(nthieves, 200000)
    bad = [(i + 1, c) for i, c in enumerate(counts) if c != 1]
    assert not bad, bad[:10]


def test_runnext_and_overflow_to_global():
    # In a fresh process with one P: the newest G sits in runnext, 256 in the
    # ring, and overflow moves half a ring at a time to the global queue.
    r = run_program("runq_runnext_and_overflow_to_global.py")
    assert r.returncode == 0, r.stderr
    first, second = r.stdout.split("\n")[:2]
    nxt, ring, glob = first.split()
    assert nxt == "True"
    assert int(ring) + int(glob) == 299
    assert int(glob) == 129 and int(ring) == 170
    assert second.split() == ["0", "0", "1"]


def test_global_queue_fairness_tick():
    # With one P, a G that keeps readying itself on runnext would starve the
    # global queue were it not checked every 61 schedticks.
    r = run_program("runq_global_queue_fairness_tick.py")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["300", "True"]
