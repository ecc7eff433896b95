"""Run by tests/test_env_values.py (run_env) in a subprocess under the
environment a test gives: the runtime starts, a goroutine runs, a channel
works; prints the values the runtime read from the environment."""
import gmp
from gmp import _core
c = gmp.chan()
gmp.go(lambda: c.send(41))
print(c.recv() + 1, _core._debugvars(), _core._traceback_level(), gmp.runtime.gomaxprocs())
