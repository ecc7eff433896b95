"""Run by tests/test_dump.py::test_sigquit_dumps_every_goroutine_and_exits_2 and
test_sigquit_with_gotraceback_none_prints_no_stacks in a subprocess: two
goroutines and main park, then a goroutine sends the process SIGQUIT."""
import gmp, os, signal
c = gmp.chan()
def sigquit_waiter():
    c.recv()
for _ in range(2):
    gmp.go(sigquit_waiter)
gmp.sleep(0.01)
gmp.go(lambda: os.kill(os.getpid(), signal.SIGQUIT))
c.recv()
