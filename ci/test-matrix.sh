#!/usr/bin/env bash
# For each Python: a fresh venv, the README's test command, a summary line.
set -uo pipefail
root=$(pwd)
status=0
# `go tool pprof` reads gmp's goroutine profile in tests/test_pprof.py
if ! command -v go >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ] \
     && DEBIAN_FRONTEND=noninteractive apt-get install -y -q golang-go >/tmp/ci-apt.log 2>&1; then
    echo "ci: installed Debian's golang-go for the go tool pprof test"
  else
    echo "ci: golang-go could not be installed: the go tool pprof test will SKIP"
  fi
fi
mapfile -t pythons < <(bash "$(dirname "$0")/pythons.sh")
default_py=${pythons[0]}
for py in "${pythons[@]}"; do
  ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  venv=$(mktemp -d)/venv
  echo "ci: === Python $ver ($py) ==="
  start=$(date +%s)
  # The README's test command, with this interpreter:
  if "$py" -m venv "$venv" \
     && "$venv/bin/pip" install -q -e ".[test]" \
     && "$venv/bin/python" -m pytest -q -p no:cacheprovider; then
    echo "ci: PASS Python $ver in $(( $(date +%s) - start ))s"
  else
    echo "ci: FAIL Python $ver"
    status=1
  fi
  # the dev-mode + faulthandler run (no-segfault / no-hang check) on the default Python
  if [ "$py" = "$default_py" ]; then
    if PYTHONDEVMODE=1 "$venv/bin/python" -X faulthandler -m pytest -q -p no:cacheprovider tests/test_chan.py tests/test_select.py tests/test_sync.py tests/test_time.py tests/test_park_protocol.py; then
      echo "ci: PASS Python $ver -X dev + faulthandler"
    else
      echo "ci: FAIL Python $ver -X dev + faulthandler"; status=1
    fi
  fi
done
exit $status
