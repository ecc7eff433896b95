"""Asynchronous preemption by sysmon (Go's 10 ms time slice), on one P.

Each case runs in a fresh interpreter with GOMAXPROCS=1, so a goroutine
that never yields would hold the only P for good without preemption."""
import sys

import pytest

from gmptest import run_py


def test_spinner_does_not_starve_another_goroutine():
    r = run_py("""
        import gmp
        from gmp import _core
        def spin():
            n = 0
            while True:
                n += 1
        done = gmp.chan()
        def other():
            for i in range(5):
                gmp.sleep(0.001)
            done.send("finished")
        gmp.go(spin)
        gmp.go(other)
        print(done.recv())
        req, yields, armed, declined = _core._preempt_counts()
        print(yields > 0, armed)
    """, env={"GOMAXPROCS": "1"}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["finished", "True", "0"]


def test_three_spinner_shapes_all_make_progress():
    # a tight loop, a loop calling a function, and a loop whose time is
    # spent inside sorted(key=...) (the innermost frame is the key)
    r = run_py("""
        import gmp
        counts = [0, 0, 0]
        def f(x):
            return x + 1
        def tight():
            while True:
                counts[0] += 1
        def calls():
            n = 0
            while True:
                n = f(n)
                counts[1] = n
        def sorts():
            data = list(range(20000))
            while True:
                sorted(data, key=lambda x: -x)
                counts[2] += 1
        for fn in (tight, calls, sorts):
            gmp.go(fn)
        seen = []
        for _ in range(3):
            before = list(counts)
            # main itself only gets back because the spinners are preempted;
            # wait until every spinner has advanced since the last look
            while not all(c > b for c, b in zip(counts, before)):
                gmp.sleep(0.005)
            seen.append(list(counts))
        print("progress", len(seen))
    """, env={"GOMAXPROCS": "1"}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "progress 3"


def test_preemption_leaves_nothing_armed():
    # after each preemption the hook is gone: no trace function left in the
    # thread (3.11/3.12), no local monitoring events left on any code (3.13)
    r = run_py("""
        import sys, gmp
        from gmp import _core
        stop = False
        def spin():
            n = 0
            while not stop:
                n += 1
        gmp.go(spin)
        for _ in range(5):
            gmp.sleep(0.02)
        stop = True
        gmp.sleep(0.02)
        req, yields, armed, declined = _core._preempt_counts()
        print(yields >= 1, armed, sys.gettrace())
        if sys.version_info >= (3, 13):
            mon = sys.monitoring
            tools = [t for t in range(6) if mon.get_tool(t) == "gmp-preempt"]
            print([mon.get_local_events(t, spin.__code__) for t in tools])
        else:
            print([0])
    """, env={"GOMAXPROCS": "1"}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:2] == ["True 0 None", "[0]"]


def test_asyncpreemptoff_disables_it():
    # without preemption the spinner (bounded here) keeps the only P until
    # it ends: the sleeper cannot run in between
    r = run_py("""
        import time, gmp
        from gmp import _core
        order = []
        def spin():
            t = time.monotonic()
            while time.monotonic() - t < 0.1:
                pass
            order.append("spin done")
        def sleeper():
            gmp.sleep(0.001)
            order.append("sleeper ran")
        done = gmp.WaitGroup()
        done.add(2)
        gmp.go(lambda: (sleeper(), done.done()))
        gmp.go(lambda: (spin(), done.done()))
        done.wait()
        print(order, _core._preempt_counts()[:2])
    """, env={"GOMAXPROCS": "1", "GODEBUG": "asyncpreemptoff=1"}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "['spin done', 'sleeper ran'] (0, 0)"


def test_preempted_goroutine_still_gets_exceptions_and_finishes():
    # a spinner is preempted many times and its own try/finally and return
    # value are intact afterwards (it spins at least 0.1 s, and until it has
    # been preempted: on a loaded machine 0.1 s may pass without a request)
    r = run_py("""
        import time, gmp
        from gmp import _core
        out = gmp.chan(1)
        def spin():
            total = 0
            try:
                t = time.monotonic()
                while time.monotonic() - t < 0.1 or _core._preempt_counts()[1] == 0:
                    if time.monotonic() - t > 20:
                        break
                    total += 1
                    try:
                        if total % 100000 == 0:
                            raise ValueError(total)
                    except ValueError:
                        pass
            finally:
                out.send(total > 0)
        gmp.go(spin)
        while True:
            ok = gmp.select(out.recv, gmp.default)
            if ok[0] == 0:
                print(ok[1])
                break
            gmp.sleep(0.002)
        print(_core._preempt_counts()[1] > 0)
    """, env={"GOMAXPROCS": "1"}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "True"]


def test_no_preemption_inside_stdlib_code_holding_a_thread_lock():
    # queue.Queue's methods hold a threading.Lock across Python code. Were a
    # goroutine preempted inside one, the other goroutine on the same M
    # would block the M on that lock for good. Both goroutines hammer one
    # queue for a while; they must both finish.
    r = run_py("""
        import queue, time, gmp
        from gmp import _core
        q = queue.Queue()
        def seen():
            req, yields, armed, declined = _core._preempt_counts()
            return yields > 0 and declined > 0

        def hammer():
            # at least 0.3 s, then until preemption has been both taken and
            # declined (a loaded machine may need longer), 20 s at most
            t = time.monotonic()
            n = 0
            while True:
                for _ in range(1000):
                    q.put(n)
                    q.get()
                    n += 1
                d = time.monotonic() - t
                if d > 20 or (d > 0.3 and seen()):
                    break
        wg = gmp.WaitGroup()
        wg.add(2)
        for _ in range(2):
            gmp.go(lambda: (hammer(), wg.done()))
        wg.wait()
        req, yields, armed, declined = _core._preempt_counts()
        print("done", yields > 0, declined > 0)
    """, env={"GOMAXPROCS": "1"}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["done", "True", "True"]


def test_preemption_keeps_the_goroutines_trace_function():
    # A debugger's or coverage's sys.settrace in a goroutine's thread: on
    # 3.11/3.12 the preemption hook is itself a trace function, which used to
    # replace that one for good. It now stands in for it and puts it back.
    r = run_py("""
        import sys, time, gmp
        from gmp import _core
        seen = []
        def tracer(frame, event, arg):
            seen.append(event)
            return tracer
        def spinner():
            sys.settrace(tracer)
            t = time.monotonic()
            while time.monotonic() - t < 0.2 or _core._preempt_counts()[1] == 0:
                if time.monotonic() - t > 20:
                    break
            kept = sys.gettrace() is tracer
            n = len(seen)
            (lambda: None)()
            traced = len(seen) > n
            sys.settrace(None)
            out.send((kept, traced))
        out = gmp.chan(1)
        gmp.go(spinner)
        kept, traced = out.recv()
        print(kept, traced, _core._preempt_counts()[1] > 0)
    """, env={"GOMAXPROCS": "1"}, timeout=60)
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
    r = run_py("""
        import gmp
        from gmp import _core
        exec(%r)
        done = gmp.chan()
        def other():
            for i in range(3):
                gmp.sleep(0.001)
            done.send("finished")
        gmp.go(spin)
        gmp.go(other)
        print(done.recv(), _core._preempt_counts()[1] > 0)
    """ % ONE_LINE_LOOPS[shape], env={"GOMAXPROCS": "1"}, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["finished", "True"]


def test_one_line_loop_is_disarmed_and_its_trace_function_sees_nothing_of_it():
    # On 3.11 sysmon turns on opcode events in the spinner's frame; the hook
    # turns them off when it yields, and the goroutine's own trace function
    # never gets those events (it asked for none).
    r = run_py("""
        import sys, gmp
        from gmp import _core
        events, frames = [], []
        def tracer(frame, event, arg):
            events.append(event)
            return tracer
        def spin():
            sys.settrace(tracer)
            frames.append(sys._getframe())
            frames[0].f_trace = tracer
            while True: pass
        gmp.go(spin)
        while _core._preempt_counts()[1] < 5:
            gmp.sleep(0.001)
        # the spinner is suspended in the hook, which has disarmed itself
        print(frames[0].f_trace_opcodes, "opcode" in events, _core._preempt_counts()[2])
    """, env={"GOMAXPROCS": "1"}, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "False", "0"]


def test_preemption_keeps_a_debuggers_opcode_tracing():
    # A debugger tracing opcodes in a frame: on 3.11 the OPCODE event of an
    # instruction goes to the function that took its LINE event, so the
    # hook, having put the debugger's function back and yielded at the LINE
    # event, was called again, and used to uninstall the debugger's function.
    r = run_py("""
        import sys, time, gmp
        from gmp import _core
        nopcode = [0]
        def tracer(frame, event, arg):
            if event == "opcode":
                nopcode[0] += 1
            return tracer
        out = gmp.chan(1)
        def spinner():
            sys.settrace(tracer)
            f = sys._getframe()
            f.f_trace = tracer
            f.f_trace_opcodes = True
            t = time.monotonic()
            while _core._preempt_counts()[1] < 20:
                if time.monotonic() - t > 20:
                    break
            kept = sys.gettrace() is tracer
            sys.settrace(None)
            f.f_trace_opcodes = False
            out.send(kept)
        gmp.go(spinner)
        print(out.recv(), _core._preempt_counts()[1] >= 20, nopcode[0] > 0)
    """, env={"GOMAXPROCS": "1"}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "True", "True"]


def test_loop_in_a_frame_without_line_events_is_preempted():
    # A debugger or profiler turns line events off in the frames it ignores
    # (f_trace_lines); a loop there that calls no Python function raises no
    # trace event at all. sysmon turns on events in that frame (opcodes on
    # 3.11, lines on 3.12), the hook turns them off again, and the tracer,
    # which asked for none of them, never sees them.
    r = run_py("""
        import sys, gmp
        from gmp import _core
        events, frames = [], []
        def tracer(frame, event, arg):
            events.append(event)
            frame.f_trace_lines = False
            return tracer
        def spin():
            f = sys._getframe()
            frames.append(f)
            f.f_trace = tracer
            f.f_trace_lines = False
            sys.settrace(tracer)
            n = 0
            while True:
                n += 1
        gmp.go(spin)
        while _core._preempt_counts()[1] < 5:
            gmp.sleep(0.001)
        print(frames[0].f_trace_lines, frames[0].f_trace_opcodes,
              "line" in events or "opcode" in events)
    """, env={"GOMAXPROCS": "1"}, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "False", "False"]


def test_no_finalizer_runs_on_sysmons_thread():
    # Arming a preemption allocates (3.11: the frame object of the
    # goroutine's frame; 3.13: sys.monitoring bookkeeping). On 3.11 an
    # allocation past the threshold runs a garbage collection there and
    # then, so garbage the goroutines made had its finalizers run on
    # sysmon's thread (which is no M: a finalizer that blocks would stop
    # preemption and the network poll for good).
    r = run_py("""
        import gc, threading, gmp
        from gmp import _core
        threads = set()
        class D:
            def __del__(self):
                threads.add(threading.get_ident())
        def garbage():
            d = D()
            d.me = d
        def spin():
            while True:
                garbage()
        gc.set_threshold(1)
        gmp.go(spin)
        while _core._preempt_counts()[1] < 50:
            gmp.sleep(0.001)
        print(threads == {threading.get_ident()})
    """, env={"GOMAXPROCS": "1"}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True"]
