#!/usr/bin/env bash
# gmp's API reference (docs/api/, Sphinx autodoc over the docstrings), built
# the way CI builds it: warnings are errors, so a docstring that is not valid
# reStructuredText (an unmatched *, an indented block without ::), a
# duplicated object or a name autodoc cannot import fails the build.
# 1. a fresh venv with gmp and the `docs` extra (Sphinx, pinned in pyproject.toml);
# 2. sphinx-build -W --keep-going -b html docs/api into a scratch folder
#    (kept, and its path printed, when OUT is set: OUT=/some/dir ci/apidocs.sh).
#
#   ci/apidocs.sh [PYTHON]       (default: python3.11, else python3)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
py=${1:-$(command -v python3.11 || command -v python3)}
work=$(mktemp -d "${TMPDIR:-/tmp}/gmp-apidocs.XXXXXX")
trap 'rm -rf "$work"' EXIT

prefix=apidocs
. "$(dirname "$0")/lib.sh"     # step()

venv="$work/venv"
out=${OUT:-$work/html}
cd "$root"
step "venv ($("$py" -V 2>&1)): pip install -e .[docs]" \
  bash -c "'$py' -m venv '$venv' && '$venv/bin/pip' install -q -e '.[docs]'"
echo "apidocs: $("$venv/bin/sphinx-build" --version)"

# -E: read every page afresh; -W --keep-going: every warning is reported, then fails
step "sphinx-build -W -b html docs/api" \
  "$venv/bin/sphinx-build" -E -q -W --keep-going -b html docs/api "$out" -d "$work/doctrees"
if [ -n "${OUT:-}" ]; then
  echo "apidocs: html in $out"
fi
