"""Run by tests/test_preempt.py::test_no_finalizer_runs_on_sysmons_thread
in a subprocess; that test checks its output."""
import gc, threading, gmp
from gmp import _core
threads = set()
class D:
    def __del__(self):
        threads.add(threading.get_ident())
def garbage():
    d = D()
    d.me = d
def spin():
    while True:
        garbage()
gc.set_threshold(1)
gmp.go(spin)
while _core._preempt_counts()[1] < 50:
    gmp.sleep(0.001)
print(threads == {threading.get_ident()})
