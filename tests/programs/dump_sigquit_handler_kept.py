"""Run by tests/test_dump.py::test_sigquit_handler_of_the_program_is_kept
in a subprocess; that test checks its output."""
import gmp, os, signal
signal.signal(signal.SIGQUIT, lambda s, f: print("mine"))
gmp.go(lambda: None)
gmp.sleep(0.01)
os.kill(os.getpid(), signal.SIGQUIT)
gmp.sleep(0.01)
