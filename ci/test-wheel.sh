#!/usr/bin/env bash
# Tests an installed, repaired wheel the way a user gets it: a fresh venv
# with the wheel for PYTHON from DIST and the test extra's requirements,
# installed with CC=/bin/false and CXX=/bin/false (nothing may compile:
# neither gmp nor a dependency builds from source), then the test suite run,
# with CC=/bin/false still, but GMP_TEST_CC=cc for the extensions that
# tests/test_capi.py compiles against the installed gmp's headers,
# from a temporary folder that holds tests/, bench/ (tests/test_echo_load.py
# imports bench.echo) and the pytest settings of pyproject.toml, but not the
# gmp source tree, and a check that `gmp` is the venv's installed copy.
#
#   ci/test-wheel.sh DIST [PYTHON] [PYTEST ARGS...]
#   ci/test-wheel.sh --installed [PYTHON] [PYTEST ARGS...]
#
# PYTHON: an interpreter (path or command; default python3). Extra
# arguments go to pytest (default -q). --installed tests the gmp already
# installed for PYTHON (cibuildwheel's test-command: it installs the wheel
# and the test extra itself) instead of making a venv.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -lt 1 ]; then
  echo "usage: ci/test-wheel.sh DIST [PYTHON] [PYTEST ARGS...]" >&2
  exit 2
fi
installed=0
if [ "$1" = --installed ]; then installed=1; dist=""; else dist=$(cd "$1" && pwd); fi
py=${2:-python3}
shift $(( $# >= 2 ? 2 : 1 ))
pytest_args=("$@")
[ ${#pytest_args[@]} -gt 0 ] || pytest_args=(-q)

work=$(mktemp -d "${TMPDIR:-/tmp}/gmp-test-wheel.XXXXXX")
trap 'rm -rf "$work"' EXIT

prefix=test-wheel
. "$(dirname "$0")/lib.sh"     # step()

if ! "$py" -c '' >/dev/null 2>&1; then     # missing, or a pyenv shim of a version not selected
  echo "test-wheel: FAILED: $py does not run here"
  exit 1
fi
if [ $installed = 1 ]; then
  vpy=$(command -v "$py")
  echo "test-wheel: the installed gmp on $("$py" -V 2>&1) ($vpy)"
else
  ver=$("$py" -c 'import sys; print("%d%d" % sys.version_info[:2])')
  wheels=("$dist"/gmp*-cp"$ver"-cp"$ver"-*manylinux*.whl)     # gmp-..., gmp_runtime-...
  if [ ! -e "${wheels[0]}" ]; then
    echo "test-wheel: FAILED: no repaired cp$ver wheel in $dist (run ci/wheels.sh $dist)"
    exit 1
  fi
  if [ ${#wheels[@]} -gt 1 ]; then
    echo "test-wheel: FAILED: several cp$ver wheels in $dist: ${wheels[*]##*/}"
    exit 1
  fi
  wheel=${wheels[0]}
  echo "test-wheel: $(basename "$wheel") on $("$py" -V 2>&1) ($py)"

  venv="$work/venv"
  step "venv" "$py" -m venv "$venv"
  # --only-binary: a dependency without a wheel for this Python fails here,
  # clearly, rather than trying (and failing) to compile
  step "install the wheel and the test extra (CC=/bin/false)" \
    env CC=/bin/false CXX=/bin/false \
    "$venv/bin/pip" install -q --only-binary=:all: "$wheel[test]"

  vpy="$venv/bin/python"
fi

# The test tree: tests/ (conftest.py, gmptest.py, programs/, go/, faultprog.py), bench/,
# examples/ (tests/test_capi.py builds examples/pipeline), README.md (tests/test_readme.py runs its code blocks),
# and pyproject.toml's [tool.pytest.ini_options] alone in a pyproject.toml
# of its own (its pythonpath = ["."] is then this folder, not the source).
run="$work/run"
copy_tree() {
  mkdir -p "$run"
  cp -r "$root/tests" "$root/bench" "$root/examples" "$root/README.md" "$run/"
  find "$run" -name __pycache__ -type d -prune -exec rm -rf {} +
  "$vpy" - "$root/pyproject.toml" "$run/pyproject.toml" <<'EOF'
import sys
src, dst = sys.argv[1:3]
lines, keep = [], False
for line in open(src, encoding="utf-8"):
    if line.startswith("["):
        keep = line.strip() == "[tool.pytest.ini_options]"
    if keep:
        lines.append(line)
if not lines:
    sys.exit("no [tool.pytest.ini_options] in " + src)
open(dst, "w", encoding="utf-8").write("".join(lines))
EOF
  if [ -e "$run/gmp" ]; then
    echo "the test folder has a gmp/ in it" >&2
    exit 1
  fi
}
step "copy tests/, bench/ and the pytest settings to a folder without gmp/" copy_tree

# gmp (and its extensions) must come from the venv's site-packages
check_installed() {
  (cd "$run" && env -u PYTHONPATH "$vpy" - <<'EOF'
import os, sys, sysconfig
import gmp, gmp._core, gmp._chan
site = {os.path.realpath(sysconfig.get_paths()[k]) for k in ("purelib", "platlib")}
for m in (gmp, gmp._core, gmp._chan):
    f = os.path.realpath(m.__file__)
    if not any(f.startswith(s + os.sep) for s in site):
        sys.exit("%s is %s, not in the venv's site-packages %s" % (m.__name__, f, sorted(site)))
    print(m.__name__, f)
EOF
  )
}
step "gmp imports from the venv's site-packages" check_installed
sed 's/^/    /' "$work/step-$nstep.log"

t0=$SECONDS
echo "test-wheel: pytest ${pytest_args[*]} (from $run)"
set +e
# GMP_TEST_CC: the one compiler the suite may use, for the user extensions
# tests/test_capi.py builds against the installed headers (gmp.get_include())
(cd "$run" && env -u PYTHONPATH CC=/bin/false CXX=/bin/false GMP_TEST_CC="${GMP_TEST_CC:-cc}" \
  "$vpy" -m pytest "${pytest_args[@]}")
rc=$?
set -e
if [ $rc -eq 0 ]; then
  echo "test-wheel: pytest: ok ($(( SECONDS - t0 ))s)"
else
  echo "test-wheel: pytest: FAILED (exit $rc after $(( SECONDS - t0 ))s)"
fi
exit $rc
