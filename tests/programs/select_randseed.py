"""Run by tests/test_select.py::test_randseed_repeats_selects_poll_order
(with GMPDEBUG=randseed=N): prints which of four always-ready cases 64
selects chose."""
import gmp

chans = [gmp.chan(1) for _ in range(4)]
picks = []
for _ in range(64):
    for c in chans:
        if len(c) == 0:
            c.send(1)
    i, _ = gmp.select(*(c.recv for c in chans))
    picks.append(i)
print("".join(map(str, picks)))
