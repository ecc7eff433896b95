#!/usr/bin/env bash
# Prints the CPython interpreters CI runs on here, one path per line: 3.11
# (python3.11, else python3), then 3.12 and 3.13 from pyenv or PATH. A
# version that is missing gets a "ci: SKIP Python 3.X: ..." line on stderr.
command -v python3.11 || command -v python3
for v in 3.12 3.13; do
  p=""
  if command -v pyenv >/dev/null 2>&1; then
    full=$(pyenv versions --bare 2>/dev/null | grep -E "^${v//./\\.}(\.[0-9]+)?$" | sort -V | tail -n 1)
    if [ -n "$full" ]; then p="$(pyenv root)/versions/$full/bin/python$v"; fi
  fi
  if [ -z "$p" ] || [ ! -x "$p" ]; then p=$(command -v "python$v" || true); fi
  if [ -n "$p" ] && [ -x "$p" ]; then
    echo "$p"
  else
    echo "ci: SKIP Python $v: not installed here (pyenv versions has no $v)" >&2
  fi
done
