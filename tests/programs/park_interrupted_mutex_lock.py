"""Run by tests/test_park_protocol.py::test_interrupted_park_on_a_mutex_hands_nothing_over
in a subprocess; that test checks its output."""
import os, signal, threading, time, gmp
mu = gmp.Mutex()
mu.lock()
def kill_when_parked():
    while "sync.Mutex.Lock" not in gmp.runtime.stack(all=True):
        time.sleep(0.001)
    os.kill(os.getpid(), signal.SIGINT)
threading.Thread(target=kill_when_parked).start()
def holder():
    gmp.sleep(0.3)
    mu.unlock()
gmp.go(holder)
try:
    gmp.Mutex.lock(mu)
    print("locked?")
except KeyboardInterrupt:
    print("interrupted")
gmp.sleep(0.5)              # holder unlocked: the mutex is free again
print(mu.try_lock())
