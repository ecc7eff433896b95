"""pytest-benchmark cases for the anchor workloads on gmp (and raw greenlet
for the switch floor). Run: python -m pytest bench/ --benchmark-only"""
import pytest

from bench import workloads as w

pytest.importorskip("pytest_benchmark")


@pytest.mark.parametrize("name,fn,n", [
    ("W1 spawn", w.gmp_w1, 20_000),
    ("W3 ping-pong", w.gmp_w3, 20_000),
    ("W3 raw greenlet", w.greenlet_w3, 20_000),
    ("W4a buffered send+recv", w.gmp_w4a, 100_000),
    ("W4b producer/consumer", w.gmp_w4b, 100_000),
    ("W5 refill+select", w.gmp_w5, 50_000),
    ("W6 worker pool", w.gmp_w6, 20_000),
])
def test_workload(benchmark, name, fn, n):
    if fn is w.gmp_w1:
        benchmark.pedantic(fn, args=(n, 10_000), rounds=5, iterations=1)
    else:
        benchmark.pedantic(fn, args=(n,), rounds=5, iterations=1)
