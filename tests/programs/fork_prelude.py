"""Imported first (from fork_prelude import *) by the programs of
tests/test_fork.py: sets GOMAXPROCS to argv[1], keeps the other Ps busy
with a producer/consumer pair (unless the program set BUSY = False before),
and defines say, childwork (what a forked child checks), settle and reap."""
import faulthandler, os, sys, threading, time, warnings
faulthandler.dump_traceback_later(40, exit=True)
# 3.12+ warns on any fork of a multi-threaded process; the Ms are threads
warnings.filterwarnings("ignore", "This process .* is multi-threaded", DeprecationWarning)
import gmp, gmp.net
NPROCS = int(sys.argv[1])       # the program's first argument
gmp.runtime.gomaxprocs(NPROCS)
MAIN = threading.get_ident()

def say(*a):
    # one write(2) per line: goroutines on several Ms print at once
    os.write(1, (" ".join(map(str, a)) + "\n").encode())

# a producer/consumer pair that keeps the other Ps busy across the fork
pc, pcount, pause = gmp.chan(4), [0], [False]
def producer():
    while True:
        if pause[0]:
            gmp.sleep(0.001)
        else:
            pc.send(1)
def consumer():
    while True:
        pcount[0] += pc.recv()
if getattr(sys.modules["__main__"], "BUSY", True):     # the program may set BUSY = False first
    gmp.go(producer)
    gmp.go(consumer)
    while pcount[0] < 1000:
        gmp.sleep(0.001)

def childwork(tag):
    # new goroutines and an unbuffered ping-pong
    ping, pong = gmp.chan(), gmp.chan()
    def player():
        for v in ping:
            pong.send(v + 1)
    gmp.go(player)
    n = 0
    for _ in range(200):
        ping.send(n)
        n = pong.recv()
    ping.close()
    # sleeps, timers, select
    gmp.sleep(0.002)
    i, _ = gmp.select(gmp.nilchan.recv, gmp.after(0.002).recv)
    # a loopback dial/accept through the child's own poller
    ln = gmp.net.listen("tcp", "127.0.0.1:0")
    def serve():
        with ln.accept() as c:
            c.write(c.read(5).upper())
    gmp.go(serve)
    with gmp.net.dial("tcp", str(ln.addr), timeout=10) as c:
        c.write(b"hello")
        echo = c.read(5)
    ln.close()
    # a syscall helper (new in the child)
    s = gmp.syscall(lambda: 7 * 6)
    settle(1)                   # every goroutine but this one has ended
    # the deadlock detector sees this goroutine alone
    try:
        gmp.chan().recv()
        dl = "no deadlock"
    except gmp.Deadlock as e:
        dl = str(e)
    say(tag, n, i, echo.decode(), s, gmp.runtime.num_goroutine(), dl)

def settle(n):
    # the goroutine count once short-lived goroutines have ended (a probe)
    deadline = time.monotonic() + 10
    while gmp.runtime.num_goroutine() != n and time.monotonic() < deadline:
        gmp.sleep(0.001)
    return gmp.runtime.num_goroutine()

def reap(pid, busy=True):
    # the parent keeps running goroutines while it waits for the child
    before = pcount[0]
    _, st = gmp.syscall(os.waitpid, pid, 0)
    while busy and pcount[0] < before + 1000:
        gmp.sleep(0.001)
    return os.waitstatus_to_exitcode(st)
