"""Run by tests/test_sched.py::test_gomaxprocs_env in a subprocess: prints
the GOMAXPROCS the runtime took from the environment."""
import gmp; print(gmp.runtime.gomaxprocs())
