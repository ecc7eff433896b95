"""python -m gmp.demo: a worker pool on several Ps.

A producer feeds jobs to a pool of goroutines over a buffered channel; each
job hashes a block (hashlib releases the GIL, so several Ps overlap) and a
collector sums the results. Prints GOMAXPROCS, the goroutine count and the
throughput. Try GOMAXPROCS=1 vs GOMAXPROCS=2.

    python -m gmp.demo [njobs [nworkers]]
    python -m gmp.demo --seconds 3          # keep producing for 3 s

With GODEBUG=schedtrace=1000 (and no job count) it runs for 3 seconds, so
the scheduler trace sysmon prints every second shows the pool at work.
"""
from __future__ import annotations

import hashlib
import os
import sys
import time

import gmp
import gmp._core
from gmp import runtime


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    seconds = 0.0
    if "--seconds" in argv:
        i = argv.index("--seconds")
        seconds = float(argv[i + 1])
        del argv[i:i + 2]
    elif not argv and gmp._core._debugvars()["schedtrace"] > 0:
        seconds = 3.0
    njobs = int(argv[0]) if argv else 2000
    nworkers = int(argv[1]) if len(argv) > 1 else 16
    if "GOMAXPROCS" not in os.environ:
        runtime.gomaxprocs(min(4, runtime.num_cpu()))
    block = os.urandom(256 * 1024)
    jobs: gmp.chan[int] = gmp.chan(128)
    results: gmp.chan[int] = gmp.chan(128)
    wg = gmp.WaitGroup()

    def worker() -> None:
        for j in jobs:
            results.send(hashlib.sha256(block + j.to_bytes(4, "little")).digest()[0])
        wg.done()

    def producer() -> None:
        if seconds > 0:
            deadline = time.monotonic() + seconds
            j = 0
            while time.monotonic() < deadline:
                jobs.send(j)
                j += 1
        else:
            for j in range(njobs):
                jobs.send(j)
        jobs.close()

    t0 = time.perf_counter()
    wg.add(nworkers)
    for _ in range(nworkers):
        gmp.go(worker)
    gmp.go(producer)
    def closer() -> None:
        wg.wait()
        results.close()

    gmp.go(closer)
    live = runtime.num_goroutine()
    total = 0
    n = 0
    for v in results:
        total += v
        n += 1
    dt = time.perf_counter() - t0
    print("GOMAXPROCS=%d goroutines=%d (peak) workers=%d jobs=%d" % (
        runtime.gomaxprocs(), live, nworkers, n))
    print("throughput: %.0f jobs/s (%.1f MB/s hashed), checksum %d" % (
        n / dt, n * len(block) / dt / 1e6, total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
