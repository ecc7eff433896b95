"""RWMutex waiters whose park an exception ended (KeyboardInterrupt, a
deadlock report) leave the lock usable: the waiters queued with them are
still woken. The main goroutine is interrupted as SIGINT's handler does
(gmp._core._sigint), from another goroutine, so with GOMAXPROCS=1 it cannot
run until that goroutine parks. Each program runs in its own process: the
failure they guard against is a deadlock."""
from gmptest import run_program



def run(name):
    return run_program(name, env={"GOMAXPROCS": "1"}, timeout=60)


def test_unlock_wakes_a_writer_when_the_waiting_readers_were_interrupted():
    # main waits in rlock behind writer1, writer2 waits in lock; main is
    # interrupted (its sudog stays on the reader queue until main runs) and
    # writer1 unlocks at once: no reader is left to wake, so writer2 must be
    r = run("rwmutex_unlock_wakes_writer_after_readers_interrupted.py")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["interrupted", "writer2 done"], r.stdout


def test_a_writer_that_stops_waiting_lets_the_readers_behind_it_in():
    # reader1 holds a read lock, main waits to write, reader2 queues behind
    # main (writer preference); main is interrupted and leaves: nothing but
    # main's leaving can let reader2 in, as no writer is left to unlock
    r = run("rwmutex_writer_leaving_lets_readers_in.py")
    assert r.returncode == 0, r.stderr
    assert sorted(r.stdout.splitlines()) == ["interrupted", "reader1 done", "reader2 done"], r.stdout
