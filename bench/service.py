"""python -m bench.service: the kinds of work services do, at GOMAXPROCS=1,
2 and the default, side by side with gevent and plain threads, in one run.

Workloads (each cell a fresh process, bench/service_worker.py; unpinned):
  redis  200 workers, each 200 SET+GET pairs with redis-py, against a
         redis-server (Debian's package) this benchmark starts on a free
         port; skipped, with a line saying why, without redis-server or
         redis-py.
  echo   the TCP echo of bench.echo (100 connections, 64-byte messages),
         server and load generator sharing every CPU.
  cpu    8 workers running a pure-Python request handler.
  hash   4 workers hashing 1 MiB buffers (sha256 releases the GIL).
Repetitions are the outer loop and the settings alternate inside it, so
machine noise hits them alike; the table shows medians (ops/s) and each
setting's ratio to the best GOMAXPROCS of that workload.

    python -m bench.service [--reps 3] [--scale 1.0] [--only redis,echo,cpu,hash]
"""
import argparse
import importlib.util
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# (runtime, GOMAXPROCS or None for the default, GMPDEBUG or None)
SETTINGS = [("gmp", "1", None), ("gmp", "2", None), ("gmp", None, None),
            ("gmp", None, "gilaware=0"), ("gevent", None, None), ("threads", None, None)]
WORKLOADS = {"redis": (200, 200), "echo": (100, 3), "cpu": (8, 2000), "hash": (4, 100)}


def label(runtime, procs, gmpdebug=None):
    if runtime != "gmp":
        return runtime
    return "gmp P=%s%s" % (procs or "default(%d)" % len(os.sched_getaffinity(0)),
                           ", " + gmpdebug if gmpdebug else "")


def freeport():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis():
    """A redis-server on a free port, or (None, why not)."""
    exe = shutil.which("redis-server")
    if exe is None:
        return None, "no redis-server (apt-get install redis-server)"
    if importlib.util.find_spec("redis") is None:
        return None, "no redis-py (pip install redis)"
    port = freeport()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--maxclients", "10000"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return (proc, port), None
        except OSError:
            time.sleep(0.05)
    proc.kill()
    return None, "redis-server did not start"


def gmpenv(procs, gmpdebug):
    env = {}
    if procs:
        env["GOMAXPROCS"] = procs
    if gmpdebug:
        env["GMPDEBUG"] = gmpdebug
    return env


def run_worker(workload, runtime, procs, gmpdebug, workers, jobs, port):
    """(ops/s, the runtime's counters or None) of one cell."""
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("GOMAXPROCS", None)
    env.pop("GMPDEBUG", None)
    env.update(gmpenv(procs, gmpdebug))
    r = subprocess.run([sys.executable, "-m", "bench.service_worker", workload, runtime,
                        str(workers), str(jobs), str(port)],
                       capture_output=True, text=True, env=env, timeout=600, cwd=ROOT)
    if r.returncode != 0:
        raise RuntimeError("%s/%s failed: %s" % (workload, label(runtime, procs, gmpdebug),
                                                 r.stderr.strip()[-400:]))
    out = json.loads(r.stdout.strip().splitlines()[-1])
    return out["ops"], out.get("stats")


def run_echo(runtime, procs, gmpdebug, conns, seconds):
    from bench.echo.__main__ import build_client, run_cell
    server = {"threads": "threading"}.get(runtime, runtime)
    res = run_cell(build_client(), server, conns, seconds, os.cpu_count() or 1, pinned=False,
                   env_extra=gmpenv(procs, gmpdebug) or None)
    if not res["ok"]:
        raise RuntimeError("echo/%s: errors in the run: %r" % (label(runtime, procs, gmpdebug), res))
    return (res["rps"] if "rps" in res else res["round_trips"] / seconds), None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--only", default=",".join(WORKLOADS))
    a = ap.parse_args()
    names = [w for w in a.only.split(",") if w]
    settings = [s for s in SETTINGS if s[0] != "gevent" or importlib.util.find_spec("gevent")]
    if len(settings) < len(SETTINGS):
        print("gevent not installed: its column is left out (pip install gevent)")
    redis, why = (None, None)
    if "redis" in names:
        redis, why = start_redis()
        if redis is None:
            print("SKIP redis: %s" % why)
            names.remove("redis")
    print("python %s, %s, %d CPUs (unpinned); %d reps, medians in ops/s"
          % (platform.python_version(), platform.machine(), os.cpu_count() or 1, a.reps))
    results = {(w, s): [] for w in names for s in settings}
    stats = {(w, s): [] for w in names for s in settings}
    try:
        for _ in range(a.reps):
            for w in names:
                workers, jobs = WORKLOADS[w]
                for s in settings:
                    if w == "echo":
                        v, st = run_echo(*s, workers, jobs)
                    else:
                        n = max(1, int(jobs * a.scale))
                        v, st = run_worker(w, *s, workers, n, redis[1] if redis else 0)
                        st = dict(st or {}, ops=workers * n)
                    results[(w, s)].append(v)
                    if st is not None:
                        stats[(w, s)].append(st)
    finally:
        if redis is not None:
            redis[0].kill()
            redis[0].wait()
    width = max(len(label(*s)) for s in settings)
    for w in names:
        med = {s: statistics.median(results[(w, s)]) for s in settings}
        best = max(v for s, v in med.items() if s[0] == "gmp" and s[2] is None)
        print("\n%s" % w)
        for s in settings:
            runs = " ".join("%.0f" % v for v in results[(w, s)])
            print("  %-*s %12.0f   %.2fx of the best GOMAXPROCS   (%s)"
                  % (width, label(*s), med[s], med[s] / best, runs))
        counters(w, settings, stats, width)


def counters(w, settings, stats, width):
    """The scheduler's counters per 1,000 operations (medians over the
    reps) for the gmp cells that report them."""
    keys = ("mswitches", "mwakes", "wakeps", "steals", "gilretakes", "gilretakes_ok")
    rows = [(s, stats[(w, s)]) for s in settings if stats[(w, s)] and "mwakes" in stats[(w, s)][0]]
    if not rows:
        return
    print("  %-*s %s" % (width, "per 1,000 ops:", "  ".join("%13s" % k for k in keys)))
    for s, sts in rows:
        vals = [statistics.median(1000.0 * st[k] / st["ops"] for st in sts) for k in keys]
        print("  %-*s %s" % (width, label(*s), "  ".join("%13.1f" % v for v in vals)))


if __name__ == "__main__":
    main()
