"""Run by tests/test_fuzz_chan.py (run_worker) in a subprocess: runs the fuzz
harness of test_fuzz_chan in the mode argv[1] names ("seq": the sequential
model, anything else: concurrent producers and consumers)."""
import sys

import test_fuzz_chan

test_fuzz_chan.worker(sys.argv[1])
