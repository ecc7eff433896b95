"""Run by tests/test_fork.py::test_multiprocessing_fork_pool
in a subprocess; argv[1] is GOMAXPROCS."""
from fork_prelude import *

import multiprocessing as mp

def work(x):
    c, wg = gmp.chan(), gmp.WaitGroup()
    for i in range(4):
        wg.add(1)
        def f(i=i):
            gmp.sleep(0.001)
            c.send(x * 10 + i)
            wg.done()
        gmp.go(f)
    gmp.go(lambda: (wg.wait(), c.close()))
    return sorted(c)

ctx = mp.get_context("fork")
with ctx.Pool(2) as pool:
    say(pool.map(work, range(6)))
# workers forked later by the pool's handler thread (a plain thread)
with ctx.Pool(2, maxtasksperchild=1) as pool:
    say(pool.map(work, range(4)))
say("goroutines", settle(3))
