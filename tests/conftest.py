import pytest

import gmp

try:
    import numpy
except ImportError:
    numpy = None


@pytest.fixture(params=[pytest.param(None, id="object"),
                        pytest.param("i8", id="typed", marks=pytest.mark.skipif(
                            numpy is None, reason="typed channels need numpy, which is not installed"))])
def dtype(request):
    """Runs the test on a channel of objects and on a typed channel of int64
    (test_chan.py, test_select.py: the semantics both kinds share)."""
    return request.param


@pytest.fixture
def zero(dtype):
    """What a closed and drained channel of that kind gives: None, or the
    dtype's zero value (Go's)."""
    return None if dtype is None else 0


@pytest.fixture
def procs():
    """Runs the test with the GOMAXPROCS it sets, restoring the old value.
    The test runs with Go's eager wakep (GIL-aware scheduling off, as with
    GMPDEBUG=gilaware=0): tests that set GOMAXPROCS exercise several Ms,
    which GIL-aware scheduling keeps idle for goroutines that only run
    Python. tests/test_gilaware.py tests that policy."""
    old = gmp.runtime.gomaxprocs()
    was = gmp._core._gilaware(False)
    try:
        yield gmp.runtime.gomaxprocs
    finally:
        gmp._core._gilaware(was)
        gmp.runtime.gomaxprocs(old)
