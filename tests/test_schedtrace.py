"""GODEBUG parsing and the scheduler trace (Go 1.19's schedtrace format; the fields
later Go versions add are accepted when comparing with a real Go)."""
import os
import re
import shutil
import subprocess

import pytest

import gmp
from gmp import _core
from gmptest import run_program, wait_until

SCHED = re.compile(r"^SCHED (\d+)ms: gomaxprocs=(\d+) idleprocs=(\d+) threads=(\d+) "
                   r"spinningthreads=(\d+) idlethreads=(\d+) runqueue=(\d+)( \[\d+( \d+)*\])?$")
SCHED_DETAIL = re.compile(r"^SCHED (\d+)ms: gomaxprocs=(\d+) idleprocs=(\d+) threads=(\d+) "
                          r"spinningthreads=(\d+) idlethreads=(\d+) runqueue=(\d+) gcwaiting=0 "
                          r"nmidlelocked=0 stopwait=0 sysmonwait=0$")
P_LINE = re.compile(r"^  P(\d+): status=(\d) schedtick=(\d+) syscalltick=(\d+) m=(-?\d+) "
                    r"runqsize=(\d+) gfreecnt=(\d+) timerslen=(\d+)$")
M_LINE = re.compile(r"^  M(\d+): p=(-?\d+) curg=(-?\d+) mallocing=0 throwing=0 preemptoff= "
                    r"locks=0 dying=0 spinning=(true|false) blocked=(true|false) lockedg=-1$")
G_LINE = re.compile(r"^  G(\d+): status=(\d)\((.*)\) m=(-?\d+) lockedm=-1$")


def test_parse_godebug_gmpdebug_overrides():
    warnings = []
    v = _core._parsedebug("schedtrace=100,scheddetail=1,unknown=3,asyncpreemptoff=1",
                          "schedtrace=250, blockwarn=100", warnings.append)
    assert v == {"schedtrace": 250, "scheddetail": 1, "asyncpreemptoff": 1, "blockwarn": 100}
    assert warnings == []


def test_parse_bad_values_warn_once_each():
    warnings = []
    v = _core._parsedebug("schedtrace=abc,scheddetail=1,gcshrinkstackoff=", "tracebackancestors=x",
                          warnings.append)
    assert v == {"scheddetail": 1}
    assert len(warnings) == 3
    assert warnings[0] == "gmp: GODEBUG: schedtrace='abc' is not an integer; ignored\n"
    assert warnings[2].startswith("gmp: GMPDEBUG: tracebackancestors=")


def test_trace_in_process_matches_go_format(procs):
    procs(2)
    block = gmp.chan()
    for _ in range(3):
        gmp.go(block.recv)
    try:
        from gmptest import wait_recvq
        wait_recvq(block, 3)
        short = _core._schedtrace(False).splitlines()
        assert len(short) == 1 and SCHED.match(short[0]), short
        lines = _core._schedtrace(True).splitlines()
        assert SCHED_DETAIL.match(lines[0]), lines[0]
        ps = [P_LINE.match(x) for x in lines if x.startswith("  P")]
        ms = [M_LINE.match(x) for x in lines if x.startswith("  M")]
        gs = [G_LINE.match(x) for x in lines if x.startswith("  G")]
        assert all(ps) and all(ms) and all(gs), lines
        assert len(ps) >= 2 and len(ms) >= 2
        assert len(lines) == 1 + len(ps) + len(ms) + len(gs)
        waiting = [g for g in gs if g.group(3) == "chan receive"]
        assert len(waiting) >= 3 and all(g.group(2) == "4" and g.group(4) == "-1" for g in waiting)
        # the calling goroutine is running on an M, and that M shows it as curg
        me = _core._curg().goid
        (mine,) = [g for g in gs if int(g.group(1)) == me]
        assert mine.group(2) == "2" and mine.group(3) == ""
        assert any(int(m.group(3)) == me and m.group(1) == mine.group(4) for m in ms)
    finally:
        block.close()


def test_sysmon_prints_schedtrace_to_stderr():
    r = run_program("schedtrace_to_stderr.py",
                    env={"GODEBUG": "schedtrace=100,scheddetail=1", "GOMAXPROCS": "2"})
    assert r.returncode == 0 and r.stdout.strip() == "done", r.stderr
    lines = r.stderr.splitlines()
    heads = [x for x in lines if x.startswith("SCHED ")]
    assert all(SCHED_DETAIL.match(x) for x in heads)
    times = [int(SCHED_DETAIL.match(x).group(1)) for x in heads]
    # one line per period at most (a loaded machine may print them late, and
    # so fewer of them within the 0.35 s; at least one always comes)
    assert heads, r.stderr
    assert all(b - a >= 90 for a, b in zip(times, times[1:])), times
    assert len(heads) <= times[-1] // 100 + 1, times
    assert any(G_LINE.match(x) and "(chan receive)" in x for x in lines)
    assert all(SCHED_DETAIL.match(x) or P_LINE.match(x) or M_LINE.match(x) or G_LINE.match(x)
               for x in lines), r.stderr
    # threads= counts both Ms and sysmon
    assert all(SCHED_DETAIL.match(x).group(4) == "3" for x in heads)


def test_bad_godebug_value_warns_and_runs():
    r = run_program("schedtrace_bad_godebug_value.py", env={"GODEBUG": "schedtrace=soon"})
    assert r.returncode == 0 and r.stdout.strip() == "1"
    assert r.stderr == "gmp: GODEBUG: schedtrace='soon' is not an integer; ignored\n"


def shape(line):
    """The line's kind and field names, values left out."""
    m = re.match(r"^(SCHED|  P|  M|  G)", line)
    if not m:
        return None
    return (m.group(1).strip(),) + tuple(re.findall(r"(\w+)=", line))


# Fields that Go versions after 1.19 added to the lines gmp prints in 1.19's
# grammar (section 4 of docs/DESIGN.md), by line kind. Only these may be in
# Go's line and not in gmp's: any other difference (a field gmp lacks,
# renames, adds or orders differently) is a grammar mismatch.
GO_ADDED_SINCE_1_19 = {
    "SCHED": {"needspinning"},          # Go 1.21
}


def as_go_1_19(go_shape):
    """A Go line's shape with the fields added after Go 1.19 removed."""
    added = GO_ADDED_SINCE_1_19.get(go_shape[0], set())
    return tuple(f for f in go_shape if f not in added)


def grammar_mismatches(go_lines, our_lines):
    """Our line shapes that match no line shape Go printed, Go's shapes
    taken as Go 1.19 printed them; [] when the grammars agree. Every line
    kind must appear on both sides."""
    go_shapes = {as_go_1_19(x) for x in map(shape, go_lines) if x}
    our_shapes = {x for x in map(shape, our_lines) if x}
    kinds = {"SCHED", "P", "M", "G"}
    problems = []
    for side, shapes in (("Go", go_shapes), ("gmp", our_shapes)):
        if {x[0] for x in shapes} != kinds:
            problems.append("%s printed line kinds %s" % (side, sorted({x[0] for x in shapes})))
    for ours in sorted(our_shapes - go_shapes):
        near = sorted(x for x in go_shapes if x[0] == ours[0])
        problems.append("gmp's %s line has fields %s; Go's (as 1.19): %s"
                        % (ours[0], list(ours[1:]), [list(x[1:]) for x in near]))
    return problems


GO_1_19 = """\
SCHED 0ms: gomaxprocs=2 idleprocs=1 threads=5 spinningthreads=0 idlethreads=2 runqueue=0 gcwaiting=0 nmidlelocked=0 stopwait=0 sysmonwait=0
  P0: status=1 schedtick=1 syscalltick=0 m=0 runqsize=0 gfreecnt=0 timerslen=0
  M0: p=0 curg=1 mallocing=0 throwing=0 preemptoff= locks=5 dying=0 spinning=false blocked=false lockedg=1
  G1: status=4(sleep) m=-1 lockedm=0
"""
GO_1_23 = """\
SCHED 0ms: gomaxprocs=2 idleprocs=0 threads=4 spinningthreads=0 needspinning=1 idlethreads=1 runqueue=0 gcwaiting=false nmidlelocked=0 stopwait=0 sysmonwait=false
  P0: status=0 schedtick=0 syscalltick=0 m=nil runqsize=0 gfreecnt=0 timerslen=0
  M0: p=nil curg=nil mallocing=0 throwing=0 preemptoff= locks=0 dying=0 spinning=false blocked=true lockedg=1
  G1: status=1(chan receive) m=nil lockedm=0
"""
GMP = """\
SCHED 100ms: gomaxprocs=2 idleprocs=2 threads=3 spinningthreads=0 idlethreads=1 runqueue=0 gcwaiting=0 nmidlelocked=0 stopwait=0 sysmonwait=0
  P0: status=0 schedtick=4 syscalltick=0 m=-1 runqsize=0 gfreecnt=3 timerslen=1
  M0: p=-1 curg=-1 mallocing=0 throwing=0 preemptoff= locks=0 dying=0 spinning=false blocked=true lockedg=-1
  G1: status=4(sleep) m=-1 lockedm=-1
"""


def test_grammar_comparison_takes_newer_go_fields_and_nothing_else():
    # Go 1.19 and Go 1.21+ (needspinning=) both match gmp's lines
    assert grammar_mismatches(GO_1_19.splitlines(), GMP.splitlines()) == []
    assert grammar_mismatches(GO_1_23.splitlines(), GMP.splitlines()) == []
    # real grammar differences still fail, against either Go
    for go in (GO_1_19, GO_1_23):
        for broken in (GMP.replace(" idlethreads=1", ""),                     # a field lacking
                       GMP.replace("idlethreads", "idlethread"),              # renamed
                       GMP.replace(" runqueue=0", " runqueue=0 needspinning=0"),  # misplaced
                       GMP.replace(" timerslen=1", " timerslen=1 extra=0"),   # an extra one
                       GMP.replace(" m=-1 lockedm=-1", " lockedm=-1 m=-1"),   # reordered
                       GMP.replace("  G1: status=4(sleep) m=-1 lockedm=-1\n", "")):  # a kind lacking
            assert grammar_mismatches(go.splitlines(), broken.splitlines()), broken
    # a field a future Go adds is reported until it is listed above
    future = GO_1_23.replace(" runqueue=0", " runqueue=0 newfield=3")
    (problem,) = grammar_mismatches(future.splitlines(), GMP.splitlines())
    assert "newfield" in problem


@pytest.mark.skipif(shutil.which("go") is None,
                    reason="Go not installed (Debian package golang-go; .ci/run installs it)")
def test_grammar_matches_a_real_go_program(tmp_path):
    src = os.path.join(os.path.dirname(__file__), "go", "schedtrace.go")
    env = dict(os.environ, HOME=str(tmp_path), GOCACHE=str(tmp_path / "gocache"))
    env.pop("GODEBUG", None)
    # built first, without GODEBUG: the go command and the compiler are Go
    # programs too, and their own traces would mix with the program's
    prog = str(tmp_path / "schedtrace")
    b = subprocess.run(["go", "build", "-o", prog, src], capture_output=True, text=True,
                       env=env, timeout=300)
    assert b.returncode == 0, b.stderr
    g = subprocess.run([prog], capture_output=True, text=True, timeout=60,
                       env=dict(env, GODEBUG="schedtrace=100,scheddetail=1", GOMAXPROCS="2"))
    assert g.returncode == 0, g.stderr
    ours = run_program("schedtrace_grammar.py",
                       env={"GODEBUG": "schedtrace=100,scheddetail=1", "GOMAXPROCS": "2"})
    assert ours.returncode == 0, ours.stderr
    # each of our line shapes is one Go printed (Go may print more shapes:
    # an M line varies when another thread's output interleaves)
    problems = grammar_mismatches(g.stderr.splitlines(), ours.stderr.splitlines())
    assert not problems, "\n".join(problems + ["-- Go:", g.stderr, "-- gmp:", ours.stderr])


def test_counts_consistent_in_a_controlled_scenario(procs):
    procs(1)
    gate = gmp.chan()
    # five goroutines queued on the one P and not started: the per-P queue
    # holds exactly them (runnext included), the global queue nothing
    for _ in range(5):
        gmp.go(gate.recv)
    line = _core._schedtrace(False).strip()
    m = SCHED.match(line)
    assert m, line
    assert int(m.group(2)) == 1 and int(m.group(3)) <= 1
    assert m.group(7) == "0" and m.group(8) == " [5]", line
    wait_until(lambda: gmp._chan._recvq_len(gate) == 5)
    lines = _core._schedtrace(True).splitlines()
    assert sum(int(P_LINE.match(x).group(6)) for x in lines if x.startswith("  P")) == 0
    gate.close()


def test_idleprocs_never_exceeds_gomaxprocs(procs):
    procs(4)
    gmp.go(lambda: None)
    gmp.sleep(0.01)
    procs(2)                        # P2 and P3 are retired, not idle Ps of the 2
    gmp.sleep(0.01)
    m = SCHED.match(_core._schedtrace(False).strip())
    assert int(m.group(2)) == 2 and int(m.group(3)) <= 2
    assert m.group(8).count(" ") == 2           # " [a b]": two Ps listed


def test_blockwarn_reports_a_goroutine_holding_its_p_once():
    # asynchronous preemption would end the hog's hold after 10 ms: it is
    # off here, so the hog stands for code that cannot be preempted (a long
    # C call holding the GIL)
    r = run_program("schedtrace_blockwarn_reports_once.py",
                    env={"GMPDEBUG": "blockwarn=100,asyncpreemptoff=1", "GOMAXPROCS": "1"})
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
    reports = [x for x in r.stderr.splitlines() if x.startswith("gmp: goroutine ")]
    assert len(reports) == 1, r.stderr                    # once per episode
    assert re.match(r"^gmp: goroutine \d+ has held P0 for over 100 ms without yielding "
                    r"\(GMPDEBUG=blockwarn=100\):$", reports[0])
    assert "[running]:\n__main__.hog(...)" in r.stderr


def test_blockwarn_quiet_when_goroutines_yield():
    r = run_program("schedtrace_blockwarn_quiet_when_goroutines_yield.py",
                    env={"GMPDEBUG": "blockwarn=100"})
    assert r.returncode == 0 and r.stderr == "", r.stderr


def test_scheddetail_marks_an_m_stuck_in_one_goroutine_blocked():
    # a goroutine in a direct blocking call holds its M; sysmon notices it
    # has not switched for 20 ms and scheddetail says blocked=true
    r = run_program("schedtrace_scheddetail_stuck_m.py", env={"GOMAXPROCS": "1"})
    assert r.returncode == 0, r.stderr
    # main itself may be seen blocked first, rightly: Thread.start is a direct
    # blocking wait for the new thread, which on a loaded machine can last
    # longer than sysmon's 20 ms
    assert r.stdout.strip() in ("[2]", "[1, 2]")
