"""gmp.sync: WaitGroup, Mutex, RWMutex, Once, Cond."""
import threading

import pytest

import gmp
from gmp import Panic, sync
from gmptest import wait_until


def test_reexports():
    assert gmp.WaitGroup is sync.WaitGroup and gmp.Mutex is sync.Mutex and gmp.Once is sync.Once


def test_waitgroup():
    wg = sync.WaitGroup()
    out = []
    wg.add(5)
    for i in range(5):
        gmp.go(lambda i=i: (out.append(i), wg.done()))
    wg.wait()
    assert sorted(out) == list(range(5))
    wg.wait()           # zero counter: returns at once


def test_waitgroup_negative():
    """Mirrors Go's TestWaitGroupMisuse (src/sync/waitgroup_test.go)."""
    wg = sync.WaitGroup()
    with pytest.raises(Panic, match="^sync: negative WaitGroup counter$"):
        wg.done()
    wg.add(1)
    wg.done()


def test_waitgroup_several_waiters():
    wg = sync.WaitGroup()
    wg.add(1)
    out = gmp.chan(3)
    for _ in range(3):
        gmp.go(lambda: (wg.wait(), out.send(1)))
    wait_until(lambda: sum(1 for g in gmp._core._allgs()
                           if gmp._core._gstatus(g)[1] == "sync.WaitGroup.Wait") >= 3)
    wg.done()
    assert [out.recv() for _ in range(3)] == [1, 1, 1]


def test_mutex_exclusion():
    mu = sync.Mutex()
    state = {"n": 0, "inside": 0, "max": 0}
    wg = sync.WaitGroup()

    def f():
        for _ in range(200):
            with mu:
                state["inside"] += 1
                state["max"] = max(state["max"], state["inside"])
                gmp.runtime.gosched()       # yield while holding it
                state["n"] += 1
                state["inside"] -= 1
        wg.done()

    wg.add(10)
    for _ in range(10):
        gmp.go(f)
    wg.wait()
    assert state["n"] == 2000 and state["max"] == 1


def test_mutex_unlock_unlocked():
    """Mirrors the Mutex.Unlock case of Go's TestMutexMisuse (src/sync/mutex_test.go)."""
    with pytest.raises(Panic, match="^sync: unlock of unlocked mutex$"):
        sync.Mutex().unlock()


def test_mutex_try_lock():
    """Mirrors the TryLock checks of Go's TestMutex (src/sync/mutex_test.go)."""
    mu = sync.Mutex()
    assert mu.try_lock()
    assert not mu.try_lock()
    mu.unlock()


def test_mutex_with_threads():
    mu = sync.Mutex()
    n = [0]

    def th():
        for _ in range(2000):
            mu.lock()
            n[0] += 1
            mu.unlock()

    ts = [threading.Thread(target=th) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert n[0] == 8000


def test_rwmutex_readers_share_writers_exclude():
    rw = sync.RWMutex()
    rw.rlock()
    rw.rlock()
    got = gmp.chan(1)
    gmp.go(lambda: (rw.lock(), got.send("w")))
    wait_until(lambda: any(gmp._core._gstatus(g)[1] == "sync.RWMutex.Lock"
                           for g in gmp._core._allgs()))
    # a waiting writer holds back new readers
    r2 = gmp.chan(1)
    gmp.go(lambda: (rw.rlock(), r2.send("r"), rw.runlock()))
    wait_until(lambda: any(gmp._core._gstatus(g)[1] == "sync.RWMutex.RLock"
                           for g in gmp._core._allgs()))
    rw.runlock()
    assert len(got) == 0
    rw.runlock()
    assert got.recv() == "w"
    assert len(r2) == 0
    rw.unlock()
    assert r2.recv() == "r"


def test_rwmutex_errors():
    """Mirrors the RWMutex.Unlock and RWMutex.RUnlock cases of Go's TestMutexMisuse
    (src/sync/mutex_test.go)."""
    with pytest.raises(Panic, match="^sync: RUnlock of unlocked RWMutex$"):
        sync.RWMutex().runlock()
    with pytest.raises(Panic, match="^sync: Unlock of unlocked RWMutex$"):
        sync.RWMutex().unlock()


def test_rwmutex_context_and_rlocker():
    rw = sync.RWMutex()
    with rw:
        pass
    with rw.rlocker():
        with rw.rlocker():
            pass
    rw.lock()
    rw.unlock()


def test_once():
    """Mirrors Go's TestOnce (src/sync/once_test.go)."""
    once = sync.Once()
    calls = []
    wg = sync.WaitGroup()
    wg.add(10)
    for _ in range(10):
        gmp.go(lambda: (once.do(calls.append, 1), wg.done()))
    wg.wait()
    assert calls == [1]


def test_once_panicking_fn_counts_as_done():
    """Mirrors Go's TestOncePanic (src/sync/once_test.go)."""
    once = sync.Once()
    with pytest.raises(ZeroDivisionError):
        once.do(lambda: 1 / 0)
    once.do(lambda: 1 / 0)


def test_cond():
    mu = sync.Mutex()
    cond = sync.Cond(mu)
    ready = []
    out = gmp.chan(5)

    def waiter(i):
        mu.lock()
        while not ready:
            cond.wait()
        mu.unlock()
        out.send(i)

    for i in range(5):
        gmp.go(waiter, i)
    wait_until(lambda: sum(1 for g in gmp._core._allgs()
                           if gmp._core._gstatus(g)[1] == "sync.Cond.Wait") == 5)
    mu.lock()
    ready.append(True)
    cond.signal()
    mu.unlock()
    first = out.recv()
    assert first in range(5)
    mu.lock()
    cond.broadcast()
    mu.unlock()
    rest = sorted(out.recv() for _ in range(4))
    assert sorted(rest + [first]) == list(range(5))
