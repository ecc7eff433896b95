import pytest

import gmp


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
