"""Run by tests/test_exit.py::test_dev_mode_and_faulthandler
in a subprocess; that test checks its output."""
import faulthandler, gmp
faulthandler.enable()
a, b = gmp.chan(), gmp.chan(3)
gmp.go(lambda: [b.send(x) for x in a])
for i in range(1000):
    a.send(i); b.recv()
print("ok")
