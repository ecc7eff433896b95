"""Run by tests/test_rwmutex_interrupt.py::
test_a_writer_that_stops_waiting_lets_the_readers_behind_it_in (GOMAXPROCS=1)."""
import gmp
from gmp import _core
from rwmutex_prelude import rw, ready, done, waiting

def reader2():
    rw.rlock()
    rw.runlock()
    done.send("reader2 done")

def reader1():
    rw.rlock()
    ready.send(None)
    while not waiting("sync.RWMutex.Lock"):
        gmp.sleep(0.001)
    gmp.go(reader2)
    while not waiting("sync.RWMutex.RLock"):
        gmp.sleep(0.001)
    _core._sigint(2, None)
    print(done.recv())
    rw.runlock()
    done.send("reader1 done")

gmp.go(reader1)
ready.recv()
try:
    rw.lock()
    print("lock returned")
except KeyboardInterrupt:
    print("interrupted")
print(done.recv())
rw.lock()                   # every read lock was released
rw.unlock()
