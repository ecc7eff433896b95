"""gmp.runtime: Go's runtime package (the parts that make sense in Python)."""
from gmp._core import (
    gomaxprocs as gomaxprocs,
    num_goroutine as num_goroutine,
    num_cpu as num_cpu,
    gosched as gosched,
    goexit as goexit,
    stack as stack,
    run as run,
)

__all__ = ["gomaxprocs", "num_goroutine", "num_cpu", "gosched", "goexit", "stack", "run"]
