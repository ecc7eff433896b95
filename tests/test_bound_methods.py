"""chan.send / recv / recv_ok: their descriptors (gmp_chanop.h).

ch.recv is an ordinary builtin method; binding one takes it from a small
per-operation pool (4 objects) when a pooled one is unreferenced, instead of
allocating. These tests pin down what a user can observe of that."""
import gc
import sys
import types
import weakref

import pytest

import gmp

POOL = 4


class Item:
    """A value whose release can be observed (plain objects take no weakref)."""


def test_bound_method_is_a_builtin_method_of_its_channel():
    c = gmp.chan(1)
    m = c.recv
    assert type(m) is types.BuiltinMethodType
    assert m.__self__ is c and m.__name__ == "recv"
    c.send(7)
    assert m() == 7
    s = c.send
    s(8)
    assert c.recv_ok() == (8, True)


def test_unbound_calls_and_their_errors():
    c = gmp.chan(1)
    gmp.chan.send(c, 1)
    assert gmp.chan.recv(c) == 1
    c.close()
    assert gmp.chan.recv_ok(c) == (None, False)
    assert repr(gmp.chan.recv) == "<method 'recv' of 'gmp._chan.chan' objects>"
    assert "Receives a value" in gmp.chan.recv.__doc__
    with pytest.raises(TypeError, match=r"chan.recv\(\) takes no arguments \(1 given\)"):
        c.recv(1)
    with pytest.raises(TypeError, match=r"chan.send\(\) takes exactly one argument \(0 given\)"):
        c.send()
    with pytest.raises(TypeError, match=r"chan.send\(\) takes exactly one argument \(2 given\)"):
        c.send(1, 2)
    with pytest.raises(TypeError, match="takes no keyword arguments"):
        c.send(v=1)
    with pytest.raises(TypeError, match="needs an argument"):
        gmp.chan.recv()
    with pytest.raises(TypeError, match="doesn't apply to a 'int' object"):
        gmp.chan.send(1, 2)
    with pytest.raises(TypeError, match="doesn't apply to a 'int' object"):
        gmp.chan.recv.__get__(1)


def test_a_held_method_is_never_rebound():
    chans = [gmp.chan(1) for _ in range(3 * POOL)]
    held = [c.recv for c in chans]          # more than the pool holds
    for c in chans:
        c.recv                              # bind and drop, again and again
    for c, m in zip(chans, held):
        assert m.__self__ is c
        c.send(c)
        assert m() is c


def test_a_method_with_a_weak_reference_is_never_rebound():
    a, b = gmp.chan(1), gmp.chan(1)
    m = a.recv
    r = weakref.ref(m)
    del m
    for _ in range(2 * POOL):
        b.recv
    m = r()
    if m is not None:                       # kept alive by the pool: still a's
        assert m.__self__ is a


def _chan_holding_an_item(size=1):
    """A channel with one buffered value, and a weak reference to the value."""
    item = Item()
    c = gmp.chan(size)
    c.send(item)
    return c, weakref.ref(item)


def test_pooled_method_keeps_its_channel_alive_only_until_rebound():
    # Documented cost of the pool: an unreferenced pooled method keeps the
    # channel it was last bound to (and so its buffered values) alive until
    # the pool rebinds it to another channel.
    c, dead = _chan_holding_an_item()
    c.recv_ok                               # bound, then dropped
    del c
    others = [gmp.chan(1) for _ in range(POOL)]
    for o in others:
        o.recv_ok                           # each rebinds an idle pooled method
    gc.collect()
    assert dead() is None


def test_channel_freed_with_its_values_when_no_method_was_bound():
    c, dead = _chan_holding_an_item(size=3)
    c.send(1)                               # method calls bind nothing ...
    gmp.chan.send(c, 2)
    v, ok = c.recv_ok()                     # (not inside an assert: pytest's
    assert ok and v is dead()               # rewriting would bind c.recv_ok)
    c.send(v)
    del v
    del c                                   # ... so the item goes with c
    assert dead() is None


def test_select_loop_with_pooled_cases_from_many_goroutines(procs):
    # four goroutines on 4 Ps, each selecting over its own channels with
    # cases rebuilt every iteration: every result belongs to the right channel
    procs(4)
    wg = gmp.WaitGroup()
    errors = []

    def worker(w):
        try:
            ready, idle = gmp.chan(1), gmp.chan()
            for i in range(3000):
                ready.send((w, i))
                k, v = gmp.select(idle.recv, ready.recv)
                if (k, v) != (1, (w, i)):
                    errors.append((w, i, k, v))
                if i % 97 == 0:
                    gmp.runtime.gosched()
        finally:
            wg.done()

    for w in range(4):
        wg.add(1)
        gmp.go(worker, w)
    wg.wait()
    assert errors == []


def test_refcounts_balance_over_many_bindings():
    c = gmp.chan(1)
    before = sys.getrefcount(c)
    for _ in range(1000):
        c.send(1)
        gmp.select(c.recv, gmp.default)
        m = c.send
        del m
    # at most one pooled method per operation may still hold c
    assert before <= sys.getrefcount(c) <= before + 3
