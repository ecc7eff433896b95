"""python -m bench.typed: typed channels (chan(size, dtype=...)) against Go
and against plain threads, in one run.

  W4a-typed  a Cython nogil loop of send+recv pairs on a capacity-1024 typed
             channel (gmp_api.h), one goroutine; Go's W4a beside it.
  W4b-typed  a nogil producer goroutine sends N int64 into a capacity-128
             typed channel, the main goroutine receives in a nogil loop; at
             GOMAXPROCS=1 and 2, Go's W4b beside each.
  bulk       send_array/recv_into of 64 MB of float64 through chan(4096)
             between two goroutines, GB/s, at GOMAXPROCS=1 and 2, against a
             memcpy of the same data (numpy.copyto) in the same process.
  pipeline   two nogil stages doing ~0.5 us of arithmetic each per element over
             chan(1024): GOMAXPROCS=2 against 1, and the same two stages on
             two plain threads passing numpy blocks of 1024 through a
             queue.Queue.
Each cell is a fresh process (unpinned); repetitions are the outer loop, so
machine noise hits the settings alike; the table shows medians. The Cython
loops (bench/typed/typed_ext.pyx, and examples/pipeline for the pipeline's
stages) and the Go program (bench/typed/w4.go) are built into
bench/typed/_build on first use; a missing Cython, C
compiler or Go toolchain skips what needs it, with a line saying so.

    python -m bench.typed [--reps 3] [--scale 1.0]
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.path.join(HERE, "_build", sysconfig.get_config_var("SOABI") or "py")

SETUP = """
import os, gmp
from setuptools import setup, Extension
from Cython.Build import cythonize
setup(name="typed_ext", ext_modules=cythonize(
    [Extension(m, [m + ".pyx"], include_dirs=[gmp.get_include()]) for m in ("typed_ext", "pipeline")],
    include_path=[os.path.dirname(os.path.dirname(gmp.__file__))], quiet=True))
"""
SOURCES = [os.path.join(HERE, "typed_ext.pyx"), os.path.join(ROOT, "examples", "pipeline", "pipeline.pyx")]


def build_ext():
    """Builds typed_ext and the example pipeline in BUILD (again when a
    source changed); returns an error line or None."""
    os.makedirs(BUILD, exist_ok=True)
    built = [os.path.join(BUILD, f) for f in os.listdir(BUILD) if f.endswith(".so")]
    if len(built) == 2 and min(map(os.path.getmtime, built)) >= max(map(os.path.getmtime, SOURCES)):
        return None
    for src in SOURCES:
        shutil.copy(src, BUILD)
    with open(os.path.join(BUILD, "setup.py"), "w") as f:
        f.write(SETUP)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT] + sys.path))
    r = subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace", "-q"], cwd=BUILD,
                       env=env, capture_output=True, text=True)
    if r.returncode != 0:
        return "typed_ext did not build: " + (r.stderr.strip().splitlines() or ["?"])[-1]
    return None


def build_go():
    go = shutil.which("go")
    if go is None:
        return None, "no Go toolchain (go) on PATH: Go's W4a/W4b skipped"
    out = os.path.join(BUILD, "w4")
    src = os.path.join(HERE, "w4.go")
    os.makedirs(BUILD, exist_ok=True)
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(src):
        r = subprocess.run([go, "build", "-o", out, src], capture_output=True, text=True,
                           env=dict(os.environ, GOCACHE=os.path.join(BUILD, "gocache"),
                                    GO111MODULE="off"))
        if r.returncode != 0:
            return None, "go build failed: " + r.stderr.strip()[-200:]
    return out, None


CHILD = r"""
import json, sys, time, threading, queue
sys.path.insert(0, sys.argv[1])
import numpy as np
import gmp, typed_ext as X, pipeline as E
cell, scale = sys.argv[2], float(sys.argv[3])
out = {}
if cell == "w4a":
    n = int(2_000_000 * scale)
    c = gmp.chan(1024, dtype="i8")
    X.w4a(c, n // 10)
    out["ns"] = min(X.w4a(c, n) for _ in range(5))
elif cell == "w4b":
    n = int(2_000_000 * scale)
    best = 1e18
    for _ in range(3):
        gmp.sleep(0.05)
        c = gmp.chan(128, dtype="i8")
        t = time.perf_counter()
        gmp.go(X.produce, c, n)
        k, s = X.consume(c)
        d = time.perf_counter() - t
        assert (k, s) == (n, n * (n - 1) // 2), (k, s)
        best = min(best, d / n * 1e9)
    out["ns"] = best
elif cell == "bulk":
    n = int(8 * 1024 * 1024 * scale)             # float64s: 64 MB at scale 1
    src = np.random.default_rng(1).random(n)
    dst = np.empty(n)
    best = cbest = 1e18
    for _ in range(3):
        c = gmp.chan(4096, dtype="f8")
        t = time.perf_counter()
        gmp.go(lambda: (c.send_array(src), c.close()))
        k = c.recv_into(dst)
        d = time.perf_counter() - t
        assert k == n and (dst == src).all()
        best = min(best, d)
        t = time.perf_counter()
        np.copyto(dst, src)
        cbest = min(cbest, time.perf_counter() - t)
    out["gbs"] = n * 8 / best / 1e9
    out["memcpy_gbs"] = n * 8 / cbest / 1e9
elif cell in ("pipe", "pipe-threads", "serial"):
    n, rounds = int(200_000 * scale), 400
    exp = E.expected(n, rounds)
    best = 1e18
    for _ in range(3):
        gmp.sleep(0.05)         # the last run's Ms finish and go idle (hand-offs go to idle Ps)
        t = time.perf_counter()
        if cell == "pipe":
            c = gmp.chan(1024, dtype="f8")
            res = gmp.chan(1)
            gmp.go(lambda: res.send(E.consume(c, rounds)))
            gmp.go(E.produce, c, n, rounds)
            got = res.recv()
        elif cell == "serial":
            got = E.expected(n, rounds)
        else:
            q = queue.Queue(maxsize=8)
            B = 1024
            def one():
                for start in range(0, n, B):
                    blk = np.empty(min(B, n - start))
                    X.block1(blk, start, rounds)
                    q.put(blk)
                q.put(None)
            acc = [0.0]
            def two():
                while True:
                    blk = q.get()
                    if blk is None:
                        break
                    acc[0] += X.block2(blk, rounds)
            ts = [threading.Thread(target=one), threading.Thread(target=two)]
            [x.start() for x in ts]
            [x.join() for x in ts]
            got = acc[0]
        d = time.perf_counter() - t
        assert abs(got - exp) <= 1e-9 * abs(exp), (got, exp)
        best = min(best, d)
    out["s"] = best
    out["ns_per_elem"] = best / n * 1e9
print(json.dumps(out))
"""


def cell(name, procs, scale):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT] + [p for p in sys.path if p]))
    env.pop("GMPDEBUG", None)
    if procs is None:
        env.pop("GOMAXPROCS", None)
    else:
        env["GOMAXPROCS"] = str(procs)
    r = subprocess.run([sys.executable, "-c", CHILD, BUILD, name, str(scale)], env=env,
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError("%s at GOMAXPROCS=%s failed:\n%s" % (name, procs, r.stderr[-2000:]))
    return json.loads(r.stdout.strip().splitlines()[-1])


def gocell(gobin, procs, scale):
    r = subprocess.run([gobin, str(int(2_000_000 * scale))], capture_output=True, text=True,
                       env=dict(os.environ, GOMAXPROCS=str(procs)), timeout=300)
    if r.returncode != 0:
        raise RuntimeError("w4 failed: " + r.stderr[-500:])
    return json.loads(r.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--scale", type=float, default=1.0)
    a = ap.parse_args()
    try:
        import numpy  # noqa: F401
    except ImportError:
        print("bench.typed: SKIP (typed channels need numpy, which is not installed)")
        return
    err = build_ext()
    if err:
        print("bench.typed: SKIP (%s)" % err)
        return
    gobin, goerr = build_go()
    print("python %s, %s, %d CPUs, %d reps (medians; each cell a fresh process)"
          % (platform.python_version(), platform.machine(), os.cpu_count(), a.reps))
    if goerr:
        print("  " + goerr)
    cells = [("w4a", 1), ("w4b", 1), ("w4b", 2), ("bulk", 1), ("bulk", 2),
             ("pipe", 1), ("pipe", 2), ("pipe-threads", None), ("serial", None)]
    res = {c: [] for c in cells}
    gores = {1: [], 2: []}
    for _ in range(a.reps):
        for c in cells:
            res[c].append(cell(c[0], c[1], a.scale))
        if gobin:
            for p in (1, 2):
                gores[p].append(gocell(gobin, p, a.scale))

    def med(c, key):
        return statistics.median(r[key] for r in res[c])

    def gomed(p, key):
        return statistics.median(r[key] for r in gores[p]) if gores[p] else None

    def vs(ours, theirs):
        return "%.2fx Go" % (ours / theirs) if theirs else "Go n/a"

    print("\n  %-34s %12s %12s  %s" % ("", "gmp", "Go 1.x", "gmp / Go"))
    g = gomed(1, "w4a")
    print("  %-34s %9.1f ns %9s ns  %s" % ("W4a-typed (ns per pair, 1 P)", med(("w4a", 1), "ns"),
                                           "%.1f" % g if g else "-", vs(med(("w4a", 1), "ns"), g)))
    for p in (1, 2):
        g = gomed(p, "w4b")
        print("  %-34s %9.1f ns %9s ns  %s" % ("W4b-typed (ns per item, %d P)" % p,
                                               med(("w4b", p), "ns"), "%.1f" % g if g else "-",
                                               vs(med(("w4b", p), "ns"), g)))
    print("\n  %-34s %10s %12s %10s" % ("bulk: 64 MB float64, chan(4096)", "GB/s", "memcpy GB/s",
                                         "fraction"))
    for p in (1, 2):
        gbs, mc = med(("bulk", p), "gbs"), med(("bulk", p), "memcpy_gbs")
        print("  %-34s %10.2f %12.2f %10.2f" % ("send_array/recv_into, %d P" % p, gbs, mc, gbs / mc))
    p1, p2 = med(("pipe", 1), "s"), med(("pipe", 2), "s")
    th, se = med(("pipe-threads", None), "s"), med(("serial", None), "s")
    print("\n  %-34s %10s %12s" % ("pipeline: 2 nogil stages", "seconds", "ns/element"))
    for label, s in (("gmp, GOMAXPROCS=1", p1), ("gmp, GOMAXPROCS=2", p2),
                     ("2 threads + queue.Queue of blocks", th), ("one loop, no pipeline", se)):
        print("  %-34s %10.3f %12.1f" % (label, s, s / (200_000 * a.scale) * 1e9))
    print("  GOMAXPROCS=2 / 1: %.2fx faster; gmp at 2 Ps / threads: %.2fx faster" % (p1 / p2, th / p2))


if __name__ == "__main__":
    main()
