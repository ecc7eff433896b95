#!/usr/bin/env bash
# ci/chroot-pythons.sh: the test suite on Python 3.14 and 3.15, from Debian unstable
#
#     bash ci/chroot-pythons.sh          # from the repository root, as root
#
# Debian unstable packages python3.14 and python3.15; they need a newer glibc
# than the host has, so they run in a Debian unstable (sid) chroot:
#
# 1. The chroot: `debootstrap --variant=minbase sid` from the Debian mirror the
#    host's apt uses, then python3.X, python3.X-dev and python3.X-venv for each
#    version Debian has, gcc (the extensions and the echo test's load
#    generator), ca-certificates and netbase. It is cached under
#    /var/cache/gmp-ci/sid-chroot; sid-chroot.stamp is written only once the
#    chroot is complete, and names what it was built from. A run reuses the
#    chroot when the stamp matches and is younger than 7 days; otherwise it
#    builds a new one beside it and swaps it in. No Go in the chroot: the
#    tests that run `go` skip there (tests/test_pprof.py, test_schedtrace.py).
# 2. For each version: the working tree's tracked files (`git ls-files`,
#    uncommitted changes included) are copied to /build/gmp-py3.X in the
#    chroot, and the README's test command runs there:
#        python3.X -m venv .venv && .venv/bin/pip install -e ".[test]" \
#            && .venv/bin/python -m pytest -q -p no:cacheprovider
#    (pip with -v into a log, from which one line reports the Cython version
#    the build used and any warning the build printed). A summary line:
#        ci: PASS Python 3.X (chroot) in Ns    or    ci: FAIL Python 3.X (chroot) ...
#    and the exit status is 1 when any version failed.
# 3. A version that cannot be had gets one `ci: SKIP Python 3.X: <reason>`
#    line (not root, no debootstrap, no network to the Debian mirror, the
#    bootstrap failed, Debian has no such package) and does not fail the run.
# 4. pip in the chroot reaches its index as the host's pip does: the host's
#    CA certificates (/etc/ssl/certs), the pip configuration files that
#    `pip config debug` lists, and every local path they (or PIP_* variables)
#    name (find-links, constraints, certificates, the directory above a
#    file:// index) are bind-mounted read-only at the same paths; PIP_*, proxy
#    and CA-bundle variables are passed through; /etc/hosts and
#    /etc/resolv.conf are copied from the host.
# 5. Mounts: the script re-executes itself in a private mount namespace
#    (unshare), so no mount it makes is visible on the host and none can
#    outlive it; there it mounts a new proc instance, a tmpfs on /dev/shm, a
#    new devpts instance on /dev/pts (the device nodes are the ones
#    debootstrap created in the chroot's own /dev; the host's /dev is never
#    mounted), and the read-only binds above. A trap unmounts them all on any
#    exit; nothing under the cache is ever removed while something is mounted
#    below it.
#
# Environment (all optional):
#   GMP_CI_CHROOT_PYTHONS   versions to test             (default "3.14 3.15")
#   GMP_CI_CACHE            cache directory              (default /var/cache/gmp-ci)
#   GMP_CI_CHROOT_MAX_AGE_DAYS  rebuild a chroot older than this (default 7)
#   GMP_CI_DEBIAN_MIRROR    Debian mirror                (default: the host's)
#   GMP_CI_CHROOT_TIMEOUT   seconds for each version's install, and for its tests (default 1500)
#   GMP_CI_NO_UNSHARE=1     mount in the host's mount namespace (still unmounted on exit)
set -uo pipefail

VERSIONS=${GMP_CI_CHROOT_PYTHONS:-"3.14 3.15"}
CACHE=${GMP_CI_CACHE:-/var/cache/gmp-ci}
ROOTFS=$CACHE/sid-chroot
STAMP=$CACHE/sid-chroot.stamp
MAX_AGE_DAYS=${GMP_CI_CHROOT_MAX_AGE_DAYS:-7}
RUN_TIMEOUT=${GMP_CI_CHROOT_TIMEOUT:-1500}
COMMON_PKGS="gcc libc6-dev ca-certificates netbase"
# bump when the way the chroot is built changes: a cached one is then rebuilt
RECIPE_VERSION=1
CHROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

say() { echo "ci: $*"; }

skip_all() {
  local v
  for v in $VERSIONS; do say "SKIP Python $v: $1"; done
  exit 0
}

now() { date +%s; }
took() { say "chroot: $1 took $(( $(now) - $2 ))s"; }

if [ ! -f pyproject.toml ] || [ ! -d gmp ]; then
  echo "ci/chroot-pythons.sh: run it from the repository root" >&2
  exit 2
fi
REPO=$(pwd)

if [ "$(id -u)" != 0 ]; then
  skip_all "not root (debootstrap and chroot need root)"
fi

# mount points at or below $1, deepest first, as this mount namespace sees them
mounts_below() {
  awk -v d="$1" '{ p = $5; gsub(/\\040/, " ", p)
                   if (p == d || index(p, d "/") == 1) print p }' /proc/self/mountinfo \
    | sort -r
}

if [ -z "${_GMP_CI_PRIVATE_NS:-}" ]; then
  left=$(mounts_below "$CACHE")
  if [ -n "$left" ]; then
    # Someone else's mounts (a run by hand?): removing or reusing the chroot
    # below them could reach into what they expose. Refuse.
    for v in $VERSIONS; do
      say "FAIL Python $v (chroot): mounts are left under $CACHE: $(echo "$left" | tr '\n' ' '); unmount them first"
    done
    exit 1
  fi
  if [ -z "${GMP_CI_NO_UNSHARE:-}" ] && command -v unshare >/dev/null 2>&1 \
     && unshare --mount --propagation private true 2>/dev/null; then
    _GMP_CI_PRIVATE_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
  fi
  say "chroot: no private mount namespace (unshare); mounting in the host's, unmounted on exit"
fi

# Is process $1 one this run started? Its descendant, or (in the private
# mount namespace, which only this run's processes can have entered) any
# process there, a daemon a test left behind included.
ours() {
  local p=$1 n=0
  if [ -n "${_GMP_CI_PRIVATE_NS:-}" ] \
     && [ "$(readlink "/proc/$p/ns/mnt" 2>/dev/null)" = "$(readlink "/proc/$$/ns/mnt")" ]; then
    return 0
  fi
  while [ "$p" -gt 1 ] && [ "$n" -lt 64 ]; do
    [ "$p" = "$$" ] && return 0
    p=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null) || return 1
    [ -n "$p" ] || return 1
    n=$((n + 1))
  done
  return 1
}

# ---------------------------------------------------------------- cleanup
MOUNTS=()           # what this run mounted, in order
BGPID=              # the long command bg is waiting for
cleanup() {
  local rc=$? i pid root
  trap - EXIT INT TERM HUP
  # processes of this run still running inside the chroot (an interrupted
  # test run, a test's leftover child) keep its mounts busy: end them by
  # pid, while they are still descendants of this shell: find every such
  # pid before killing any (a killed parent's children are reparented).
  # Stopped first, pass after pass, so that none forks an unlisted child.
  local killed=0 victims=() found d
  for _ in 1 2 3 4 5; do
    found=0
    for d in /proc/[0-9]*; do
      pid=${d#/proc/}
      case " ${victims[*]-} " in *" $pid "*) continue ;; esac
      root=$(readlink "/proc/$pid/root" 2>/dev/null) || continue
      if { [ "$root" = "$ROOTFS" ] || [ "$root" = "$ROOTFS.new" ]; } && ours "$pid"; then
        kill -STOP "$pid" 2>/dev/null; victims+=("$pid"); found=1
      fi
    done
    [ "$found" = 1 ] || break
  done
  if [ "${#victims[@]}" -gt 0 ]; then
    kill -KILL "${victims[@]}" 2>/dev/null
    killed=1
  fi
  if [ -n "$BGPID" ]; then
    kill -TERM "$BGPID" 2>/dev/null && killed=1
  fi
  [ "$killed" = 1 ] && sleep 1
  for (( i=${#MOUNTS[@]}-1; i>=0; i-- )); do
    umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" 2>/dev/null \
      || say "chroot: could not unmount ${MOUNTS[i]}"
  done
  MOUNTS=()
  local left
  left=$(mounts_below "$CACHE")
  if [ -n "$left" ]; then
    say "chroot: still mounted after cleanup: $(echo "$left" | tr '\n' ' ')"
    [ "$rc" = 0 ] && rc=1
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# bg CMD...: run a long command as a child the shell waits for, so that a
# signal to this script runs the trap (and cleanup) at once, not after it
bg() {
  local rc
  "$@" &
  BGPID=$!
  wait "$BGPID"; rc=$?
  BGPID=
  return "$rc"
}

do_mount() {          # do_mount TARGET MOUNT-ARGS...
  local target=$1; shift
  mount "$@" "$target" || return 1
  MOUNTS+=("$target")
}

unmount_below() {     # unmount what this run mounted at or below $1
  local i keep=()
  for (( i=${#MOUNTS[@]}-1; i>=0; i-- )); do
    case "${MOUNTS[i]}" in
      "$1"|"$1"/*) umount "${MOUNTS[i]}" || umount -l "${MOUNTS[i]}" ;;
    esac
  done
  for i in "${MOUNTS[@]}"; do
    case "$i" in "$1"|"$1"/*) ;; *) keep+=("$i") ;; esac
  done
  MOUNTS=("${keep[@]+"${keep[@]}"}")
}

safe_rm() {           # remove a tree under $CACHE, never through a mount
  local d=$1
  case "$d" in "$CACHE"/?*) ;; *) echo "refusing to remove $d" >&2; return 1 ;; esac
  [ -e "$d" ] || [ -L "$d" ] || return 0
  if [ -n "$(mounts_below "$d")" ]; then
    say "chroot: not removing $d: mounted below it: $(mounts_below "$d" | tr '\n' ' ')"
    return 1
  fi
  rm -rf --one-file-system "$d"
}

# ---------------------------------------------------------------- host facts
host_mirror() {       # the Debian archive the host's apt uses
  local u
  u=$( { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{ for (i = 2; i <= NF; i++) print $i }'
         grep -hsE '^deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
           | sed -E 's/\[[^]]*\]//' | awk '{ print $2 }'
       } | grep -E '/debian/?$' | head -n 1)
  echo "${u:-http://deb.debian.org/debian}" | sed 's:/*$::'
}
MIRROR=${GMP_CI_DEBIAN_MIRROR:-$(host_mirror)}

fetch_ok() {          # can we reach URL $1?
  if command -v wget >/dev/null 2>&1; then
    wget -q -T 20 -t 2 -O /dev/null "$1"
  elif command -v curl >/dev/null 2>&1; then
    curl -fsS -m 30 --retry 1 -o /dev/null "$1"
  else
    return 1
  fi
}

# Host paths the chroot's pip needs, one a line: the pip configuration files
# pip reads here, and the local paths their values and PIP_* variables name.
pip_paths() {
  local py cfg
  py=$(command -v python3 || true)
  cfg=$( [ -n "$py" ] && "$py" -m pip config debug 2>/dev/null )
  {
    echo /etc/ssl/certs
    # configuration files: "  /etc/pip.conf, exists: True"
    printf '%s\n' "$cfg" | sed -nE 's/^ +(\/[^,]+), exists: True$/\1/p'
    # values: "    global.find-links: /opt/wheels" and "  PIP_CERT='/etc/...'"
    printf '%s\n' "$cfg" | sed -nE "s/^ +([A-Za-z0-9_.-]+): (.*)$/\1 \2/p; s/^ +(PIP_[A-Z0-9_]+)='(.*)'$/\1 \2/p" \
      | while read -r key vals; do
          for v in $vals; do
            v=${v#file://}
            case "$v" in /*) ;; *) continue ;; esac
            # a file:// index's pages link to files beside the index directory
            case "$key" in *index-url*|*INDEX_URL*) v=$(dirname "$v") ;; esac
            echo "$v"
          done
        done
    local var
    for var in SSL_CERT_FILE SSL_CERT_DIR REQUESTS_CA_BUNDLE CURL_CA_BUNDLE; do
      [ -n "${!var:-}" ] && echo "${!var}"
    done
  } | while read -r p; do [ -e "$p" ] && echo "${p%/}"; done | LC_ALL=C sort -u \
    | awk '{ for (i = 1; i <= n; i++) if (index($0, seen[i] "/") == 1) next
             seen[++n] = $0; print }'
}

# variables passed into the chroot (besides HOME, PATH, LANG, TERM)
pass_env() {
  local v
  for v in $(compgen -e); do
    case "$v" in
      PIP_*|SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|\
      http_proxy|https_proxy|no_proxy|all_proxy|HTTP_PROXY|HTTPS_PROXY|NO_PROXY|ALL_PROXY)
        printf '%s=%s\0' "$v" "${!v}" ;;
    esac
  done
}

# ---------------------------------------------------------------- the chroot
mount_chroot() {      # mount_chroot ROOT: proc, shm, pts
  local r=$1 p
  do_mount "$r/proc" -t proc proc || return 1
  mkdir -p "$r/dev/shm" "$r/dev/pts"
  do_mount "$r/dev/shm" -t tmpfs -o mode=1777,nosuid,nodev shm || return 1
  do_mount "$r/dev/pts" -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts \
    || say "chroot: no devpts instance for $r/dev/pts (pseudo-terminals will not work)"
  # name resolution as on the host (the chroot's own files are replaced, not mounted)
  for p in /etc/hosts /etc/resolv.conf; do
    if [ -e "$p" ]; then rm -f "$r$p"; cat "$p" > "$r$p"; fi
  done
}

bind_pip() {          # bind_pip ROOT: the host's pip settings, read-only (not while
  local r=$1 p        # apt runs: ca-certificates writes /etc/ssl/certs)
  while read -r p; do
    # an absolute symlink in the chroot would lead outside it
    case "$(realpath -m "$r$p")" in
      "$r$p") ;;
      *) say "chroot: not binding $p: $r$p leads elsewhere"; continue ;;
    esac
    if [ -d "$p" ]; then
      mkdir -p "$r$p"
    else
      mkdir -p "$r$(dirname "$p")" && { [ -e "$r$p" ] || : > "$r$p"; }
    fi
    do_mount "$r$p" --bind "$p" || return 1
    mount -o remount,bind,ro "$r$p" || return 1
  done < <(pip_paths)
}

in_chroot() {         # in_chroot ROOT CMD...: a clean environment, the host's pip settings
  local r=$1; shift
  local -a envv=()
  while IFS= read -r -d '' kv; do envv+=("$kv"); done < <(pass_env)
  chroot "$r" /usr/bin/env -i HOME="${HOME:-/root}" PATH="$CHROOT_PATH" LANG=C.UTF-8 \
    TERM="${TERM:-dumb}" DEBIAN_FRONTEND=noninteractive "${envv[@]}" "$@"
}

# the stamp's first line: what a cached chroot must have been built from
RECIPE="gmp-ci sid-chroot recipe=$RECIPE_VERSION mirror=$MIRROR pythons=$VERSIONS common=$COMMON_PKGS"

chroot_is_fresh() {
  [ -f "$STAMP" ] && [ -x "$ROOTFS/usr/bin/apt-get" ] || return 1
  [ "$(head -n 1 "$STAMP")" = "$RECIPE" ] || return 1
  [ -z "$(find "$STAMP" -mtime +"$((MAX_AGE_DAYS - 1))" 2>/dev/null)" ]
}

build_chroot() {
  local new=$ROOTFS.new log=$CACHE/build.log t v have=() pkgs
  : > "$log"
  if ! command -v debootstrap >/dev/null 2>&1; then
    t=$(now)
    { DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap \
      || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap; }
    } >>"$log" 2>&1 || skip_all "debootstrap is not installed and apt-get could not install it"
    took "apt-get install debootstrap" "$t"
  fi
  fetch_ok "$MIRROR/dists/sid/InRelease" \
    || skip_all "no network to the Debian mirror ($MIRROR/dists/sid/InRelease)"

  rm -f "$STAMP"
  safe_rm "$new" || exit 1
  t=$(now)
  # debootstrap verifies the Release signature and ignores Valid-Until
  if ! bg debootstrap --variant=minbase sid "$new" "$MIRROR" >>"$log" 2>&1; then
    tail -n 15 "$log" | sed 's/^/  | /'
    safe_rm "$new"
    skip_all "debootstrap of Debian unstable failed (log: $log)"
  fi
  took "debootstrap --variant=minbase sid" "$t"

  # A mirror's Release file can be past its Valid-Until (snapshots, proxies
  # that cache): the signature is still checked.
  cat > "$new/etc/apt/apt.conf.d/99gmp-ci" <<'EOF'
Acquire::Check-Valid-Until "false";
Acquire::Check-Date "false";
Acquire::Languages "none";
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Dpkg::Options { "--force-unsafe-io"; };
EOF
  echo "deb $MIRROR sid main" > "$new/etc/apt/sources.list"
  mount_chroot "$new" || { say "chroot: mounting $new failed"; exit 1; }
  t=$(now)
  if ! bg in_chroot "$new" apt-get update -q >>"$log" 2>&1; then
    tail -n 15 "$log" | sed 's/^/  | /'
    unmount_below "$new"; safe_rm "$new"
    skip_all "apt-get update in the Debian unstable chroot failed (log: $log)"
  fi
  pkgs=$COMMON_PKGS
  for v in $VERSIONS; do
    if in_chroot "$new" apt-cache show --no-all-versions "python$v" "python$v-dev" "python$v-venv" \
         >/dev/null 2>&1; then
      have+=("$v"); pkgs="$pkgs python$v python$v-dev python$v-venv"
    fi
  done
  if ! bg in_chroot "$new" apt-get install -y -q $pkgs >>"$log" 2>&1; then
    tail -n 15 "$log" | sed 's/^/  | /'
    unmount_below "$new"; safe_rm "$new"
    skip_all "apt-get install in the Debian unstable chroot failed (log: $log)"
  fi
  in_chroot "$new" apt-get clean >>"$log" 2>&1
  took "apt-get install $pkgs" "$t"
  unmount_below "$new"

  # complete: swap it in, then the stamp (the stamp is the last thing written)
  safe_rm "$ROOTFS" || exit 1
  mv "$new" "$ROOTFS" || exit 1
  { echo "$RECIPE"
    echo "pythons-installed: ${have[*]-}"
    echo "built: $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
  } > "$STAMP.tmp" && sync && mv "$STAMP.tmp" "$STAMP"
}

# ---------------------------------------------------------------- main
mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
if ! flock -w 1800 9; then
  skip_all "another run holds $CACHE/lock"
fi

t0=$(now)
if chroot_is_fresh; then
  say "chroot: reusing $ROOTFS ($(sed -n 's/^built: //p' "$STAMP"))"
else
  say "chroot: building $ROOTFS (Debian unstable from $MIRROR)"
  build_chroot
  took "building the chroot" "$t0"
fi
installed=" $(sed -n 's/^pythons-installed: //p' "$STAMP") "

t=$(now)
mount_chroot "$ROOTFS" && bind_pip "$ROOTFS" || { say "chroot: mounting in $ROOTFS failed"; exit 1; }
took "mounting" "$t"

status=0
for v in $VERSIONS; do
  case "$installed" in
    *" $v "*) ;;
    *) say "SKIP Python $v: Debian unstable has no python$v, python$v-dev and python$v-venv (chroot built $(sed -n 's/^built: //p' "$STAMP"))"
       continue ;;
  esac
  say "=== Python $v (Debian unstable chroot) ==="
  start=$(now)
  dest=/build/gmp-py$v
  t=$(now)
  safe_rm "$ROOTFS$dest" || exit 1
  mkdir -p "$ROOTFS$dest"
  # the working tree's tracked files (modified ones as they are now)
  git -C "$REPO" ls-files -z \
    | while IFS= read -r -d '' f; do
        if [ -e "$REPO/$f" ] || [ -L "$REPO/$f" ]; then printf '%s\0' "$f"; fi
      done \
    | tar -C "$REPO" --null -T - -cf - | tar -C "$ROOTFS$dest" -xf -
  if [ "${PIPESTATUS[0]}${PIPESTATUS[2]}${PIPESTATUS[3]}" != 000 ]; then
    say "FAIL Python $v (chroot): copying the tracked files failed"; status=1; continue
  fi
  took "copying $(git -C "$REPO" ls-files | wc -l) tracked files" "$t"

  # the README's test command, pip with -v into a log for the build summary
  t=$(now)
  log=$ROOTFS/build/pip-py$v.log
  if ! bg in_chroot "$ROOTFS" timeout -k 30 "$RUN_TIMEOUT" /bin/sh -c \
          "cd $dest && python$v -m venv .venv && .venv/bin/pip install -v -e '.[test]'" \
          > "$log" 2>&1; then
    tail -n 40 "$log" | sed 's/^/  | /'
    say "FAIL Python $v (chroot): venv + pip install -e .[test] failed after $(( $(now) - start ))s (log: $log)"
    status=1; continue
  fi
  took "venv + pip install -e .[test]" "$t"
  # "Successfully installed Cython-3.3.1 ..." (the build environment), then
  # "Successfully installed gmp-0.1.0 greenlet-3.5.6 ..." (the venv)
  cython=$(grep -m 1 -oE '^ *Successfully installed .*[Cc]ython-[^ ]+' "$log" | sed -E 's/.*[Cc]ython-//')
  greenlet=$(grep -oE '^Successfully installed .*greenlet-[^ ]+' "$log" | tail -n 1 | sed -E 's/.*greenlet-//')
  # compiler and Cython warnings, and Python warnings from setuptools
  warnings=$(grep -E 'warning:|Warning:|[A-Za-z]Warning\b' "$log" | grep -v '^ *Skipping' | sort -u)
  if [ -z "$warnings" ]; then
    say "Python $v: built with Cython ${cython:-?} (greenlet ${greenlet:-?}), no warnings"
  else
    say "Python $v: built with Cython ${cython:-?} (greenlet ${greenlet:-?}); the build printed warnings:"
    printf '%s\n' "$warnings" | head -n 30 | sed 's/^/  | /'
  fi

  t=$(now)
  if bg in_chroot "$ROOTFS" timeout -k 30 "$RUN_TIMEOUT" /bin/sh -c \
       "cd $dest && .venv/bin/python -m pytest -q -p no:cacheprovider"; then
    took "pytest" "$t"
    say "PASS Python $v (chroot) in $(( $(now) - start ))s"
  else
    took "pytest" "$t"
    say "FAIL Python $v (chroot): pytest failed after $(( $(now) - start ))s"
    status=1
  fi
done
exit $status
