"""RWMutex waiters whose park an exception ended (KeyboardInterrupt, a
deadlock report) leave the lock usable: the waiters queued with them are
still woken. The main goroutine is interrupted as SIGINT's handler does
(gmp._core._sigint), from another goroutine, so with GOMAXPROCS=1 it cannot
run until that goroutine parks. Each program runs in its own process: the
failure they guard against is a deadlock."""
from conftest import run_py

PROLOGUE = """
    import gmp
    from gmp import _core

    rw = gmp.sync.RWMutex()
    ready = gmp.chan()
    done = gmp.chan(1)

    def waiting(reason):
        return "[%s]" % reason in gmp.runtime.stack(all=True)
"""


def run(body):
    return run_py(PROLOGUE + body, env={"GOMAXPROCS": "1"}, timeout=60)


def test_unlock_wakes_a_writer_when_the_waiting_readers_were_interrupted():
    # main waits in rlock behind writer1, writer2 waits in lock; main is
    # interrupted (its sudog stays on the reader queue until main runs) and
    # writer1 unlocks at once: no reader is left to wake, so writer2 must be
    r = run("""
    def writer2():
        rw.lock()
        rw.unlock()
        done.send("writer2 done")

    def writer1():
        rw.lock()
        ready.send(None)
        gmp.go(writer2)
        while not (waiting("sync.RWMutex.RLock") and waiting("sync.RWMutex.Lock")):
            gmp.sleep(0.001)
        _core._sigint(2, None)
        rw.unlock()

    gmp.go(writer1)
    ready.recv()
    try:
        rw.rlock()
        print("rlock returned")
    except KeyboardInterrupt:
        print("interrupted")
    print(done.recv())
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["interrupted", "writer2 done"], r.stdout


def test_a_writer_that_stops_waiting_lets_the_readers_behind_it_in():
    # reader1 holds a read lock, main waits to write, reader2 queues behind
    # main (writer preference); main is interrupted and leaves: nothing but
    # main's leaving can let reader2 in, as no writer is left to unlock
    r = run("""
    def reader2():
        rw.rlock()
        rw.runlock()
        done.send("reader2 done")

    def reader1():
        rw.rlock()
        ready.send(None)
        while not waiting("sync.RWMutex.Lock"):
            gmp.sleep(0.001)
        gmp.go(reader2)
        while not waiting("sync.RWMutex.RLock"):
            gmp.sleep(0.001)
        _core._sigint(2, None)
        print(done.recv())
        rw.runlock()
        done.send("reader1 done")

    gmp.go(reader1)
    ready.recv()
    try:
        rw.lock()
        print("lock returned")
    except KeyboardInterrupt:
        print("interrupted")
    print(done.recv())
    rw.lock()                   # every read lock was released
    rw.unlock()
    """)
    assert r.returncode == 0, r.stderr
    assert sorted(r.stdout.splitlines()) == ["interrupted", "reader1 done", "reader2 done"], r.stdout
