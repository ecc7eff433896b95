"""Run by tests/test_capi.py::test_interrupting_a_c_api_park; argv[1] is the
directory of the built capitest extension."""
import os, signal, sys, threading
sys.path.insert(0, sys.argv[1])
import capitest
import gmp
from gmp import _chan

ch = gmp.chan(0, dtype="i8")


def interrupter():
    while _chan._recvq_len(ch) == 0:       # until main is parked in the C call
        threading.Event().wait(0.001)
    os.kill(os.getpid(), signal.SIGINT)


threading.Thread(target=interrupter).start()
try:
    capitest.recv(ch)
    print("not interrupted")
except KeyboardInterrupt:
    print("KeyboardInterrupt")
print(_chan._recvq_len(ch))                 # the sudog was withdrawn
gmp.go(capitest.send, ch, 42)
v, ok = capitest.recv(ch)
print(v, ok)
