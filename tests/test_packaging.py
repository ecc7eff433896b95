"""The distribution as pip sees it: name, version, licence, extras, and the
clash with PyPI's unrelated `gmp` distribution."""
import importlib.metadata
import os
import shutil
import subprocess
import sys

import pytest

import gmp


def _dist():
    try:
        return importlib.metadata.distribution("gmp-runtime")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("gmp-runtime is not installed (source tree on sys.path only)")


def test_version_is_written_once():
    # pyproject.toml reads gmp.__version__; what pip recorded must be it.
    assert _dist().version == gmp.__version__


def test_metadata():
    md = _dist().metadata
    assert md["Name"] == "gmp-runtime"
    assert md["License-Expression"] == "MIT"
    assert "prometheus" in md.get_all("Provides-Extra")
    assert any(r.startswith("prometheus_client") and 'extra == "prometheus"' in r
               for r in md.get_all("Requires-Dist"))
    classifiers = md.get_all("Classifier")
    for v in ("3.11", "3.12", "3.13", "3.14", "3.15"):
        assert "Programming Language :: Python :: " + v in classifiers
    assert "Framework :: Pytest" in classifiers
    files = [str(f) for f in _dist().files or ()]
    assert any(f.endswith("LICENSE") for f in files), files


def test_unrelated_gmp_in_the_same_folder_is_reported(tmp_path):
    # A copy of this package's __init__ beside the other distribution's module.
    pkg = tmp_path / "gmp"
    pkg.mkdir()
    shutil.copy(gmp.__file__, pkg / "__init__.py")
    (pkg / "projecteuler.py").write_text("")
    r = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-c", "import gmp"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env=dict(os.environ, PYTHONPATH=str(tmp_path)))
    assert r.returncode == 1
    assert "RuntimeWarning: the unrelated PyPI package 'gmp'" in r.stderr
    assert "pip uninstall -y gmp gmp-runtime && pip install gmp-runtime" in r.stderr
    # Without the other distribution's file the check stays quiet.
    (pkg / "projecteuler.py").unlink()
    r = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-c", "import gmp"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env=dict(os.environ, PYTHONPATH=str(tmp_path)))
    assert "RuntimeWarning" not in r.stderr
