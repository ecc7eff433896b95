"""Run by tests/test_capi.py with GOMAXPROCS=2 (GIL-aware scheduling on, the
default); argv[1] is the directory of the built example pipeline. The two
nogil stages of a pipeline, started as goroutines in either order, end up
on two Ms: the first to park from nogil code hands the other, unstarted, to
the idle P (handoffnogil). Prints, per order, whether the result is right,
whether the stages ran on two threads, and whether a hand-off was counted."""
import sys
import threading

sys.path.insert(0, sys.argv[1])
import pipeline

import gmp
from gmp import _core

n, rounds = 50_000, 400
where = {}
res = gmp.chan(1)
ch = gmp.chan(1024, dtype="f8")


def consumer():
    where["consumer"] = threading.get_ident()
    res.send(pipeline.consume(ch, rounds))


def producer():
    where["producer"] = threading.get_ident()
    pipeline.produce(ch, n, rounds)


for first, second in ((consumer, producer), (producer, consumer)):
    before = _core._schedstats()["handoffs"]
    ch = gmp.chan(1024, dtype="f8")
    gmp.go(first)
    gmp.go(second)
    ok = res.recv() == pipeline.expected(n, rounds)
    print(ok, where["consumer"] != where["producer"], _core._schedstats()["handoffs"] > before)
    gmp.sleep(0.05)     # the other M finishes the last stage's exit and goes idle
