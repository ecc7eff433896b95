"""Run by tests/test_preempt.py::test_preempted_goroutine_still_gets_exceptions_and_finishes
in a subprocess; that test checks its output."""
import time, gmp
from gmp import _core
out = gmp.chan(1)
def spin():
    total = 0
    try:
        t = time.monotonic()
        while time.monotonic() - t < 0.1 or _core._preempt_counts()[1] == 0:
            if time.monotonic() - t > 20:
                break
            total += 1
            try:
                if total % 100000 == 0:
                    raise ValueError(total)
            except ValueError:
                pass
    finally:
        out.send(total > 0)
gmp.go(spin)
while True:
    ok = gmp.select(out.recv, gmp.default)
    if ok[0] == 0:
        print(ok[1])
        break
    gmp.sleep(0.002)
print(_core._preempt_counts()[1] > 0)
