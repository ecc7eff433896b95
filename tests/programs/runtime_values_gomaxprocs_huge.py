"""Run by tests/test_runtime_values.py::test_gomaxprocs_huge_is_the_runtime_maximum
in a subprocess; that test checks its output."""
import gmp
gmp.runtime.gomaxprocs(300)
top = gmp.runtime.gomaxprocs(2)
print(top, gmp.runtime.gomaxprocs(10 ** 30), gmp.runtime.gomaxprocs(2 ** 31),
      gmp.runtime.gomaxprocs(1), gmp.runtime.gomaxprocs())
def main():
    gmp.runtime.gomaxprocs(10 ** 30)      # once running, too
    return gmp.runtime.gomaxprocs(1)
print(gmp.run(main) == top)
