"""Every ```python block of README.md runs, as a whole program, and prints
what the README says or implies it prints."""
import os
import re
import subprocess
import sys

import pytest

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")

# What each block prints, in README order. A new block needs a line here:
# test_every_block_is_listed fails until it has one.
EXPECTED = [
    "999000",           # the worker pool: 2 * sum(range(1000))
    "1000000 499999500000.0",   # typed channels: send_array, recv_into
    "answer",           # cancellation and timeouts: fetch answers within 2 s
    "100",              # ErrGroup: every URL fetched
    "b'hello'",         # the echo server and its client
    "",                 # gmp.monkey.patch_all()
]


def blocks():
    with open(README, encoding="utf-8") as f:
        text = f.read()
    return re.findall(r"^```python\n(.*?)^```$", text, re.S | re.M)


def test_every_block_is_listed():
    assert len(blocks()) == len(EXPECTED)


@pytest.mark.parametrize("i", range(len(EXPECTED)))
def test_block_runs(i, tmp_path):
    src = blocks()[i]
    prog = tmp_path / ("readme_block_%d.py" % (i + 1))
    prog.write_text(src)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    env.pop("GOMAXPROCS", None)
    r = subprocess.run([sys.executable, str(prog)], capture_output=True, text=True,
                       timeout=60, cwd=str(tmp_path), env=env)
    assert r.returncode == 0, "block %d:\n%s\nstderr:\n%s" % (i + 1, src, r.stderr)
    assert r.stdout.strip() == EXPECTED[i], r.stdout
    assert r.stderr == ""
