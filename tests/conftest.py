import os
import subprocess
import sys
import textwrap
import time

import pytest

import gmp
from gmp import _chan


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


def run_py(code, env=None, timeout=60, flags=()):
    """Runs code in a fresh interpreter (with the interpreter flags given,
    e.g. ("-X", "dev")); returns CompletedProcess."""
    e = dict(os.environ)
    e.pop("GOMAXPROCS", None)
    if env:
        e.update(env)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    e["PYTHONPATH"] = os.pathsep.join([p for p in sys.path if p] + [root])
    return subprocess.run([sys.executable, *flags, "-c", textwrap.dedent(code)], env=e,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def procs():
    """Runs the test with the GOMAXPROCS it sets, restoring the old value."""
    old = gmp.runtime.gomaxprocs()
    yield gmp.runtime.gomaxprocs
    gmp.runtime.gomaxprocs(old)
