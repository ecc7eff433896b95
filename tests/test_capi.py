"""The typed channels' C API (gmp/includes/gmp_api.h, `from gmp cimport`).

A session fixture compiles tests/capi/capitest.pyx and the example
examples/pipeline/pipeline.pyx in a scratch directory with only the
installed gmp, gmp.get_include() and Cython, as a user's extension is
built; the tests call their nogil functions from goroutines and threads."""
import os
import shutil
import subprocess
import sys
import threading

import pytest

import gmp
from gmp import Panic
from gmptest import child_env, run_program, wait_recvq, wait_sendq, wait_until

numpy = pytest.importorskip("numpy", reason="typed channels need numpy, which is not installed")
pytest.importorskip("Cython", reason="building the C API's test extension needs Cython")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


@pytest.fixture(scope="session")
def extdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("capi")
    for src in (os.path.join(HERE, "capi"), os.path.join(ROOT, "examples", "pipeline")):
        for name in os.listdir(src):
            if name.endswith((".pyx", ".py")):
                shutil.copy(os.path.join(src, name), d / ("pipeline_setup.py" if name == "setup.py"
                                                          and "pipeline" in src else name))
    env = child_env()
    if os.environ.get("GMP_TEST_CC"):
        # ci/test-wheel.sh runs the suite with CC=/bin/false (nothing of gmp
        # may compile there) and names the compiler for these builds here
        env["CC"] = os.environ["GMP_TEST_CC"]
    for setup in ("setup.py", "pipeline_setup.py"):
        r = subprocess.run([sys.executable, setup, "build_ext", "--inplace", "-q"], cwd=d,
                           env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "warning" not in r.stderr.lower(), r.stderr
    sys.path.insert(0, str(d))
    yield str(d)
    sys.path.remove(str(d))


@pytest.fixture
def capi(extdir):
    import capitest
    return capitest


def test_chan_ptr_takes_only_typed_channels(capi):
    assert capi.ptr(gmp.chan(1, dtype="i8"))
    with pytest.raises(TypeError, match="not a typed channel"):
        capi.ptr(gmp.chan(1))
    with pytest.raises(TypeError, match="not a typed channel"):
        capi.ptr(gmp.chan(None, dtype="i8"))
    with pytest.raises(TypeError, match="expected a gmp.chan, not int"):
        capi.ptr(3)


def test_nonblocking_calls_and_go_panics(capi):
    ch = gmp.chan(1, dtype="i8")
    assert capi.info(ch) == (0, 1, 8)
    assert capi.trysend(ch, 5) == 1
    assert capi.trysend(ch, 6) == 0
    assert capi.info(ch)[0] == 1 and len(ch) == 1
    assert capi.tryrecv(ch) == (1, 5, 1)
    assert capi.tryrecv(ch) == (0, None, None)
    ch.send(7)                              # Python and C on one channel
    capi.close(ch)
    assert ch.closed
    assert capi.tryrecv(ch) == (1, 7, 1)
    assert capi.tryrecv(ch) == (1, 0, 0)    # closed and drained: zero value, ok 0
    with pytest.raises(Panic, match="^send on closed channel$"):
        capi.trysend(ch, 1)
    with pytest.raises(Panic, match="^send on closed channel$"):
        capi.send(ch, 1)
    with pytest.raises(Panic, match="^close of closed channel$"):
        capi.close(ch)
    assert capi.recv(ch) == (0, 0)


@pytest.mark.parametrize("cap", [0, 1, 64])
def test_blocking_calls_park_the_goroutine(capi, cap):
    ch = gmp.chan(cap, dtype="i8")
    res = gmp.chan(1)
    gmp.go(lambda: res.send(capi.recv(ch)))       # parks inside the nogil call
    wait_recvq(ch)
    ch.send(41)
    assert res.recv() == (41, 1)
    for _ in range(cap):
        ch.send(0)
    gmp.go(capi.send, ch, 42)                     # a full ring: parks
    wait_sendq(ch)
    got = [ch.recv() for _ in range(cap + 1)]
    assert got[-1] == 42


def test_a_blocked_c_sender_panics_on_close(capi):
    ch = gmp.chan(0, dtype="i8")
    res = gmp.chan(1)

    def sender():
        try:
            capi.send(ch, 1)
            res.send("sent")
        except Panic as e:
            res.send(str(e))
    gmp.go(sender)
    wait_sendq(ch)
    ch.close()
    assert res.recv() == "send on closed channel"


@pytest.mark.parametrize("n", [1, 2])
def test_nogil_stages_at_several_ps(capi, procs, n):
    procs(n)
    ch = gmp.chan(128, dtype="i8")
    res = gmp.chan(1)
    gmp.go(lambda: res.send(capi.sum_until_closed(ch)))
    gmp.go(capi.send_range, ch, 1, 100000, True)
    assert res.recv() == (100000, 100000 * 100001 // 2)


def test_bulk_calls_stop_at_close(capi):
    ch = gmp.chan(16, dtype="i8")
    res = gmp.chan(1)
    gmp.go(lambda: res.send(capi.recvn(ch, 5000)))
    assert capi.sendn(ch, 1, 3000) == 3000
    ch.close()
    assert res.recv() == list(range(1, 3001))
    with pytest.raises(Panic, match="^send on closed channel$"):
        capi.sendn(ch, 0, 10)


def test_a_plain_thread_blocks_in_the_c_api(capi):
    ch = gmp.chan(0, dtype="i8")
    out = []
    t = threading.Thread(target=lambda: out.append(capi.sum_until_closed(ch)))
    t.start()
    for i in range(1, 1001):
        ch.send(i)
    ch.close()
    t.join(30)
    assert out == [(1000, 500500)]


def test_interrupting_a_c_api_park(extdir):
    # SIGINT while the main goroutine is parked inside gmp_chan_recv: the
    # KeyboardInterrupt leaves through the nogil call, nothing is taken,
    # and the channel works afterwards
    r = run_program("capi_interrupt.py", extdir, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.split() == ["KeyboardInterrupt", "0", "42", "1"], r.stdout + r.stderr


@pytest.mark.parametrize("n", [1, 2])
def test_the_example_pipeline(extdir, procs, n):
    import pipeline
    procs(n)
    exp = pipeline.expected(20000, 10)
    for produce, consume in ((pipeline.produce, pipeline.consume),
                             (pipeline.produce_blocks, pipeline.consume_blocks)):
        ch = gmp.chan(256, dtype="f8")
        res = gmp.chan(1)
        gmp.go(lambda: res.send(consume(ch, 10)))
        gmp.go(produce, ch, 20000, 10)
        assert res.recv() == exp


def test_pipeline_stages_land_on_two_ms(extdir):
    # GIL-aware scheduling keeps new goroutines on their M; a goroutine that
    # parks from nogil code after real work hands the other stage to the
    # idle P, whichever of the two starts first
    r = run_program("tchan_placement.py", extdir, env={"GOMAXPROCS": "2"}, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.split() == ["True", "True", "True"] * 2, r.stdout + r.stderr
