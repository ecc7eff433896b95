"""gmp_fastrand_seed (gmp/includes/gmp_rt.h): after seeding, each thread's
fastrand sequence is a function of the seed and of the order in which threads
first draw. Each run is tests/programs/fastrand_prog.py in its own process."""
import os
import subprocess
import sys

from gmptest import run_program


def draws(seed):
    r = run_program("fastrand_prog.py", seed)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 4
    return lines


def test_same_seed_same_sequences_in_two_processes():
    a = draws(12345)
    b = draws(12345)
    assert a == b
    # the threads' sequences differ from each other (not one stream copied)
    assert len(set(a[:3])) == 3


def test_different_seeds_differ():
    a = draws(1)
    b = draws(2)
    for x, y in zip(a, b):
        assert x != y


def test_unseeded_processes_differ():
    # without a seed each process starts from the clock: runs do not repeat
    outs = {run_program("fastrand_prog.py", "unseeded").stdout for _ in range(2)}
    assert len(outs) == 2



def test_seeding_thread_is_thread_zero():
    # the thread that seeds restarts at once as thread 0: another thread that
    # draws first after the seeding (here a plain thread; in a program, the
    # runtime's Ms) does not change the seeding thread's sequence
    import threading
    from gmp import _core
    _core._fastrand_seed(7)
    a = _core._fastrandn(1 << 31, 8)
    _core._fastrand_seed(7)
    t = threading.Thread(target=_core._fastrandn, args=(1 << 31, 8))
    t.start()
    t.join()
    b = _core._fastrandn(1 << 31, 8)
    assert a == b
