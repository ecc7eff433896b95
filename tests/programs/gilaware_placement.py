"""Run by tests/test_gilaware.py in a subprocess (GOMAXPROCS=2); that test
checks its output: on how many threads the goroutines of argv[1]'s
workload ran, then the scheduler's counters (gmp._core._schedstats()).

  python   64 goroutines that only run Python and park on channels, made
           by a main goroutine that waits for them by parking
  busy     16 goroutines queued while the main goroutine runs Python for
           0.3 s without parking: sysmon's GIL retakes find the GIL held
  release  8 goroutines queued while the main goroutine sits in
           time.sleep (a C call that releases the GIL) without parking,
           4 of them doing the same: a GIL retake moves work to P1"""
import json, sys, threading, time
import gmp

what = sys.argv[1]
idents = set()
wg = gmp.WaitGroup()


def pingpong(a, b):
    idents.add(threading.get_ident())
    for i in range(200):
        a.send(i)
        b.recv()
    wg.done()


def echo(a, b):
    idents.add(threading.get_ident())
    for v in a:
        b.send(v)


def sleeper(i):
    idents.add(threading.get_ident())
    if i % 2:
        time.sleep(0.05)
    wg.done()


if what == "python":
    for _ in range(32):
        a, b = gmp.chan(), gmp.chan()
        wg.add(1)
        gmp.go(pingpong, a, b)
        gmp.go(echo, a, b)
    wg.wait()
elif what == "busy":
    wg.add(16)
    for i in range(16):
        gmp.go(lambda: (idents.add(threading.get_ident()), wg.done()))
    t = time.perf_counter()
    while time.perf_counter() - t < 0.3:
        pass
    wg.wait()
elif what == "release":
    wg.add(8)
    for i in range(8):
        gmp.go(sleeper, i)
    deadline = time.monotonic() + 20
    while len(idents) < 2 and time.monotonic() < deadline:
        time.sleep(0.001)
    wg.wait()
print(len(idents))
print(json.dumps(gmp._core._schedstats()))
