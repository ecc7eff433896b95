"""Run by tests/test_fuzz_env_pprof.py::test_fuzz_environment_never_fails_start_up
in a subprocess under a generated environment: three goroutines send on a
channel; prints 6."""
import gmp
c = gmp.chan()
def worker(n):
    gmp.sleep(0.001)
    c.send(n * 2)
for i in range(3):
    gmp.go(worker, i)
print(sum(c.recv() for _ in range(3)))
