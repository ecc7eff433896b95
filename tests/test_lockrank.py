"""The lock order checks (gmp/includes/gmp_lockrank.h). They exist only in a
GMP_DEBUG build (GMP_DEBUG=1 pip install -e .; CI: ci/debug-build.sh); each
check runs tests/programs/lockrank_prog.py in a subprocess with a timeout."""
import os
import signal
import subprocess
import sys

import pytest

from gmp import _core

from gmptest import child_env, program

debug_only = pytest.mark.skipif(not _core._debug_build(),
                                reason="needs a GMP_DEBUG build (GMP_DEBUG=1 pip install -e .)")


def run_prog(*args):
    env = child_env()
    env.pop("PYTHONFAULTHANDLER", None)
    return subprocess.run([sys.executable, program("lockrank_prog.py"), *args], env=env,
                          capture_output=True,
                          text=True, timeout=60)


def test_correct_order_passes():
    # every rank in the documented order, two chan locks in address order,
    # released out of order: no complaint in either build
    r = run_prog("ok")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["ok", "True", "8"]


@debug_only
def test_lock_held_is_per_thread():
    r = run_prog("held")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["held", "True", "False", "False"]


def test_violate_refused_in_release():
    if _core._debug_build():
        pytest.skip("a release-build behaviour")
    with pytest.raises(RuntimeError, match="needs a GMP_DEBUG build"):
        _core._lockrank_violate("order")


@debug_only
@pytest.mark.parametrize("kind, acquiring, holding", [
    ("order", "timers", "sched"),           # timers < sched: taken the wrong way round
    ("chanaddr", "chan", "chan"),           # chan locks in decreasing address order
    ("samerank", "gqueue", "gqueue"),       # two gqueue locks: no self edge in the table
    ("leaf", "allg", "polldesc"),           # a PollDesc lock is a leaf
    ("unranked", "chan", "unranked"),       # an unranked lock is checked as a leaf
    ("recursive", "sched", "sched"),        # a spinlock taken twice by its holder
])
def test_order_violation_aborts(kind, acquiring, holding):
    r = run_prog(kind)
    assert r.returncode == -signal.SIGABRT, (r.returncode, r.stdout, r.stderr)
    assert "violating " + kind in r.stdout
    assert "not caught" not in r.stdout
    assert ("gmp: lock ordering problem: acquiring %s (0x" % acquiring) in r.stderr, r.stderr
    assert (") while holding %s (0x" % holding) in r.stderr, r.stderr
    assert "locks held by this thread" in r.stderr


@debug_only
def test_recursive_names_the_same_lock():
    r = run_prog("recursive")
    assert r.returncode == -signal.SIGABRT
    assert "this thread already holds it" in r.stderr, r.stderr


@debug_only
@pytest.mark.parametrize("kind, message", [
    ("unlock", "gmp: unlock of a lock this thread does not hold: sync (0x"),
    ("assertheld", "gmp: lock must be held: sync (0x"),
])
def test_unlock_and_assert_of_unheld_lock_abort(kind, message):
    r = run_prog(kind)
    assert r.returncode == -signal.SIGABRT, (r.returncode, r.stdout, r.stderr)
    assert message in r.stderr, r.stderr
    assert "not caught" not in r.stdout
