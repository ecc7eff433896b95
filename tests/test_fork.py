"""os.fork() with a running runtime (gmp/core/fork.pxi).

The child keeps only the forking thread, as Python threads do: it runs the
forking goroutine as its main goroutine on a fresh runtime (new Ms, a new
sysmon, its own epoll instance); every other goroutine is dropped. Each
program runs in a subprocess with a timeout (a broken child hangs), under
faulthandler so that a hang prints every thread's stack. The programs are
tests/programs/fork_*.py; each starts with tests/programs/fork_prelude.py."""
import pytest

from gmptest import run_program

FLAGS = {"plain": [], "dev": ["-X", "dev", "-X", "faulthandler"]}

CHILD_OK = "200 1 HELLO 42 1 all goroutines are asleep - deadlock!"


def run(name, nprocs=2, flags=(), timeout=60, env=None):
    return run_program(name, nprocs, flags=flags, timeout=timeout, env=env)


def check(r):
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    return r.stdout.splitlines()


@pytest.mark.parametrize("flags", ["plain", "dev"])
@pytest.mark.parametrize("nprocs", [1, 2, 4])
def test_fork_from_main_goroutine(nprocs, flags):
    out = check(run("fork_from_main_goroutine.py", nprocs, FLAGS[flags]))
    assert out == ["child " + CHILD_OK, "parent 0 3"]


@pytest.mark.parametrize("flags", ["plain", "dev"])
@pytest.mark.parametrize("nprocs", [1, 2, 4])
def test_fork_from_goroutine(nprocs, flags):
    # with several Ps the forking goroutine runs on an M other than M0 (a
    # thread that is not the main thread); with one, on M0 beside the main
    # goroutine. In the child it is the main goroutine: when it returns,
    # the child exits 0 with its output flushed. gilaware=0: Go's eager
    # wakep and stealing, so that an idle M takes the forking goroutine (the
    # GIL-aware scheduler may keep it on M0 through all of the tries)
    out = check(run("fork_from_goroutine.py", nprocs, FLAGS[flags],
                    env={"GMPDEBUG": "gilaware=0"}))
    assert out == ["child on M0: %s main thread: True" % (nprocs == 1),
                   "child " + CHILD_OK, "child returns", "parent 0 3"]


@pytest.mark.parametrize("nprocs", [1, 2])
def test_fork_from_plain_thread(nprocs):
    # the thread becomes the child's M0 and its code the main goroutine
    out = check(run("fork_from_plain_thread.py", nprocs))
    assert out == ["child " + CHILD_OK, "parent 0 3"]


def test_dropped_goroutines_do_not_exist_in_the_child():
    # goroutines of the parent vanish in the child as threads do: they take
    # no value from a channel (plain or select waiter), are handed no mutex,
    # run no finally block, and are not counted; in the parent they carry on
    out = check(run("fork_dropped_goroutines.py"))
    assert out[:4] == ["child 1", "child (2, None)", "child relock True", "parent 0 " + out[3].split()[-1]], out
    me = out[3].split()[-1]
    assert sorted(out[4:]) == sorted(["recv p " + me, "finally " + me, "select (1, 'q') " + me,
                                      "locked " + me]), out


def test_parent_goroutines_keep_their_finally_and_values():
    out = check(run("fork_parent_goroutines_keep_finally_and_values.py"))
    assert out == ["child (1, None)", "parent 0", "got p", "finally"]


def test_listener_and_connections_from_before_the_fork():
    # a pre-fork server: the listener is created before forking, both
    # processes accept on it; a connection the child inherited and closes
    # must stay registered in the parent's poller (the epoll instance is
    # not shared)
    out = check(run("fork_listener_and_connections_from_before.py"))
    assert out == ["child:hi", "parent 0", "ping"]


def test_child_cannot_touch_the_parents_poller_before_its_runtime_is_rebuilt():
    # after_in_child hooks registered before gmp was imported run before
    # gmp's; a connection closed there (or by a finalizer then) must not
    # unregister the fd from the parent's epoll instance
    out = check(run("fork_child_cannot_touch_the_parents_poller.py"))
    assert out == ["parent 0", "ping"]


def test_timers_survive_the_fork():
    # armed runtime timers are process state: they fire in the child too;
    # the sleeps of dropped goroutines do not
    out = check(run("fork_timers_survive_the_fork.py"))
    child_pid = [l for l in out if l.startswith("sleeper woke in")]
    assert "child after_func" in out and "parent 0 after_func" in out, out
    assert len(child_pid) == 1, out      # only the parent's sleeper woke


def test_child_runs_to_the_end_of_the_program():
    # forked from the main goroutine, the child continues the program and
    # exits through the normal interpreter exit (atexit stops its own Ms)
    r = run("fork_child_runs_to_the_end_of_the_program.py", 4)
    out = check(r)
    assert sorted(out) == ["child True 1", "parent True 3", "reaped 0"], out


def test_fork_before_the_runtime_starts():
    # a listener made before the runtime ever started: the child registers
    # it in its own poller and starts its runtime on first use
    out = check(run("fork_before_the_runtime_starts.py"))
    assert out == ["child ok", "parent 0", "parent started: False"]


def test_grandchild():
    out = check(run("fork_grandchild.py"))
    assert out == ["grandchild " + CHILD_OK, "child 0", "parent 0"]


def test_child_main_goroutine_panics():
    # an exception escaping the forking goroutine (the child's main) is a
    # panic in the child: exit status 2
    r = run("fork_child_main_goroutine_panics.py")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["parent 2"]
    assert "panic: ValueError: boom in child" in r.stderr


@pytest.mark.parametrize("flags", ["plain", "dev"])
@pytest.mark.parametrize("nprocs", [1, 2])
def test_multiprocessing_fork_pool(nprocs, flags):
    out = check(run("fork_multiprocessing_fork_pool.py", nprocs, FLAGS[flags], timeout=120))
    assert out == [str([[x * 10 + i for i in range(4)] for x in range(6)]),
                   str([[x * 10 + i for i in range(4)] for x in range(4)]),
                   "goroutines 3"]
