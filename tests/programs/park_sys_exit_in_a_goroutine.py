"""Run by tests/test_park_protocol.py::test_sys_exit_in_a_goroutine in a
subprocess: four goroutines call sys.exit(ARG), where argv[1] is ARG's
Python expression (an int, None, a str or True)."""
import sys, gmp
arg = eval(sys.argv[1])
def worker():
    sys.exit(arg)
for _ in range(4):
    gmp.go(worker)
while True:
    gmp.sleep(0.01)
