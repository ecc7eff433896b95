"""Lock order checks of a GMP_DEBUG build, run in a subprocess by
tests/test_lockrank.py:

    python tests/programs/lockrank_prog.py ok          # every rank in order
    python tests/programs/lockrank_prog.py held        # gmp_lock_held is per thread
    python tests/programs/lockrank_prog.py KIND        # _lockrank_violate(KIND): aborts

Prints what it saw on stdout; a violation ends the process with SIGABRT and
the runtime's message on stderr.
"""
import sys
import threading

from gmp import _core


def main(kind):
    if kind == "ok":
        seen = _core._lockrank_ok()
        print("ok", all(seen), len(seen))
    elif kind == "held":
        _core._lockrank_probe("hold")
        here = _core._lockrank_probe("held")
        there = []
        t = threading.Thread(target=lambda: there.append(_core._lockrank_probe("held")))
        t.start()
        t.join()
        _core._lockrank_probe("release")
        after = _core._lockrank_probe("held")
        print("held", here, there[0], after)
    else:
        print("violating", kind, flush=True)
        print(_core._lockrank_violate(kind), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
