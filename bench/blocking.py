"""python -m bench.blocking: what blocking and preemption cost the others.

1. syscall hand-off: a ping-pong pair (unbuffered channel) runs for a fixed
   number of round trips, alone and beside a goroutine blocked in
   gmp.syscall(time.sleep, 1) (and, for contrast, beside one calling
   time.sleep(1) directly, which holds its P). GOMAXPROCS 1 and 2. Each
   case is a fresh process; the cases alternate, repeated --reps times; the
   table shows the median round-trip rate and its ratio to "alone".
2. preemption: a tight loop's speed (ns per iteration, median of 10k-
   iteration chunks) before its goroutine is first preempted and after it
   has been preempted at least 5 times, on GOMAXPROCS=1, in one process.

    python -m bench.blocking [--reps 5] [--trips 200000] [--only syscall|preempt]
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PINGPONG = r"""
import json, sys, time, gmp
mode, trips = sys.argv[1], int(sys.argv[2])
a, b = gmp.chan(), gmp.chan()
def pong():
    for _ in range(trips):
        b.send(a.recv())
started = gmp.chan()
def blocker():
    started.close()
    if mode == "syscall":
        gmp.syscall(time.sleep, 1)
    elif mode == "direct":
        time.sleep(1)
t = time.perf_counter()
# the blocker is in its call before the first round trip (at GOMAXPROCS=1
# a direct time.sleep holds the only P: main resumes only when it returns)
gmp.go(blocker)
started.recv()
# pong goes to runnext and main parks on its first send at once, so pong
# starts on main's P (an idle P could otherwise steal it and the pair would
# ping-pong across threads, which measures the GIL, not the hand-off)
gmp.go(pong)
for i in range(trips):
    a.send(i)
    b.recv()
dt = time.perf_counter() - t
print(json.dumps(trips / dt))
import os; os._exit(0)      # do not wait for the blocker
"""

PREEMPT = r"""
import json, statistics, time
CHUNK = 10000
def chunk():
    t = time.perf_counter_ns()
    n = 0
    while n < CHUNK:
        n += 1
    return (time.perf_counter_ns() - t) / CHUNK
# warm the CPU and the interpreter first: on this VM a fresh process runs
# plain loops at half speed for its first ~60 ms, gmp or not
t = time.monotonic()
while time.monotonic() - t < 0.3:
    chunk()
import gmp
from gmp import _core
before, after = [], []
stop = False
def other():
    while not stop:
        gmp.sleep(0.001)
def spin():
    global stop
    # before: 20 chunks (~8 ms, under the 10 ms slice): never preempted yet
    for _ in range(20):
        before.append(chunk())
    assert _core._preempt_counts()[1] == 0
    gmp.go(other)
    while _core._preempt_counts()[1] < 5:
        chunk()
    stop = True
    for _ in range(20):
        after.append(chunk())
done = gmp.chan()
gmp.go(lambda: (spin(), done.close()))
done.recv()
print(json.dumps([statistics.median(before), statistics.median(after),
                  _core._preempt_counts()[1]]))
"""


def child(code, args, env):
    e = dict(os.environ)
    e.update(env)
    e["PYTHONPATH"] = ROOT + os.pathsep + e.get("PYTHONPATH", "")
    r = subprocess.run([sys.executable, "-c", code] + args, capture_output=True, text=True,
                       env=e, timeout=300)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip().splitlines()[-1:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--trips", type=int, default=200000)
    ap.add_argument("--only", choices=["syscall", "preempt"], default=None)
    a = ap.parse_args()
    print("Python %s, %s, %d CPUs" % (platform.python_version(), platform.machine(),
                                      os.cpu_count()))
    if a.only != "preempt":
        syscall_table(a)
    if a.only != "syscall":
        preempt_table(a)


def syscall_table(a):
    print("\n1. ping-pong round trips/s beside a blocked goroutine "
          "(median of %d processes, %d round trips each)\n" % (a.reps, a.trips))
    print("| GOMAXPROCS | alone | beside gmp.syscall(time.sleep, 1) | ratio "
          "| beside time.sleep(1) directly | ratio |")
    print("|---:|---:|---:|---:|---:|---:|")
    for procs in (1, 2):
        res = {m: [] for m in ("alone", "syscall", "direct")}
        for _ in range(a.reps):
            for m in res:
                res[m].append(child(PINGPONG, [m, str(a.trips)], {"GOMAXPROCS": str(procs)}))
        med = {m: statistics.median(v) for m, v in res.items()}
        print("| %d | %.0f | %.0f | %.2f | %.0f | %.2f |" % (
            procs, med["alone"], med["syscall"], med["syscall"] / med["alone"],
            med["direct"], med["direct"] / med["alone"]))


def preempt_table(a):
    print("\n2. tight loop, ns per iteration (median of 10k-iteration chunks), GOMAXPROCS=1\n")
    print("| run | before the first preemption | after >= 5 preemptions | after/before |")
    print("|---:|---:|---:|---:|")
    for i in range(a.reps):
        b, af, n = child(PREEMPT, [], {"GOMAXPROCS": "1"})
        print("| %d | %.2f | %.2f | %.3f |" % (i + 1, b, af, af / b))


if __name__ == "__main__":
    main()
