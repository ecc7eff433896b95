"""Run by tests/test_exit.py::test_recover_with_try
in a subprocess; that test checks its output."""
import gmp
out = gmp.chan(1)
def f():
    try:
        gmp.chan(0).close(); gmp.nilchan.close()
    except gmp.Panic as e:
        out.send(str(e))
gmp.go(f)
print(out.recv())
