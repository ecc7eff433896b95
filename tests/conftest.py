import pytest

import gmp


@pytest.fixture
def procs():
    """Runs the test with the GOMAXPROCS it sets, restoring the old value."""
    old = gmp.runtime.gomaxprocs()
    yield gmp.runtime.gomaxprocs
    gmp.runtime.gomaxprocs(old)
