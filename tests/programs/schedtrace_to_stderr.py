"""Run by tests/test_schedtrace.py::test_sysmon_prints_schedtrace_to_stderr
in a subprocess; that test checks its output."""
import time, gmp
block = gmp.chan()
for _ in range(4):
    gmp.go(block.recv)
gmp.sleep(0.35)
block.close()
print("done")
