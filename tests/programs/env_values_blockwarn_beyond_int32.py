"""Run by tests/test_env_values.py::test_blockwarn_beyond_int32_reports_no_hog
in a subprocess; that test checks its output."""
import gmp, time
def hog():
    t = time.monotonic()
    while time.monotonic() - t < 0.5:
        pass
done = gmp.chan()
gmp.go(lambda: (hog(), done.send(1)))
done.recv()
print("ok")
