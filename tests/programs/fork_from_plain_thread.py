"""Run by tests/test_fork.py::test_fork_from_plain_thread
in a subprocess; argv[1] is GOMAXPROCS."""
from fork_prelude import *

box = []
def t():
    pid = os.fork()
    if pid == 0:
        childwork("child")
        os._exit(0)
    box.append(pid)
th = threading.Thread(target=t)
th.start()
th.join()
say("parent", reap(box[0]), settle(3))
