"""Run by tests/test_crash_hooks.py::test_default_hooks_print_nothing_twice
in a subprocess: the default hooks, then a goroutine panics."""
import gmp
done = gmp.chan()
def boom():
    raise ValueError("bad thing")
gmp.go(boom)
done.recv()
