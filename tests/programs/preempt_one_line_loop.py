"""Run by tests/test_preempt.py::test_one_line_loop_is_preempted in a subprocess
(GOMAXPROCS=1): argv[1] is the source of spin(), a loop written on one line,
which runs beside a goroutine that must still finish."""
import sys
import gmp
from gmp import _core
exec(sys.argv[1])                   # defines spin()
done = gmp.chan()
def other():
    for i in range(3):
        gmp.sleep(0.001)
    done.send("finished")
gmp.go(spin)
gmp.go(other)
print(done.recv(), _core._preempt_counts()[1] > 0)
