"""Stack accounting: Go's contiguous-stack sizes on goroutine frames."""
import gc

import gmp
from gmp import _core, runtime
from gmptest import run_program, wait_until


def newest_waiting():
    return max((x for x in _core._allgs() if _core._gstatus(x)[1] == "chan receive"),
               key=lambda x: x.goid)


def recurse_then(n, fn):
    if n == 0:
        return fn()
    return recurse_then(n - 1, fn)


def test_stack_grows_by_doubling_to_fit_the_frames():
    gate = gmp.chan()
    before = runtime.read_mem_stats()["num_stack_growth"]
    gmp.go(recurse_then, 80, gate.recv)
    wait_until(lambda: gmp._chan._recvq_len(gate) == 1)
    g = newest_waiting()
    gc.collect()                    # every waiting G is measured at GC
    size, inuse = _core._gstack(g)
    assert inuse > 2048             # 80 frames
    assert size >= inuse and size & (size - 1) == 0 and size // 2 < inuse
    assert runtime.read_mem_stats()["num_stack_growth"] > before
    gate.close()


def test_stack_shrinks_at_gc_when_a_quarter_is_used():
    gate, shallow = gmp.chan(), gmp.chan()

    def worker():
        recurse_then(200, gate.recv)   # 200 deep, parked
        shallow.recv()                 # then parked with one frame

    gmp.go(worker)
    wait_until(lambda: gmp._chan._recvq_len(gate) == 1)
    g = newest_waiting()
    gc.collect()
    big = _core._gstack(g)[0]
    assert big >= 8192
    gate.send(None)
    wait_until(lambda: gmp._chan._recvq_len(shallow) == 1)
    shrinks = runtime.read_mem_stats()["num_stack_shrink"]
    gc.collect()
    assert _core._gstack(g)[0] == big // 2          # one halving per collection, as Go
    gc.collect()
    assert _core._gstack(g)[0] == big // 4
    assert runtime.read_mem_stats()["num_stack_shrink"] == shrinks + 2
    shallow.close()


def test_gcshrinkstackoff():
    r = run_program("stack_gcshrinkstackoff.py", env={"GODEBUG": "gcshrinkstackoff=1"})
    big, now, shrinks = map(int, r.stdout.split())
    assert big >= 8192 and now == big and shrinks == 0, r.stderr


def test_read_mem_stats():
    s = runtime.read_mem_stats()
    for k in ("stack_inuse", "stack_sys", "num_stack_growth", "num_stack_shrink",
              "num_goroutine", "gomaxprocs", "threads"):
        assert isinstance(s[k], int) and s[k] >= 0, k
    assert s["num_goroutine"] == runtime.num_goroutine()
    assert s["stack_inuse"] == sum(_core._gstack(g)[0] for g in _core._allgs())
    assert s["stack_inuse"] >= 2048 * s["num_goroutine"]
