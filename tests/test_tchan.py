"""What only typed channels do (gmp/chan/tchan.pxi, tchanconv.pxi): dtypes,
numpy's conversions, send_array/recv_into, select cases, stress at several
Ps. Their channel semantics are tested with object channels' in
test_chan.py (the `dtype` fixture)."""
import sys
import threading

import pytest

import gmp
from gmp import Panic, _chan
from gmptest import run_program, wait_recvq, wait_sendq, wait_until

np = pytest.importorskip("numpy", reason="typed channels need numpy, which is not installed")


def test_dtype_and_repr():
    c = gmp.chan(4, dtype="f8")
    assert c.dtype == np.dtype("float64") and c.cap == 4
    assert repr(c) == "<gmp.chan cap=4 len=0 dtype=float64>"
    assert gmp.chan(2).dtype is None
    assert gmp.chan(0, dtype=np.int32).dtype == np.dtype("int32")
    assert repr(gmp.chan(None, dtype="i8")) == "<gmp.chan nil dtype=int64>"


def test_makechan_size_out_of_range_for_the_element_size():
    # cap * itemsize over Go's maxAlloc panics (and never wraps round)
    with pytest.raises(Panic, match="^makechan: size out of range$"):
        gmp.chan(1 << 40, dtype="S100000")


@pytest.mark.parametrize("dt", [object, "O", [("a", "O")], "S", "U"])
def test_dtypes_that_are_not_fixed_size_values(dt):
    with pytest.raises(TypeError, match="^chan: dtype"):
        gmp.chan(1, dtype=dt)


@pytest.mark.parametrize("dt,v,back", [
    ("f8", 1.5, 1.5), ("f8", 3, 3.0), ("f4", 0.1, float(np.float32(0.1))),
    ("i8", -(2 ** 63), -(2 ** 63)), ("i4", 2 ** 31 - 1, 2 ** 31 - 1), ("i4", 2.9, 2),
    ("u1", 255, 255), ("i2", -7, -7), ("u8", 2 ** 64 - 1, 2 ** 64 - 1), ("?", True, True),
    ("?", 0, False), ("c16", 1 + 2j, 1 + 2j), ("f8", np.float32(0.5), 0.5),
    (">i4", 1234567, 1234567), ("S4", b"ab", b"ab"), ("U3", "xyz", "xyz"),
    ("M8[s]", "2026-12-01T00:00:00", np.datetime64("2026-12-01T00:00:00")),
])
def test_values_convert_as_numpy_assigns_them(dt, v, back):
    c = gmp.chan(1, dtype=dt)
    c.send(v)
    got = c.recv()
    assert got == back
    a = np.zeros(1, dt)
    a[0] = v
    assert got == (a[0].item() if a.dtype.kind in "biufc" else a[0])
    assert type(got) is type(a[0].item() if a.dtype.kind in "biufc" else a[0])


@pytest.mark.parametrize("dt,v,exc", [
    ("i1", 300, OverflowError), ("u1", -1, OverflowError), ("i8", 2 ** 63, OverflowError),
    ("f8", 10 ** 400, OverflowError), ("i8", "x", ValueError), ("i8", None, TypeError),
    ("f8", "abc", ValueError),
    ("i4", [1, 2], (TypeError, ValueError)),
])
def test_values_that_do_not_fit_raise_numpy_errors(dt, v, exc):
    c = gmp.chan(1, dtype=dt)
    with pytest.raises(exc):
        c.send(v)
    assert len(c) == 0 and c.send_nowait(1) is True     # nothing half-sent


def test_structured_and_subarray_elements():
    dt = np.dtype([("x", "f8"), ("tag", "S3"), ("v", "i2", (2,))])
    c = gmp.chan(2, dtype=dt)
    c.send((1.5, b"ab", [3, 4]))
    got = c.recv()
    assert isinstance(got, np.void) and got["x"] == 1.5 and got["tag"] == b"ab"
    assert list(got["v"]) == [3, 4]
    big = gmp.chan(0, dtype="S200")                     # larger than the stack buffer
    gmp.go(big.send, b"q" * 200)
    assert big.recv() == b"q" * 200
    big.close()
    assert big.recv_ok() == (b"", False)


@pytest.mark.parametrize("cap", [0, 1, 7, 4096])
@pytest.mark.parametrize("n", [0, 1, 1000, 100000])
def test_send_array_recv_into_move_every_element_in_order(cap, n):
    c = gmp.chan(cap, dtype="i8")
    src = np.arange(n, dtype=np.int64)

    def producer():
        c.send_array(src)
        c.close()
    gmp.go(producer)
    out = np.full(n + 10, -1, np.int64)
    k = c.recv_into(out)
    assert k == n
    assert (out[:n] == src).all() and (out[n:] == -1).all()   # the rest left as it was


def test_send_array_and_single_values_mix():
    c = gmp.chan(3, dtype="f8")
    res = gmp.chan(1)

    def consumer():
        got = []
        out = np.zeros(4)
        while True:
            v, ok = c.recv_ok()
            if not ok:
                break
            got.append(v)
            k = c.recv_into(out)
            got.extend(out[:k].tolist())
            if k < 4:
                break
        res.send(got)
    gmp.go(consumer)
    c.send_array([0, 1, 2, 3, 4])           # a list is converted
    c.send(5)
    c.send_array(np.arange(6, 12, dtype="f8"))
    c.close()
    assert res.recv() == [float(i) for i in range(12)]


def test_send_array_and_recv_into_reject_mismatches():
    c = gmp.chan(4, dtype="f8")
    with pytest.raises(TypeError, match="the array's dtype is int64, the channel's float64"):
        c.send_array(np.arange(3))
    with pytest.raises(ValueError, match="C-contiguous"):
        c.send_array(np.zeros(10)[::2])
    with pytest.raises(TypeError, match="expected a numpy array, not list"):
        c.recv_into([0.0])
    ro = np.zeros(3)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        c.recv_into(ro)
    with pytest.raises(TypeError, match="typed channel"):
        gmp.chan(1).send_array(np.zeros(1))
    with pytest.raises(TypeError, match="typed channel"):
        gmp.chan(1).recv_into(np.zeros(1))
    assert len(c) == 0


def test_send_array_on_a_channel_closed_midway_panics():
    c = gmp.chan(4, dtype="i8")
    res = gmp.chan(1)

    transferred = [None]

    def producer():
        try:
            c.send_array(np.arange(1000, dtype=np.int64))
            res.send("sent")
        except Panic as e:
            transferred[0] = e.transferred
            res.send(str(e))
    gmp.go(producer)
    wait_sendq(c)                           # parked on the full ring
    out = np.zeros(2, np.int64)
    assert c.recv_into(out) == 2 and list(out) == [0, 1]
    wait_sendq(c)
    c.close()
    assert res.recv() == "send on closed channel"
    assert transferred[0] == 6              # 4 buffered, 2 received, before the close
    rest = np.zeros(10, np.int64)
    k = c.recv_into(rest)                   # what was buffered before the close
    assert list(rest[:k]) == list(range(2, 2 + k)) and k == 4


def test_an_interrupted_bulk_transfer_says_how_far_it_got():
    # KeyboardInterrupt thrown into recv_into's and send_array's parks: what
    # e.transferred counts is exactly what moved, nothing lost or repeated
    r = run_program("tchan_bulk_interrupt.py", timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == [
        "recv_into 5 [0, 1, 2, 3, 4] [-1, -1, -1, -1, -1]",
        "rest 5 [5, 6, 7, 8, 9]",
        "send_array 3 [0, 1, 2]",
        "consumer [0, 1, 2, 3, 4, 5, 6, 7]"], r.stdout + r.stderr


def test_subarray_dtype_in_bulk():
    # an element of "(3,)f8" is three float64s: arrays of f8 whose last
    # dimension is 3, or lists of 3-lists, go through send_array/recv_into
    ch = gmp.chan(4, dtype="(3,)f8")
    gmp.go(lambda: (ch.send_array([[1, 2, 3], [4, 5, 6]]), ch.send_array(np.ones((2, 3))),
                    ch.close()))
    out = np.zeros((5, 3))
    assert ch.recv_into(out) == 4
    assert out.tolist() == [[1, 2, 3], [4, 5, 6], [1, 1, 1], [1, 1, 1], [0, 0, 0]]
    with pytest.raises(TypeError, match="whose last dimensions are"):
        gmp.chan(1, dtype="(3,)f8").send_array(np.ones((2, 2)))


def test_zero_elements_on_a_nil_typed_channel_do_not_block():
    # zero sends or receives: Go's nil channel blocks each of them, and there
    # are none
    nil = gmp.chan(None, dtype="i8")
    assert nil.recv_into(np.zeros(0, np.int64)) == 0
    assert nil.send_array([]) is None


def test_select_over_typed_and_object_channels():
    a = gmp.chan(1, dtype="f8")
    b = gmp.chan(0, dtype="i4")
    o = gmp.chan(1)
    a.send(2.5)
    assert gmp.select(a.recv, b.recv, o.recv) == (0, 2.5)
    assert gmp.select(a.recv, b.recv, gmp.default) == (2, None)
    gmp.go(b.send, 9)
    assert gmp.select(a.recv, b.recv_ok, o.recv) == (1, (9, True))
    gmp.go(lambda: (wait_recvq(a), a.send(7)))
    assert gmp.select(b.recv, a.recv) == (1, 7.0)
    got = gmp.chan(1)
    gmp.go(lambda: got.send(b.recv()))
    wait_recvq(b)
    assert gmp.select((b.send, 41), o.recv) == (0, None)
    assert got.recv() == 41
    gmp.go(lambda: (wait_recvq(b), b.close()))
    assert gmp.select(b.recv_ok, o.recv) == (0, (0, False))
    with pytest.raises(Panic, match="^send on closed channel$"):
        gmp.select((b.send, 1))
    with pytest.raises(ValueError):
        gmp.select((a.send, "not a number"))
    assert len(a) == 0
    big = gmp.chan(0, dtype="S100")
    gmp.go(lambda: (wait_recvq(big), big.send(b"later")))
    assert gmp.select(big.recv_ok, o.recv) == (0, (b"later", True))
    # a select parked on typed cases leaves no sudog behind
    assert _chan._recvq_len(a) == 0 and _chan._recvq_len(big) == 0


def test_select_random_choice_among_ready_typed_cases():
    a = gmp.chan(1000, dtype="i8")
    b = gmp.chan(1000, dtype="i8")
    for i in range(1000):
        a.send(i)
        b.send(i)
    wins = [gmp.select(a.recv, b.recv)[0] for _ in range(1000)]
    assert 350 < wins.count(0) < 650        # P(fail) < 1e-20 for a fair coin


def test_plain_thread_send_array_against_a_goroutine():
    c = gmp.chan(16, dtype="i8")
    t = threading.Thread(target=lambda: (c.send_array(np.arange(50000)), c.close()))
    t.start()
    out = np.zeros(60000, np.int64)
    assert c.recv_into(out) == 50000
    t.join(30)
    assert out[:50000].sum() == 50000 * 49999 // 2


def test_another_p_runs_python_while_send_array_waits_on_a_full_ring():
    r = run_program("tchan_full_ring.py", env={"GOMAXPROCS": "2", "GMPDEBUG": "gilaware=0"},
                    timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.split() == ["ok"], r.stdout + r.stderr


def test_stress_10m_values_8_producers_8_consumers_4_ps():
    r = run_program("tchan_stress.py", env={"GOMAXPROCS": "4"}, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.split()[0] == "ok", r.stdout + r.stderr
