"""Run by tests/test_exit.py::test_exit_with_a_goroutine_stuck_in_a_blocking_call_does_not_wait_for_it
in a subprocess; that test checks its output."""
import threading, time, gmp
main = threading.get_ident()
stuck = []
def maybe_stuck():
    if threading.get_ident() != main:   # on another M than main's
        stuck.append(1)
        time.sleep(30)      # a direct blocking call: its M stays inside
while not stuck:
    for _ in range(4):
        gmp.go(maybe_stuck)
    gmp.sleep(0.01)
print("bye")
