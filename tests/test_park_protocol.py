"""The park protocol (core/proc.pxi): every park is ended by exactly one
goready. Stale wakers (a Cond waiter that never parked, a syscall that
completes after its caller was interrupted) never ready a goroutine parked
elsewhere; an interrupt that loses the race to a partner does not lose the
partner's value. Each program runs in its own process: the failures these
guard against were wrong values, hangs and segfaults."""
import sys

import pytest

from gmptest import child_env, program, run_program

DEV = ["-X", "dev", "-X", "faulthandler"]


def run_dev(name, *args, env=None, timeout=60):
    return run_program(name, *args, env=env, timeout=timeout, flags=DEV)


# a goroutine parked in recv_ok or in select must be woken only by the
# partner's value, never by the stale waiter (the program's ways to wait:
# c.recv_ok(), gmp.select(c.recv, gmp.nilchan.recv), next(iter(c)))
WAITS = ["recv_nowait_loop", "recv_ok", "select"]


@pytest.mark.parametrize("wait", WAITS)
@pytest.mark.parametrize("lock", ["gmp.Mutex()", "threading.Lock()"])
def test_cond_wait_with_unlocked_L_leaves_no_stale_waiter(wait, lock):
    r = run_dev("park_cond_wait_with_unlocked_L.py", lock, wait, timeout=30)
    assert r.returncode == 0, r.stderr
    out = r.stdout.split("\n")
    assert out[0].startswith("raised:")
    assert "value" in out[1], r.stdout


def test_cond_wait_unlock_failure_passes_a_signal_on():
    # a signal that took the failed waiter's sudog before it withdrew must
    # reach a real waiter: here the failing waiter runs while a real one
    # waits, and a single signal must still wake the real one
    r = run_dev("park_cond_wait_unlock_failure_passes_a_signal_on.py", timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "woken"


@pytest.mark.parametrize("wait", ["recv_ok", "select"])
def test_syscall_completing_after_an_interrupt_wakes_nobody(wait):
    r = run_dev("park_syscall_completing_after_an_interrupt.py", wait, timeout=30)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split("\n")
    assert lines[0] == "interrupted", r.stdout + r.stderr
    assert "value" in lines[1], r.stdout


@pytest.mark.parametrize("where,procs", [("m0", "1"), ("m0", "2"), ("other", "2")])
def test_interrupt_losing_to_a_partner_keeps_the_value(where, procs):
    # a partner completes main's receive, then a SIGINT comes
    # gilaware=0: Go's eager wakep, so that the partner can land on another M
    r = run_dev("park_interrupt_losing_to_a_partner.py", where,
                env={"GOMAXPROCS": procs, "GMPDEBUG": "gilaware=0"}, timeout=30)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split("\n")
    got, frames = eval(lines[0]), eval(lines[1])
    # the interrupt surfaces exactly once; "second" is never lost
    assert got.count("KI") == 1 and got[-1] == "second", got
    if where == "m0":
        # the handler ran on M0 before main could run again: the receive
        # returns the value and the interrupt is raised at the next park
        assert got == ["value", "KI", "second"], got
    else:
        # main may already run Python when the signal arrives: then Python
        # raises it in main's own code (the frames are the program's recv
        # and the handler, never gmp's receive, which had handed the value
        # over); otherwise as above
        assert got in (["value", "KI", "second"], ["KI", "second"]), got
        if got[0] == "KI":
            assert not any(n in ("chanrecv", "chanpark", "gothrow") for n in frames[0]), frames


def test_interrupted_park_on_a_mutex_hands_nothing_over():
    r = run_dev("park_interrupted_mutex_lock.py", timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["interrupted", "True"]


def test_ctrl_c_reaches_a_main_thread_waiting_as_a_plain_thread():
    # the runtime was started by another thread: the main thread blocks in
    # ch.recv() as a plain-thread waiter, and SIGINT must interrupt it
    r = run_dev("park_ctrl_c_main_as_plain_thread.py", timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["interrupted", "0", "after"]


def test_a_signal_handler_that_can_wake_main_is_no_deadlock():
    # Go's signal.Notify(c, ...); <-c: while a handler may send, main's wait
    # is not a deadlock
    import signal, subprocess, time
    p = subprocess.Popen([sys.executable, *DEV, program("park_signal_handler_can_wake_main.py")],
                         env=child_env(), stdout=subprocess.PIPE,
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
    r = run_dev("park_deadlock_with_default_signal_handlers.py", timeout=30)
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
    r = run_dev("park_sys_exit_in_a_goroutine.py", code, env={"GOMAXPROCS": procs}, timeout=30)
    assert r.returncode == status, r.stderr
    if err:
        assert r.stderr.strip() == err


def test_panic_whose_str_raises_is_still_reported():
    r = run_dev("park_panic_whose_str_raises.py", timeout=30)
    assert r.returncode == 2
    assert r.stderr.startswith("panic: E: <exception str() failed>"), r.stderr
    assert "goroutine " in r.stderr


def test_two_interrupts_pending_both_surface():
    # two SIGINTs handled while main is runnable (its receive completed):
    # each KeyboardInterrupt is raised at one later blocking call; the
    # second used to be dropped
    r = run_dev("park_two_interrupts_pending.py", env={"GOMAXPROCS": "1"}, timeout=30)
    assert r.returncode == 0, r.stderr
    assert eval(r.stdout.strip()) == ["value", "KI", "KI", "second"]
