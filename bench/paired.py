"""python -m bench.paired: the issue's target ratios, each measured pair by
pair inside one process.

The machine's speed drifts in phases of seconds (the same workload, same
build, runs at 80 or 150 ns/op from one process to the next). A ratio of
two medians taken from different processes inherits that drift. Here one
fresh process per target runs the two workloads alternately, A B A B ...,
each run ~0.1-0.3 s, so both sides of every pair see the same phase; the
figure is the median of the per-pair ratios (with its min and max), beside
the ratio of the two best runs.

    python -m bench.paired [--pairs 9] [--scale 0.3]
"""
import argparse
import json
import os
import platform
import statistics

from bench.__main__ import run_child
from bench.workloads import TARGETS, CONTEXT

CHILD = r"""
import json, sys
from bench.workloads import PEERS
(pa, wa, na), (pb, wb, nb), pairs = json.loads(sys.argv[1])
fa, fb = PEERS[pa][wa][0], PEERS[pb][wb][0]
fa(max(1000, na // 10)); fb(max(1000, nb // 10))          # warm up both
out = []
for _ in range(pairs):
    out.append((fa(na), fb(nb)))
print(json.dumps(out))
"""


def run_pair(num, den, n_num, n_den, pairs):
    arg = json.dumps([[num[0], num[1], n_num], [den[0], den[1], n_den], pairs])
    return run_child(CHILD, [arg], "%s vs %s" % (num, den))


def main():
    from bench.workloads import PEERS
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=9)
    ap.add_argument("--scale", type=float, default=0.3)
    a = ap.parse_args()
    print("python %s, %s, %d CPUs; per target one process, %d alternating pairs"
          % (platform.python_version(), platform.machine(), os.cpu_count(), a.pairs))
    print("  %-40s %7s %7s %7s %7s  %s" % ("", "median", "min", "max", "best", "target"))
    rows = [(t[0], t[1], t[2], t[3], t[4]) for t in TARGETS] + [(c[0], c[1], c[2], None, None) for c in CONTEXT]
    for name, num, den, op, target in rows:
        if num[0] not in PEERS or den[0] not in PEERS or num[1] not in PEERS[num[0]] \
                or den[1] not in PEERS[den[0]]:
            print("  %-40s n/a" % name)
            continue
        try:
            res = run_pair(num, den, max(1000, int(PEERS[num[0]][num[1]][1] * a.scale)),
                           max(1000, int(PEERS[den[0]][den[1]][1] * a.scale)), a.pairs)
        except RuntimeError as e:
            print("  %-40s skipped: %s" % (name, e))
            continue
        ratios = sorted(x / y for x, y in res)
        best = min(x for x, _ in res) / min(y for _, y in res)
        med = statistics.median(ratios)
        if op is None:
            verdict = "(context, no target)"
        else:
            ok = med <= target if op == "<=" else med >= target
            verdict = "%s %.2f  %s" % (op, target, "met" if ok else "NOT met")
        print("  %-40s %7.2f %7.2f %7.2f %7.2f  %s" % (name, med, ratios[0], ratios[-1], best, verdict))
    print("W2 (RSS, deterministic) is measured by python -m bench.")


if __name__ == "__main__":
    main()
