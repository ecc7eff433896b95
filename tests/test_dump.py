"""Goroutine dumps in Go's format."""
import re

import gmp
from gmp import runtime
from gmptest import wait_recvq


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


def test_sigquit_dumps_every_goroutine_and_exits_2():
    from gmptest import run_program
    r = run_program("dump_sigquit.py", timeout=30)
    assert r.returncode == 2
    assert r.stderr.startswith("SIGQUIT: quit\nPC=0x0 m=0 sigcode=0\n\ngoroutine ")
    assert r.stderr.count("[chan receive]:\n__main__.sigquit_waiter(...)") == 2
    assert "goroutine 1 [chan receive]:\n__main__.<module>(...)" in r.stderr
    assert r.stdout == ""                      # the dump goes to stderr only


def test_sigquit_with_gotraceback_none_prints_no_stacks():
    from gmptest import run_program
    r = run_program("dump_sigquit.py", env={"GOTRACEBACK": "none"}, timeout=30)
    assert r.returncode == 2
    assert r.stderr == "SIGQUIT: quit\nPC=0x0 m=0 sigcode=0\n\n"


def test_sigquit_handler_of_the_program_is_kept():
    from gmptest import run_program
    r = run_program("dump_sigquit_handler_kept.py", timeout=30)
    assert r.returncode == 0 and r.stdout.strip() == "mine", r.stderr


def test_panic_with_gotraceback_all_shows_other_goroutines():
    from gmptest import run_program
    single = run_program("dump_panic_while_another_waits.py", timeout=30)
    assert single.returncode == 2 and "panic: ValueError: boom" in single.stderr
    assert "bystander" not in single.stderr
    every = run_program("dump_panic_while_another_waits.py", env={"GOTRACEBACK": "all"}, timeout=30)
    assert every.returncode == 2
    assert "[chan receive]:\n__main__.bystander(...)" in every.stderr


def test_set_traceback_levels():
    import gmp.debug
    from gmp import _core
    old = _core._traceback_level()
    try:
        for name, n in (("none", 0), ("single", 1), ("all", 2), ("system", 3), ("crash", 4), ("2", 3)):
            gmp.debug.set_traceback(name)
            assert _core._traceback_level() == n
        import pytest
        with pytest.raises(ValueError, match="unknown level"):
            gmp.debug.set_traceback("loud")
    finally:
        _core.set_traceback(("none", "single", "all", "system", "crash")[old])


def test_tracebackancestors_shows_the_creation_chain():
    from gmptest import program, run_program
    prog = "dump_tracebackancestors.py"
    path = program(prog)
    with open(path) as f:
        lines = f.read().splitlines()
    go_leaf = lines.index("    gmp.go(leaf)") + 1          # where mid and top create
    go_mid = lines.index("    gmp.go(mid)") + 1
    r = run_program(prog, env={"GODEBUG": "tracebackancestors=2"})
    assert r.returncode == 0, r.stderr
    leaf = [b for b in r.stdout.split("\n\n") if "__main__.leaf(...)" in b][0]
    assert leaf.count("[originating from goroutine") == 2          # N limits the chain
    assert ("created by __main__.mid in goroutine 3\n\t%s:%d\n[originating from goroutine 3]:\n"
            "__main__.mid(...)\n\t%s:%d" % (path, go_leaf, path, go_leaf)) in leaf
    assert ("[originating from goroutine 2]:\n__main__.top(...)\n\t%s:%d\n"
            "created by __main__.<module> in goroutine 1" % (path, go_mid)) in leaf
    plain = run_program(prog)
    assert "originating" not in plain.stdout
