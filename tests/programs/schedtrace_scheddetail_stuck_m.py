"""Run by tests/test_schedtrace.py::test_scheddetail_marks_an_m_stuck_in_one_goroutine_blocked
in a subprocess; that test checks its output."""
import re, threading, time, gmp
from gmp import _core
seen = []                       # the goroutines M0 was seen blocked in
def watch():
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and 2 not in seen:
        m = re.search(r"M0: p=0 curg=(\d+) .*blocked=true", _core._schedtrace(True))
        if m and int(m.group(1)) not in seen:
            seen.append(int(m.group(1)))
        time.sleep(0.002)
def stuck():
    time.sleep(0.5)             # not gmp.sleep: the M blocks
gmp.go(stuck)
t = threading.Thread(target=watch)
t.start()
gmp.sleep(0.001)                # main parks, stuck runs on M0
t.join()
print(seen)
