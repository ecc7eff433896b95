"""Run by tests/test_park_protocol.py::test_cond_wait_unlock_failure_passes_a_signal_on
in a subprocess; that test checks its output."""
import gmp
mu = gmp.Mutex()
cond = gmp.sync.Cond(mu)
done = gmp.chan(1)
def waiter():
    with mu:
        cond.wait()
    done.send("woken")
gmp.go(waiter)
while gmp._chan._recvq_len(done) == 0 and not mu.try_lock():
    gmp.sleep(0.001)
mu.unlock()
gmp.sleep(0.01)             # the waiter is parked in cond.wait (mu free)
try:
    gmp.sync.Cond(gmp.Mutex()).wait()
except gmp.Panic:
    pass
cond.signal()
print(done.recv())
