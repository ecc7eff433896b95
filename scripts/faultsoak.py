#!/usr/bin/env python3
"""Long run of the fault-injection programs (tests/faultprog.py) with random seeds.

    python scripts/faultsoak.py --minutes 5             # 1 run at a time
    python scripts/faultsoak.py --minutes 30 --jobs 2   # 2 at once
    python scripts/faultsoak.py --case main:p2:s123456:raise:n250:g1-6:recv,select

Each run is one case of tests/test_faults.py with a random seed: a signal storm
(150-400 of SIGINT/SIGTERM/SIGUSR1, gaps drawn from a random range) into the
main goroutine's parks, one park kind at a time or all of them, with a plain
thread in channel ops, or with the main thread as a plain waiter; targeted
interrupts of each park kind; exceptions in waits without signals.
GOMAXPROCS cycles 1, 2, 4. At the end (or on Ctrl-C) it prints the runs,
signals sent, values checked and exceptions raised into parks, the failures
grouped by kind, and each failed run with the --case string that repeats it
(same seed: same workload and signal sequence; the timing differs). Each failed
run's full output goes to --out. Exit status 1 if any run failed.
"""
import argparse
import collections
import concurrent.futures
import os
import random
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

import faultprog  # noqa: E402

GAPS = {"g0.5-3": (0.0005, 0.003), "g1-6": (0.001, 0.006), "g2-10": (0.002, 0.010)}
# (weight, kind); a station is one park kind of main's, drawn per run
KINDS = [(4, "main"), (1, "mixed"), (4, "station"), (2, "thread"), (2, "foreign"),
         (1, "targeted"), (1, "exceptions")]
TARGETED_FOREIGN_EVERY = 25     # slow when the main thread's waits ignore signals


class Case:
    """One run's parameters; str() is the --case string that repeats it."""

    def __init__(self, kind, procs, seed, handler="raise", nsig=0, gap="g1-6", stations=""):
        self.kind, self.procs, self.seed = kind, procs, seed
        self.handler, self.nsig, self.gap, self.stations = handler, nsig, gap, stations

    def __str__(self):
        return ":".join([self.kind, "p%d" % self.procs, "s%d" % self.seed, self.handler,
                         "n%d" % self.nsig, self.gap, self.stations])

    @classmethod
    def parse(cls, s):
        kind, p, sd, handler, n, gap, stations = (s.split(":") + [""] * 7)[:7]
        return cls(kind, int(p[1:]), int(sd[1:]), handler or "raise", int(n[1:] or 0),
                   gap or "g1-6", stations)

    def run(self, python):
        kw = dict(procs=self.procs, python=python, stations=self.stations,
                  handler=self.handler, timeout=30.0)
        mode = self.kind
        if self.kind in ("main", "station", "mixed", "thread", "foreign"):
            mode = "main" if self.kind in ("station", "mixed") else self.kind
            kw.update(nsig=self.nsig, gap=GAPS[self.gap])
        elif self.kind == "targeted-foreign":
            mode = "targeted"
            kw.update(foreign=True, min_rounds=1, timeout=60.0)
        elif self.kind == "targeted":
            kw.update(min_rounds=2, timeout=60.0)
        elif self.kind == "exceptions":
            kw.update(min_rounds=6)
        return faultprog.drive(mode, self.seed, **kw)


def cases(rng, without=()):
    stations = [s for s in faultprog.MODE_STATIONS["main"] if s not in without]
    n = 0
    weights = [w for w, _ in KINDS]
    kinds = [k for _, k in KINDS]
    while True:
        procs = (1, 2, 4)[n % 3]
        n += 1
        if n % TARGETED_FOREIGN_EVERY == 0:
            yield Case("targeted-foreign", procs, rng.randrange(1 << 30))
            continue
        kind = rng.choices(kinds, weights)[0]
        c = Case(kind, procs, rng.randrange(1 << 30))
        if kind in ("main", "station", "mixed", "thread", "foreign"):
            c.nsig = rng.randint(150, 400)
            c.gap = rng.choice(sorted(GAPS))
        if without and kind in ("main", "mixed", "thread"):
            c.stations = ",".join(s for s in faultprog.MODE_STATIONS[
                "main" if kind == "mixed" else kind] if s not in without)
        if kind == "mixed":
            c.handler = "mixed"
        elif kind == "station":
            c.stations = rng.choice(stations)
        elif kind == "exceptions":
            c.stations = rng.choice(sorted(faultprog.XPARTS))
        yield c


class Tally:
    def __init__(self, out):
        self.out = out
        self.lock = threading.Lock()
        self.runs = self.signals = self.values = self.raised = self.caught = 0
        self.by_case = collections.Counter()
        self.failed_by_case = collections.Counter()
        self.kinds = collections.OrderedDict()      # category -> [count, runs, first cases]
        self.failed = []                            # (case, first problems, path)

    def add(self, case, o):
        with self.lock:
            self.runs += 1
            self.signals += o.sent
            key = "%s p%d" % (case.kind if not case.stations else
                              "%s[%s]" % (case.kind, case.stations), case.procs)
            self.by_case[key] += 1
            if o.result:
                self.values += o.result["values"]
                self.raised += o.result["raised"]
                self.caught += sum(o.result["caught"].values())
            if o.ok:
                return
            self.failed_by_case[key] += 1
            path = os.path.join(self.out, "fail-%03d-%s.txt" % (len(self.failed) + 1,
                                                                 str(case).replace(":", "_")
                                                                 .replace(",", "+")))
            with open(path, "w") as f:
                f.write("--case %s\n%s\n" % (case, o.report()))
            seen = set()
            for p in o.problems:
                if p.startswith("... "):
                    continue                # "... N anomalies in all"
                cat = faultprog.category(p)
                if cat in seen:
                    e = self.kinds[cat]
                    e[0] += 1
                    continue
                seen.add(cat)
                e = self.kinds.setdefault(cat, [0, 0, []])
                e[0] += 1
                e[1] += 1
                if len(e[2]) < 3:
                    e[2].append(str(case))
            self.failed.append((case, o.problems[:3], path))

    def summary(self, minutes, python):
        w = []
        w.append("faultsoak: %d runs in %.1f min (%s), %d signals sent, %d values checked, "
                 "%d exceptions raised into parks (%d surfaced)"
                 % (self.runs, minutes, python, self.signals, self.values, self.raised,
                    self.caught))
        w.append("runs by case (failed/runs):")
        for key in sorted(self.by_case):
            w.append("  %-34s %3d/%-3d" % (key, self.failed_by_case[key], self.by_case[key]))
        if not self.failed:
            w.append("no failures")
            return "\n".join(w)
        w.append("failures by kind (problems, runs with it; first cases):")
        for cat, (n, runs, first) in sorted(self.kinds.items(), key=lambda kv: -kv[1][1]):
            w.append("  %4d %3d  %s" % (n, runs, cat))
            w.append("            " + "  ".join(first))
        w.append("failed runs (%d of %d; full output under %s):" % (len(self.failed), self.runs,
                                                                   self.out))
        for case, probs, path in self.failed:
            w.append("  --case %s" % case)
            for p in probs:
                lines = p.strip().splitlines()
                w.append("      " + (lines[0] if len(lines) == 1
                                     else lines[0] + " ... " + lines[-1])[:200])
        return "\n".join(w)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--jobs", type=int, default=1, help="runs at once (default 1)")
    ap.add_argument("--seed", type=int, default=None, help="seeds the choice of cases")
    ap.add_argument("--case", action="append", default=[],
                    help="run only this case (repeatable), as printed for a failure")
    ap.add_argument("--without", default="",
                    help="leave these park kinds (stations) out of the storms, e.g. syscall: "
                         "to see what else fails while one known bug is open")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--out", default=None, help="where failed runs' output goes")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    out = args.out or tempfile.mkdtemp(prefix="faultsoak-")
    os.makedirs(out, exist_ok=True)
    tally = Tally(out)
    t0 = time.monotonic()
    deadline = t0 + args.minutes * 60
    print("faultsoak: seed %d, %.1f min, %d job(s), output in %s" % (seed, args.minutes,
                                                                    args.jobs, out), flush=True)
    if args.case:
        todo = iter([Case.parse(s) for s in args.case])
        deadline = float("inf")
    else:
        todo = cases(random.Random(seed), tuple(filter(None, args.without.split(","))))

    def one(case):
        o = case.run(args.python)
        tally.add(case, o)
        print("  %-60s %s%s" % (case, "ok" if o.ok else "FAILED",
                                "" if o.ok else ": " + faultprog.category(o.problems[0])),
              flush=True)

    try:
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
            running = set()
            for case in todo:
                if time.monotonic() > deadline:
                    break
                while len(running) >= args.jobs:
                    done, running = concurrent.futures.wait(
                        running, return_when=concurrent.futures.FIRST_COMPLETED)
                    for f in done:
                        f.result()
                running.add(ex.submit(one, case))
            for f in concurrent.futures.as_completed(running):
                f.result()
    except KeyboardInterrupt:
        print("interrupted: summary of the runs that finished", flush=True)
    print(tally.summary((time.monotonic() - t0) / 60, args.python), flush=True)
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
