"""Run by tests/test_fork.py::test_timers_survive_the_fork
in a subprocess; argv[1] is GOMAXPROCS."""
from fork_prelude import *

t = gmp.after(0.05)
tk = gmp.Ticker(0.01)
fired = gmp.chan(1)
gmp.after_func(0.05, lambda: fired.send("after_func"))
gmp.go(lambda: (gmp.sleep(0.05), say("sleeper woke in", os.getpid())))
pid = os.fork()
if pid == 0:
    t.recv(); tk.c.recv(); tk.c.recv()
    say("child", fired.recv())
    gmp.sleep(0.1)
    os._exit(0)
say("parent", reap(pid), fired.recv())
tk.stop()
