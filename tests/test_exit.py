"""Process-level behaviour checked in subprocesses: deadlock, panics, dumps."""
from gmptest import run_py


def test_deadlock_raises_in_main():
    r = run_py("""
        import gmp
        try:
            gmp.chan().recv()
        except gmp.Deadlock as e:
            print("caught:", e)
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "caught: all goroutines are asleep - deadlock!"


import pytest


@pytest.mark.parametrize("op", ["gmp.nilchan.recv()", "gmp.nilchan.send(1)", "gmp.select()",
                                "gmp.select(gmp.nilchan.recv)"])
def test_forever_block_before_runtime_start_is_deadlock(op):
    # the first operation of the program parks forever: it must start the
    # runtime and be reported, not hang the main thread on a semaphore
    r = run_py(f"""
        import gmp
        try:
            {op}
        except gmp.Deadlock as e:
            print("caught:", e)
    """, timeout=30)
    assert r.stdout.strip() == "caught: all goroutines are asleep - deadlock!", r.stderr


@pytest.mark.parametrize("op", ["c.send('stale')", "c.recv()"])
def test_deadlock_in_channel_op_leaves_no_waiter_behind(op):
    # the exception thrown into the parked op must take its sudog off the
    # channel's queue: afterwards the channel works as if it never happened
    r = run_py(f"""
        import gmp
        c = gmp.chan()
        try:
            {op}
        except gmp.Deadlock:
            pass
        print(gmp._chan._sendq_len(c), gmp._chan._recvq_len(c))
        gmp.go(c.send, "fresh")
        print(c.recv())
    """, timeout=30)
    assert r.stdout.split() == ["0", "0", "fresh"], r.stderr


def test_deadlock_with_goroutines_blocked():
    r = run_py("""
        import gmp
        a, b = gmp.chan(), gmp.chan()
        gmp.go(lambda: a.send(b.recv()))
        a.recv()
    """)
    assert r.returncode != 0
    assert "gmp._core.Deadlock: all goroutines are asleep - deadlock!" in r.stderr


def test_deadlock_several_ps():
    r = run_py("""
        import gmp
        wg = gmp.WaitGroup(); wg.add(1)
        for _ in range(8):
            gmp.go(gmp.chan().recv)
        try:
            wg.wait()
        except gmp.Deadlock as e:
            print("caught:", e)
    """, env={"GOMAXPROCS": "4"})
    assert r.stdout.strip() == "caught: all goroutines are asleep - deadlock!", r.stderr


def test_no_deadlock_while_timer_pending():
    r = run_py("""
        import gmp
        c = gmp.chan()
        gmp.after_func(0.05, lambda: c.send("late"))
        print(c.recv())
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "late"


def test_no_deadlock_while_plain_thread_alive():
    r = run_py("""
        import gmp, threading, time
        c = gmp.chan()
        def th():
            time.sleep(0.2)
            c.send("from thread")
        threading.Thread(target=th).start()
        print(c.recv())
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "from thread"


def test_panic_in_goroutine_exits_2():
    r = run_py("""
        import gmp
        def boom():
            raise ValueError("bad thing")
        gmp.go(boom)
        gmp.sleep(1)
        print("not reached")
    """)
    assert r.returncode == 2
    assert "not reached" not in r.stdout
    assert r.stderr.startswith("panic: ValueError: bad thing\n\n")
    assert "Traceback (most recent call last):" in r.stderr
    assert "goroutine 2 [running]:" in r.stderr
    assert "__main__.boom(...)" in r.stderr
    assert "created by __main__.<module> in goroutine 1" in r.stderr


def test_runtime_panic_message():
    r = run_py("""
        import gmp
        c = gmp.chan(); c.close()
        gmp.go(c.close)
        gmp.sleep(1)
    """)
    assert r.returncode == 2
    assert r.stderr.startswith("panic: close of closed channel\n")


def test_recover_with_try():
    r = run_py("""
        import gmp
        out = gmp.chan(1)
        def f():
            try:
                gmp.chan(0).close(); gmp.nilchan.close()
            except gmp.Panic as e:
                out.send(str(e))
        gmp.go(f)
        print(out.recv())
    """)
    assert r.stdout.strip() == "close of nil channel", r.stderr


def test_fatal_deadlock_when_main_not_parked_in_gmp():
    # the runtime was started off the main thread, so the main thread is a
    # plain thread; once it too waits in gmp nobody can wake anyone
    r = run_py("""
        import gmp, threading
        c = gmp.chan()
        def th():
            gmp.go(lambda: gmp.chan().recv())
        t = threading.Thread(target=th); t.start(); t.join()
        c.recv()
    """)
    assert r.returncode == 2
    assert r.stderr.startswith("fatal error: all goroutines are asleep - deadlock!\n\ngoroutine ")
    assert "[chan receive]" in r.stderr


def test_dev_mode_and_faulthandler():
    r = run_py("""
        import faulthandler, gmp
        faulthandler.enable()
        a, b = gmp.chan(), gmp.chan(3)
        gmp.go(lambda: [b.send(x) for x in a])
        for i in range(1000):
            a.send(i); b.recv()
        print("ok")
    """, env={"PYTHONDEVMODE": "1"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"


def test_exit_while_goroutines_run_on_other_ms():
    # main returns while other Ms run Python code, ping-pong and wait on
    # fds: each M finishes up to its next scheduling point and parks before
    # finalization (an M still inside a goroutine then crashed: pthread_exit
    # unwinding through greenlet's frames); the exit status is kept
    for _ in range(3):
        r = run_py("""
            import socket, sys, gmp, gmp.net as net
            def spin():
                while True:
                    sum(range(100))
            def pingpong(a, b):
                while True:
                    b.send(a.recv())
            for _ in range(4):
                gmp.go(spin)
                a, b = gmp.chan(), gmp.chan()
                gmp.go(pingpong, a, b)
                gmp.go(pingpong, b, a)
                a.send(0)
            x, y = socket.socketpair()
            x.setblocking(False)
            c = net.Conn(x, "unix")
            gmp.go(c.read)
            gmp.sleep(0.05)
            print("bye", flush=True)
            sys.exit(3)
        """, env={"GOMAXPROCS": "4"}, timeout=30)
        assert r.returncode == 3, r.stderr[-2000:]
        assert r.stdout == "bye\n" and r.stderr == ""


def test_exit_with_a_goroutine_stuck_in_a_blocking_call_does_not_wait_for_it():
    r = run_py("""
        import threading, time, gmp
        main = threading.get_ident()
        stuck = []
        def maybe_stuck():
            if threading.get_ident() != main:   # on another M than main's
                stuck.append(1)
                time.sleep(30)      # a direct blocking call: its M stays inside
        while not stuck:
            for _ in range(4):
                gmp.go(maybe_stuck)
            gmp.sleep(0.01)
        print("bye")
    """, env={"GOMAXPROCS": "2"}, timeout=20)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout == "bye\n"


def test_panic_traceback_elides_frames_past_100_as_go():
    r = run_py("""
        import gmp
        def r(n):
            return r(n + 1)
        gmp.go(r, 0)
        gmp.sleep(5)
    """)
    assert r.returncode == 2
    assert r.stderr.startswith("panic: RecursionError: maximum recursion depth exceeded")
    tail = r.stderr[r.stderr.index("\ngoroutine "):]
    assert tail.count("__main__.r(...)\n") == 100
    assert "...additional frames elided...\ncreated by __main__.<module> in goroutine 1\n" in tail
