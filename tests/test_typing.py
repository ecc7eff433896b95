"""gmp's typing: py.typed and the stubs ship with the package; mypy --strict
passes on examples/, on tests/typing/uses_every_module.py (a program that
uses every public module, with assert_type on what a checker must infer) and
on gmp's own modules; stubtest finds the stubs true to the runtime.

The mypy checks need mypy (pip install -e ".[typing]"; ci/typing.sh does);
where it is missing they are skipped, saying so."""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import gmp

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "tests" / "typing" / "uses_every_module.py"
ALLOWLIST = ROOT / "ci" / "stubtest-allowlist.txt"

def _need_mypy():
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (pip install -e '.[typing]', or run ci/typing.sh)")


def _need_sources():
    if not PROGRAM.exists() or not (ROOT / "examples").is_dir():
        pytest.skip("the source tree (examples/, tests/typing/) is not here")


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("mypy_cache")


def _mypy(cache, *args, cwd=ROOT):
    r = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache),
         "--no-error-summary", *args],
        cwd=cwd, capture_output=True, text=True, timeout=600)
    return r.returncode, r.stdout + r.stderr


def test_the_package_ships_its_types():
    # beside gmp/__init__.py wherever gmp is imported from: in a wheel's
    # install (ci/test-wheel.sh runs this suite against one) as in the tree
    pkg = Path(gmp.__file__).parent
    for name in ("py.typed", "_core.pyi", "_chan.pyi"):
        assert (pkg / name).is_file(), name


def test_mypy_strict_examples_program_and_gmp(mypy_cache):
    _need_mypy()
    _need_sources()
    rc, out = _mypy(mypy_cache, "examples", str(PROGRAM.relative_to(ROOT)), "gmp")
    assert rc == 0, out


def test_reveal_type_of_recv_ok(mypy_cache, tmp_path):
    # issue 15's acceptance: what a checker infers for chan[int]().recv_ok()
    _need_mypy()
    prog = tmp_path / "reveal.py"
    prog.write_text(
        "import gmp\n"
        "reveal_type(gmp.chan[int]().recv_ok())\n"
        "reveal_type(gmp.select(gmp.chan[int]().recv, gmp.chan[str]().recv_ok, gmp.default))\n")
    rc, out = _mypy(mypy_cache, str(prog), cwd=ROOT)
    assert rc == 0, out
    lines = [ln for ln in out.splitlines() if "Revealed type" in ln]
    assert len(lines) == 2, out
    assert lines[0].endswith('Revealed type is "tuple[int, bool]"') or \
        lines[0].endswith('Revealed type is "tuple[builtins.int, builtins.bool]"'), out
    assert "Literal[0]" in lines[1] and "tuple[str, bool]" in lines[1].replace("builtins.", ""), out


def test_mypy_rejects_misuse(mypy_cache, tmp_path):
    # the types say something: a wrong element type, a wrong argument to the
    # goroutine's function, a send case whose value does not fit, a send
    # case without its value
    _need_mypy()
    prog = tmp_path / "misuse.py"
    prog.write_text(
        "import gmp\n"
        "c = gmp.chan[int](1)\n"
        "c.send('x')\n"                                   # line 3
        "def f(n: int) -> None: ...\n"
        "gmp.go(f, 'x')\n"                                # line 5
        "gmp.select((c.send, 'x'), gmp.default)\n"        # line 6
        "gmp.select(c.send)\n")                           # line 7
    rc, out = _mypy(mypy_cache, str(prog), cwd=ROOT)
    assert rc == 1, out
    for line in (3, 5, 6, 7):
        assert "misuse.py:%d: error" % line in out, out


def test_stubtest(tmp_path):
    # the stubs of the Cython modules against the compiled modules (and the
    # inline annotations against the Python modules); every allowlist entry
    # gives its reason
    _need_mypy()
    if not ALLOWLIST.exists():
        pytest.skip("ci/stubtest-allowlist.txt is not here (not a source tree)")
    for line in ALLOWLIST.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert "  # " in line, "an allowlist entry without its reason: %r" % line
    r = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "gmp", "--allowlist", str(ALLOWLIST),
         "--mypy-config-file", os.devnull],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, PYTHONPATH=str(Path(gmp.__file__).parent.parent)))
    assert r.returncode == 0, r.stdout + r.stderr


def test_chan_subscript_at_run_time():
    alias = gmp.chan[int]
    assert alias.__origin__ is gmp.chan and alias.__args__ == (int,)
    c = alias(2)
    assert type(c) is gmp.chan and c.cap == 2
    c.send(1)
    assert c.recv_ok() == (1, True)


def test_the_typed_program_runs():
    _need_sources()
    r = subprocess.run([sys.executable, str(PROGRAM)], cwd=ROOT, capture_output=True,
                       text=True, timeout=120)
    if r.returncode != 0 and "not subscriptable" in r.stderr:
        raise TypeError(r.stderr.strip().splitlines()[-1])
    assert (r.returncode, r.stdout) == (0, "ok\n"), r.stderr
