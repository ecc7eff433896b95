"""runtime.metrics() (Go's runtime/metrics names) and the prometheus collector."""
import pytest

import gmp
from gmp import runtime


def ping_pong(n):
    a, b = gmp.chan(), gmp.chan()

    def partner():
        for v in a:
            b.send(v)

    gmp.go(partner)
    for i in range(n):
        a.send(i)
        b.recv()
    a.close()


def test_metrics_names_and_values(procs):
    procs(2)
    ping_pong(1)                    # the runtime is started
    m = runtime.metrics()
    assert m["/sched/goroutines:goroutines"] == runtime.num_goroutine()
    assert m["/sched/gomaxprocs:threads"] == 2
    assert m["/gmp/sched/threads:threads"] >= 2
    h = m["/sched/latencies:seconds"]
    assert len(h.buckets) == len(h.counts) + 1
    assert h.buckets[0] == 0.0 and h.buckets[-1] == float("inf")
    assert all(x < y for x, y in zip(h.buckets, h.buckets[1:]))


def test_latency_histogram_counts_sampled_transitions():
    before = sum(runtime.metrics()["/sched/latencies:seconds"].counts)
    ping_pong(8000)                 # 16,000 transitions to runnable
    after = sum(runtime.metrics()["/sched/latencies:seconds"].counts)
    # one in 8 is timed: expect ~2,000 (binomial, sd ~42)
    assert 1500 < after - before < 2500, after - before


def test_prometheus_text_exposition():
    prometheus_client = pytest.importorskip("prometheus_client")
    from prometheus_client.parser import text_string_to_metric_families
    import gmp.prometheus
    reg = prometheus_client.CollectorRegistry()
    gmp.prometheus.register(reg)
    ping_pong(100)
    text = prometheus_client.generate_latest(reg).decode()
    fams = {f.name: f for f in text_string_to_metric_families(text)}
    assert fams["go_goroutines"].samples[0].value == runtime.num_goroutine()
    assert fams["go_sched_gomaxprocs_threads"].samples[0].value == runtime.gomaxprocs()
    assert fams["go_threads"].samples[0].value >= 1
    h = fams["go_sched_latencies_seconds"]
    assert h.type == "histogram"
    buckets = [s for s in h.samples if s.name == "go_sched_latencies_seconds_bucket"]
    les = [s.labels["le"] for s in buckets]
    assert les[-1] == "+Inf"
    counts = [s.value for s in buckets]
    assert counts == sorted(counts) and counts[-1] > 0        # cumulative
    (count,) = [s.value for s in h.samples if s.name == "go_sched_latencies_seconds_count"]
    assert count == counts[-1]
    assert "# TYPE go_sched_latencies_seconds histogram" in text
