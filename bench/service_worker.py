"""One cell of python -m bench.service, in a fresh process:

    python -m bench.service_worker WORKLOAD RUNTIME WORKERS JOBS [PORT]

WORKLOAD: redis (JOBS SET+GET pairs per worker with redis-py against the
redis-server on 127.0.0.1:PORT), cpu (JOBS pure-Python handler calls per
worker, results sent back over a channel/queue), hash (JOBS sha256 digests of
a 1 MiB buffer per worker: hashlib releases the GIL for the digest).
RUNTIME: gmp (GOMAXPROCS from the environment; gmp.monkey.patch_all() before
redis is imported), gevent (its monkey patching), threads (a thread per
worker). Prints one JSON line: {"ops": operations per second}.
"""
import json
import sys
import time

WORKLOAD, RUNTIME = sys.argv[1], sys.argv[2]
WORKERS, JOBS = int(sys.argv[3]), int(sys.argv[4])
PORT = int(sys.argv[5]) if len(sys.argv) > 5 else 0

if RUNTIME == "gevent":
    from gevent import monkey
    monkey.patch_all()
elif RUNTIME == "gmp":
    import gmp
    import gmp.monkey
    gmp.monkey.patch_all()

import hashlib      # noqa: E402  (after the monkey patching)


def handler(i):
    """A request handler's pure-Python work: parse, validate, build a reply."""
    fields = ("id=%d;user=u%d;items=%s" % (i, i % 97, ",".join(map(str, range(i % 13))))).split(";")
    req = dict(f.split("=", 1) for f in fields)
    items = [int(x) for x in req["items"].split(",") if x]
    total = sum(x * x for x in items) + len(req["user"])
    return {"id": int(req["id"]), "total": total, "ok": total >= 0}


BUF = bytes(range(256)) * 4096      # 1 MiB


def make_job():
    """job(w): the work of worker w; returns how many operations it did."""
    if WORKLOAD == "redis":
        import redis
        client = redis.Redis(host="127.0.0.1", port=PORT, max_connections=WORKERS + 8)

        def job(w):
            for j in range(JOBS):
                key = "k:%d:%d" % (w, j)
                client.set(key, j)
                if int(client.get(key)) != j:
                    raise AssertionError("redis returned a wrong value")
            return 2 * JOBS
        return job
    if WORKLOAD == "cpu":
        def job(w):
            acc = 0
            for j in range(JOBS):
                acc += handler(w * JOBS + j)["total"]
            return JOBS
        return job
    if WORKLOAD == "hash":
        def job(w):
            for _ in range(JOBS):
                hashlib.sha256(BUF).digest()
            return JOBS
        return job
    raise SystemExit("unknown workload %r" % WORKLOAD)


def run(job):
    t = time.perf_counter()
    if RUNTIME == "gmp":
        wg, done = gmp.WaitGroup(), []
        def one(w):
            try:
                done.append(job(w))
            finally:
                wg.done()
        wg.add(WORKERS)
        for w in range(WORKERS):
            gmp.go(one, w)
        wg.wait()
    elif RUNTIME == "gevent":
        import gevent
        gs = [gevent.spawn(job, w) for w in range(WORKERS)]
        gevent.joinall(gs, raise_error=True)
        done = [g.value for g in gs]
    else:
        import threading
        done = []
        ts = [threading.Thread(target=lambda w=w: done.append(job(w))) for w in range(WORKERS)]
        for th in ts:
            th.start()
        for th in ts:
            th.join()
    dt = time.perf_counter() - t
    if len(done) != WORKERS:
        raise SystemExit("only %d of %d workers finished" % (len(done), WORKERS))
    return sum(done) / dt


out = {"ops": run(make_job())}
if RUNTIME == "gmp":
    out["stats"] = gmp._core._schedstats()     # the counters that explain a cell
print(json.dumps(out))
