"""os.fork() with a running runtime (gmp/core/fork.pxi).

The child keeps only the forking thread, as Python threads do: it runs the
forking goroutine as its main goroutine on a fresh runtime (new Ms, a new
sysmon, its own epoll instance); every other goroutine is dropped. Each
program runs in a subprocess with a timeout (a broken child hangs), under
faulthandler so that a hang prints every thread's stack."""
import os
import subprocess
import sys
import textwrap

import pytest

FLAGS = {"plain": [], "dev": ["-X", "dev", "-X", "faulthandler"]}

PRELUDE = """
import faulthandler, os, sys, threading, time, warnings
faulthandler.dump_traceback_later(40, exit=True)
# 3.12+ warns on any fork of a multi-threaded process; the Ms are threads
warnings.filterwarnings("ignore", "This process .* is multi-threaded", DeprecationWarning)
import gmp, gmp.net
gmp.runtime.gomaxprocs(NPROCS)
MAIN = threading.get_ident()

def say(*a):
    # one write(2) per line: goroutines on several Ms print at once
    os.write(1, (" ".join(map(str, a)) + "\\n").encode())

# a producer/consumer pair that keeps the other Ps busy across the fork
pc, pcount, pause = gmp.chan(4), [0], [False]
def producer():
    while True:
        if pause[0]:
            gmp.sleep(0.001)
        else:
            pc.send(1)
def consumer():
    while True:
        pcount[0] += pc.recv()
if globals().get("BUSY", True):
    gmp.go(producer)
    gmp.go(consumer)
    while pcount[0] < 1000:
        gmp.sleep(0.001)

def childwork(tag):
    # new goroutines and an unbuffered ping-pong
    ping, pong = gmp.chan(), gmp.chan()
    def player():
        for v in ping:
            pong.send(v + 1)
    gmp.go(player)
    n = 0
    for _ in range(200):
        ping.send(n)
        n = pong.recv()
    ping.close()
    # sleeps, timers, select
    gmp.sleep(0.002)
    i, _ = gmp.select(gmp.nilchan.recv, gmp.after(0.002).recv)
    # a loopback dial/accept through the child's own poller
    ln = gmp.net.listen("tcp", "127.0.0.1:0")
    def serve():
        with ln.accept() as c:
            c.write(c.read(5).upper())
    gmp.go(serve)
    with gmp.net.dial("tcp", str(ln.addr), timeout=10) as c:
        c.write(b"hello")
        echo = c.read(5)
    ln.close()
    # a syscall helper (new in the child)
    s = gmp.syscall(lambda: 7 * 6)
    settle(1)                   # every goroutine but this one has ended
    # the deadlock detector sees this goroutine alone
    try:
        gmp.chan().recv()
        dl = "no deadlock"
    except gmp.Deadlock as e:
        dl = str(e)
    say(tag, n, i, echo.decode(), s, gmp.runtime.num_goroutine(), dl)

def settle(n):
    # the goroutine count once short-lived goroutines have ended (a probe)
    deadline = time.monotonic() + 10
    while gmp.runtime.num_goroutine() != n and time.monotonic() < deadline:
        gmp.sleep(0.001)
    return gmp.runtime.num_goroutine()

def reap(pid, busy=True):
    # the parent keeps running goroutines while it waits for the child
    before = pcount[0]
    _, st = gmp.syscall(os.waitpid, pid, 0)
    while busy and pcount[0] < before + 1000:
        gmp.sleep(0.001)
    return os.waitstatus_to_exitcode(st)
"""

CHILD_OK = "200 1 HELLO 42 1 all goroutines are asleep - deadlock!"


def run(code, nprocs=2, flags=(), timeout=60, head=""):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    env.pop("GOMAXPROCS", None)
    env["PYTHONPATH"] = os.pathsep.join([p for p in sys.path if p] + [root])
    src = textwrap.dedent(head) + PRELUDE.replace("NPROCS", str(nprocs)) + textwrap.dedent(code)
    r = subprocess.run([sys.executable, *flags, "-c", src], env=env,
                       capture_output=True, text=True, timeout=timeout)
    return r


def check(r):
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    return r.stdout.splitlines()


@pytest.mark.parametrize("flags", ["plain", "dev"])
@pytest.mark.parametrize("nprocs", [1, 2, 4])
def test_fork_from_main_goroutine(nprocs, flags):
    out = check(run("""
        pid = os.fork()
        if pid == 0:
            childwork("child")
            os._exit(0)
        say("parent", reap(pid), settle(3))
    """, nprocs, FLAGS[flags]))
    assert out == ["child " + CHILD_OK, "parent 0 3"]


@pytest.mark.parametrize("flags", ["plain", "dev"])
@pytest.mark.parametrize("nprocs", [1, 2, 4])
def test_fork_from_goroutine(nprocs, flags):
    # with several Ps the forking goroutine runs on an M other than M0 (a
    # thread that is not the main thread); with one, on M0 beside the main
    # goroutine. In the child it is the main goroutine: when it returns,
    # the child exits 0 with its output flushed.
    out = check(run("""
        res = gmp.chan()
        def forker():
            on_m0 = threading.get_ident() == MAIN
            if NPROCS > 1 and on_m0:
                res.send(None)          # landed on M0: the main goroutine tries again
                return
            pid = os.fork()
            if pid == 0:
                say("child on M0:", on_m0, "main thread:",
                    threading.current_thread() is threading.main_thread())
                childwork("child")
                print("child returns")  # buffered: flushed by the exit
                return
            res.send(pid)
        pause[0] = True                 # frees the pair's P: an idle M can steal forker
        pid = None
        for _ in range(100):
            gmp.go(forker)
            gmp.go(lambda: None)        # takes runnext: forker goes to the stealable ring
            t0 = time.monotonic()
            while time.monotonic() - t0 < 0.002:
                time.sleep(0.0002)      # P0 stays busy: an idle M steals forker
            pid = res.recv()
            if pid is not None:
                break
        pause[0] = False
        say("parent", reap(pid), settle(3))
    """.replace("NPROCS", str(nprocs)), nprocs, FLAGS[flags]))
    assert out == ["child on M0: %s main thread: True" % (nprocs == 1),
                   "child " + CHILD_OK, "child returns", "parent 0 3"]


@pytest.mark.parametrize("nprocs", [1, 2])
def test_fork_from_plain_thread(nprocs):
    # the thread becomes the child's M0 and its code the main goroutine
    out = check(run("""
        box = []
        def t():
            pid = os.fork()
            if pid == 0:
                childwork("child")
                os._exit(0)
            box.append(pid)
        th = threading.Thread(target=t)
        th.start()
        th.join()
        say("parent", reap(box[0]), settle(3))
    """, nprocs))
    assert out == ["child " + CHILD_OK, "parent 0 3"]


def test_dropped_goroutines_do_not_exist_in_the_child():
    # goroutines of the parent vanish in the child as threads do: they take
    # no value from a channel (plain or select waiter), are handed no mutex,
    # run no finally block, and are not counted; in the parent they carry on
    out = check(run("""
        unbuf, sel, mu, wg = gmp.chan(), gmp.chan(), gmp.Mutex(), gmp.WaitGroup()
        wg.add(3)
        def receiver():
            try:
                say("recv", unbuf.recv(), os.getpid())
            finally:
                say("finally", os.getpid())
                wg.done()
        def selecter():
            say("select", gmp.select(gmp.nilchan.recv, sel.recv), os.getpid())
            wg.done()
        def locker():
            mu.lock()
            say("locked", os.getpid())
            mu.unlock()
            wg.done()
        mu.lock()
        for f in (receiver, selecter, locker):
            gmp.go(f)
        while gmp._chan._recvq_len(unbuf) < 1 or gmp._chan._recvq_len(sel) < 1 or \\
                "sync.Mutex.Lock" not in gmp.runtime.stack(all=True):
            gmp.sleep(0.001)
        pid = os.fork()
        if pid == 0:
            say("child", gmp.runtime.num_goroutine())
            say("child", gmp.select((unbuf.send, "x"), (sel.send, "y"), gmp.default))
            mu.unlock()                 # no waiter to hand it to
            say("child relock", mu.try_lock())
            os._exit(0)
        say("parent", reap(pid), os.getpid())
        unbuf.send("p")
        sel.send("q")
        mu.unlock()
        wg.wait()
    """))
    assert out[:4] == ["child 1", "child (2, None)", "child relock True", "parent 0 " + out[3].split()[-1]], out
    me = out[3].split()[-1]
    assert sorted(out[4:]) == sorted(["recv p " + me, "finally " + me, "select (1, 'q') " + me,
                                      "locked " + me]), out


def test_parent_goroutines_keep_their_finally_and_values():
    out = check(run("""
        unbuf = gmp.chan()
        def receiver():
            try:
                say("got", unbuf.recv())
            finally:
                say("finally")
        gmp.go(receiver)
        while gmp._chan._recvq_len(unbuf) < 1:
            gmp.sleep(0.001)
        pid = os.fork()
        if pid == 0:
            say("child", gmp.select((unbuf.send, "x"), gmp.default))
            os._exit(0)
        say("parent", reap(pid))
        unbuf.send("p")
        while gmp.runtime.num_goroutine() > 3:
            gmp.sleep(0.001)
    """))
    assert out == ["child (1, None)", "parent 0", "got p", "finally"]


def test_listener_and_connections_from_before_the_fork():
    # a pre-fork server: the listener is created before forking, both
    # processes accept on it; a connection the child inherited and closes
    # must stay registered in the parent's poller (the epoll instance is
    # not shared)
    out = check(run("""
        ln = gmp.net.listen("tcp", "127.0.0.1:0")
        got = gmp.chan(1)
        gmp.go(lambda: got.send(ln.accept()))
        cli = gmp.net.dial("tcp", str(ln.addr))
        srv = got.recv()
        pid = os.fork()
        if pid == 0:
            cli.close()                 # the child's copies only
            srv.close()
            with ln.accept() as c:      # serves one connection, then exits
                c.write(b"child:" + c.read(2))
            os._exit(0)
        with gmp.net.dial("tcp", str(ln.addr)) as c:
            c.write(b"hi")
            say(c.read(8).decode())
        say("parent", reap(pid))
        srv.set_deadline(time.time() + 10)
        cli.write(b"ping")
        say(srv.read(4).decode())
        cli.close(); srv.close(); ln.close()
    """))
    assert out == ["child:hi", "parent 0", "ping"]


def test_child_cannot_touch_the_parents_poller_before_its_runtime_is_rebuilt():
    # after_in_child hooks registered before gmp was imported run before
    # gmp's; a connection closed there (or by a finalizer then) must not
    # unregister the fd from the parent's epoll instance
    out = check(run("""
        ln = gmp.net.listen("tcp", "127.0.0.1:0")
        got = gmp.chan(1)
        gmp.go(lambda: got.send(ln.accept()))
        cli = gmp.net.dial("tcp", str(ln.addr))
        srv = got.recv()
        early.append(srv)
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        say("parent", reap(pid))
        srv.set_deadline(time.time() + 10)
        res = gmp.chan(1)
        def reader():
            try:
                res.send(srv.read(4).decode())
            except Exception as e:
                res.send(repr(e))
        gmp.go(reader)
        while gmp._core._netpoll_counts()["nwaiters"] < 1:
            gmp.sleep(0.001)
        cli.write(b"ping")
        say(res.recv())
        cli.close(); srv.close(); ln.close()
    """, head="""
        import os
        early = []
        os.register_at_fork(after_in_child=lambda: [c.close() for c in early])
    """))
    assert out == ["parent 0", "ping"]


def test_timers_survive_the_fork():
    # armed runtime timers are process state: they fire in the child too;
    # the sleeps of dropped goroutines do not
    out = check(run("""
        t = gmp.after(0.05)
        tk = gmp.Ticker(0.01)
        fired = gmp.chan(1)
        gmp.after_func(0.05, lambda: fired.send("after_func"))
        gmp.go(lambda: (gmp.sleep(0.05), say("sleeper woke in", os.getpid())))
        pid = os.fork()
        if pid == 0:
            t.recv(); tk.c.recv(); tk.c.recv()
            say("child", fired.recv())
            gmp.sleep(0.1)
            os._exit(0)
        say("parent", reap(pid), fired.recv())
        tk.stop()
    """))
    child_pid = [l for l in out if l.startswith("sleeper woke in")]
    assert "child after_func" in out and "parent 0 after_func" in out, out
    assert len(child_pid) == 1, out      # only the parent's sleeper woke


def test_child_runs_to_the_end_of_the_program():
    # forked from the main goroutine, the child continues the program and
    # exits through the normal interpreter exit (atexit stops its own Ms)
    r = run("""
        # CPython's own: a child that exits normally waits for ever on the
        # watchdog thread of dump_traceback_later, which it does not have
        faulthandler.cancel_dump_traceback_later()
        pid = os.fork()
        c = gmp.chan()
        gmp.go(c.send, os.getpid())
        say("child" if pid == 0 else "parent", c.recv() == os.getpid(), settle(1 if pid == 0 else 3))
        if pid:
            say("reaped", reap(pid))
    """, 4)
    out = check(r)
    assert sorted(out) == ["child True 1", "parent True 3", "reaped 0"], out


def test_fork_before_the_runtime_starts():
    # a listener made before the runtime ever started: the child registers
    # it in its own poller and starts its runtime on first use
    out = check(run("""
        ln = gmp.net.listen("tcp", "127.0.0.1:0")
        pid = os.fork()
        if pid == 0:
            gmp.go(lambda: ln.accept().write(b"ok"))
            with gmp.net.dial("tcp", str(ln.addr)) as c:
                say("child", c.read(2).decode())
            os._exit(0)
        say("parent", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
        say("parent started:", gmp._core._started())
    """, head="BUSY = False\n"))
    assert out == ["child ok", "parent 0", "parent started: False"]


def test_grandchild():
    out = check(run("""
        pid = os.fork()
        if pid == 0:
            gmp.go(lambda: gmp.sleep(10))
            pid2 = os.fork()
            if pid2 == 0:
                childwork("grandchild")
                os._exit(0)
            say("child", reap(pid2, busy=False))  # the pair is not in the child
            os._exit(0)
        say("parent", reap(pid))
    """))
    assert out == ["grandchild " + CHILD_OK, "child 0", "parent 0"]


def test_child_main_goroutine_panics():
    # an exception escaping the forking goroutine (the child's main) is a
    # panic in the child: exit status 2
    r = run("""
        res = gmp.chan()
        def forker():
            pid = os.fork()
            if pid == 0:
                raise ValueError("boom in child")
            res.send(pid)
        gmp.go(forker)
        say("parent", reap(res.recv()))
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["parent 2"]
    assert "panic: ValueError: boom in child" in r.stderr


@pytest.mark.parametrize("flags", ["plain", "dev"])
@pytest.mark.parametrize("nprocs", [1, 2])
def test_multiprocessing_fork_pool(nprocs, flags):
    out = check(run("""
        import multiprocessing as mp

        def work(x):
            c, wg = gmp.chan(), gmp.WaitGroup()
            for i in range(4):
                wg.add(1)
                def f(i=i):
                    gmp.sleep(0.001)
                    c.send(x * 10 + i)
                    wg.done()
                gmp.go(f)
            gmp.go(lambda: (wg.wait(), c.close()))
            return sorted(c)

        ctx = mp.get_context("fork")
        with ctx.Pool(2) as pool:
            say(pool.map(work, range(6)))
        # workers forked later by the pool's handler thread (a plain thread)
        with ctx.Pool(2, maxtasksperchild=1) as pool:
            say(pool.map(work, range(4)))
        say("goroutines", settle(3))
    """, nprocs, FLAGS[flags], timeout=120))
    assert out == [str([[x * 10 + i for i in range(4)] for x in range(6)]),
                   str([[x * 10 + i for i in range(4)] for x in range(4)]),
                   "goroutines 3"]
