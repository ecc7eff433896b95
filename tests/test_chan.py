"""Channel semantics, ported from Go's runtime/chan_test.go and the spec.

The tests that take the `dtype` fixture (conftest.py) run twice: on a
channel of objects and on a typed channel of int64 (chan(size, dtype="i8"),
gmp/chan/tchan.pxi), whose semantics are the same; `zero` is what a closed
and drained channel gives (None, or the dtype's zero value as Go's).
tests/test_tchan.py has what only typed channels do."""
import threading

import pytest

import gmp
from gmp import Panic
from gmptest import wait_recvq, wait_sendq, wait_until



def test_unbuffered_rendezvous(dtype):
    ch = gmp.chan(dtype=dtype)
    got = []

    def recv():
        got.append(ch.recv())

    gmp.go(recv)
    ch.send(42)         # returns only once the receiver has the value
    wait_until(lambda: got)
    assert got == [42]


def test_send_blocks_until_receiver(dtype):
    ch = gmp.chan(dtype=dtype)
    done = gmp.chan(1)

    def sender():
        ch.send(7)
        done.send(True)

    gmp.go(sender)
    wait_sendq(ch)
    assert len(done) == 0          # still parked: no receiver yet
    assert ch.recv() == 7
    assert done.recv() is True


@pytest.mark.parametrize("cap", [0, 1, 5, 100])
def test_fifo(cap, dtype):
    """Mirrors the FIFO part of Go's TestChan (src/runtime/chan_test.go)."""
    ch = gmp.chan(cap, dtype=dtype)
    n = 1000

    def producer():
        for i in range(n):
            ch.send(i)
        ch.close()

    gmp.go(producer)
    assert list(ch) == list(range(n))


def test_buffered_len_cap(dtype):
    """Mirrors the len/cap part of Go's TestChan (src/runtime/chan_test.go)."""
    ch = gmp.chan(3, dtype=dtype)
    assert ch.cap == 3 and len(ch) == 0
    ch.send(1)
    ch.send(2)
    assert len(ch) == 2
    assert ch.recv() == 1
    assert len(ch) == 1
    assert gmp.chan(dtype=dtype).cap == 0


def test_makechan_errors(dtype):
    with pytest.raises(Panic, match="^makechan: size out of range$"):
        gmp.chan(-1, dtype=dtype)
    with pytest.raises(TypeError):
        gmp.chan(1.5, dtype=dtype)
    with pytest.raises(TypeError):
        gmp.chan("3", dtype=dtype)


def test_close_drains_then_zero(dtype, zero):
    """Mirrors the receive-from-closed part of Go's TestChan (src/runtime/chan_test.go)."""
    ch = gmp.chan(2, dtype=dtype)
    ch.send(10)
    ch.send(11)
    ch.close()
    assert ch.recv_ok() == (10, True)
    assert ch.recv() == 11
    assert ch.recv() is zero if zero is None else ch.recv() == zero
    assert ch.recv_ok() == (zero, False)
    assert ch.recv_ok() == (zero, False)


def test_close_wakes_all_receivers(dtype, zero):
    """Mirrors the close-unblocks-receive part of Go's TestChan (src/runtime/chan_test.go)."""
    ch = gmp.chan(dtype=dtype)
    res = gmp.chan(10)

    def r():
        res.send(ch.recv_ok())

    for _ in range(10):
        gmp.go(r)
    wait_recvq(ch, 10)
    ch.close()
    assert [res.recv() for _ in range(10)] == [(zero, False)] * 10


def test_close_panics_blocked_senders(dtype):
    ch = gmp.chan(dtype=dtype)
    res = gmp.chan(5)

    def s(i):
        try:
            ch.send(i)
            res.send("sent")
        except Panic as e:
            res.send(str(e))

    for i in range(5):
        gmp.go(s, i)
    wait_sendq(ch, 5)
    ch.close()
    assert [res.recv() for _ in range(5)] == ["send on closed channel"] * 5


def test_send_on_closed_panics(dtype):
    ch = gmp.chan(1, dtype=dtype)
    ch.close()
    with pytest.raises(Panic, match="^send on closed channel$"):
        ch.send(1)
    with pytest.raises(Panic, match="^send on closed channel$"):
        ch.send_nowait(1)


def test_close_closed_and_nil(dtype):
    ch = gmp.chan(dtype=dtype)
    ch.close()
    with pytest.raises(Panic, match="^close of closed channel$"):
        ch.close()
    with pytest.raises(Panic, match="^close of nil channel$"):
        gmp.nilchan.close()
    with pytest.raises(Panic, match="^close of nil channel$"):
        gmp.chan(None, dtype=dtype).close()


def test_nilchan_nonblocking():
    assert gmp.nilchan.send_nowait(1) is False
    with pytest.raises(gmp.WouldBlock):
        gmp.nilchan.recv_nowait()
    assert len(gmp.nilchan) == 0 and gmp.nilchan.cap == 0


@pytest.mark.gmp_leaks_goroutines
def test_nilchan_blocks_forever():
    started = gmp.chan()
    state = []

    def f():
        started.send(None)
        gmp.nilchan.recv()
        state.append("woke")            # never reached

    gmp.go(f)
    started.recv()
    gs = [g for g in gmp._core._allgs() if gmp._core._gstatus(g)[1] == "chan receive (nil chan)"]
    wait_until(lambda: any(gmp._core._gstatus(g)[1] == "chan receive (nil chan)"
                           for g in gmp._core._allgs()))
    assert state == []


def test_nowait_ops(dtype, zero):
    ch = gmp.chan(1, dtype=dtype)
    with pytest.raises(gmp.WouldBlock):
        ch.recv_nowait()
    assert ch.send_nowait(1) is True
    assert ch.send_nowait(2) is False
    assert ch.recv_nowait() == (1, True)
    ch.close()
    assert ch.recv_nowait() == (zero, False)


def test_buffered_full_sender_handoff(dtype):
    # a receiver on a full buffer takes the head and the parked sender's value
    # moves into the freed slot (chan.go recv on a full buffer)
    ch = gmp.chan(2, dtype=dtype)
    ch.send(1)
    ch.send(2)
    gmp.go(ch.send, 3)
    wait_sendq(ch)
    assert [ch.recv(), ch.recv(), ch.recv()] == [1, 2, 3]


@pytest.mark.gmp_leaks_goroutines
def test_prime_sieve(dtype):
    """Mirrors Go's test program test/chan/sieve1.go."""
    def generate(ch):
        i = 2
        while True:
            ch.send(i)
            i += 1

    def filt(src, dst, prime):
        for i in src:
            if i % prime:
                dst.send(i)

    ch = gmp.chan(dtype=dtype)
    gmp.go(generate, ch)
    primes = []
    for _ in range(50):
        p = ch.recv()
        primes.append(p)
        ch1 = gmp.chan(dtype=dtype)
        gmp.go(filt, ch, ch1, p)
        ch = ch1
    assert primes[:10] == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]
    assert primes[-1] == 229


def test_values_not_leaked_or_lost():
    import sys
    obj = object()
    base = sys.getrefcount(obj)
    ch = gmp.chan(10)
    for _ in range(10):
        ch.send(obj)
    assert sys.getrefcount(obj) == base + 10
    for _ in range(10):
        v = ch.recv()       # a call, not `assert ch.recv() is obj`: pytest's
        assert v is obj     # rewriting would bind ch.recv (see test_bound_methods)
    del v
    assert sys.getrefcount(obj) == base
    ch.send(obj)
    del ch      # buffered values are released with the channel
    assert sys.getrefcount(obj) == base


def test_plain_threads_block_on_os_semaphore(dtype):
    ch = gmp.chan(dtype=dtype)
    out = gmp.chan(100)

    def thread_side():
        for i in range(100):
            ch.send(i)
        ch.close()

    t = threading.Thread(target=thread_side)
    t.start()
    got = list(ch)
    t.join()
    assert got == list(range(100))


def test_goroutine_and_thread_pingpong(dtype):
    a, b = gmp.chan(dtype=dtype), gmp.chan(dtype=dtype)

    def thread_side():
        for v in a:
            b.send(v * 2)

    t = threading.Thread(target=thread_side)
    t.start()
    for i in range(500):
        a.send(i)
        assert b.recv() == 2 * i
    a.close()
    t.join()


def test_thread_to_thread_via_channel(dtype):
    ch = gmp.chan(dtype=dtype)
    res = []

    def consumer():
        res.extend(ch)

    def producer():
        for i in range(1000):
            ch.send(i)
        ch.close()

    ts = [threading.Thread(target=consumer), threading.Thread(target=producer)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(30)
    assert res == list(range(1000))


def test_many_senders_receivers_checksum(dtype):
    ch = gmp.chan(7, dtype=dtype)
    total = gmp.chan(1)
    wg = gmp.WaitGroup()
    n, k = 20, 500

    def s(base):
        for i in range(k):
            ch.send(base + i)
        wg.done()

    def r():
        acc = 0
        for v in ch:
            acc += v
        total.send(acc)

    wg.add(n)
    for j in range(n):
        gmp.go(s, j * k)
    sums = gmp.chan(4)
    for _ in range(4):
        gmp.go(lambda: sums.send(sum(iter(ch))))
    wg.wait()
    ch.close()
    assert sum(sums.recv() for _ in range(4)) == sum(range(n * k))


def test_a_channel_in_its_own_buffer_is_collected():
    # chan -> ring -> value -> chan: the cyclic GC must see the ring
    import gc
    import weakref
    refs = []
    for _ in range(100):
        c = gmp.chan(2)
        c.send([c, "payload"])
        refs.append(weakref.ref(c))
        del c
    gc.collect()
    assert sum(r() is not None for r in refs) == 0


def test_plain_threads_leave_no_waiter_goroutine_behind(dtype):
    import threading
    gmp.go(lambda: None)                    # the runtime is running
    before = gmp._core._nglive()
    for _ in range(200):
        c = gmp.chan(dtype=dtype)
        t = threading.Thread(target=c.recv)
        t.start()
        wait_recvq(c)
        c.send(1)
        t.join()
    assert gmp._core._nglive() - before < 5


def test_select_over_many_channels_with_default():
    # thousands of cases: the lock order is sorted in n log n
    chans = [gmp.chan() for _ in range(20000)]
    cases = [c.recv for c in chans]
    assert gmp.select(*cases, gmp.default) == (20000, None)
    ready = gmp.chan(1)
    ready.send("x")
    cases.insert(12345, ready.recv)
    assert gmp.select(*cases) == (12345, "x")
