"""Run by tests/test_fork.py::test_fork_from_goroutine
in a subprocess; argv[1] is GOMAXPROCS."""
from fork_prelude import *

res = gmp.chan()
def forker():
    on_m0 = threading.get_ident() == MAIN
    if NPROCS > 1 and on_m0:
        res.send(None)          # landed on M0: the main goroutine tries again
        return
    pid = os.fork()
    if pid == 0:
        say("child on M0:", on_m0, "main thread:",
            threading.current_thread() is threading.main_thread())
        childwork("child")
        print("child returns")  # buffered: flushed by the exit
        return
    res.send(pid)
pause[0] = True                 # frees the pair's P: an idle M can steal forker
pid = None
for _ in range(100):
    gmp.go(forker)
    gmp.go(lambda: None)        # takes runnext: forker goes to the stealable ring
    t0 = time.monotonic()
    while time.monotonic() - t0 < 0.002:
        time.sleep(0.0002)      # P0 stays busy: an idle M steals forker
    pid = res.recv()
    if pid is not None:
        break
pause[0] = False
if pid is None:
    raise SystemExit("the forking goroutine ran on M0 in all 100 tries")
say("parent", reap(pid), settle(3))
