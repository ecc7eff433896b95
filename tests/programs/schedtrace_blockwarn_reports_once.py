"""Run by tests/test_schedtrace.py::test_blockwarn_reports_a_goroutine_holding_its_p_once
in a subprocess; that test checks its output."""
import gmp, time
def hog():
    t = time.monotonic()
    while time.monotonic() - t < 0.4:
        pass
def polite():
    for _ in range(40):
        gmp.sleep(0.005)
done = gmp.chan(2)
gmp.go(lambda: (hog(), done.send(1)))
gmp.go(lambda: (polite(), done.send(2)))
done.recv(); done.recv()
print("ok")
