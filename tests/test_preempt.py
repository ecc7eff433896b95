"""Asynchronous preemption by sysmon (Go's 10 ms time slice), on one P.

Each case runs in a fresh interpreter with GOMAXPROCS=1, so a goroutine
that never yields would hold the only P for good without preemption."""
import sys

import pytest

from gmptest import run_program


def test_spinner_does_not_starve_another_goroutine():
    r = run_program("preempt_spinner_does_not_starve.py", env={"GOMAXPROCS": "1"}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["finished", "True", "0"]


def test_three_spinner_shapes_all_make_progress():
    """Mirrors Go's TestAsyncPreempt (src/runtime/proc_test.go; testprog AsyncPreempt in
    src/runtime/testdata/testprog/preempt.go)."""
    # a tight loop, a loop calling a function, and a loop whose time is
    # spent inside sorted(key=...) (the innermost frame is the key)
    r = run_program("preempt_three_spinner_shapes.py", env={"GOMAXPROCS": "1"}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "progress 3"


def test_preemption_leaves_nothing_armed():
    # after each preemption the hook is gone: no trace function left in the
    # thread (3.11/3.12), no local monitoring events left on any code (3.13)
    r = run_program("preempt_leaves_nothing_armed.py", env={"GOMAXPROCS": "1"}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:2] == ["True 0 None", "[0]"]


def test_asyncpreemptoff_disables_it():
    # without preemption the spinner (bounded here) keeps the only P until
    # it ends: the sleeper cannot run in between
    r = run_program("preempt_asyncpreemptoff_disables_it.py",
                    env={"GOMAXPROCS": "1", "GODEBUG": "asyncpreemptoff=1"}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "['spin done', 'sleeper ran'] (0, 0)"


def test_preempted_goroutine_still_gets_exceptions_and_finishes():
    # a spinner is preempted many times and its own try/finally and return
    # value are intact afterwards (it spins at least 0.1 s, and until it has
    # been preempted: on a loaded machine 0.1 s may pass without a request)
    r = run_program("preempt_preempted_goroutine_gets_exceptions.py",
                    env={"GOMAXPROCS": "1"}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "True"]


def test_no_preemption_inside_stdlib_code_holding_a_thread_lock():
    # queue.Queue's methods hold a threading.Lock across Python code. Were a
    # goroutine preempted inside one, the other goroutine on the same M
    # would block the M on that lock for good. Both goroutines hammer one
    # queue for a while; they must both finish.
    r = run_program("preempt_not_inside_a_thread_lock.py", env={"GOMAXPROCS": "1"}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["done", "True", "True"]


def test_preemption_keeps_the_goroutines_trace_function():
    # A debugger's or coverage's sys.settrace in a goroutine's thread: on
    # 3.11/3.12 the preemption hook is itself a trace function, which used to
    # replace that one for good. It now stands in for it and puts it back.
    r = run_program("preempt_keeps_the_trace_function.py", env={"GOMAXPROCS": "1"}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "True", "True"]


# Loops of every shape, each written on one line. On 3.11 a loop that jumps
# back to its own instruction (the first two) raised no trace event at all,
# so it was never preempted: its goroutine kept the only P for good and the
# program could not exit.
ONE_LINE_LOOPS = {
    "while-true-pass": "def spin():\n    while True: pass\n",
    "while-1-continue": "def spin():\n    while 1: continue\n",
    "while-x-call": "def f():\n    return 1\ndef spin():\n    x = 1\n    while x: x = f()\n",
    "listcomp-only": "def spin():\n    [0 for _ in iter(int, 1)]\n",
    "genexp-in-c": "def spin():\n    sum(0 for _ in iter(int, 1))\n",
    "generator": "def gen():\n    while True: yield 0\ndef spin():\n    for _ in gen(): pass\n",
    "c-calls-only": "def spin():\n    while True: len(()); abs(-1)\n",
}


@pytest.mark.parametrize("shape", sorted(ONE_LINE_LOOPS))
def test_one_line_loop_is_preempted(shape):
    r = run_program("preempt_one_line_loop.py", ONE_LINE_LOOPS[shape], env={"GOMAXPROCS": "1"},
                    timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["finished", "True"]


def test_one_line_loop_is_disarmed_and_its_trace_function_sees_nothing_of_it():
    # On 3.11 sysmon turns on opcode events in the spinner's frame; the hook
    # turns them off when it yields, and the goroutine's own trace function
    # never gets those events (it asked for none).
    r = run_program("preempt_one_line_loop_disarmed.py", env={"GOMAXPROCS": "1"}, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "False", "0"]


def test_preemption_keeps_a_debuggers_opcode_tracing():
    # A debugger tracing opcodes in a frame: on 3.11 the OPCODE event of an
    # instruction goes to the function that took its LINE event, so the
    # hook, having put the debugger's function back and yielded at the LINE
    # event, was called again, and used to uninstall the debugger's function.
    r = run_program("preempt_keeps_opcode_tracing.py", env={"GOMAXPROCS": "1"}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "True", "True"]


def test_loop_in_a_frame_without_line_events_is_preempted():
    # A debugger or profiler turns line events off in the frames it ignores
    # (f_trace_lines); a loop there that calls no Python function raises no
    # trace event at all. sysmon turns on events in that frame (opcodes on
    # 3.11, lines on 3.12), the hook turns them off again, and the tracer,
    # which asked for none of them, never sees them.
    r = run_program("preempt_frame_without_line_events.py", env={"GOMAXPROCS": "1"}, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "False", "False"]


def test_no_finalizer_runs_on_sysmons_thread():
    # Arming a preemption allocates (3.11: the frame object of the
    # goroutine's frame; 3.13: sys.monitoring bookkeeping). On 3.11 an
    # allocation past the threshold runs a garbage collection there and
    # then, so garbage the goroutines made had its finalizers run on
    # sysmon's thread (which is no M: a finalizer that blocks would stop
    # preemption and the network poll for good).
    r = run_program("preempt_no_finalizer_runs_on_sysmons_thread.py",
                    env={"GOMAXPROCS": "1"}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True"]
