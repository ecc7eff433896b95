"""Seeded fastrand draws, run in a subprocess by tests/test_fastrand.py:

    python tests/programs/fastrand_prog.py SEED
    python tests/programs/fastrand_prog.py unseeded

The main thread draws before seeding (so it is re-seeded, not fresh), then
seeds; the main thread draws, then two threads, one after the other, draw.
Prints one line of draws per thread, in that order.
"""
import sys
import threading

from gmp import _core

N = 1 << 31


def main(seed):
    _core._fastrandn(N, 5)                  # a thread that drew before the seeding
    _core._fastrand_seed(seed)
    lines = [_core._fastrandn(N, 16)]
    for _ in range(2):
        out = []
        t = threading.Thread(target=lambda: out.append(_core._fastrandn(N, 16)))
        t.start()
        t.join()
        lines.append(out[0])
    lines.append(_core._fastrandn(N, 4))    # the main thread's sequence goes on
    for line in lines:
        print(" ".join(map(str, line)))


if __name__ == "__main__":
    if sys.argv[1] == "unseeded":           # eight draws from the clock's seed
        print(_core._fastrandn(N, 8))
    else:
        main(int(sys.argv[1]))
