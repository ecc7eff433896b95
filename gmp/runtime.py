"""gmp.runtime: Go's runtime package (the parts that make sense in Python)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from gmp._core import (
    gomaxprocs as gomaxprocs,
    num_goroutine as num_goroutine,
    num_cpu as num_cpu,
    gosched as gosched,
    goexit as goexit,
    stack as stack,
    run as run,
    read_mem_stats as read_mem_stats,
    in_goroutine as in_goroutine,
    _schedlat as _schedlat, _schedlat_bounds, _schedstats, _threads,
)

if TYPE_CHECKING:
    from typing import TypedDict

    # what metrics() returns: Go's runtime/metrics names and their values
    _Metrics = TypedDict("_Metrics", {
        "/sched/goroutines:goroutines": int,
        "/sched/gomaxprocs:threads": int,
        "/sched/latencies:seconds": "Float64Histogram",
        "/gmp/sched/threads:threads": int,
        "/gmp/sched/mwakes:events": int,
        "/gmp/sched/wakeps:events": int,
        "/gmp/sched/steals:events": int,
        "/gmp/sched/gilretakes:events": int,
        "/gmp/sched/gilretakes-ok:events": int,
        "/gmp/sched/mswitches:events": int,
    })

__all__ = ["gomaxprocs", "num_goroutine", "num_cpu", "gosched", "goexit", "stack", "run",
           "metrics", "Float64Histogram", "read_mem_stats", "in_goroutine"]


class Float64Histogram:
    """Go's metrics.Float64Histogram: counts[i] values fell in
    [buckets[i], buckets[i+1]); len(buckets) == len(counts) + 1."""

    __slots__ = ("counts", "buckets")

    counts: list[int]
    buckets: list[float]

    def __init__(self, counts: list[int], buckets: list[float]) -> None:
        self.counts = counts
        self.buckets = buckets

    def __repr__(self) -> str:
        return "Float64Histogram(total=%d)" % sum(self.counts)


def metrics() -> _Metrics:
    """A snapshot of the runtime's metrics, a dict keyed by Go's
    runtime/metrics names::

        /sched/goroutines:goroutines   goroutines alive
        /sched/gomaxprocs:threads      GOMAXPROCS
        /sched/latencies:seconds       Float64Histogram of the time goroutines
                                       spent runnable before they ran (one
                                       transition in 8 is timed, as in Go)
        /gmp/sched/threads:threads     OS threads of the runtime (Ms and sysmon)
        /gmp/sched/mwakes:events       parked Ms woken by another thread
        /gmp/sched/wakeps:events       Ms woken or started to look for work
        /gmp/sched/steals:events       run-queue steals (half a queue each)
        /gmp/sched/gilretakes:events   idle Ms woken to take work from a P
                                       whose M left the GIL for long
                                       (GIL-aware scheduling, DESIGN.md)
        /gmp/sched/gilretakes-ok:events  ... that found the GIL free and stole
        /gmp/sched/mswitches:events    scheduling rounds on another M than the
                                       round before (the GIL moved threads)
    """
    counts, _ = _schedlat()
    st = _schedstats()
    return {
        "/sched/goroutines:goroutines": num_goroutine(),
        "/sched/gomaxprocs:threads": gomaxprocs(),
        "/sched/latencies:seconds": Float64Histogram(counts, _schedlat_bounds()),
        "/gmp/sched/threads:threads": _threads(),
        "/gmp/sched/mwakes:events": st["mwakes"],
        "/gmp/sched/wakeps:events": st["wakeps"],
        "/gmp/sched/steals:events": st["steals"],
        "/gmp/sched/gilretakes:events": st["gilretakes"],
        "/gmp/sched/gilretakes-ok:events": st["gilretakes_ok"],
        "/gmp/sched/mswitches:events": st["mswitches"],
    }
