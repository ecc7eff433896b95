"""Fault-injection workload: signals and exceptions thrown into every kind of park.

Run as a program (by tests/test_faults.py and scripts/faultsoak.py, always
in a subprocess with a timeout):

    python -X dev -X faulthandler tests/faultprog.py --mode MODE --seed N

Modes:
  main      the main goroutine (G1) runs rounds of "stations", one per kind
            of park: chan recv / recv_ok / iteration (unbuffered and
            buffered), send, select (recv and send cases), Mutex.lock,
            WaitGroup.wait, Cond.wait, gmp.sleep, gmp.syscall and a gmp.net
            read on a loopback connection. Its counterparts are goroutines
            (on other Ps when GOMAXPROCS > 1); every value is tagged
            (sender id, seq) and checked: each received exactly once, in
            order per sender, no (None, False) before close.
  thread    main's stations plus a plain threading.Thread that blocks in
            channel operations against G1 and against a goroutine.
  foreign   the runtime is started by another thread; the main thread is a
            plain waiter (an OS semaphore) running the stations that a plain
            thread can park in.
  targeted  deterministic: for each park kind, a probe thread waits until the
            main goroutine (or, with --foreign, the main thread's waiter) is
            parked, then signals it until the exception arrives; afterwards
            the object must work as if the interrupted call never happened
            and no stale wake-up may reach a later park.
  exceptions no signals: Cond.wait with an unlocked L (Go's unlock panic)
            followed by other parks, exceptions coming back from
            gmp.syscall, context cancellation racing a channel op in select.

In the storm modes (main, thread, foreign) the parent sends signals (SIGINT,
SIGTERM, SIGUSR1) at random moments, then closes our stdin; the program
finishes its round, checks, prints "RESULT <json>" and exits 0 when every
check held, 1 otherwise.

Signal handlers (--handler):
  raise  SIGINT raises KeyboardInterrupt, SIGTERM SigTerm, SIGUSR1 SigUsr1;
  mixed  as raise, but SIGUSR1's handler sends on a buffered channel that a
         goroutine drains (Go's signal.Notify): every send must arrive.
A raising handler raises only while the main goroutine is not running its
own Python code: in the scheduler's context of M0 while G1 is parked, or in
the park code itself. Elsewhere (in G1's own code, in another goroutine that
M0 happens to run, or in a finalizer or weakref callback that runs during a
park, where CPython drops what a handler raises) it counts the signal as
deferred. An exception that CPython raised right after a call returned would
drop the call's result at the Python level whatever the runtime does; this
rule keeps every exception we see at a blocking call, where the runtime
decides what happened. So:
  - an exception from a blocking call means the call did not happen (we
    retry it: a value that was delivered anyway shows up as a duplicate or
    as a gap in a sender's sequence);
  - every exception a handler raised surfaces exactly once at a blocking
    call of the main goroutine (identified by a serial number), there or at
    a later park when the call it interrupted had completed;
  - a park ends only when its event happened: a spurious wake-up shows as
    (None, False) before close, a None nobody sent, a sleep that returned
    early, a sender's "send on closed channel" on a channel nobody closed,
    a WaitGroup.wait before the last done().

The parent side (drive()) lives here too, so that the test and the soak run
the same code.
"""
import argparse
import faulthandler
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import traceback

try:
    import numpy
except ImportError:             # the typed-channel stations are left out
    numpy = None

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

G_RUNNING = 2           # Go's _Grunning (gmp._core.G.status)

STORM_MODES = ("main", "thread", "foreign")
STORM_SIGNALS = ("SIGINT", "SIGTERM", "SIGUSR1")


class SigTerm(Exception):
    """Raised by the SIGTERM handler."""


class SigUsr1(Exception):
    """Raised by the SIGUSR1 handler (--handler raise)."""


SIGEXC = (KeyboardInterrupt, SigTerm, SigUsr1)


# ---- child: state and checks ----------------------------------------------

class State:
    def __init__(self, args):
        self.args = args
        self.me = None              # the main goroutine's G (or the main thread's waiter G)
        self.armed = False          # handlers raise / send only while armed
        self.stop = False           # set when the parent closes our stdin
        self.nhandler = 0           # handler calls
        self.raised = 0
        self.deferred_main = 0      # handler ran in the main goroutine's own code
        self.deferred_other = 0     # handler ran in another goroutine on M0
        self.deferred_off = 0       # handler ran while not armed
        self.deferred_foreign = 0   # handler ran in a finalizer or callback during a park
        self.deferred_nested = 0    # handler ran inside a raising handler's own code
        self.inhandler = False      # a raising handler is between counting and raising
        self.sigsent = 0            # mixed: values the SIGUSR1 handler sent
        self.raised_ids = set()
        self.caught_ids = set()
        self.caught = {}            # park kind -> exceptions that surfaced there
        self.values = 0             # values checked
        self.rounds = 0
        self.anomalies = []
        self.nanomalies = 0
        self.station = "-"
        self.sigch = None
        self.stopwhy = None         # how the stdin watch ended

    def anomaly(self, msg, always=False):
        self.nanomalies += 1
        if len(self.anomalies) < 40 or always:
            self.anomalies.append("round %d %s: %s" % (self.rounds, self.station, msg))


st = None
gmp = None
_core = None
_chan = None


def caught(kind, e):
    """Books a handler's exception that surfaced at a blocking call. One
    raised while the runtime handled an earlier one (its __context__)
    surfaced too, as Python chains them."""
    st.caught[kind] = st.caught.get(kind, 0) + 1
    first = True
    while e is not None:
        fid = getattr(e, "fault_id", None)
        if fid is None:
            if first:
                st.anomaly("%s: %s surfaced that no handler raised" % (kind, type(e).__name__))
        elif fid in st.caught_ids:
            st.anomaly("%s: exception #%d surfaced twice" % (kind, fid))
        else:
            st.caught_ids.add(fid)
        first = False
        e = e.__context__


def call(kind, fn, *args):
    """fn(*args), retried while a handler's exception interrupts it."""
    while True:
        try:
            return fn(*args)
        except SIGEXC as e:
            caught(kind, e)


class Seq:
    """Per-sender sequence check of tagged values (sid, seq)."""

    def __init__(self, kind):
        self.kind = kind
        self.next = {}

    def see(self, v):
        if type(v) is not tuple or len(v) != 2:
            st.anomaly("%s: received %r, not a value anyone sent (spurious wake-up?)"
                       % (self.kind, v))
            return
        sid, seq = v
        want = self.next.get(sid, 0)
        if seq != want:
            st.anomaly("%s: sender %s's value %d arrived where %d was next (%s)"
                       % (self.kind, sid, seq, want, "lost" if seq > want else "duplicate"))
        self.next[sid] = max(want, seq + 1)
        st.values += 1

    def complete(self, counts):
        for sid, n in counts.items():
            if self.next.get(sid, 0) != n:
                st.anomaly("%s: sender %s: %d of %d values received"
                           % (self.kind, sid, self.next.get(sid, 0), n))


# ---- child: signal handlers -------------------------------------------------

_EXC = {}


def _handler(signum, frame):
    st.nhandler += 1
    if st.inhandler:
        # A second signal's handler, run by CPython's pending-call check after
        # a call in the handler below: what it raised would propagate out of
        # that handler in place of the exception the handler had just counted,
        # which would then never surface (seen on 3.14). Invariant: an
        # exception counted in raised_ids is the one raised.
        st.deferred_nested += 1
        return
    if not st.armed:
        st.deferred_off += 1
        return
    if st.sigch is not None and signum == signal.SIGUSR1:
        st.sigsent += 1
        st.sigch.send(st.sigsent)       # buffered, never full: never parks
        return
    me = st.me
    if gmp.runtime.in_goroutine() and _core._curg() is not me:
        st.deferred_other += 1
        return
    if me.status == G_RUNNING:
        st.deferred_main += 1
        return
    if frame is not None and not frame.f_code.co_filename.startswith(_OURS):
        # Python code that the runtime ran on the park's behalf (a weakref
        # callback, a finalizer): CPython prints and drops what a handler
        # raises there, runtime or not
        st.deferred_foreign += 1
        return
    st.inhandler = True
    try:
        st.raised += 1
        e = _EXC[signum]()
        e.fault_id = st.raised
        st.raised_ids.add(st.raised)
        raise e
    finally:
        st.inhandler = False


_OURS = ()


def install_handlers():
    global _OURS
    # the frames a park's handler may see: none (M0's scheduler context),
    # this program's, or gmp's Python layer (gmp.net's Conn.read, ...)
    import gmp.net
    _OURS = (_handler.__code__.co_filename,
             os.path.dirname(gmp.net.Conn.read.__code__.co_filename) + os.sep)
    _EXC[signal.SIGINT] = KeyboardInterrupt
    _EXC[signal.SIGTERM] = SigTerm
    _EXC[signal.SIGUSR1] = SigUsr1
    for s in _EXC:
        signal.signal(s, _handler)


def start_sigch():
    """--handler mixed: SIGUSR1's handler sends on st.sigch; a goroutine counts."""
    st.sigch = gmp.chan(1 << 14)
    res = gmp.chan(1)

    def consume():
        n = 0
        last = 0
        for v in st.sigch:
            n += 1
            if v != last + 1:
                st.anomaly("signal channel: %d after %d" % (v, last))
            last = v
        res.send(n)
    gmp.go(consume)
    return res


def stdin_watch():
    def watch():
        # os.read, not sys.stdin: a daemon thread blocked inside a buffered
        # reader holds its lock at interpreter shutdown (a fatal error)
        try:
            while os.read(0, 4096):
                pass
            st.stopwhy = "eof"
        except OSError as e:
            st.stopwhy = repr(e)
        st.stop = True
    threading.Thread(target=watch, name="stdin-watch", daemon=True).start()


# ---- child: stations (one kind of park each) ----------------------------------

def _delays(rng, n, p=0.5, hi=0.002):
    return [rng.uniform(0, hi) if rng.random() < p else 0.0 for _ in range(n)]


# Typed stations (t* below) run the same checks on a typed channel of
# int64: a value is sid * TAG + seq with sid from 1, so that 0, what a closed
# channel gives, is never a value anyone sent.
TAG = 1000000


def _codec(typed):
    if typed:
        return (lambda sid, seq: (sid + 1) * TAG + seq), \
            (lambda v: (v // TAG - 1, v % TAG) if type(v) is int and v > 0 else v), 0
    return (lambda sid, seq: (sid, seq)), (lambda v: v), None


def st_recv(rng, kind="recv", typed=False):
    cap = rng.choice((0, 0, 1, 4))
    c = gmp.chan(cap, dtype="i8" if typed else None)
    enc, dec, zero = _codec(typed)
    nsend = rng.randint(1, 3)
    per = rng.randint(4, 10)
    delays = [_delays(rng, per) for _ in range(nsend)]
    wg = gmp.WaitGroup()
    wg.add(nsend)

    def sender(sid, ds):
        for seq, d in enumerate(ds):
            if d:
                gmp.sleep(d)
            c.send(enc(sid, seq))
        wg.done()

    def closer():
        wg.wait()
        c.close()
    for sid in range(nsend):
        gmp.go(sender, sid, delays[sid])
    gmp.go(closer)
    seq = Seq("%s%s cap=%d" % ("typed " if typed else "", kind, cap))
    if kind == "iter":
        while True:
            try:
                for v in c:
                    seq.see(dec(v))
                break
            except SIGEXC as e:
                caught("iter", e)
    else:
        for _ in range(nsend * per):
            if kind == "recv":
                v = call("recv", c.recv)
                if v == zero:
                    st.anomaly("recv cap=%d: %r before close" % (cap, zero))
                    continue
            else:
                v, ok = call("recv_ok", c.recv_ok)
                if not ok:
                    st.anomaly("recv_ok cap=%d: (%r, False) before close" % (cap, v))
                    continue
            seq.see(dec(v))
        v, ok = call(kind, c.recv_ok)
        if ok or v != zero:
            st.anomaly("%s cap=%d: (%r, %r) where the closed channel's (%r, False) was due"
                       % (kind, cap, v, ok, zero))
    seq.complete({sid: per for sid in range(nsend)})


def st_recv_ok(rng):
    st_recv(rng, "recv_ok")


def st_iter(rng):
    st_recv(rng, "iter")


def st_trecv(rng):
    st_recv(rng, rng.choice(("recv", "recv_ok", "iter")), typed=True)


def st_send(rng, typed=False):
    cap = rng.choice((0, 0, 1, 4))
    c = gmp.chan(cap, dtype="i8" if typed else None)
    enc, dec, zero = _codec(typed)
    n = rng.randint(6, 16)
    nrecv = rng.randint(1, 2)
    res = gmp.chan(nrecv)

    def receiver(ds):
        got = []
        i = 0
        for v in c:
            got.append(dec(v))
            if ds[i % len(ds)]:
                gmp.sleep(ds[i % len(ds)])
            i += 1
        res.send(got)
    for _ in range(nrecv):
        gmp.go(receiver, _delays(rng, 8))
    for i in range(n):
        call("send", c.send, enc(0, i))
    c.close()
    allv = []
    for _ in range(nrecv):
        got = call("recv", res.recv)
        if type(got) is not list:
            st.anomaly("send cap=%d: a receiver's report was %r (spurious wake-up?)" % (cap, got))
            continue
        if got != sorted(got):
            st.anomaly("send cap=%d: a receiver got values out of order: %.200r" % (cap, got))
        allv.extend(got)
        st.values += len(got)
    allv.sort()
    if allv != [(0, i) for i in range(n)]:
        st.anomaly("send cap=%d: receivers got %d values, %d distinct, of %d sent"
                   % (cap, len(allv), len(set(allv)), n))


def st_tsend(rng):
    st_send(rng, typed=True)


def st_select(rng, typed=False):
    dt = "i8" if typed else None
    enc, dec, zero = _codec(typed)
    cin = gmp.chan(rng.choice((0, 1, 3)), dtype=dt)
    cout = gmp.chan(rng.choice((0, 1, 3)), dtype=dt)
    idle = gmp.chan(dtype=dt if rng.random() < 0.5 else None)
    nin = rng.randint(3, 10)
    nout = rng.randint(3, 10)
    din = _delays(rng, nin)
    dout = _delays(rng, nout)
    res = gmp.chan(1)

    def sender():
        for i, d in enumerate(din):
            if d:
                gmp.sleep(d)
            cin.send(enc(1, i))

    def receiver():
        got = []
        for i, v in enumerate(cout):
            got.append(dec(v))
            if dout[i % nout]:
                gmp.sleep(dout[i % nout])
        res.send(got)
    gmp.go(sender)
    gmp.go(receiver)
    seq = Seq("select recv")
    i_in = i_out = 0
    while i_in < nin or i_out < nout:
        cases = []
        kinds = []
        if i_in < nin:
            cases.append(cin.recv_ok if rng.random() < 0.3 else cin.recv)
            kinds.append("r")
        if i_out < nout:
            cases.append((cout.send, enc(0, i_out)))
            kinds.append("s")
        if rng.random() < 0.3:
            cases.append(idle.recv)
            kinds.append("idle")
        if rng.random() < 0.2:
            cases.append(gmp.nilchan.recv)
            kinds.append("idle")
        idx, v = call("select", gmp.select, *cases)
        k = kinds[idx]
        if k == "r":
            if isinstance(v, tuple) and len(v) == 2 and type(v[1]) is bool:
                v, ok = v
                if not ok:
                    st.anomaly("select recv_ok case: (%r, False) before close" % (v,))
                    continue
            seq.see(dec(v))
            i_in += 1
        elif k == "s":
            i_out += 1
        else:
            st.anomaly("select: a case that is never ready won (%d, %r)" % (idx, v))
    cout.close()
    got = call("recv", res.recv)
    if got != [(0, i) for i in range(nout)]:
        st.anomaly("select send: the receiver got %.200r, not 0..%d in order" % (got, nout - 1))
    seq.complete({1: nin})
    if _chan._recvq_len(idle) or _chan._sendq_len(cin) or _chan._recvq_len(cin):
        st.anomaly("select: waiters left behind (idle recvq %d, cin sendq %d recvq %d)"
                   % (_chan._recvq_len(idle), _chan._sendq_len(cin), _chan._recvq_len(cin)))


def st_tselect(rng):
    st_select(rng, typed=True)


def st_tbulk(rng):
    """send_array/recv_into on a typed channel: the parks of a bulk transfer
    (ring full, ring empty) take the signals; the values sent before an
    interrupt arrive, the rest are sent again, in order."""
    cap = rng.choice((0, 1, 16, 256))
    c = gmp.chan(cap, dtype="i8")
    n = rng.choice((10, 300, 3000))
    vals = numpy.arange(1, n + 1, dtype=numpy.int64)
    res = gmp.chan(1)

    def receiver(chunk, ds):
        # the pauses leave M0 idle, where a signal's exception goes to the
        # main goroutine parked in send_array
        got = []
        buf = numpy.zeros(chunk, numpy.int64)
        i = 0
        while True:
            k = c.recv_into(buf)
            got.extend(buf[:k].tolist())
            if k < chunk:
                break
            if ds[i % len(ds)]:
                gmp.sleep(ds[i % len(ds)])
            i += 1
        res.send(got)
    gmp.go(receiver, rng.choice((1, 7, 64, 1000)), _delays(rng, 8))
    sent = 0
    while sent < n:
        # an interrupted send_array does not say how many it sent: the main
        # goroutine sends in pieces and checks with len() after an interrupt
        piece = min(n - sent, rng.choice((1, 50, 2000)))
        try:
            c.send_array(vals[sent:sent + piece])
            sent += piece
        except SIGEXC as e:
            caught("send_array", e)
            break
    c.close()
    got = call("recv", res.recv)
    if type(got) is not list:
        st.anomaly("bulk cap=%d: the receiver's report was %r" % (cap, got))
        return
    if got != list(range(1, len(got) + 1)) or not (sent <= len(got) <= n):
        st.anomaly("bulk cap=%d: received %d values (sent at least %d of %d), not 1..k in order"
                   % (cap, len(got), sent, n))
    st.values += len(got)


def st_mutex(rng):
    mu = gmp.Mutex()
    box = [0]
    nw = rng.randint(1, 3)
    per = rng.randint(3, 8)
    mine = rng.randint(3, 8)
    wg = gmp.WaitGroup()
    wg.add(nw)

    def worker(ds):
        for d in ds:
            mu.lock()
            x = box[0]
            if d:
                gmp.sleep(d)            # hold it while G1 waits
            box[0] = x + 1
            mu.unlock()
        wg.done()
    for _ in range(nw):
        gmp.go(worker, _delays(rng, per, 0.7))
    for _ in range(mine):
        call("mutex", mu.lock)
        x = box[0]
        if rng.random() < 0.3:
            call("gosched", gmp.runtime.gosched)
        box[0] = x + 1
        mu.unlock()
    call("wg", wg.wait)
    if box[0] != nw * per + mine:
        st.anomaly("mutex: counter %d, %d increments made under the lock"
                   % (box[0], nw * per + mine))
    if not mu.try_lock():
        st.anomaly("mutex: still locked after every holder unlocked")
    else:
        mu.unlock()
    st.values += mine


def st_wg(rng):
    wg = gmp.WaitGroup()
    n = rng.randint(1, 4)
    flags = [False] * n
    wg.add(n)

    def worker(i, d):
        if d:
            gmp.sleep(d)
        flags[i] = True
        wg.done()
    for i in range(n):
        gmp.go(worker, i, rng.uniform(0, 0.003))
    call("wg", wg.wait)
    if not all(flags):
        st.anomaly("wg: wait returned with %d of %d done" % (sum(flags), n))
    st.values += 1


def st_cond(rng):
    L = gmp.Mutex()
    cond = gmp.sync.Cond(L)
    items = []
    holder = [None]         # who holds L, set right after lock(), cleared before unlock()
    n = rng.randint(3, 8)
    ds = _delays(rng, n, 0.7, 0.003)

    def producer():
        for i, d in enumerate(ds):
            if d:
                gmp.sleep(d)
            L.lock()
            holder[0] = "producer"
            items.append(i)
            cond.signal()
            holder[0] = None
            L.unlock()
    gmp.go(producer)
    got = 0
    while got < n:
        try:
            L.lock()
        except SIGEXC as e:
            caught("mutex", e)
            continue
        holder[0] = "G1"
        try:
            while not items:
                cond.wait()     # returns or raises with L locked again
            v = items.pop(0)
        except SIGEXC as e:
            caught("cond", e)
            # Go's Wait always returns with L locked; so must a wait that raises
            if holder[0] == "producer":
                st.anomaly("cond: Cond.wait raised while another goroutine held L")
            elif L.try_lock():
                st.anomaly("cond: Cond.wait raised with L unlocked")
                L.unlock()
            else:
                holder[0] = None
                L.unlock()
            continue
        holder[0] = None
        L.unlock()
        if v != got:
            st.anomaly("cond: item %r where %d was next" % (v, got))
        got += 1
        st.values += 1


def st_sleep(rng):
    for _ in range(rng.randint(2, 4)):
        d = rng.uniform(0.0005, 0.003)
        t0 = time.monotonic_ns()
        try:
            gmp.sleep(d)
        except SIGEXC as e:
            caught("sleep", e)
            continue
        early = int(d * 1e9) - (time.monotonic_ns() - t0)
        if early > 20000:
            st.anomaly("sleep(%.4f) returned %.3f ms early (spurious wake-up)" % (d, early / 1e6))
        st.values += 1


_tag = [0]


def _sysfn(tag, d, fail=False):
    time.sleep(d)
    if fail:
        raise ValueError(tag)
    return tag


def st_syscall(rng):
    for _ in range(rng.randint(2, 4)):
        _tag[0] += 1
        tag = _tag[0]
        try:
            r = gmp.syscall(_sysfn, tag, rng.uniform(0, 0.004))
        except SIGEXC as e:
            caught("syscall", e)
            continue
        if r != tag:
            st.anomaly("syscall: result %r of another call where %r was due" % (r, tag))
        st.values += 1


class NetPair:
    """A loopback connection: G1 reads rd; a writer goroutine writes wr."""

    def __init__(self):
        import gmp.net
        ln = gmp.net.listen("tcp", "127.0.0.1:0")
        acc = gmp.chan(1)
        gmp.go(lambda: acc.send(ln.accept()))
        self.rd = gmp.net.dial("tcp", str(ln.addr))
        self.wr = acc.recv()
        ln.close()
        self.jobs = gmp.chan(1)
        self.done = gmp.chan(1)
        gmp.go(self._writer)

    def _writer(self):
        for job in self.jobs:
            rnd, ds = job
            for i, d in enumerate(ds):
                if d:
                    gmp.sleep(d)
                self.wr.write(b"%d:%d\n" % (rnd, i))
        self.done.send(None)

    def close(self):
        self.jobs.close()
        call("recv", self.done.recv)
        self.wr.close()
        self.rd.close()


def st_net(rng):
    n = rng.randint(4, 12)
    rnd = st.rounds
    call("send", st.net.jobs.send, (rnd, _delays(rng, n, 0.7)))
    buf = b""
    i = 0
    while i < n:
        data = call("net", st.net.rd.read, 4096)
        if not data:
            st.anomaly("net: end of stream after %d of %d records" % (i, n))
            return
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if line != b"%d:%d" % (rnd, i):
                st.anomaly("net: record %r where %d:%d was next" % (line, rnd, i))
            i += 1
            st.values += 1
    if buf:
        st.anomaly("net: %r beyond the round's records" % buf)


def st_thread(rng):
    """A plain thread blocks in channel ops against G1 and a goroutine."""
    a = gmp.chan(rng.choice((0, 1)))      # G1 -> thread
    b = gmp.chan(rng.choice((0, 2)))      # thread -> G1
    cg = gmp.chan(rng.choice((0, 1)))     # goroutine -> thread
    res = gmp.chan(1)
    n = rng.randint(4, 10)
    tds = _delays(rng, n, 0.4, 0.001)
    gds = _delays(rng, n)
    errors = []

    def plain():
        try:
            got = []
            fromg = Seq("thread<-goroutine")
            for i in range(n):
                if tds[i]:
                    time.sleep(tds[i])
                if i % 3 == 2:
                    idx, v = gmp.select((b.send, (7, i)), cg.recv)
                    if idx == 1:
                        fromg.see(v)
                        b.send((7, i))
                    else:
                        fromg.see(cg.recv())
                else:
                    b.send((7, i))
                    fromg.see(cg.recv())
                got.append(a.recv())
            fromg.complete({3: n})
            res.send(got)
        except BaseException as e:
            errors.append("".join(traceback.format_exception(e)))
            res.send(None)

    def feeder():
        for i, d in enumerate(gds):
            if d:
                gmp.sleep(d)
            cg.send((3, i))
    t = threading.Thread(target=plain, name="plain-chan", daemon=True)
    t.start()
    gmp.go(feeder)
    seq = Seq("thread->G1")
    for i in range(n):
        seq.see(call("recv", b.recv))
        call("send", a.send, (0, i))
    got = call("recv", res.recv)
    # wait for the thread in short parks: a join would block M0, and with it
    # any goroutine pinned to P0 that the thread might still be waiting for
    t_end = time.monotonic() + 10
    while t.is_alive() and time.monotonic() < t_end:
        call("sleep", gmp.sleep, 0.001)
    if t.is_alive():
        st.anomaly("thread: the plain thread still runs 10 s after it reported %r" % (got,))
    elif errors:
        st.anomaly("plain thread: " + errors[0])
    elif got != [(0, i) for i in range(n)]:
        st.anomaly("thread: received %.200r, not 0..%d in order" % (got, n - 1))
    seq.complete({7: n})


STATIONS = {
    "recv": st_recv, "recv_ok": st_recv_ok, "iter": st_iter, "send": st_send,
    "select": st_select, "mutex": st_mutex, "wg": st_wg, "cond": st_cond,
    "sleep": st_sleep, "syscall": st_syscall, "net": st_net, "thread": st_thread,
    "trecv": st_trecv, "tsend": st_tsend, "tselect": st_tselect, "tbulk": st_tbulk,
}
# typed channels' stations, where numpy is installed
TYPED = ("trecv", "tsend", "tselect", "tbulk") if numpy is not None else ()
MODE_STATIONS = {
    "main": ("recv", "recv_ok", "iter", "send", "select", "mutex", "wg", "cond",
             "sleep", "syscall", "net") + TYPED,
    "thread": ("recv", "recv_ok", "iter", "send", "select", "mutex", "wg", "cond",
               "sleep", "syscall", "net", "thread", "thread") + TYPED,
    # a plain thread parks in chan and sync ops; its sleep and syscall are plain calls
    "foreign": ("recv", "recv_ok", "iter", "send", "select", "mutex", "wg", "cond") + TYPED,
}


def drain():
    """Parks until a park completes without an exception: one the runtime
    kept for a later park must surface here (and count as caught)."""
    for _ in range(20):
        try:
            if st.args.mode == "foreign":
                gmp.chan(1).send(None)
                c = gmp.chan()
                gmp.go(c.send, 1)
                c.recv()
            else:
                gmp.sleep(0.001)
        except SIGEXC as e:
            caught("drain", e)
            continue
        break


def storm_main():
    rng = random.Random(st.args.seed)
    names = st.args.stations.split(",") if st.args.stations else MODE_STATIONS[st.args.mode]
    if st.args.mode != "foreign":
        st.net = NetPair()
    sigres = start_sigch() if st.args.handler == "mixed" else None
    stdin_watch()
    st.armed = True
    print("READY", flush=True)
    t_end = time.monotonic() + st.args.max_seconds
    while not st.stop or st.rounds < st.args.min_rounds:
        order = list(names)
        rng.shuffle(order)
        for name in order:
            st.station = name
            STATIONS[name](rng)
        st.rounds += 1
        if time.monotonic() > t_end:
            st.anomaly("still running after %.0f s (no stdin EOF?)" % st.args.max_seconds)
            break
    st.station = "end"
    drain()
    st.armed = False
    if sigres is not None:
        st.sigch.close()
        n = call("recv", sigres.recv)
        if n != st.sigsent:
            st.anomaly("signal channel: the handler sent %d, %d arrived" % (st.sigsent, n))
    if st.args.mode != "foreign":
        st.net.close()


# ---- child: targeted interrupts, one park kind at a time ---------------------

FALLBACK = 2.0          # seconds after which a park nobody interrupted is completed


class Prober:
    """A plain thread that signals the process while the main goroutine (or
    the main thread's waiter) is parked, until the exception has arrived."""

    def __init__(self, sig):
        self.sig = sig
        self.acked = False
        self.sent = 0
        self.t = threading.Thread(target=self._run, name="prober", daemon=True)
        self.t.start()

    def _run(self):
        raised = st.raised
        # one raise per park: once a handler has raised, what happens to the
        # exception is the runtime's business (a second one while the main
        # goroutine is merely runnable would be kept for a later park)
        while not self.acked and st.raised == raised:
            if st.me.status != G_RUNNING:
                calls = st.nhandler
                os.kill(os.getpid(), self.sig)
                self.sent += 1
                t_end = time.monotonic() + 0.05
                while st.nhandler == calls and time.monotonic() < t_end and not self.acked:
                    time.sleep(0.0002)
                time.sleep(0.001)
            else:
                time.sleep(0.0002)

    def ack(self):
        self.acked = True
        self.t.join()


def after(d, fn, *args):
    """fn(*args) in a goroutine after d seconds unless cancelled; returns cancel."""
    stop = gmp.chan()

    def run():
        i, _ = gmp.select(stop.recv, gmp.after(d).recv)
        if i == 1:
            fn(*args)
    gmp.go(run)
    return stop.close


def interrupted(kind, op, sig, *args):
    """Runs op(*args) under a Prober; True when a handler's exception ended it."""
    p = Prober(sig)
    t0 = time.monotonic()
    try:
        r = op(*args)
    except SIGEXC as e:
        p.ack()
        caught(kind, e)
        return True
    except Exception as e:
        p.ack()
        st.anomaly("%s: raised %s: %s, not the handler's exception"
                   % (kind, type(e).__name__, e))
        return True
    p.ack()
    took = time.monotonic() - t0
    if took < FALLBACK:
        st.anomaly("%s: woke after %.3f s returning %.100r, before anything happened "
                   "(stale wake-up)" % (kind, took, r))
    else:
        st.anomaly("%s: not interrupted; completed by the fallback after %.0f s"
                   % (kind, FALLBACK))
    return False


def check_not_early(kind, d=0.02):
    t0 = time.monotonic_ns()
    gmp.sleep(d)
    if time.monotonic_ns() - t0 < int(d * 1e9) - 20000:
        st.anomaly("%s: a later sleep(%.3f) woke early (stale wake-up)" % (kind, d))


def check_recv_later(kind, d=0.05):
    """A later park in recv gets the value sent after d seconds, not a stale wake-up."""
    c = gmp.chan()
    gmp.go(lambda: (gmp.sleep(d), c.send("late")))
    v, ok = c.recv_ok()
    if (v, ok) != ("late", True):
        st.anomaly("%s: a later recv returned (%r, %r) (stale wake-up)" % (kind, v, ok))


def t_recv(sig, cap=0, how="recv"):
    c = gmp.chan(cap)
    cancel = after(FALLBACK, c.send, "fallback")
    op = {"recv": c.recv, "recv_ok": c.recv_ok, "iter": lambda: next(iter(c))}[how]
    interrupted("%s cap=%d" % (how, cap), op, sig)
    cancel()
    if _chan._recvq_len(c):
        st.anomaly("%s cap=%d: the interrupted receiver is still queued" % (how, cap))
    gmp.go(c.send, "x")
    v = c.recv()
    if v not in ("x", "fallback"):
        st.anomaly("%s cap=%d: next recv got %r" % (how, cap, v))


def t_send(sig, cap=0):
    c = gmp.chan(cap)
    for i in range(cap):
        c.send(("fill", i))
    got = gmp.chan(cap + 2)
    cancel = after(FALLBACK, lambda: [got.send(v) for v in [c.recv() for _ in range(cap + 1)]])
    if not interrupted("send cap=%d" % cap, c.send, sig, "interrupted"):
        cancel()
        return
    cancel()
    if _chan._sendq_len(c):
        st.anomaly("send cap=%d: the interrupted sender is still queued" % cap)
    if len(c) != cap:
        st.anomaly("send cap=%d: %d buffered after an interrupted send" % (cap, len(c)))
    # the interrupted value must not reach a receiver
    out = []
    done = gmp.chan()

    def drain_c():
        for v in c:
            out.append(v)
        done.close()
    gmp.go(drain_c)
    c.send("next")
    c.close()
    done.recv()
    want = [("fill", i) for i in range(cap)] + ["next"]
    if "interrupted" in out:
        st.anomaly("send cap=%d: the interrupted send's value was delivered: %r" % (cap, out))
    elif out != want:
        st.anomaly("send cap=%d: the receiver saw %r, %r was due" % (cap, out, want))


def t_select(sig):
    a, b, full = gmp.chan(), gmp.chan(), gmp.chan(1)
    full.send("f")
    cancel = after(FALLBACK, a.send, "fallback")
    interrupted("select", gmp.select, sig, a.recv, b.recv_ok, (full.send, "s"), gmp.nilchan.recv)
    cancel()
    if _chan._recvq_len(a) or _chan._recvq_len(b) or _chan._sendq_len(full):
        st.anomaly("select: interrupted select left sudogs (a %d, b %d, full %d)"
                   % (_chan._recvq_len(a), _chan._recvq_len(b), _chan._sendq_len(full)))
    if len(full) != 1 or full.recv() != "f":
        st.anomaly("select: the send case ran although select was interrupted")
    gmp.go(b.send, "y")
    i, v = gmp.select(a.recv, b.recv_ok)
    if (i, v) not in ((1, ("y", True)), (0, "fallback")):
        st.anomaly("select: next select returned (%r, %r)" % (i, v))


def t_mutex(sig):
    mu = gmp.Mutex()
    locked, release = gmp.chan(), gmp.chan()

    def holder():
        mu.lock()
        locked.send(None)
        release.recv()
        mu.unlock()
    gmp.go(holder)
    locked.recv()
    cancel = after(FALLBACK, release.close)
    if not interrupted("mutex", mu.lock, sig):
        mu.unlock()                     # the fallback released it to us
    cancel()
    if not release.closed:
        release.close()
    # the holder's unlock must leave the lock free (not handed to the
    # interrupted waiter)
    deadline = time.monotonic() + 5
    while not mu.try_lock():
        if time.monotonic() > deadline:
            st.anomaly("mutex: never free after the holder unlocked "
                       "(handed to the interrupted waiter?)")
            return
        gmp.sleep(0.001)
    mu.unlock()


def t_wg(sig):
    wg = gmp.WaitGroup()
    wg.add(1)
    cancel = after(FALLBACK, wg.done)
    fell = not interrupted("wg", wg.wait, sig)
    cancel()
    if not fell:
        wg.done()           # wakes nobody: the interrupted waiter is gone
    check_not_early("wg")
    wg.wait()


def t_cond(sig):
    L = gmp.Mutex()
    cond = gmp.sync.Cond(L)
    L.lock()
    cancel = after(FALLBACK, cond.signal)
    interrupted("cond", cond.wait, sig)
    cancel()
    if L.try_lock():
        st.anomaly("cond: L was not locked when the interrupted wait raised")
    L.unlock()
    cond.signal()           # wakes nobody: the interrupted waiter is gone
    check_not_early("cond")


def t_sleep(sig):
    interrupted("sleep", gmp.sleep, sig, FALLBACK)
    check_not_early("sleep")


def t_syscall(sig):
    interrupted("syscall", gmp.syscall, sig, time.sleep, 0.2)
    # the call completes on its helper 0.2 s later: that must not wake us
    check_recv_later("syscall", 0.5)
    check_not_early("syscall", 0.05)


def t_net(sig):
    cancel = after(FALLBACK, st.net.wr.write, b"fallback")
    interrupted("net", st.net.rd.read, sig, 4096)
    cancel()
    st.net.wr.write(b"z")
    try:
        data = st.net.rd.read(4096)
    except Exception as e:
        st.anomaly("net: read after an interrupted read: %s: %s" % (type(e).__name__, e))
        return
    if data not in (b"z", b"fallbackz"):
        st.anomaly("net: read after an interrupted read returned %r" % data)


def t_timer(sig):
    t = gmp.Timer(FALLBACK)
    interrupted("timer recv", t.c.recv, sig)
    t.stop()
    check_not_early("timer recv")


def t_nil(sig):
    interrupted("nilchan recv", gmp.nilchan.recv, sig)
    interrupted("select()", gmp.select, sig)
    check_not_early("nil")


TARGETS = [
    ("recv", t_recv), ("recv buffered", lambda s: t_recv(s, 2)),
    ("recv_ok", lambda s: t_recv(s, 0, "recv_ok")), ("iter", lambda s: t_recv(s, 1, "iter")),
    ("send", t_send), ("send buffered", lambda s: t_send(s, 2)), ("select", t_select),
    ("mutex", t_mutex), ("wg", t_wg), ("cond", t_cond), ("sleep", t_sleep),
    ("net", t_net), ("timer", t_timer), ("nil", t_nil),
    # last: a call still running on its helper outlives the interrupted park
    ("syscall", t_syscall),
]
FOREIGN_TARGETS = ("recv", "recv buffered", "recv_ok", "iter", "send", "send buffered",
                   "select", "mutex", "wg", "cond")


def targeted_main():
    sigs = [signal.SIGINT, signal.SIGTERM, signal.SIGUSR1]
    if st.args.mode == "targeted" and not st.args.foreign:
        st.net = NetPair()
    st.armed = True
    print("READY", flush=True)
    only = st.args.stations.split(",") if st.args.stations else None
    # each kind min_rounds times in a row (SIGINT, SIGTERM, SIGUSR1 in turn),
    # so that a stale wake-up one kind leaves behind shows up under its name
    for i, (name, fn) in enumerate(TARGETS):
        if st.args.foreign and name not in FOREIGN_TARGETS or only and name not in only:
            continue
        st.station = name
        for r in range(st.args.min_rounds):
            fn(sigs[(i + r) % 3])
            drain()
            st.values += 1
            st.rounds += 1
    st.station = "end"
    st.armed = False
    if not st.args.foreign:
        st.net.close()


# ---- child: exceptions without signals -----------------------------------

def x_cond_unlocked(rng):
    L = gmp.Mutex()
    cond = gmp.sync.Cond(L)
    try:
        cond.wait()
        st.anomaly("Cond.wait with L unlocked returned")
    except gmp.Panic as e:
        if str(e) != "sync: unlock of unlocked mutex":
            st.anomaly("Cond.wait with L unlocked: Panic(%r)" % str(e))
    # other parks follow; a signal()/broadcast() must not reach them
    c = gmp.chan(rng.choice((0, 1)))

    def other(d):
        cond.signal()
        cond.broadcast()
        if d:
            gmp.sleep(d)
        c.send("v")
    gmp.go(other, rng.uniform(0, 0.002))
    v, ok = c.recv_ok()
    if (v, ok) != ("v", True):
        st.anomaly("cond unlocked: a later recv returned (%r, %r) (stale Cond waiter)" % (v, ok))
    gmp.go(cond.signal)
    t0 = time.monotonic_ns()
    gmp.sleep(0.002)
    if time.monotonic_ns() - t0 < 2000000 - 20000:
        st.anomaly("cond unlocked: a later sleep woke early (stale Cond waiter)")
    # the Cond itself still works
    flag = []
    L.lock()

    def signaller():
        L.lock()
        flag.append(1)
        cond.signal()
        L.unlock()
    gmp.go(signaller)
    while not flag:
        cond.wait()
    L.unlock()
    st.values += 1


def x_syscall(rng):
    n = rng.randint(2, 4)
    res = gmp.chan(n)

    def worker(w, plan):
        bad = 0
        for tag, d, fail in plan:
            try:
                r = gmp.syscall(_sysfn, tag, d, fail)
                if fail or r != tag:
                    bad += 1
            except ValueError as e:
                if not fail or e.args != (tag,):
                    bad += 1
            c = gmp.chan()
            gmp.go(c.send, tag)
            if c.recv() != tag:
                bad += 1
        res.send(bad)

    def plan():
        out = []
        for _ in range(rng.randint(2, 5)):
            _tag[0] += 1
            out.append((_tag[0], rng.uniform(0, 0.002), rng.random() < 0.5))
        return out
    for w in range(n):
        gmp.go(worker, w, plan())
    mine = plan()
    for tag, d, fail in mine:
        try:
            r = gmp.syscall(_sysfn, tag, d, fail)
            if fail or r != tag:
                st.anomaly("syscall: returned %r for call %r (fail=%s)" % (r, tag, fail))
        except ValueError as e:
            if not fail or e.args != (tag,):
                st.anomaly("syscall: ValueError%r for call %r (fail=%s)" % (e.args, tag, fail))
        check_not_early("syscall exception", 0.001)
    bad = sum(res.recv() for _ in range(n))
    if bad:
        st.anomaly("syscall: %d wrong results or exceptions in goroutines" % bad)
    st.values += n + len(mine)


def x_ctx(rng):
    from gmp import context
    for _ in range(rng.randint(4, 10)):
        ctx, cancel = context.with_cancel(context.background())
        c = gmp.chan(rng.choice((0, 0, 1)))
        rep = gmp.chan(1)
        d_send = rng.uniform(0, 0.001) if rng.random() < 0.5 else 0
        d_cancel = rng.uniform(0, 0.001) if rng.random() < 0.7 else 0

        def sender():
            if d_send:
                gmp.sleep(d_send)
            i, _ = gmp.select((c.send, "v"), ctx.done().recv)
            rep.send(i == 0)

        def canceller():
            if d_cancel:
                gmp.sleep(d_cancel)
            cancel()
        gmp.go(sender)
        gmp.go(canceller)
        i, v = gmp.select(c.recv, ctx.done().recv)
        got = [v] if i == 0 else []
        if i == 1 and ctx.err() is None:
            st.anomaly("ctx: done case won but err() is None")
        cancel()
        sent = rep.recv()
        try:
            v2, ok = c.recv_nowait()
            got.append(v2)
        except gmp.WouldBlock:
            pass
        if got != (["v"] if sent else []):
            st.anomaly("ctx race: sender sent=%s, receiver got %r" % (sent, got))
        st.values += 1


XPARTS = {"cond_unlocked": x_cond_unlocked, "syscall_exc": x_syscall, "ctx": x_ctx}


def exceptions_main():
    rng = random.Random(st.args.seed)
    print("READY", flush=True)
    parts = [XPARTS[n] for n in (st.args.stations.split(",") if st.args.stations else XPARTS)]
    for r in range(st.args.min_rounds):
        rng.shuffle(parts)
        for fn in parts:
            st.station = fn.__name__
            fn(rng)
        # the same, in goroutines at once (on other Ps when GOMAXPROCS > 1)
        wg = gmp.WaitGroup()
        for fn in parts:
            wg.add(1)
            sub = random.Random(rng.random())
            gmp.go(lambda fn=fn, sub=sub: (fn(sub), wg.done()))
        wg.wait()
        st.rounds += 1
    st.station = "end"


# ---- child: entry point ------------------------------------------------------

def start_foreign():
    """The runtime is started by another thread; the main thread stays plain."""
    t = threading.Thread(target=lambda: gmp.go(lambda: None), name="starter")
    t.start()
    t.join()


def child(argv):
    global st, gmp, _core, _chan
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", required=True,
                    choices=STORM_MODES + ("targeted", "exceptions"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--handler", choices=("raise", "mixed"), default="raise")
    ap.add_argument("--foreign", action="store_true",
                    help="targeted: the main thread is a plain waiter")
    ap.add_argument("--min-rounds", type=int, default=2)
    ap.add_argument("--max-seconds", type=float, default=120.0)
    ap.add_argument("--stations", default="",
                    help="comma-separated stations (storm modes), park kinds (targeted) "
                         "or parts (exceptions); default: all of the mode's")
    args = ap.parse_args(argv)
    if args.mode == "foreign":
        args.foreign = True
    import gmp as _gmp
    from gmp import _core as c1, _chan as c2
    gmp, _core, _chan = _gmp, c1, c2
    st = State(args)
    install_handlers()
    if args.foreign:
        start_foreign()
        st.me = _core._curg()           # the main thread's waiter G
        if gmp.runtime.in_goroutine():
            st.anomaly("the main thread became a goroutine")
    else:
        st.me = _core._curg()           # starts the runtime: the main thread is M0, this G1
    err = None
    try:
        if args.mode in STORM_MODES:
            storm_main()
        elif args.mode == "targeted":
            targeted_main()
        else:
            exceptions_main()
    except BaseException as e:          # the workload broke: report it, then fail
        st.armed = False
        err = "".join(traceback.format_exception(e))
        st.anomaly("unexpected exception:\n" + err, always=True)
    st.armed = False
    lost = sorted(st.raised_ids - st.caught_ids)
    if lost:
        st.anomaly("%d exceptions raised by handlers never surfaced (#%s)"
                   % (len(lost), ", #".join(map(str, lost[:10]))))
    out = {
        "mode": args.mode, "seed": args.seed, "handler": args.handler, "foreign": args.foreign,
        "gomaxprocs": gmp.runtime.gomaxprocs(), "rounds": st.rounds, "values": st.values,
        "handler_calls": st.nhandler, "raised": st.raised, "caught": st.caught,
        "deferred": {"main": st.deferred_main, "other": st.deferred_other,
                     "off": st.deferred_off, "foreign code": st.deferred_foreign,
                     "nested": st.deferred_nested},
        "sigsent": st.sigsent, "stop": st.stopwhy, "nanomalies": st.nanomalies,
        "anomalies": st.anomalies,
    }
    for s in _EXC:                      # signals still in flight must not end us
        signal.signal(s, signal.SIG_IGN)
    print("RESULT " + json.dumps(out), flush=True)
    return 1 if st.nanomalies else 0


# ---- parent: run one case -----------------------------------------------------

class Outcome:
    def __init__(self, **kw):
        self.__dict__.update(kw)

    def report(self):
        lines = ["faultprog %s: %s" % ("ok" if self.ok else "FAILED", " ".join(self.cmd[6:])),
                 "  GOMAXPROCS=%s seed=%s signals sent=%d rc=%s%s"
                 % (self.procs, self.seed, self.sent, self.rc, " HUNG" if self.hung else "")]
        lines.append("  repeat: python -c \"import sys; sys.path.insert(0, 'tests'); "
                     "import faultprog; print(faultprog.drive(%s).report())\"" % self.call)
        lines += ["  problem: " + p for p in self.problems]
        lines.append("  --- stdout (tail) ---")
        lines.append(self.stdout[-4000:])
        lines.append("  --- stderr (tail) ---")
        lines.append(self.stderr[-8000:])
        return "\n".join(lines)


def category(problem):
    """A failure's kind without its numbers, values and round: what the soak
    counts. An unexpected exception is named by its last traceback line."""
    import re
    m = re.match(r"round \d+ [^:]*: ", problem)
    if m:
        problem = problem[m.end():]
    if problem.startswith("unexpected exception:"):
        last = [ln for ln in problem.splitlines() if ln.strip()][-1]
        return "unexpected exception: " + last
    problem = re.sub(r"'[^']*'|\"[^\"]*\"|#\d+(, #\d+)*", "..", problem)
    problem = re.sub(r"-?\d+(\.\d+)?", "N", problem)
    return problem[:160]


FORBIDDEN = ("blocking operation in the scheduler context", "Exception ignored", "Traceback",
             "panic:", "Fatal Python error", "fatal error", "Segmentation fault",
             "RuntimeError")


def drive(mode, seed, procs, nsig=0, gap=(0.001, 0.006), handler="raise", foreign=False,
          min_rounds=2, timeout=20.0, python=None, stations="", gilaware=False):
    """Runs faultprog in a subprocess: waits for READY, sends nsig signals
    (SIGINT/SIGTERM/SIGUSR1, seeded, gap seconds apart with jitter), closes
    its stdin, and waits up to timeout seconds for its exit. A hang gets
    SIGQUIT (gmp's goroutine dump), then SIGABRT (faulthandler), then
    SIGKILL. Returns an Outcome (ok, problems, result, output).
    With procs > 1 the program runs with Go's eager wakep (GMPDEBUG=
    gilaware=0), so that its goroutines spread over the Ms and the faults
    hit cross-thread wakes, unless gilaware is True (the default policy)."""
    call = ", ".join(["%r" % mode, "%d" % seed, "%d" % procs] + [
        "%s=%r" % kv for kv in (("nsig", nsig), ("gap", gap), ("handler", handler),
                                ("foreign", foreign), ("min_rounds", min_rounds),
                                ("timeout", timeout), ("stations", stations))])
    cmd = [python or sys.executable, "-X", "dev", "-X", "faulthandler",
           os.path.join(HERE, "faultprog.py"), "--mode", mode, "--seed", str(seed),
           "--handler", handler, "--min-rounds", str(min_rounds)]
    if foreign:
        cmd.append("--foreign")
    if stations:
        cmd += ["--stations", stations]
    env = dict(os.environ)
    env["GOMAXPROCS"] = str(procs)
    env.pop("GODEBUG", None)
    env.pop("GMPDEBUG", None)
    if procs > 1 and not gilaware:
        env["GMPDEBUG"] = "gilaware=0"
    env["PYTHONPATH"] = os.pathsep.join([ROOT] + [p for p in sys.path if p])
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env)
    out, err = [], []
    ready = threading.Event()
    finished = threading.Event()

    def rd(f, acc, watch):
        for line in iter(f.readline, b""):
            acc.append(line)
            if watch and line.strip() == b"READY":
                ready.set()
            if watch and line.startswith(b"RESULT "):
                finished.set()
        ready.set() if watch else None
    ts = [threading.Thread(target=rd, args=(p.stdout, out, True), daemon=True),
          threading.Thread(target=rd, args=(p.stderr, err, False), daemon=True)]
    for t in ts:
        t.start()
    sent = 0
    hung = False
    problems = []
    if not ready.wait(timeout):
        problems.append("no READY within %.0f s" % timeout)
    rng = random.Random(seed * 7919 + 17)
    sigs = [getattr(signal, s) for s in STORM_SIGNALS]
    for _ in range(nsig):
        if p.poll() is not None or finished.is_set():
            break
        try:
            os.kill(p.pid, rng.choice(sigs))
        except ProcessLookupError:
            break
        sent += 1
        time.sleep(rng.uniform(*gap))
    try:
        p.stdin.close()
    except OSError:
        pass
    try:
        p.wait(timeout)
    except subprocess.TimeoutExpired:
        hung = True
        # SIGUSR2: faulthandler's dump of every thread (the child carries on);
        # SIGQUIT: gmp's dump of every goroutine, exit 2; then harder
        for s, wait in ((signal.SIGUSR2, 1), (signal.SIGQUIT, 5), (signal.SIGABRT, 5),
                        (signal.SIGKILL, 5)):
            try:
                p.send_signal(s)
                p.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
    for t in ts:
        t.join(5)
    stdout = b"".join(out).decode(errors="replace")
    stderr = b"".join(err).decode(errors="replace")
    result = None
    for line in stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[7:])
    if result is not None:
        problems += result["anomalies"]
        if result["nanomalies"] > len(result["anomalies"]):
            problems.append("... %d anomalies in all" % result["nanomalies"])
    if hung:
        problems.append("hung: no exit within %.0f s after the storm (thread and goroutine "
                        "dumps in stderr)" % timeout)
    elif p.returncode not in (0, 1):
        # the first line of stderr says how it died (panic, fatal error)
        first = [ln for ln in stderr.splitlines() if ln.strip()][:1]
        problems.append("died: exit status %s%s" % (p.returncode,
                                                    ", " + first[0][:200] if first else ""))
    elif p.returncode != 0 and not problems:
        problems.append("exit status %s" % p.returncode)
    died = hung or p.returncode not in (0, 1)
    if result is None and not died:
        problems.append("no RESULT line")
    for s in FORBIDDEN:
        if s in stderr and not died:
            problems.append("stderr contains %r" % s)
    return Outcome(ok=not problems, problems=problems, result=result, stdout=stdout,
                   stderr=stderr, rc=p.returncode, hung=hung, sent=sent, seed=seed,
                   procs=procs, mode=mode, cmd=cmd, call=call)


if __name__ == "__main__":
    faulthandler.enable()
    faulthandler.register(signal.SIGUSR2, all_threads=True)
    sys.exit(child(sys.argv[1:]))
