#!/usr/bin/env bash
# gmp's types, as a user of mypy --strict meets them:
# 1. a fresh venv with gmp and the `typing` extra (mypy, pinned in pyproject.toml);
# 2. mypy --strict on examples/, on tests/typing/uses_every_module.py (a program
#    that uses every public module, with assert_type on what must be inferred)
#    and on gmp's own modules and stubs;
# 3. stubtest: the stubs of the Cython modules (gmp/_core.pyi, gmp/_chan.pyi)
#    and the inline annotations against the compiled package, with
#    ci/stubtest-allowlist.txt (every entry says why);
# 4. pyright (where node is installed): strict on examples/ and the typed
#    program, as a pyright user's code meets the stubs; basic on gmp/;
# 5. tests/test_typing.py (reveal_type of chan[int]().recv_ok(), misuse that
#    must be rejected, chan[int] at run time, the package ships py.typed).
#
#   ci/typing.sh [PYTHON]       (default: python3.11, else python3)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
py=${1:-$(command -v python3.11 || command -v python3)}
work=$(mktemp -d "${TMPDIR:-/tmp}/gmp-typing.XXXXXX")
trap 'rm -rf "$work"' EXIT

prefix=typing
. "$(dirname "$0")/lib.sh"     # step()

venv="$work/venv"
cd "$root"
step "venv ($("$py" -V 2>&1)): pip install -e .[typing]" \
  bash -c "'$py' -m venv '$venv' && '$venv/bin/pip' install -q -e '.[typing]'"
echo "typing: $("$venv/bin/python" -m mypy --version)"

step "mypy --strict examples/ tests/typing/ gmp/" \
  "$venv/bin/python" -m mypy --strict --cache-dir "$work/mypy-cache" \
    examples tests/typing/uses_every_module.py gmp

step "python -m mypy.stubtest gmp (allowlist: ci/stubtest-allowlist.txt)" \
  "$venv/bin/python" -m mypy.stubtest gmp --allowlist ci/stubtest-allowlist.txt \
    --mypy-config-file /dev/null

if command -v node >/dev/null; then
  printf '{"typeCheckingMode": "strict", "extraPaths": ["%s"]}\n' "$root" >"$work/pyright-strict.json"
  step "pyright --strict examples/ tests/typing/ (pyright: basic on gmp/)" bash -c "
    '$venv/bin/pyright' -p '$work/pyright-strict.json' --pythonpath '$venv/bin/python' \
      examples tests/typing/uses_every_module.py &&
    '$venv/bin/pyright' --pythonpath '$venv/bin/python' gmp"
else
  echo "typing: pyright: SKIP (no node on this machine)"
fi

step "pytest tests/test_typing.py" \
  "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/test_typing.py
