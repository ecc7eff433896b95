"""A typed program that uses every public module of gmp.

Not a pytest test module (its name does not start with test_):
tests/test_typing.py and ci/typing.sh run ``mypy --strict`` on it, where
each ``assert_type`` states what a type checker must infer, and
tests/test_typing.py also runs it (``python tests/typing/uses_every_module.py``
prints "ok" and exits 0), so the annotations describe values that exist.
"""
from __future__ import annotations

import io
import socket
import sys
import threading
import time as pytime
from typing import Any, Literal, assert_type

import gmp
import gmp.debug
import gmp.monkey
import gmp.net
import gmp.pprof
import gmp.prometheus
import gmp.runtime
import gmp.sync
import gmp.testing
import gmp.time
from gmp import context


# ---- chan: generic in its element type ----------------------------------------

def channels() -> None:
    ints = gmp.chan[int](4)
    assert_type(ints, gmp.chan[int])
    ints.send(1)
    assert_type(ints.send_nowait(2), bool)
    ints.send(3)
    assert_type(ints.recv(), int | None)
    assert_type(ints.recv_ok(), tuple[int, bool])
    assert_type(ints.recv_nowait(), tuple[int, bool])
    assert_type(len(ints), int)
    assert_type(ints.cap, int)
    ints.send(4)
    ints.close()
    assert_type(ints.closed, bool)
    for v in ints:                              # iteration yields the element type
        assert_type(v, int)
    try:
        ints.recv_nowait()
    except gmp.WouldBlock:
        pass
    strs: gmp.chan[str] = gmp.chan()            # or annotate the variable
    assert_type(strs, gmp.chan[str])
    never: gmp.chan[bytes] = gmp.nilchan        # the nil channel fits any element type
    assert never is gmp.nilchan


# ---- select: each case's value type, and which index it comes with ----------

def selects() -> None:
    a = gmp.chan[int](1)
    b = gmp.chan[str](1)
    a.send(7)
    r = gmp.select(a.recv, b.recv_ok)
    assert_type(r, tuple[Literal[0], int | None] | tuple[Literal[1], tuple[str, bool]])
    if r[0] == 0:
        assert_type(r[1], int | None)           # narrowed by the index
    i, v = gmp.select(a.recv_ok, (b.send, "x"), gmp.default)
    assert_type(i, Literal[0, 1, 2])
    assert_type(v, tuple[int, bool] | None)
    b.recv()
    k, w = gmp.select(*[a.recv, a.recv], gmp.default)   # *cases: the index is an int
    assert_type(k, int)
    assert_type(w, Any)
    assert (k, w) == (2, None)


# ---- goroutines, run, syscall, runtime ------------------------------------------

def add(x: int, y: int, *, scale: int = 1) -> int:
    return (x + y) * scale


def goroutines() -> None:
    out = gmp.chan[int](1)
    gmp.go(lambda: out.send(add(1, 2)))
    gmp.go(out.send, 4)                         # args are checked against the function's
    assert_type(gmp.go(print, "never", file=io.StringIO()), None)
    assert sorted([out.recv() or 0, out.recv() or 0]) == [3, 4]
    assert_type(gmp.syscall(add, 1, 2, scale=3), int)
    assert_type(gmp.run(add, 2, 3), int)
    assert_type(gmp.runtime.gomaxprocs(), int)
    assert_type(gmp.runtime.num_goroutine(), int)
    assert_type(gmp.runtime.num_cpu(), int)
    assert_type(gmp.runtime.in_goroutine(), bool)
    assert_type(gmp.runtime.stack(all=True), str)
    assert_type(gmp.runtime.read_mem_stats()["num_goroutine"], int)
    m = gmp.runtime.metrics()
    assert_type(m["/sched/goroutines:goroutines"], int)
    assert_type(m["/sched/latencies:seconds"].counts, list[int])
    gmp.runtime.gosched()
    done = gmp.chan[None]()

    def leaves() -> None:
        try:
            gmp.runtime.goexit()
        finally:
            done.close()
    gmp.go(leaves)
    done.recv()
    try:
        c = gmp.chan[int]()
        c.close()
        c.close()
    except gmp.Panic as e:
        assert "close of closed channel" in str(e)
    assert issubclass(gmp.Deadlock, gmp.Panic) and issubclass(gmp.GoExit, BaseException)


# ---- sync ---------------------------------------------------------------------

def syncs() -> None:
    wg = gmp.WaitGroup()
    mu = gmp.Mutex()
    rw = gmp.sync.RWMutex()
    once = gmp.Once()
    total = [0]

    def work(n: int) -> None:
        with mu:
            total[0] += n
        once.do(print, end="")
        wg.done()
    wg.add(3)
    for n in (1, 2, 3):
        gmp.go(work, n)
    wg.wait()
    assert total[0] == 6
    assert_type(mu.try_lock(), bool)
    mu.unlock()
    with rw:
        pass
    with rw.rlocker():
        pass
    cond = gmp.sync.Cond(threading.Lock())      # a Python lock is a Locker too
    with threading.Lock():
        pass
    assert cond.L is not None
    cond.broadcast()
    with gmp.sync.ErrGroup() as g:
        g.set_limit(2)
        g.go(work, 0)                           # ErrGroup.go checks fn's arguments too
        wg.add(1)
        assert_type(g.try_go(print, end=""), bool)
    assert_type(g.ctx, context.Context)
    g2, ctx = gmp.sync.ErrGroup.with_context(context.background())
    assert_type(g2, gmp.sync.ErrGroup)
    assert_type(ctx, context.Context)
    g2.wait()


# ---- time -----------------------------------------------------------------------

def times() -> None:
    gmp.sleep(0.001)
    assert_type(gmp.after(0.001), gmp.chan[float])
    assert_type(gmp.after(0.001).recv(), float | None)
    t = gmp.Timer(10)
    assert_type(t.stop(), bool)
    assert_type(t.reset(0.001), bool)
    assert_type(t.c.recv(), float | None)
    tk = gmp.time.Ticker(0.001)
    assert_type(tk.c, gmp.chan[float])
    tk.c.recv()
    tk.stop()
    fired = gmp.chan[None](1)
    gmp.time.after_func(0.001, lambda: fired.send(None))
    fired.recv()
    assert gmp.tick(0) is gmp.nilchan


# ---- context ---------------------------------------------------------------------

def contexts() -> None:
    key = object()
    root = context.with_value(context.background(), "k", 1)
    assert_type(root.value("k"), Any)
    ctx, cancel = context.with_timeout(root, 0.001)
    assert_type(ctx.deadline(), float | None)
    assert_type(ctx.done(), gmp.chan[None])
    i, _ = gmp.select(ctx.done().recv, gmp.after(5).recv)
    assert i == 0
    err = ctx.err()
    assert_type(err, BaseException | None)
    assert isinstance(err, context.DeadlineExceeded)
    cancel()
    c2, cancel_cause = context.with_cancel_cause(context.todo())
    cancel_cause(ValueError("why"))
    cancel_cause()
    assert isinstance(context.cause(c2), ValueError)
    c3, cancel3 = context.with_deadline(context.without_cancel(c2), pytime.time() + 60)
    stop = context.after_func(c3, lambda: None)
    assert_type(stop(), bool)
    cancel3()
    assert context.with_cancel(c3)[0].value(key) is None
    try:
        raise context.Canceled()
    except context.CanceledError:
        pass


# ---- net, monkey ---------------------------------------------------------------

def networking() -> None:
    ln = gmp.net.listen("tcp", "127.0.0.1:0")
    addr = ln.addr
    assert isinstance(addr, gmp.net.TCPAddr)

    def echo(c: gmp.net.Conn) -> None:
        with c:
            while data := c.read(65536):
                c.write(data)
    def serve() -> None:
        for c in ln:
            gmp.go(echo, c)
    gmp.go(serve)
    with gmp.net.dial("tcp", ("127.0.0.1", addr.port), timeout=5) as c:
        c.set_deadline(pytime.time() + 5)
        assert_type(c.write(b"ping"), int)
        assert_type(c.read(4), bytes)
        assert_type(c.remote_addr, gmp.net.TCPAddr | gmp.net.UnixAddr)
        f = c.makefile("rwb")
        assert f is not None
    try:
        gmp.net.dial("tcp", "127.0.0.1:99999")
    except gmp.net.OpError as e:
        assert isinstance(e.err, gmp.net.AddrError) or "invalid port" in str(e)
    ln.close()
    gmp.monkey.patch_time()
    pytime.sleep(0.001)                         # parks this goroutine now


# ---- testing, pprof, debug, prometheus --------------------------------------------

def tooling() -> None:
    snap = gmp.testing.ignore_current()
    gs = gmp.testing.find(ignore_current=snap, max_retries=2)
    assert_type(gs, list[gmp.testing.Goroutine])
    gmp.testing.verify_none(ignore_current=snap, ignore_top_function=["x.y"])
    p = gmp.pprof.lookup("goroutine")
    assert p is not None
    assert_type(p.count(), int)
    buf = io.BytesIO()
    p.write_to(buf, debug=1)
    assert b"goroutine profile" in buf.getvalue()
    assert_type(gmp.pprof.profiles(), list[gmp.pprof.Profile])
    srv = gmp.pprof.serve("127.0.0.1:0")
    srv.shutdown()
    gmp.debug.set_traceback("single")
    assert_type(gmp.debug.set_crash_hook_timeout(5), float)
    try:
        import prometheus_client
    except ImportError:
        return
    reg = prometheus_client.CollectorRegistry()
    col = gmp.prometheus.register(reg)
    assert_type(col, gmp.prometheus.GMPCollector)
    assert any(m.name == "go_goroutines" for m in col.collect())


def main() -> int:
    channels()
    selects()
    goroutines()
    syncs()
    times()
    contexts()
    networking()
    tooling()
    assert socket.socket is not None
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
