"""gmp.syscall: a blocking call runs on a helper thread; its P keeps going."""
import time

import pytest

import gmp
from gmp import _core
from gmptest import run_program, wait_until


def test_result_and_exception_propagate():
    assert gmp.syscall(sum, [1, 2, 3]) == 6
    assert gmp.syscall(lambda a, b=0: a + b, 2, b=5) == 7
    with pytest.raises(ZeroDivisionError):
        gmp.syscall(lambda: 1 / 0)


def test_blocked_call_does_not_stall_its_p(procs):
    procs(1)                        # one P: without the hand-off everything would wait
    done = gmp.chan(1)
    gmp.go(lambda: done.send(gmp.syscall(time.sleep, 0.3) or "slept"))
    wait_until(lambda: any(_core._gstatus(g)[1] == "syscall" for g in _core._allgs()),
               what="a goroutine in syscall")
    a, b = gmp.chan(), gmp.chan()

    def partner():
        for v in a:
            b.send(v)

    gmp.go(partner)
    rounds = 0
    while len(done) == 0:           # ping-pong while the other goroutine sleeps
        a.send(rounds)
        assert b.recv() == rounds
        rounds += 1
    a.close()
    assert done.recv() == "slept"
    assert rounds > 100, rounds


def test_concurrent_calls_each_get_a_helper(procs):
    # eight calls that can only finish together (a barrier of 8 in the
    # helpers): serialised calls would break the barrier
    import threading
    procs(1)
    n = 8
    barrier = threading.Barrier(n, timeout=20)
    out = gmp.chan(n)
    for i in range(n):
        gmp.go(lambda i=i: out.send((gmp.syscall(barrier.wait), i)[1]))
    assert sorted(out.recv() for _ in range(n)) == list(range(n))


def test_dump_shows_syscall_and_no_false_deadlock():
    r = run_program("syscall_dump_no_false_deadlock.py")
    assert r.returncode == 0 and r.stdout.split() == ["True", "True"], r.stderr


def test_plain_thread_calls_directly():
    import threading
    res = []
    t = threading.Thread(target=lambda: res.append(gmp.syscall(lambda: threading.current_thread().name)))
    t.start()
    t.join()
    assert res == [t.name]


def test_deadlock_still_detected_with_idle_helpers():
    r = run_program("syscall_deadlock_still_detected_with_idle_helpers.py", timeout=30)
    assert r.stdout.strip() == "caught: all goroutines are asleep - deadlock!", r.stderr
