"""Run by tests/test_exit.py::test_fatal_deadlock_when_main_not_parked_in_gmp
in a subprocess; that test checks its output."""
import gmp, threading
c = gmp.chan()
def th():
    gmp.go(lambda: gmp.chan().recv())
t = threading.Thread(target=th); t.start(); t.join()
c.recv()
