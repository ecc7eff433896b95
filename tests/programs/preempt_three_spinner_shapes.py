"""Run by tests/test_preempt.py::test_three_spinner_shapes_all_make_progress
in a subprocess; that test checks its output."""
import gmp
counts = [0, 0, 0]
def f(x):
    return x + 1
def tight():
    while True:
        counts[0] += 1
def calls():
    n = 0
    while True:
        n = f(n)
        counts[1] = n
def sorts():
    data = list(range(20000))
    while True:
        sorted(data, key=lambda x: -x)
        counts[2] += 1
for fn in (tight, calls, sorts):
    gmp.go(fn)
seen = []
for _ in range(3):
    before = list(counts)
    # main itself only gets back because the spinners are preempted;
    # wait until every spinner has advanced since the last look
    while not all(c > b for c, b in zip(counts, before)):
        gmp.sleep(0.005)
    seen.append(list(counts))
print("progress", len(seen))
