"""Run by tests/test_fork.py::test_dropped_goroutines_do_not_exist_in_the_child
in a subprocess; argv[1] is GOMAXPROCS."""
from fork_prelude import *

unbuf, sel, mu, wg = gmp.chan(), gmp.chan(), gmp.Mutex(), gmp.WaitGroup()
wg.add(3)
def receiver():
    try:
        say("recv", unbuf.recv(), os.getpid())
    finally:
        say("finally", os.getpid())
        wg.done()
def selecter():
    say("select", gmp.select(gmp.nilchan.recv, sel.recv), os.getpid())
    wg.done()
def locker():
    mu.lock()
    say("locked", os.getpid())
    mu.unlock()
    wg.done()
mu.lock()
for f in (receiver, selecter, locker):
    gmp.go(f)
while gmp._chan._recvq_len(unbuf) < 1 or gmp._chan._recvq_len(sel) < 1 or \
        "sync.Mutex.Lock" not in gmp.runtime.stack(all=True):
    gmp.sleep(0.001)
pid = os.fork()
if pid == 0:
    say("child", gmp.runtime.num_goroutine())
    say("child", gmp.select((unbuf.send, "x"), (sel.send, "y"), gmp.default))
    mu.unlock()                 # no waiter to hand it to
    say("child relock", mu.try_lock())
    os._exit(0)
say("parent", reap(pid), os.getpid())
unbuf.send("p")
sel.send("q")
mu.unlock()
wg.wait()
