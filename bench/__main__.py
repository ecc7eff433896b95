"""python -m bench: the anchor workloads on gmp and its peers, side by side.

Each (peer, workload, repetition) runs in a fresh interpreter, interleaved
so that machine noise hits every peer alike. A process runs its workload
--inner times and reports its best run (timeit's rule: noise only ever adds
time), except W2, which measures one process's RSS growth once. The table
shows the median over processes and the spread, then the ratios the
project's targets are stated in.

    python -m bench [--reps 3] [--inner 3] [--peers gmp,greenlet,gevent] [--workloads W3,W4a] [--scale 0.5]
"""
import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys

from bench.workloads import PEERS, WORKLOADS, TARGETS, CONTEXT

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_one(peer, wl, n, inner):
    # W2 measures the RSS growth of one fresh process: one run only
    k = 1 if wl == "W2" else inner
    code = ("import json,sys; from bench.workloads import PEERS; f,_=PEERS[%r][%r]; "
            "print(json.dumps(min(f(%d) for _ in range(%d))))" % (peer, wl, n, k))
    return run_child(code, [], "%s/%s" % (peer, wl))


def run_child(code, args, what, timeout=900):
    """Runs code in a fresh interpreter that can import bench; returns the
    JSON value of its last output line."""
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    r = subprocess.run([sys.executable, "-c", code] + args, capture_output=True, text=True,
                       env=env, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError("%s failed: %s" % (what, r.stderr.strip().splitlines()[-1:]))
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--peers", default="gmp,greenlet,gevent,asyncio,threading")
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--inner", type=int, default=3,
                    help="runs per process; the process reports its best (W2: always 1)")
    ap.add_argument("--json", default="")
    a = ap.parse_args()
    peers = [p for p in a.peers.split(",") if p]
    if "gevent" in peers and importlib.util.find_spec("gevent") is None:
        print("gevent not installed: skipped (pip install gevent)")
        peers.remove("gevent")
    wls = [w for w in a.workloads.split(",") if w]
    res = {}
    for rep in range(a.reps):
        for wl in wls:
            for peer in peers:
                if wl not in PEERS[peer]:
                    continue
                _, n = PEERS[peer][wl]
                if wl != "W2":              # W2 is defined at 100,000 tasks: never scaled
                    n = max(1000, int(n * a.scale))
                res.setdefault((peer, wl), []).append(run_one(peer, wl, n, a.inner))
    print("python %s, %s, %d CPUs; median of %d fresh processes, each reporting the best of %d runs"
          % (platform.python_version(), platform.machine(), os.cpu_count(), a.reps, a.inner))
    print("W2 is bytes per parked task; the rest ns per op. (spread = (max-min)/median)\n")
    hdr = "| workload | " + " | ".join(peers) + " |"
    print(hdr)
    print("|---|" + "---:|" * len(peers))
    med, best = {}, {}
    for wl in wls:
        cells = []
        for peer in peers:
            v = res.get((peer, wl))
            if not v:
                cells.append("n/a")
                continue
            m = statistics.median(v)
            med[(peer, wl)] = m
            best[(peer, wl)] = min(v)
            spread = (max(v) - min(v)) / m * 100 if m else 0
            cells.append("%s (%d%%)" % (format(round(m), ","), spread))
        print("| %s | %s |" % (wl, " | ".join(cells)))
    print("\nTargets (issue #2), ratios from this run: of the medians, and of the best"
          "\nprocess of each cell (noise only adds time, so the best is the steadier figure):")

    def ratio(d, num, den):
        if num in d and den in d:
            return d[num] / d[den]
        return None

    checks = TARGETS + [("W2 gmp / greenlet RSS", ("gmp", "W2"), ("greenlet", "W2"), "<=", 1.15)]
    print("  %-32s %8s %8s  %s" % ("", "median", "best", "target"))
    for name, num, den, op, target in checks:
        rm, rb = ratio(med, num, den), ratio(best, num, den)
        if rm is None:
            print("  %-32s %8s" % (name, "n/a"))
            continue

        def ok(r):
            return r <= target if op == "<=" else r >= target
        print("  %-32s %8.2f %8.2f  %s %.2f  %s" % (
            name, rm, rb, op, target,
            "met" if ok(rm) and ok(rb) else ("met (best only)" if ok(rb) else
                                              "met (median only)" if ok(rm) else "NOT met")))
    for name, num, den in CONTEXT:
        rm, rb = ratio(med, num, den), ratio(best, num, den)
        if rm is not None:
            print("  %-40s %8.2f %8.2f  (context, no target)" % (name, rm, rb))
    print("Each cell comes from different processes, so a ratio here inherits the machine's\n"
          "drift between them; python -m bench.paired measures each ratio pair by pair in\n"
          "one process and is the reference for the targets.")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"%s/%s" % k: v for k, v in res.items()}, f, indent=1)


if __name__ == "__main__":
    main()
