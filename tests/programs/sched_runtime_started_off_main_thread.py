"""Run by tests/test_sched.py::test_runtime_started_off_main_thread
in a subprocess; that test checks its output."""
import gmp, threading
res = []
def th():
    ch = gmp.chan()
    gmp.go(ch.send, "from goroutine")
    res.append(ch.recv())
t = threading.Thread(target=th); t.start(); t.join(10)
print(res)
