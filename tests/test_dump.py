"""Goroutine dumps in Go's format."""
import re

import gmp
from gmp import runtime
from conftest import wait_recvq


def parked_worker(ch):
    ch.recv()


def test_stack_current():
    s = runtime.stack()
    assert re.match(r"goroutine \d+ \[running\]:\n", s)
    assert "test_dump.test_stack_current(...)\n\t" in s
    assert __file__ in s


def test_stack_all_shows_parked_goroutine():
    ch = gmp.chan()
    gmp.go(parked_worker, ch)
    wait_recvq(ch)
    s = runtime.stack(all=True)
    blocks = s.split("\n\n")
    assert re.match(r"goroutine \d+ \[running\]:", blocks[0])   # current first
    mine = [b for b in blocks if "parked_worker" in b]
    assert mine
    b = mine[0]
    assert re.match(r"goroutine \d+ \[chan receive\]:\n", b)
    assert "test_dump.parked_worker(...)\n\t%s:" % __file__ in b
    assert re.search(r"created by test_dump\.test_stack_all_shows_parked_goroutine in goroutine \d+\n\t", b)
    ch.send(None)


def test_unstarted_goroutine_shows_entry():
    ch = gmp.chan()
    gmp.go(parked_worker, ch)       # not run yet: the main goroutine did not block
    s = runtime.stack(all=True)
    b = [x for x in s.split("\n\n") if "parked_worker" in x][0]
    assert re.match(r"goroutine \d+ \[runnable\]:\ntest_dump\.parked_worker\(\.\.\.\)\n", b)
    wait_recvq(ch)
    ch.send(None)
