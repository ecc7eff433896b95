#!/usr/bin/env bash
# The suite under a GMP_DEBUG build: the extensions compiled with -DGMP_DEBUG
# (-O1 -g), which checks the lock order on every gmp_lock/gmp_unlock
# (gmp/includes/gmp_lockrank.h) and aborts with "gmp: lock ordering problem"
# on a violation.
# 1. a copy of the checkout's files (tracked and untracked, not ignored), so
#    that the checkout's own in-place release build is left as it is;
# 2. a fresh venv on Python 3.11 and `GMP_DEBUG=1 pip install -e ".[test]"`
#    in the copy;
# 3. a check that the build is a debug one (gmp._core._debug_build());
# 4. the README's test command there (with --capture=sys, see below).
#
#   ci/debug-build.sh [PYTHON]     (default: python3.11, else python3)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
py=${1:-$(command -v python3.11 || command -v python3)}
work=$(mktemp -d "${TMPDIR:-/tmp}/gmp-debug.XXXXXX")
trap 'rm -rf "$work"' EXIT

prefix=debug-build
. "$(dirname "$0")/lib.sh"     # step()

# the checkout's files less what git ignores (build outputs, venvs, .so)
mkdir -p "$work/src"
(cd "$root" && git ls-files -z --cached --others --exclude-standard \
   | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
   | xargs -0 cp --parents -t "$work/src")
cd "$work/src"

step "venv ($("$py" -V 2>&1)) and GMP_DEBUG=1 pip install -e .[test]" \
  bash -c "'$py' -m venv '$work/venv' && GMP_DEBUG=1 '$work/venv/bin/pip' install -q -e '.[test]'"
step "the build is a GMP_DEBUG one" \
  "$work/venv/bin/python" -c \
  "from gmp import _core; import sys; sys.exit(0 if _core._debug_build() else 'not a GMP_DEBUG build')"
# the README's test command, with --capture=sys: the runtime writes a lock
# ordering problem to fd 2 and aborts, and pytest's default fd capture would
# lose those lines with the process. On a failure the runtime's own "gmp: ..."
# lines are repeated last, where step() shows them (the fault handler's
# thread dump that follows an abort would push them out).
suite() {
  local rc=0
  "$work/venv/bin/python" -m pytest -q -p no:cacheprovider --capture=sys \
    >"$work/suite.log" 2>&1 || rc=$?
  cat "$work/suite.log"
  if [ "$rc" -ne 0 ] && grep -q "gmp: " "$work/suite.log"; then
    echo "---- the runtime's messages ----"
    grep -A 12 "gmp: " "$work/suite.log" | head -n 30
  fi
  return "$rc"
}
step "suite (GMP_DEBUG build)" suite
tail -n 1 "$work/step-$nstep.log" | sed "s/^/$prefix: /"
