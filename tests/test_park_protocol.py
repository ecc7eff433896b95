"""The park protocol (core/proc.pxi): every park is ended by exactly one
goready. Stale wakers (a Cond waiter that never parked, a syscall that
completes after its caller was interrupted) never ready a goroutine parked
elsewhere; an interrupt that loses the race to a partner does not lose the
partner's value. Each program runs in its own process: the failures these
guard against were wrong values, hangs and segfaults."""
import sys

import pytest

from gmptest import run_py

DEV = ["-X", "dev", "-X", "faulthandler"]


def run_dev(code, env=None, timeout=60):
    return run_py(code, env=env, timeout=timeout, flags=DEV)


# a goroutine parked in recv_ok or in select must be woken only by the
# partner's value, never by the stale waiter
WAITS = {
    "recv_ok": "print(c.recv_ok())",
    "select": "print(gmp.select(c.recv, gmp.nilchan.recv))",
    "recv_nowait_loop": "print(next(iter(c)))",
}


@pytest.mark.parametrize("wait", sorted(WAITS))
@pytest.mark.parametrize("lock", ["gmp.Mutex()", "threading.Lock()"])
def test_cond_wait_with_unlocked_L_leaves_no_stale_waiter(wait, lock):
    r = run_dev(f"""
        import threading, gmp
        cond = gmp.sync.Cond({lock})
        try:
            cond.wait()             # L not held: the unlock raises
        except (gmp.Panic, RuntimeError) as e:
            print("raised:", type(e).__name__)
        c = gmp.chan()
        def partner():
            gmp._chan  # noqa
            while gmp._chan._recvq_len(c) == 0:
                gmp.sleep(0.001)
            cond.signal()           # must not wake main: it never waited
            cond.broadcast()
            gmp.sleep(0.01)
            c.send("value")
        gmp.go(partner)
        {WAITS[wait]}
    """, timeout=30)
    assert r.returncode == 0, r.stderr
    out = r.stdout.split("\n")
    assert out[0].startswith("raised:")
    assert "value" in out[1], r.stdout


def test_cond_wait_unlock_failure_passes_a_signal_on():
    # a signal that took the failed waiter's sudog before it withdrew must
    # reach a real waiter: here the failing waiter runs while a real one
    # waits, and a single signal must still wake the real one
    r = run_dev("""
        import gmp
        mu = gmp.Mutex()
        cond = gmp.sync.Cond(mu)
        done = gmp.chan(1)
        def waiter():
            with mu:
                cond.wait()
            done.send("woken")
        gmp.go(waiter)
        while gmp._chan._recvq_len(done) == 0 and not mu.try_lock():
            gmp.sleep(0.001)
        mu.unlock()
        gmp.sleep(0.01)             # the waiter is parked in cond.wait (mu free)
        try:
            gmp.sync.Cond(gmp.Mutex()).wait()
        except gmp.Panic:
            pass
        cond.signal()
        print(done.recv())
    """, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "woken"


SYSCALL_INTERRUPTED = """
    import os, signal, threading, time, gmp
    c = gmp.chan()
    def kill_when_parked():
        while "[syscall" not in gmp.runtime.stack(all=True):
            time.sleep(0.001)
        os.kill(os.getpid(), signal.SIGINT)
    threading.Thread(target=kill_when_parked).start()
    try:
        gmp.syscall(time.sleep, 0.2)
    except KeyboardInterrupt:
        print("interrupted")
    def sender():
        gmp.sleep(0.5)              # after the helper finished its sleep
        c.send("value")
    gmp.go(sender)
    {wait}
"""


@pytest.mark.parametrize("wait", ["print(c.recv_ok())", "print(gmp.select(c.recv, gmp.nilchan.recv))"])
def test_syscall_completing_after_an_interrupt_wakes_nobody(wait):
    r = run_dev(SYSCALL_INTERRUPTED.format(wait=wait), timeout=30)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split("\n")
    assert lines[0] == "interrupted", r.stdout + r.stderr
    assert "value" in lines[1], r.stdout


@pytest.mark.parametrize("procs", ["1", "2"])
def test_interrupt_losing_to_a_partner_keeps_the_value(procs):
    # a partner completes main's receive, and before main runs again a
    # SIGINT is handled on M0: the receive returns the value, and the
    # KeyboardInterrupt is raised at main's next blocking call instead
    r = run_dev("""
        import os, signal, gmp
        c = gmp.chan()
        got = []
        def partner():
            while gmp._chan._recvq_len(c) == 0:
                gmp.sleep(0.0005)
            c.send("value")                     # readies main (claimed) ...
            os.kill(os.getpid(), signal.SIGINT) # ... then the interrupt comes
            gmp.sleep(0.05)
            c.send("second")
        gmp.go(partner)
        got.append(c.recv())
        try:
            got.append(c.recv())
        except KeyboardInterrupt:
            got.append("KI")
        got.append(c.recv())
        print(got)
    """, env={"GOMAXPROCS": procs}, timeout=30)
    assert r.returncode == 0, r.stderr
    got = eval(r.stdout.strip())
    # "value" first; the interrupt then surfaces exactly once (at the latest
    # at the next park, possibly already while main still runs Python);
    # "second" is never lost
    assert got[0] == "value"
    assert "second" in got and got.count("KI") <= 1, got


def test_interrupted_park_on_a_mutex_hands_nothing_over():
    r = run_dev("""
        import os, signal, threading, time, gmp
        mu = gmp.Mutex()
        mu.lock()
        def kill_when_parked():
            while "sync.Mutex.Lock" not in gmp.runtime.stack(all=True):
                time.sleep(0.001)
            os.kill(os.getpid(), signal.SIGINT)
        threading.Thread(target=kill_when_parked).start()
        def holder():
            gmp.sleep(0.3)
            mu.unlock()
        gmp.go(holder)
        try:
            gmp.Mutex.lock(mu)
            print("locked?")
        except KeyboardInterrupt:
            print("interrupted")
        gmp.sleep(0.5)              # holder unlocked: the mutex is free again
        print(mu.try_lock())
    """, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["interrupted", "True"]


def test_ctrl_c_reaches_a_main_thread_waiting_as_a_plain_thread():
    # the runtime was started by another thread: the main thread blocks in
    # ch.recv() as a plain-thread waiter, and SIGINT must interrupt it
    r = run_dev("""
        import os, signal, threading, time, gmp
        c = gmp.chan()
        def starter():
            gmp.go(lambda: None)            # starts the runtime off the main thread
            while gmp._chan._recvq_len(c) == 0:
                time.sleep(0.001)
            os.kill(os.getpid(), signal.SIGINT)
        t = threading.Thread(target=starter)
        t.start()
        try:
            c.recv()
        except KeyboardInterrupt:
            print("interrupted")
        t.join()
        print(gmp._chan._recvq_len(c))      # the waiter withdrew
        gmp.go(c.send, "after")
        print(c.recv())
    """, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["interrupted", "0", "after"]


def test_a_signal_handler_that_can_wake_main_is_no_deadlock():
    # Go's signal.Notify(c, ...); <-c: while a handler may send, main's wait
    # is not a deadlock
    import os, signal, subprocess, textwrap, time
    code = textwrap.dedent("""
        import signal, gmp
        c = gmp.chan(1)
        signal.signal(signal.SIGUSR1, lambda s, f: c.send_nowait(s))
        print("ready", flush=True)
        print("got", c.recv() == signal.SIGUSR1, flush=True)
    """)
    e = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    e["PYTHONPATH"] = os.pathsep.join([p for p in sys.path if p] + [root])
    p = subprocess.Popen([sys.executable, *DEV, "-c", code], env=e, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        time.sleep(0.3)         # long enough for a false deadlock report to have fired
        p.send_signal(signal.SIGUSR1)
        out, err = p.communicate(timeout=30)
    finally:
        p.kill()
    assert p.returncode == 0, err
    assert out.strip() == "got True"


def test_deadlock_still_reported_with_only_default_handlers():
    r = run_dev("""
        import signal, gmp
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)
        try:
            gmp.chan().recv()
        except gmp.Deadlock as e:
            print("caught:", e)
    """, timeout=30)
    assert r.stdout.strip() == "caught: all goroutines are asleep - deadlock!", r.stderr


@pytest.mark.parametrize("code,status,err", [
    ("2**40 + 3", 3, ""),
    ("2**70", 255, ""),
    ("-1", 255, ""),
    ("None", 0, ""),
    ("'bye now'", 1, "bye now"),
    ("True", 1, ""),
])
@pytest.mark.parametrize("procs", ["1", "2"])
def test_sys_exit_in_a_goroutine(code, status, err, procs):
    # as CPython does for the main thread: ints keep their low 8 bits (255
    # beyond a C long), None is 0, anything else is printed and gives 1; on
    # any M, nothing raised on the way out may lose the exit
    r = run_dev(f"""
        import sys, gmp
        def worker():
            sys.exit({code})
        for _ in range(4):
            gmp.go(worker)
        while True:
            gmp.sleep(0.01)
    """, env={"GOMAXPROCS": procs}, timeout=30)
    assert r.returncode == status, r.stderr
    if err:
        assert r.stderr.strip() == err


def test_panic_whose_str_raises_is_still_reported():
    r = run_dev("""
        import gmp
        class E(Exception):
            def __str__(self):
                raise ValueError("no text")
        def worker():
            raise E()
        gmp.go(worker)
        gmp.sleep(5)
    """, timeout=30)
    assert r.returncode == 2
    assert r.stderr.startswith("panic: E: <exception str() failed>"), r.stderr
    assert "goroutine " in r.stderr


def test_two_interrupts_pending_both_surface():
    # two SIGINTs handled while main is runnable (its receive completed):
    # each KeyboardInterrupt is raised at one later blocking call; the
    # second used to be dropped
    r = run_dev("""
        import os, signal, gmp
        c = gmp.chan()
        def partner():
            while gmp._chan._recvq_len(c) == 0:
                gmp.sleep(0.0005)
            c.send("value")
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)
            while gmp._chan._recvq_len(c) == 0:
                gmp.sleep(0.0005)
            c.send("second")
        gmp.go(partner)
        got = [c.recv()]
        while len(got) < 4:
            try:
                got.append(c.recv())
            except KeyboardInterrupt:
                got.append("KI")
        print(got)
    """, env={"GOMAXPROCS": "1"}, timeout=30)
    assert r.returncode == 0, r.stderr
    assert eval(r.stdout.strip()) == ["value", "KI", "KI", "second"]
