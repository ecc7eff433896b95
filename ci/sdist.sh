#!/usr/bin/env bash
# The distribution as a user meets it, before any wheel tooling:
# 1. `python -m build` on the tracked files gives an sdist and a wheel with
#    no warning (setuptools', Cython's or the C compiler's);
# 2. check-manifest: the sdist holds every tracked file (MANIFEST.in);
# 3. the sdist, unpacked, passes the README's test command in a fresh venv
#    (which builds the extension from the sdist's sources).
#
#   ci/sdist.sh [PYTHON]       (default: python3.11, else python3)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
py=${1:-$(command -v python3.11 || command -v python3)}
work=$(mktemp -d "${TMPDIR:-/tmp}/gmp-sdist.XXXXXX")
trap 'rm -rf "$work"' EXIT

prefix=sdist
. "$(dirname "$0")/lib.sh"     # step()

# the tracked files only: what a clean clone has
mkdir -p "$work/src"
(cd "$root" && git ls-files -z | xargs -0 cp --parents -t "$work/src")

step "tools venv ($("$py" -V 2>&1)): build, check-manifest" \
  bash -c "'$py' -m venv '$work/tools' && '$work/tools/bin/pip' install -q build check-manifest"

# PYTHONDONTWRITEBYTECODE (set on some machines) makes setuptools warn that
# byte-compiling is disabled: a warning of the environment, not the project.
step "python -m build (sdist + wheel)" \
  env -u PYTHONDONTWRITEBYTECODE "$work/tools/bin/python" -m build --outdir "$work/dist" "$work/src"
buildlog="$work/step-$nstep.log"
if grep -inE "warning|deprecat" "$buildlog" | grep -v "^[0-9]*:WARNING: Location 'file:" >"$work/warnings"; then
  echo "sdist: FAILED: python -m build printed warnings:"
  sed 's/^/    /' "$work/warnings"
  exit 1
fi
echo "sdist: no build warnings; built $(cd "$work/dist" && echo *)"

step "check-manifest (every tracked file is in the sdist)" \
  bash -c "cd '$root' && '$work/tools/bin/check-manifest'"

sdist=$(ls "$work"/dist/*.tar.gz)
mkdir -p "$work/unpacked"
tar -xzf "$sdist" -C "$work/unpacked"
tree=$(ls -d "$work"/unpacked/*/)
echo "sdist: testing from the unpacked $(basename "$sdist")"
t0=$SECONDS
# the README's test command, in the unpacked sdist
if (cd "$tree" && "$py" -m venv .venv && .venv/bin/pip install -q -e ".[test]" \
      && .venv/bin/python -m pytest -q -p no:cacheprovider); then
  echo "sdist: the suite passed from the unpacked sdist ($(( SECONDS - t0 ))s)"
else
  echo "sdist: FAILED: the suite from the unpacked sdist ($(( SECONDS - t0 ))s)"
  exit 1
fi
