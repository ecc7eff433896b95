"""Run by tests/test_schedtrace.py::test_blockwarn_quiet_when_goroutines_yield
in a subprocess; that test checks its output."""
import gmp
done = gmp.chan()
def polite():
    for _ in range(60):
        gmp.sleep(0.005)
    done.send(1)
gmp.go(polite)
done.recv()
