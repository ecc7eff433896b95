#!/bin/sh
# Long run of the channel/select/timer fuzz harness (tests/test_fuzz_chan.py).
#
#   scripts/fuzz_long.sh [EXAMPLES] [ROUNDS]
#
# Each round runs the sequential model at GOMAXPROCS 1, 2 and 4 and the
# concurrent producers/consumers mode at GOMAXPROCS 1, 2 and 4, with EXAMPLES
# hypothesis examples each (default 2000) and fresh random examples
# (GMP_FUZZ_SEED=random; a failure prints a reproduction blob). ROUNDS
# (default 1) repeats it. Stops at the first failure, with its output.
set -eu
cd "$(dirname "$0")/.."
EXAMPLES=${1:-2000}
ROUNDS=${2:-1}
PY=${PYTHON:-python}
[ -x .venv/bin/python ] && [ -z "${PYTHON:-}" ] && PY=.venv/bin/python
export GMP_FUZZ_EXAMPLES="$EXAMPLES" GMP_FUZZ_SEED=random
export PYTHONPATH="$PWD:$PWD/tests${PYTHONPATH:+:$PYTHONPATH}"
round=1
while [ "$round" -le "$ROUNDS" ]; do
    for mode in seq conc; do
        for procs in 1 2 4; do
            echo "== round $round: $mode GOMAXPROCS=$procs, $EXAMPLES examples"
            GOMAXPROCS=$procs "$PY" -c "import test_fuzz_chan as m; m.worker('$mode')"
        done
    done
    echo "== round $round: select uniformity"
    "$PY" -m pytest -q -k uniform tests/test_fuzz_chan.py
    round=$((round + 1))
done
