# Shared by the ci/ scripts (sourced). Before use, set:
#   work    a scratch folder (each step's log goes to $work/step-N.log)
#   prefix  the word that starts each line the script prints
# step NAME CMD...: runs CMD with its output in a log, prints one line with
# the time it took; on failure prints the log's last 60 lines and exits
# with CMD's status. $work/step-$nstep.log is the log of the latest step.
nstep=0
step() {
  local name=$1; shift
  local log="$work/step-$(( ++nstep )).log" t0=$SECONDS
  if "$@" >"$log" 2>&1; then
    echo "$prefix: $name: ok ($(( SECONDS - t0 ))s)"
  else
    local rc=$?
    echo "$prefix: $name: FAILED (exit $rc after $(( SECONDS - t0 ))s); last lines of its output:"
    tail -n 60 "$log" | sed 's/^/    /'
    exit "$rc"
  fi
}
