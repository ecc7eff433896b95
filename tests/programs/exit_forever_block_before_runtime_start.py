"""Run by tests/test_exit.py::test_forever_block_before_runtime_start_is_deadlock
in a subprocess: argv[1] names the program's first operation, one that parks
for ever."""
import sys

import gmp

op = sys.argv[1]
try:
    if op == "gmp.nilchan.recv()":
        gmp.nilchan.recv()
    elif op == "gmp.nilchan.send(1)":
        gmp.nilchan.send(1)
    elif op == "gmp.select()":
        gmp.select()
    elif op == "gmp.select(gmp.nilchan.recv)":
        gmp.select(gmp.nilchan.recv)
    else:
        sys.exit("unknown op " + op)
except gmp.Deadlock as e:
    print("caught:", e)
