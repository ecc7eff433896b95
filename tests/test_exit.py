"""Process-level behaviour checked in subprocesses: deadlock, panics, dumps."""
import sys

from gmptest import run_program


def test_deadlock_raises_in_main():
    r = run_program("exit_deadlock_raises_in_main.py")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "caught: all goroutines are asleep - deadlock!"


import pytest


@pytest.mark.parametrize("op", ["gmp.nilchan.recv()", "gmp.nilchan.send(1)", "gmp.select()",
                                "gmp.select(gmp.nilchan.recv)"])
def test_forever_block_before_runtime_start_is_deadlock(op):
    # the first operation of the program parks forever: it must start the
    # runtime and be reported, not hang the main thread on a semaphore
    r = run_program("exit_forever_block_before_runtime_start.py", op, timeout=30)
    assert r.stdout.strip() == "caught: all goroutines are asleep - deadlock!", r.stderr


@pytest.mark.parametrize("op", ["c.send('stale')", "c.recv()"])
def test_deadlock_in_channel_op_leaves_no_waiter_behind(op):
    # the exception thrown into the parked op must take its sudog off the
    # channel's queue: afterwards the channel works as if it never happened
    r = run_program("exit_deadlock_in_channel_op_leaves_no_waiter.py", op, timeout=30)
    assert r.stdout.split() == ["0", "0", "fresh"], r.stderr


def test_deadlock_with_goroutines_blocked():
    r = run_program("exit_deadlock_with_goroutines_blocked.py")
    assert r.returncode != 0
    assert "gmp._core.Deadlock: all goroutines are asleep - deadlock!" in r.stderr


def test_deadlock_several_ps():
    r = run_program("exit_deadlock_several_ps.py", env={"GOMAXPROCS": "4"})
    assert r.stdout.strip() == "caught: all goroutines are asleep - deadlock!", r.stderr


def test_no_deadlock_while_timer_pending():
    r = run_program("exit_no_deadlock_while_timer_pending.py")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "late"


def test_no_deadlock_while_plain_thread_alive():
    r = run_program("exit_no_deadlock_while_plain_thread_alive.py")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "from thread"


def test_panic_in_goroutine_exits_2():
    r = run_program("exit_panic_in_goroutine_exits_2.py")
    assert r.returncode == 2
    assert "not reached" not in r.stdout
    assert r.stderr.startswith("panic: ValueError: bad thing\n\n")
    assert "Traceback (most recent call last):" in r.stderr
    assert "goroutine 2 [running]:" in r.stderr
    assert "__main__.boom(...)" in r.stderr
    assert "created by __main__.<module> in goroutine 1" in r.stderr


def test_runtime_panic_message():
    r = run_program("exit_runtime_panic_message.py")
    assert r.returncode == 2
    assert r.stderr.startswith("panic: close of closed channel\n")


def test_recover_with_try():
    r = run_program("exit_recover_with_try.py")
    assert r.stdout.strip() == "close of nil channel", r.stderr


def test_fatal_deadlock_when_main_not_parked_in_gmp():
    # the runtime was started off the main thread, so the main thread is a
    # plain thread; once it too waits in gmp nobody can wake anyone
    r = run_program("exit_fatal_deadlock_when_main_not_parked_in_gmp.py")
    assert r.returncode == 2
    assert r.stderr.startswith("fatal error: all goroutines are asleep - deadlock!\n\ngoroutine ")
    assert "[chan receive]" in r.stderr


def test_fatal_deadlock_is_reported_once():
    # both idle Ms can find the deadlock at once: only one may report it
    # (without exitfirst in checkdead, 4 runs in 60 printed two reports)
    import subprocess
    from gmptest import child_env, program
    for _ in range(5):
        ps = [subprocess.Popen([sys.executable, program("exit_fatal_deadlock_when_main_not_parked_in_gmp.py")],
                               env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for _ in range(8)]
        for p in ps:
            _, err = p.communicate(timeout=60)
            assert p.returncode == 2, err
            assert err.count("fatal error: all goroutines are asleep") == 1, err


def test_dev_mode_and_faulthandler():
    r = run_program("exit_dev_mode_and_faulthandler.py", env={"PYTHONDEVMODE": "1"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"


def test_exit_while_goroutines_run_on_other_ms():
    # main returns while other Ms run Python code, ping-pong and wait on
    # fds: each M finishes up to its next scheduling point and parks before
    # finalization (an M still inside a goroutine then crashed: pthread_exit
    # unwinding through greenlet's frames); the exit status is kept
    for _ in range(3):
        r = run_program("exit_while_goroutines_run_on_other_ms.py",
                        env={"GOMAXPROCS": "4"}, timeout=30)
        assert r.returncode == 3, r.stderr[-2000:]
        assert r.stdout == "bye\n" and r.stderr == ""


def test_exit_with_a_goroutine_stuck_in_a_blocking_call_does_not_wait_for_it():
    # gilaware=0: Go's eager wakep puts the Python-only goroutines on P1 too
    r = run_program("exit_with_a_goroutine_stuck_in_a_blocking_call.py",
                    env={"GOMAXPROCS": "2", "GMPDEBUG": "gilaware=0"}, timeout=20)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout == "bye\n"


def test_panic_traceback_elides_frames_past_100_as_go():
    r = run_program("exit_panic_traceback_elides_past_100.py")
    assert r.returncode == 2
    assert r.stderr.startswith("panic: RecursionError: maximum recursion depth exceeded")
    tail = r.stderr[r.stderr.index("\ngoroutine "):]
    assert tail.count("__main__.r(...)\n") == 100
    assert "...additional frames elided...\ncreated by __main__.<module> in goroutine 1\n" in tail
