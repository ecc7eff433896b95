"""Run by tests/test_pytest_panic.py::test_without_a_taker_a_panic_is_gos_exit
in a subprocess: a goroutine panics with no panic hook (argv[1] "none"), a
hook that declines ("false") or a hook that raises ("raise")."""
import sys
import gmp
from gmp import _core
hook = sys.argv[1]
if hook == "false":
    _core._set_panic_hook(lambda goid, e, report: False)
elif hook == "raise":
    _core._set_panic_hook(lambda goid, e, report: 1 / 0)
gmp.go(lambda: {}["k"])
gmp.chan().recv()
