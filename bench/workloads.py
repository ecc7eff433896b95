"""The anchor workloads (shared/anchors/WORKLOADS.md) for each peer.

Each function runs one workload with n operations and returns the cost per
operation: ns for timing workloads, bytes for W2. Every workload checks its
result and raises on a wrong answer.
"""
import itertools
import time


def _rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def _check(cond, what):
    if not cond:
        raise AssertionError("wrong result: " + what)


# ---- gmp -------------------------------------------------------------------

def gmp_w1(n, batch=100_000):
    import gmp
    counter = itertools.count()
    wg = gmp.WaitGroup()

    def task():
        next(counter)
        wg.done()

    go = gmp.go
    rounds = max(1, n // batch)
    t = time.perf_counter()
    for _ in range(rounds):
        wg.add(batch)
        for _ in range(batch):
            go(task)
        wg.wait()
    dt = time.perf_counter() - t
    _check(next(counter) == rounds * batch, "W1 count")
    return dt / (rounds * batch) * 1e9


def gmp_w2(n):
    import gmp
    gmp.go(lambda: None)            # start the runtime before measuring
    gmp.sleep(0.001)
    before = _rss()
    chans = [gmp.chan() for _ in range(n)]
    done = gmp.chan(n)

    def task(c):
        done.send(c.recv())

    for c in chans:
        gmp.go(task, c)
    # every task parked on its channel (the order they start in is the
    # scheduler's: the newest is in runnext and runs first)
    recvq_len = gmp._chan._recvq_len
    while len(done) or any(recvq_len(c) == 0 for c in chans):
        gmp.sleep(0.001)
    after = _rss()
    for c in chans:
        c.send(1)
    _check(sum(done.recv() for _ in range(n)) == n, "W2 released")
    return (after - before) / n


def gmp_w3(n):
    import gmp
    a, b = gmp.chan(), gmp.chan()

    def partner():
        for v in a:
            b.send(v)

    gmp.go(partner)
    send, recv = a.send, b.recv
    t = time.perf_counter()
    for i in range(n):
        send(i)
        recv()
    dt = time.perf_counter() - t
    a.close()
    return dt / n * 1e9


def _w4a_loop(put, get, n):
    """W4a's loop, the same for every peer: put then get, never blocking."""
    s = 0
    t = time.perf_counter()
    for i in range(n):
        put(i)
        s += get()
    dt = time.perf_counter() - t
    _check(s == n * (n - 1) // 2, "W4a sum")
    return dt / n * 1e9


def gmp_w4a(n):
    import gmp
    c = gmp.chan(1024)
    return _w4a_loop(c.send, c.recv, n)


def gmp_w4a_direct(n):
    """W4a written as most code writes it (not an anchor workload): method
    calls on the channel, c.send(i) and c.recv(), instead of prebound
    callables. What CPython's call path costs for chan's own descriptors."""
    import gmp
    c = gmp.chan(1024)
    s = 0
    t = time.perf_counter()
    for i in range(n):
        c.send(i)
        s += c.recv()
    dt = time.perf_counter() - t
    _check(s == n * (n - 1) // 2, "W4a-direct sum")
    return dt / n * 1e9


def gmp_w4b(n):
    import gmp
    c = gmp.chan(128)

    def producer():
        send = c.send
        for i in range(n):
            send(i)
        c.close()

    gmp.go(producer)
    t = time.perf_counter()
    s = 0
    for v in c:
        s += v
    dt = time.perf_counter() - t
    _check(s == n * (n - 1) // 2, "W4b sum")
    return dt / n * 1e9


def gmp_w5(n):
    import gmp
    ready, idle = gmp.chan(1), gmp.chan()
    select = gmp.select
    send = ready.send
    cnt = 0
    t = time.perf_counter()
    for i in range(n):
        send(i)
        k, v = select(ready.recv, idle.recv)
        cnt += k == 0
    dt = time.perf_counter() - t
    _check(cnt == n, "W5 count")
    return dt / n * 1e9


def gmp_w5h(n):
    """W5 with the cases built once, outside the loop (not an anchor
    workload): what select itself costs, without creating the two bound
    methods ready.recv and idle.recv on every iteration."""
    import gmp
    ready, idle = gmp.chan(1), gmp.chan()
    select = gmp.select
    send = ready.send
    cases = (ready.recv, idle.recv)
    cnt = 0
    t = time.perf_counter()
    for i in range(n):
        send(i)
        k, v = select(*cases)
        cnt += k == 0
    dt = time.perf_counter() - t
    _check(cnt == n, "W5h count")
    return dt / n * 1e9


def gmp_w5floor(n):
    """Not a select at all (not an anchor workload): W4a's send+recv pair
    plus what any select(ready.recv, idle.recv) pays before doing anything,
    two bound-method creations and a two-argument C call (operator.is_).
    W5 can come no closer to W4a than this."""
    import operator
    import gmp
    ready, idle = gmp.chan(1), gmp.chan()
    f = operator.is_
    send, recv = ready.send, ready.recv
    s = 0
    t = time.perf_counter()
    for i in range(n):
        send(i)
        f(ready.recv, idle.recv)
        s += recv()
    dt = time.perf_counter() - t
    _check(s == n * (n - 1) // 2, "W5floor sum")
    return dt / n * 1e9


def gmp_w6(n):
    import gmp
    jobs, results = gmp.chan(128), gmp.chan(128)
    wg = gmp.WaitGroup()

    def producer():
        for i in range(n):
            jobs.send(i)
        jobs.close()

    def worker():
        for v in jobs:
            results.send(v * 2)
        wg.done()

    wg.add(8)
    for _ in range(8):
        gmp.go(worker)
    gmp.go(producer)
    gmp.go(lambda: (wg.wait(), results.close()))
    t = time.perf_counter()
    s = 0
    for v in results:
        s += v
    dt = time.perf_counter() - t
    _check(s == n * (n - 1), "W6 sum")
    return dt / n * 1e9


# ---- raw greenlet ----------------------------------------------------------

def greenlet_w1(n, batch=100_000):
    from greenlet import greenlet
    counter = itertools.count()

    def task():
        next(counter)

    rounds = max(1, n // batch)
    t = time.perf_counter()
    for _ in range(rounds):
        for _ in range(batch):
            greenlet(task).switch()
    dt = time.perf_counter() - t
    _check(next(counter) == rounds * batch, "W1 count")
    return dt / (rounds * batch) * 1e9


def greenlet_w2(n):
    from greenlet import greenlet, getcurrent
    main = getcurrent()
    before = _rss()
    gs = []
    for _ in range(n):
        g = greenlet(lambda: main.switch())
        g.switch()
        gs.append(g)
    after = _rss()
    for g in gs:
        g.switch()
    _check(all(g.dead for g in gs), "W2 released")
    return (after - before) / n


def greenlet_w3(n):
    from greenlet import greenlet, getcurrent
    main = getcurrent()

    def partner():
        while True:
            main.switch()

    g = greenlet(partner)
    sw = g.switch
    t = time.perf_counter()
    for _ in range(n):
        sw()
    return (time.perf_counter() - t) / n * 1e9


# ---- gevent ------------------------------------------------------------------

def gevent_w1(n, batch=100_000):
    import gevent
    counter = itertools.count()

    def task():
        next(counter)

    rounds = max(1, n // batch)
    t = time.perf_counter()
    for _ in range(rounds):
        gevent.joinall([gevent.spawn(task) for _ in range(batch)])
    dt = time.perf_counter() - t
    _check(next(counter) == rounds * batch, "W1 count")
    return dt / (rounds * batch) * 1e9


def gevent_w3(n):
    import gevent
    from gevent.queue import Channel
    a, b = Channel(), Channel()

    def partner():
        for _ in range(n):
            b.put(a.get())

    gevent.spawn(partner)
    t = time.perf_counter()
    for i in range(n):
        a.put(i)
        b.get()
    return (time.perf_counter() - t) / n * 1e9


def gevent_w4a(n):
    from gevent.queue import Queue
    q = Queue(1024)
    return _w4a_loop(q.put, q.get, n)


def gevent_w4b(n):
    import gevent
    from gevent.queue import Queue
    q = Queue(128)

    def producer():
        for i in range(n):
            q.put(i)
        q.put(None)

    gevent.spawn(producer)
    t = time.perf_counter()
    s = 0
    get = q.get
    while True:
        v = get()
        if v is None:
            break
        s += v
    dt = time.perf_counter() - t
    _check(s == n * (n - 1) // 2, "W4b sum")
    return dt / n * 1e9


def gevent_w6(n):
    import gevent
    from gevent.queue import Queue
    jobs, results = Queue(128), Queue(128)

    def producer():
        for i in range(n):
            jobs.put(i)
        for _ in range(8):
            jobs.put(None)

    def worker():
        while True:
            v = jobs.get()
            if v is None:
                results.put(None)
                return
            results.put(v * 2)

    for _ in range(8):
        gevent.spawn(worker)
    gevent.spawn(producer)
    t = time.perf_counter()
    s, ended = 0, 0
    while ended < 8:
        v = results.get()
        if v is None:
            ended += 1
        else:
            s += v
    dt = time.perf_counter() - t
    _check(s == n * (n - 1), "W6 sum")
    return dt / n * 1e9


# ---- asyncio -------------------------------------------------------------------

def asyncio_w1(n, batch=100_000):
    import asyncio
    counter = itertools.count()

    async def task():
        next(counter)

    async def main():
        rounds = max(1, n // batch)
        t = time.perf_counter()
        for _ in range(rounds):
            await asyncio.gather(*[asyncio.create_task(task()) for _ in range(batch)])
        return time.perf_counter() - t, rounds

    dt, rounds = asyncio.run(main())
    _check(next(counter) == rounds * batch, "W1 count")
    return dt / (rounds * batch) * 1e9


def asyncio_w3(n):
    import asyncio

    async def main():
        a, b = asyncio.Queue(1), asyncio.Queue(1)

        async def partner():
            for _ in range(n):
                await b.put(await a.get())

        task = asyncio.create_task(partner())
        t = time.perf_counter()
        for i in range(n):
            await a.put(i)
            await b.get()
        dt = time.perf_counter() - t
        await task
        return dt

    return asyncio.run(main()) / n * 1e9


def asyncio_w4a(n):
    import asyncio

    async def main():
        q = asyncio.Queue(1024)
        s = 0
        t = time.perf_counter()
        for i in range(n):
            await q.put(i)
            s += await q.get()
        dt = time.perf_counter() - t
        _check(s == n * (n - 1) // 2, "W4a sum")
        return dt

    return asyncio.run(main()) / n * 1e9


def asyncio_w4b(n):
    import asyncio

    async def main():
        q = asyncio.Queue(128)

        async def producer():
            for i in range(n):
                await q.put(i)
            await q.put(None)

        asyncio.create_task(producer())
        t = time.perf_counter()
        s = 0
        while True:
            v = await q.get()
            if v is None:
                break
            s += v
        dt = time.perf_counter() - t
        _check(s == n * (n - 1) // 2, "W4b sum")
        return dt

    return asyncio.run(main()) / n * 1e9


def asyncio_w6(n):
    import asyncio

    async def main():
        jobs, results = asyncio.Queue(128), asyncio.Queue(128)

        async def producer():
            for i in range(n):
                await jobs.put(i)
            for _ in range(8):
                await jobs.put(None)

        async def worker():
            while True:
                v = await jobs.get()
                if v is None:
                    await results.put(None)
                    return
                await results.put(v * 2)

        tasks = [asyncio.create_task(worker()) for _ in range(8)]
        tasks.append(asyncio.create_task(producer()))
        t = time.perf_counter()
        s, ended = 0, 0
        while ended < 8:
            v = await results.get()
            if v is None:
                ended += 1
            else:
                s += v
        dt = time.perf_counter() - t
        _check(s == n * (n - 1), "W6 sum")
        return dt

    return asyncio.run(main()) / n * 1e9


# ---- threading + queue ---------------------------------------------------------

def threading_w3(n):
    import queue
    import threading
    a, b = queue.Queue(1), queue.Queue(1)

    def partner():
        for _ in range(n):
            b.put(a.get())

    th = threading.Thread(target=partner)
    th.start()
    t = time.perf_counter()
    for i in range(n):
        a.put(i)
        b.get()
    dt = time.perf_counter() - t
    th.join()
    return dt / n * 1e9


def threading_w4a(n):
    import queue
    q = queue.Queue(1024)
    return _w4a_loop(q.put, q.get, n)


def threading_w4b(n):
    import queue
    import threading
    q = queue.Queue(128)

    def producer():
        for i in range(n):
            q.put(i)
        q.put(None)

    threading.Thread(target=producer).start()
    t = time.perf_counter()
    s = 0
    while True:
        v = q.get()
        if v is None:
            break
        s += v
    dt = time.perf_counter() - t
    _check(s == n * (n - 1) // 2, "W4b sum")
    return dt / n * 1e9


def deque_w4a(n):
    """Not a peer: W4a on collections.deque (append + popleft, no locking, no
    blocking), the floor for a queue reached through Python calls."""
    import collections
    q = collections.deque()
    return _w4a_loop(q.append, q.popleft, n)


PEERS = {
    "deque": {"W4a": (deque_w4a, 1_000_000)},
    "gmp": {"W1": (gmp_w1, 200_000), "W2": (gmp_w2, 100_000), "W3": (gmp_w3, 300_000),
            "W4a": (gmp_w4a, 1_000_000), "W4b": (gmp_w4b, 1_000_000), "W5": (gmp_w5, 500_000),
            "W6": (gmp_w6, 200_000), "W5h": (gmp_w5h, 500_000), "W5floor": (gmp_w5floor, 500_000),
            "W4a-direct": (gmp_w4a_direct, 1_000_000)},
    "greenlet": {"W1": (greenlet_w1, 200_000), "W2": (greenlet_w2, 100_000),
                 "W3": (greenlet_w3, 1_000_000)},
    "gevent": {"W1": (gevent_w1, 100_000), "W3": (gevent_w3, 100_000),
               "W4a": (gevent_w4a, 500_000), "W4b": (gevent_w4b, 500_000),
               "W6": (gevent_w6, 200_000)},
    "asyncio": {"W1": (asyncio_w1, 200_000), "W3": (asyncio_w3, 100_000),
                "W4a": (asyncio_w4a, 500_000), "W4b": (asyncio_w4b, 300_000),
                "W6": (asyncio_w6, 100_000)},
    "threading": {"W3": (threading_w3, 20_000), "W4a": (threading_w4a, 300_000),
                  "W4b": (threading_w4b, 100_000)},
}
# The target ratios: (name, numerator (peer, workload), denominator, op, target)
TARGETS = [
    ("W3 gmp / greenlet round trip", ("gmp", "W3"), ("greenlet", "W3"), "<=", 1.6),
    ("W4a gevent / gmp (speed-up)", ("gevent", "W4a"), ("gmp", "W4a"), ">=", 2.5),
    ("W4b gevent / gmp (speed-up)", ("gevent", "W4b"), ("gmp", "W4b"), ">=", 2.5),
    ("W5 gmp / W4a gmp", ("gmp", "W5"), ("gmp", "W4a"), "<=", 3.0),
    ("W1 asyncio / gmp (speed-up)", ("asyncio", "W1"), ("gmp", "W1"), ">=", 5.0),
]
# Ratios printed beside them to explain them (no target)
CONTEXT = [
    ("W5h gmp / W4a gmp (cases built once)", ("gmp", "W5h"), ("gmp", "W4a")),
    ("W5floor gmp / W4a gmp (no select)", ("gmp", "W5floor"), ("gmp", "W4a")),
    ("W4a gmp / collections.deque", ("gmp", "W4a"), ("deque", "W4a")),
    ("W4a gmp: c.send(i); c.recv() / prebound", ("gmp", "W4a-direct"), ("gmp", "W4a")),
]

WORKLOADS = ["W1", "W2", "W3", "W4a", "W4b", "W5", "W6", "W5h", "W5floor", "W4a-direct"]
