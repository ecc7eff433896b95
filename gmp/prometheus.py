"""gmp.prometheus: the runtime's metrics for prometheus_client, under the
names Go's client_golang uses (go_goroutines, go_threads,
go_sched_gomaxprocs_threads, go_sched_latencies_seconds). Registered
once::

    import gmp.prometheus
    gmp.prometheus.register()       # on prometheus_client's default registry

Needs the optional prometheus_client package.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from gmp import runtime as _runtime

if TYPE_CHECKING:
    from prometheus_client.registry import CollectorRegistry
    from prometheus_client.metrics_core import Metric

__all__ = ["GMPCollector", "register"]


class GMPCollector:
    """A prometheus_client collector reading gmp.runtime.metrics() per scrape."""

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
        m = _runtime.metrics()
        yield GaugeMetricFamily("go_goroutines", "Number of goroutines that currently exist.",
                                value=m["/sched/goroutines:goroutines"])
        yield GaugeMetricFamily("go_threads", "Number of OS threads created.",
                                value=m["/gmp/sched/threads:threads"])
        yield GaugeMetricFamily("go_sched_gomaxprocs_threads",
                                "The current runtime.GOMAXPROCS setting, or the number of "
                                "operating system threads that can execute user-level Go code "
                                "simultaneously.", value=m["/sched/gomaxprocs:threads"])
        h = m["/sched/latencies:seconds"]
        _, total_ns = _runtime._schedlat()
        buckets, cum = [], 0
        for count, upper in zip(h.counts, h.buckets[1:]):
            cum += count
            buckets.append(("+Inf" if upper == float("inf") else repr(upper), cum))
        yield HistogramMetricFamily(
            "go_sched_latencies_seconds",
            "Distribution of the time goroutines have spent in the scheduler in a runnable "
            "state before actually running.", buckets=buckets, sum_value=total_ns / 1e9)


def register(registry: CollectorRegistry | None = None) -> GMPCollector:
    """Registers a GMPCollector (on prometheus_client's REGISTRY by default)
    and returns it."""
    if registry is None:
        from prometheus_client import REGISTRY as registry
    c = GMPCollector()
    registry.register(c)  # type: ignore[union-attr]  # REGISTRY when None was given
    return c
