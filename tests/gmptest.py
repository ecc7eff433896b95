"""Helpers shared by the test modules (conftest.py keeps only fixtures and
hooks). Imported as a top-level module: tests/ has no __init__.py, so
pytest's default "prepend" import mode puts the folder of conftest.py and
of each test module on sys.path; that holds as well for a copy of tests/
run from elsewhere (ci/test-wheel.sh). The name is the project's own so
that it cannot shadow an installed module."""
import os
import subprocess
import sys
import time

import gmp
from gmp import _chan

HERE = os.path.dirname(os.path.abspath(__file__))
# programs a test runs in a fresh interpreter, one file each (run_program)
PROGRAMS = os.path.join(HERE, "programs")


def wait_until(pred, timeout=10.0, what="condition"):
    """Parks the main goroutine in short sleeps until pred() holds (a probe,
    not a timing assumption); fails after timeout seconds."""
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        gmp.sleep(0.0002)


def wait_recvq(ch, n=1):
    wait_until(lambda: _chan._recvq_len(ch) >= n, what="%d receivers parked" % n)


def wait_sendq(ch, n=1):
    wait_until(lambda: _chan._sendq_len(ch) >= n, what="%d senders parked" % n)


def program(name):
    """The path of tests/programs/NAME."""
    return os.path.join(PROGRAMS, name)


def child_env(env=None):
    """The environment of a child interpreter: ours without GOMAXPROCS,
    plus env, with our sys.path (tests/ included) and the source root on
    PYTHONPATH so that the child imports the same gmp and test modules."""
    e = dict(os.environ)
    e.pop("GOMAXPROCS", None)
    if env:
        e.update(env)
    root = os.path.dirname(HERE)
    e["PYTHONPATH"] = os.pathsep.join([p for p in sys.path if p] + [root])
    return e


def run_program(name, *args, env=None, timeout=60, flags=()):
    """Runs tests/programs/NAME with args in a fresh interpreter (with the
    interpreter flags given, e.g. ("-X", "dev")); returns CompletedProcess."""
    return subprocess.run([sys.executable, *flags, program(name), *map(str, args)],
                          env=child_env(env), capture_output=True, text=True, timeout=timeout)
