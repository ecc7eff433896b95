"""Run by tests/test_time.py::test_huge_sleep_deadline_saturates
in a subprocess; that test checks its output."""
import gmp
done = gmp.chan(1)
gmp.go(lambda: (gmp.sleep(1e300), done.send("woke")))
gmp.sleep(0.05)
try:
    done.recv_nowait()
    print("woke early")
except gmp.WouldBlock:
    print("still asleep")
