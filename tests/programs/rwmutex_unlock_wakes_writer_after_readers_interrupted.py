"""Run by tests/test_rwmutex_interrupt.py::
test_unlock_wakes_a_writer_when_the_waiting_readers_were_interrupted (GOMAXPROCS=1)."""
import gmp
from gmp import _core
from rwmutex_prelude import rw, ready, done, waiting

def writer2():
    rw.lock()
    rw.unlock()
    done.send("writer2 done")

def writer1():
    rw.lock()
    ready.send(None)
    gmp.go(writer2)
    while not (waiting("sync.RWMutex.RLock") and waiting("sync.RWMutex.Lock")):
        gmp.sleep(0.001)
    _core._sigint(2, None)
    rw.unlock()

gmp.go(writer1)
ready.recv()
try:
    rw.rlock()
    print("rlock returned")
except KeyboardInterrupt:
    print("interrupted")
print(done.recv())
