"""Hostile values for gmp.runtime: Go's argument types, clear errors."""
import pytest

import gmp
from gmptest import run_program


def test_gomaxprocs_takes_only_ints():
    before = gmp.runtime.gomaxprocs()
    for bad in (1.5, 2.0, "2", b"2", True, False, None, [2]):
        with pytest.raises(TypeError, match="^gomaxprocs: n must be an int, not "):
            gmp.runtime.gomaxprocs(bad)      # 1.5 used to become 1
    assert gmp.runtime.gomaxprocs() == before


def test_gomaxprocs_nonpositive_only_reads_whatever_its_size():
    before = gmp.runtime.gomaxprocs()
    for n in (0, -1, -(2 ** 31), -(10 ** 30)):  # -10**30 used to be an OverflowError
        assert gmp.runtime.gomaxprocs(n) == before
    assert gmp.runtime.gomaxprocs() == before


def test_gomaxprocs_huge_is_the_runtime_maximum():
    # in a fresh interpreter: it leaves MAXPROCS Ps behind
    r = run_program("runtime_values_gomaxprocs_huge.py")
    assert r.returncode == 0, r.stderr[-2000:]
    top = int(r.stdout.split()[0])
    assert r.stdout.split() == [str(top), "2", str(top), str(top), "1", "True"]
