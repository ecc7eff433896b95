"""A goroutine runs in a copy of its creator's contextvars context."""
import contextvars
import threading

import pytest

import gmp

var = contextvars.ContextVar("var", default="unset")


def test_value_set_before_go_is_visible_and_changes_do_not_leak():
    tok = var.set("outer")
    try:
        got = gmp.chan(1)

        def body():
            before = var.get()
            var.set("inner")
            got.send((before, var.get()))

        gmp.go(body)
        assert got.recv() == ("outer", "inner")
        assert var.get() == "outer"
    finally:
        var.reset(tok)


def test_copy_taken_at_go_not_at_start():
    tok = var.set("at-go")
    try:
        got = gmp.chan(1)
        gate = gmp.chan()
        gmp.go(lambda: (gate.recv(), got.send(var.get())))
        var.set("later")
        gate.send(None)
        assert got.recv() == "at-go"
    finally:
        var.reset(tok)


@pytest.mark.parametrize("nprocs", [1, 4])
def test_recycled_greenlets_each_see_their_own(procs, nprocs):
    # 1,000 goroutines, each created with a different value, on recycled
    # greenlets: none sees another's value, nor what a previous goroutine
    # of its greenlet set inside
    procs(nprocs)
    n = 1000
    out = gmp.chan(n)
    wg = gmp.WaitGroup()
    leak = contextvars.ContextVar("leak", default=None)

    def body(i):
        try:
            seen = (var.get(), leak.get())
            leak.set(i)             # must not reach the next G of this greenlet
            gmp.runtime.gosched()
            out.send((i, seen, var.get(), leak.get()))
        finally:
            wg.done()

    for i in range(n):
        tok = var.set(i)
        wg.add(1)
        gmp.go(body, i)
        var.reset(tok)
    wg.wait()
    for _ in range(n):
        i, seen, after, mine = out.recv()
        assert seen == (i, None) and after == i and mine == i
    assert var.get() == "unset" and leak.get() is None


def test_goroutine_started_from_a_plain_thread_gets_that_threads_context():
    got = gmp.chan(1)

    def thread():
        var.set("thread")
        gmp.go(lambda: got.send(var.get()))

    t = threading.Thread(target=thread)
    t.start()
    t.join()
    assert got.recv() == "thread"
    assert var.get() == "unset"


def test_nested_go_copies_the_goroutines_context():
    got = gmp.chan(1)

    def parent():
        var.set("parent")
        gmp.go(lambda: got.send(var.get()))

    gmp.go(parent)
    assert got.recv() == "parent"


def test_failing_goroutine_context_is_left():
    # a goroutine that ends with GoExit leaves its context: the next one
    # on the greenlet starts in its own
    got = gmp.chan(2)

    def exits():
        var.set("exiting")
        got.send(var.get())
        gmp.runtime.goexit()

    gmp.go(exits)
    assert got.recv() == "exiting"
    gmp.go(lambda: got.send(var.get()))
    assert got.recv() == "unset"


def test_after_func_runs_in_its_callers_context(procs):
    # the timer fires while another goroutine, with a value of its own, is
    # the one running: the callback still sees after_func's caller's value
    procs(1)
    n = 10
    seen = gmp.chan(n)
    done = []

    def busy():
        var.set("busy")
        while not done:
            gmp.runtime.gosched()   # scheduling points: timers fire here

    tok = var.set("caller")
    try:
        gmp.go(busy)
        for i in range(n):
            gmp.after_func(0.001 * (i + 1), lambda: seen.send(var.get()))
        got = [seen.recv() for _ in range(n)]
    finally:
        done.append(True)
        var.reset(tok)
    assert got == ["caller"] * n
