"""Run by tests/test_tchan.py at GOMAXPROCS=4: 10M int64 values through one
typed channel, 8 producers (send_array in random pieces, some single sends)
and 8 consumers (recv_into in random pieces, some recv_ok and select), the
channel closed once every producer is done. Checks the count, the sum and
the sum of squares (nothing lost or duplicated) and, per consumer, that each
producer's values arrived in increasing order (FIFO). Prints "ok ..." or
what broke."""
import random
import sys

import numpy as np

import gmp

N, NP, NC = 10_000_000, 8, 8
PER = N // NP
c = gmp.chan(1024, dtype="i8")
idle = gmp.chan(dtype="i8")
wg = gmp.WaitGroup()
res = gmp.chan(NC)


def producer(p, seed):
    rng = random.Random(seed)
    vals = np.arange(p * PER, (p + 1) * PER, dtype=np.int64)
    i = 0
    while i < PER:
        if rng.random() < 0.01:
            c.send(int(vals[i]))
            i += 1
            continue
        k = min(PER - i, rng.randint(1, 5000))
        c.send_array(vals[i:i + k])
        i += k
    wg.done()


def consumer(seed):
    rng = random.Random(seed)
    parts = []
    buf = np.empty(5000, np.int64)
    while True:
        r = rng.random()
        if r < 0.005:
            v, ok = c.recv_ok()
            if not ok:
                break
            parts.append(np.array([v], np.int64))
        elif r < 0.01:
            i, (v, ok) = gmp.select(c.recv_ok, idle.recv)
            if not ok:
                break
            parts.append(np.array([v], np.int64))
        else:
            want = rng.randint(1, 5000)
            k = c.recv_into(buf[:want])
            parts.append(buf[:k].copy())
            if k < want:                    # closed and drained
                break
    res.send(np.concatenate(parts) if parts else np.zeros(0, np.int64))


wg.add(NP)
for p in range(NP):
    gmp.go(producer, p, 100 + p)
for k in range(NC):
    gmp.go(consumer, 200 + k)


def closer():
    wg.wait()
    c.close()


gmp.go(closer)
streams = [res.recv() for _ in range(NC)]
allv = np.concatenate(streams)
bad = []
if len(allv) != N:
    bad.append("count %d, not %d" % (len(allv), N))
exp_sum = N * (N - 1) // 2
exp_sq = (N - 1) * N * (2 * N - 1) // 6
if int(allv.sum()) != exp_sum:
    bad.append("sum %d, not %d" % (int(allv.sum()), exp_sum))
if int((allv.astype(object) ** 2).sum()) != exp_sq:
    bad.append("sum of squares differs")
if len(np.unique(allv)) != len(allv):
    bad.append("duplicates")
for i, s in enumerate(streams):
    owner = s // PER
    for p in range(NP):
        mine = s[owner == p]
        if len(mine) > 1 and not (np.diff(mine) > 0).all():
            bad.append("consumer %d: producer %d's values out of order" % (i, p))
if bad:
    print("FAIL", "; ".join(bad))
    sys.exit(1)
print("ok", N, [len(s) for s in streams])
