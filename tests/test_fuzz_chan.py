"""Model-based fuzzing of channels, select and timers against Go's semantics.

The reference is Go's runtime (chan.go, select.go, time.go as of Go 1.23),
written down as a small sequential model:

- ``ChanMachine`` (a hypothesis RuleBasedStateMachine) drives channels
  (nil, unbuffered, buffered), select with any mix of cases, timers, and
  background goroutines that park on channels. After every step it waits,
  through probes only (``_recvq_len``/``_sendq_len``, the results the
  goroutines record, ``len(ch)``), until the runtime reaches the state the
  model predicts, then compares every observation with the model.
- ``run_topology`` runs N producers and M consumers over random channel
  topologies and checks that what is received is what was sent, exactly
  once, in each sender's order per channel and receiver.
- ``test_select_uniform_*`` checks that select chooses uniformly among its
  ready cases (chi-square, with a bound generous enough never to flake).

Every fuzz run happens in a subprocess with a timeout (GOMAXPROCS is fixed per
process, and a runtime bug must not hang the suite). The CI run is small and
derandomized; scale it for a long run with the environment:

    GMP_FUZZ_EXAMPLES=2000        examples per hypothesis test
    GMP_FUZZ_SEED=random          fresh random examples each run (prints a
                                  reproduction blob on failure)

``scripts/fuzz_long.sh`` does both in a loop.
"""
import collections
import itertools
import math
import os
import random
import sys
import time

import pytest

import gmp
from gmp import Panic, WouldBlock
from gmp import _chan

try:
    from gmptest import run_program
except ImportError:         # imported as a plain module by a worker
    run_program = None

from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from hypothesis.stateful import run_state_machine_as_test

# Go 1.23 timer semantics (Stop/Reset after a fire nobody received; see the
# tests at the end). True: the model accepts only Go's answer there.
STRICT_GO123_TIMERS = True

EXAMPLES = int(os.environ.get("GMP_FUZZ_EXAMPLES") or 0)
RANDOM = os.environ.get("GMP_FUZZ_SEED") == "random"
SETTLE_TIMEOUT = 10.0       # seconds a probe waits for the predicted state (2 while shrinking)
WATCHDOG = 20.0             # a blocking op of the main goroutine gives up after this


def fuzz_settings(ci_examples, **kw):
    return settings(max_examples=EXAMPLES or ci_examples, derandomize=not RANDOM,
                    database=None, deadline=None, print_blob=RANDOM,
                    suppress_health_check=list(HealthCheck), **kw)


class Mismatch(AssertionError):
    """The runtime did something the model says Go would not."""

    seen = 0

    def __init__(self, msg):
        super().__init__(msg)
        if not Mismatch.seen:       # the first one, before shrinking starts
            sys.stderr.write("gmp fuzz: first mismatch: %s\n" % msg)
            sys.stderr.flush()
        Mismatch.seen += 1


def settle_until(pred, what):
    """Lets the other goroutines run until pred() holds (a probe; no timing
    assumption): a few yields first, then short sleeps."""
    for _ in range(20):
        if pred():
            return
        gmp.runtime.gosched()
    # once a failure is known, hypothesis shrinks it: a wait the runtime
    # does not end is then most likely that failure again
    deadline = time.monotonic() + (2.0 if Mismatch.seen else SETTLE_TIMEOUT)
    while not pred():
        if time.monotonic() > deadline:
            raise Mismatch("timed out waiting for " + what())
        gmp.sleep(0.0002)


# ---- the model ---------------------------------------------------------------

class ModelPanic(Exception):
    pass


class MChan:
    """Model of one channel: Go's hchan with the queues of live waiters."""

    def __init__(self, name, cap, ch):
        self.name = name
        self.cap = cap              # None: the nil channel
        self.ch = ch
        self.buf = collections.deque()
        self.closed = False
        self.recvq = []             # Entry, FIFO
        self.sendq = []

    @property
    def nil(self):
        return self.cap is None

    def __repr__(self):
        return self.name

    def sudogs(self, q):
        return sum(len(e.idxs) for e in q)

    def recv_ready(self):
        return not self.nil and bool(self.buf or self.sendq or self.closed)

    def send_ready(self):
        return not self.nil and bool(self.closed or self.recvq or len(self.buf) < self.cap)


class Entry:
    """A parked goroutine's place in one queue of one channel. A select with
    several cases on the same channel and direction has one entry (its
    sudogs sit side by side in the queue) listing every such case."""
    __slots__ = ("bg", "mc", "dir", "idxs", "value")

    def __init__(self, bg, mc, dir, idxs, value=None):
        self.bg, self.mc, self.dir, self.idxs, self.value = bg, mc, dir, idxs, value


class MTimer:
    """Model of a Timer, Ticker or after() channel, as seen by its receiver.
    state: idle (no value can arrive), pending (a value will arrive), ready
    (a value is there: seen by probe), stale1 (gmp only: at most one stale
    value may still be received)."""

    def __init__(self, name, kind, obj, c, state, armed, short):
        self.name, self.kind, self.obj, self.c = name, kind, obj, c
        self.state, self.armed, self.short = state, armed, short

    def __repr__(self):
        return self.name

    def got_value(self):
        if self.kind == "ticker" and self.short and self.state != "stale1":
            self.state = "pending"
        else:
            self.state = "idle"
        if self.kind != "ticker":
            self.armed = False


class BG:
    """A background goroutine: its op, what it recorded, what the model expects."""

    def __init__(self, bid, kind, desc):
        self.bid, self.kind, self.desc = bid, kind, desc
        self.results = []           # appended by the goroutine
        self.exp = []               # appended by the model: ("eq", r) or ("sel", {idx: val})
        self.entries = []
        self.done = False
        self.checked = 0
        self.select_cases = None    # for "select": [(kind, mc, value)]

    def __repr__(self):
        return "bg%d(%s)" % (self.bid, self.desc)


def sel_value(kind, v, ok):
    if kind == "recv":
        return v
    if kind == "recv_ok":
        return (v, ok)
    return None


def is_time(v):
    return isinstance(v, float) and abs(v - time.time()) < 3600


def case_obj(kind, target, value=None):
    ch = target.ch if isinstance(target, MChan) else target.c
    if kind == "recv":
        return ch.recv
    if kind == "recv_ok":
        return ch.recv_ok
    return (ch.send, value)


STATS = collections.Counter()      # what the runs exercised, printed by the worker


class ChanMachine(RuleBasedStateMachine):
    """Runs channel, select and timer operations on gmp and on the model."""

    MAXCHANS = 4
    MAXBGS = 8
    MAXTIMERS = 3

    def __init__(self):
        super().__init__()
        self.vals = itertools.count(1)
        self.chans = [MChan("nil", None, gmp.nilchan)]
        self.timers = []
        self.bgs = []
        self.nbg = 0
        self.failed = False
        self.sent = collections.Counter()       # values whose send completed (observed)
        self.received = collections.Counter()   # values received (observed)

    # -- model operations (Go's chansend/chanrecv/closechan) --

    def complete(self, e, outcome):
        """The parked goroutine of entry e wins with it; outcome is (v, ok)
        for a receive, True for a send, False for a send woken by close."""
        bg = e.bg
        for x in bg.entries:
            q = x.mc.recvq if x.dir == "recv" else x.mc.sendq
            q.remove(x)
        bg.entries = []
        closed = outcome is False or outcome is not True and not outcome[1]
        STATS["wake %s %s %s" % (bg.kind, e.dir, "closed" if closed else "ok")] += 1
        if bg.kind == "select":
            if e.dir == "send" and not outcome:
                bg.exp.append(("eq", ("panic", "send on closed channel")))
            else:
                if e.dir == "send":
                    val = {i: None for i in e.idxs}
                else:
                    val = {i: sel_value(bg.select_cases[i][0], *outcome) for i in e.idxs}
                bg.exp.append(("sel", val))
            bg.done = True
        elif bg.kind == "iter":
            v, ok = outcome
            if ok:
                bg.exp.append(("eq", ("v", v)))
                self.park(bg, [Entry(bg, e.mc, "recv", [0])])
            else:
                bg.exp.append(("eq", ("end", None)))
                bg.done = True
        else:
            if e.dir == "send":
                bg.exp.append(("eq", ("ok", None) if outcome else ("panic", "send on closed channel")))
            else:
                bg.exp.append(("eq", ("ok", sel_value(bg.kind, *outcome))))
            bg.done = True

    def park(self, bg, entries):
        STATS["park " + bg.kind] += 1
        for e in entries:
            (e.mc.recvq if e.dir == "recv" else e.mc.sendq).append(e)
        bg.entries = list(entries)

    def m_send(self, mc, v):
        """A send that cannot block (mc.send_ready())."""
        if mc.closed:
            raise ModelPanic("send on closed channel")
        if mc.recvq:
            self.complete(mc.recvq[0], (v, True))
        else:
            mc.buf.append(v)

    def m_recv(self, mc):
        """A receive that cannot block (mc.recv_ready()): returns (v, ok)."""
        if mc.buf:
            v = mc.buf.popleft()
            if mc.sendq:
                e = mc.sendq[0]
                mc.buf.append(e.value)
                self.complete(e, True)
            return v, True
        if mc.sendq:
            e = mc.sendq[0]
            self.complete(e, True)
            return e.value, True
        assert mc.closed
        return None, False

    def m_close(self, mc):
        if mc.nil:
            raise ModelPanic("close of nil channel")
        if mc.closed:
            raise ModelPanic("close of closed channel")
        mc.closed = True
        # receivers first, then senders (closechan); a select parked on both
        # sides of this channel wins with its receive
        for e in list(mc.recvq):
            if e in mc.recvq:
                self.complete(e, (None, False))
        for e in list(mc.sendq):
            if e in mc.sendq:
                self.complete(e, False)

    # -- observing --

    def expect(self, cond, msg, *args):
        if not cond:
            self.failed = True
            raise Mismatch(msg % args if args else msg)

    def observe_recv(self, v, ok):
        if ok:
            self.received[v] += 1

    def check_result(self, bg, r, x):
        if x[0] == "eq":
            return r == x[1]
        if r[0] != "ok" or not isinstance(r[1], tuple) or len(r[1]) != 2:
            return False
        idx, val = r[1]
        return idx in x[1] and x[1][idx] == val

    def describe(self):
        out = []
        for mc in self.chans[1:]:
            out.append("%s cap=%d buf=%s closed=%s model recvq=%d sendq=%d, runtime recvq=%d sendq=%d len=%d"
                       % (mc, mc.cap, list(mc.buf), mc.closed, mc.sudogs(mc.recvq), mc.sudogs(mc.sendq),
                          _chan._recvq_len(mc.ch), _chan._sendq_len(mc.ch), len(mc.ch)))
        for bg in self.bgs:
            if bg.checked < len(bg.exp) or len(bg.results) != len(bg.exp):
                out.append("%r: expected %r, recorded %r" % (bg, bg.exp, bg.results))
        return "the model's state:\n  " + "\n  ".join(out)

    @invariant()
    def settled(self):
        """Waits for the runtime to reach the model's state, then compares."""
        def done():
            if any(len(bg.results) > len(bg.exp) for bg in self.bgs):
                return True         # one did what the model did not expect: fail now
            for bg in self.bgs:
                if len(bg.results) < len(bg.exp):
                    return False
            for mc in self.chans[1:]:
                if (_chan._recvq_len(mc.ch) != mc.sudogs(mc.recvq)
                        or _chan._sendq_len(mc.ch) != mc.sudogs(mc.sendq)):
                    return False
            return True
        try:
            settle_until(done, self.describe)
        except Mismatch:
            self.failed = True
            raise
        for bg in self.bgs:
            self.expect(len(bg.results) == len(bg.exp), "%r recorded %r, the model expects %r; %s",
                        bg, bg.results, bg.exp, self.describe())
            while bg.checked < len(bg.exp):
                r, x = bg.results[bg.checked], bg.exp[bg.checked]
                self.expect(self.check_result(bg, r, x), "%r recorded %r, the model expects %r", bg, r, x)
                self.account(bg, r)
                bg.checked += 1
        self.bgs = [bg for bg in self.bgs if not bg.done or bg.checked < len(bg.exp)]
        for mc in self.chans:
            self.expect(len(mc.ch) == len(mc.buf), "len(%r) is %d, the model says %d", mc, len(mc.ch), len(mc.buf))
            self.expect(mc.ch.cap == (mc.cap or 0), "cap(%r) is %d", mc, mc.ch.cap)
            self.expect(mc.ch.closed == mc.closed, "%r.closed is %r", mc, mc.ch.closed)

    def account(self, bg, r):
        if r[0] == "v":
            self.received[r[1]] += 1
        if r[0] != "ok":
            return
        if bg.kind == "select":
            idx, val = r[1]
            kind, mc, value = bg.select_cases[idx]
            if kind == "send":
                self.sent[value] += 1
            elif kind == "recv_ok":
                if val[1]:
                    self.received[val[0]] += 1
            elif val is not None:
                self.received[val] += 1
        elif bg.kind == "send":
            self.sent[bg.value] += 1
        elif bg.kind == "recv_ok":
            if r[1][1]:
                self.received[r[1][0]] += 1
        elif bg.kind == "recv" and r[1] is not None:
            self.received[r[1]] += 1

    # -- channels --

    @precondition(lambda self: len(self.chans) <= ChanMachine.MAXCHANS)
    @rule(cap=st.sampled_from([0, 0, 1, 1, 2, 3]))
    def make_chan(self, cap):
        mc = MChan("c%d" % len(self.chans), cap, gmp.chan(cap))
        STATS["make_chan"] += 1
        self.chans.append(mc)

    @initialize(caps=st.lists(st.sampled_from([0, 0, 1, 1, 2, 3]), min_size=2, max_size=3))
    def first_chans(self, caps):
        for cap in caps:
            self.make_chan(cap)

    def pick(self, data, nonnil=False):
        """A channel: a real one, or (1 in 8) the nil channel."""
        cs = self.chans[1:]
        if not nonnil and data.draw(st.integers(0, 7), label="nil?") == 0 or not cs:
            return None if nonnil else self.chans[0]
        return data.draw(st.sampled_from(cs), label="chan")

    @rule(data=st.data(), op=st.sampled_from(["send", "send", "send_nowait", "fill", "recv", "recv",
                                              "recv_ok", "recv_ok", "next", "nowait", "close"]))
    def main_op(self, data, op):
        """One channel operation by the main goroutine (a blocking one only
        where the model says it does not block)."""
        mc = self.pick(data)
        if op == "send":
            self.main_send(mc)
        elif op == "send_nowait":
            self.main_send_nowait(mc)
        elif op == "fill":
            # sends until it would block (a full buffer makes senders park);
            # settled between sends, since each may wake a goroutine that
            # parks again (an iteration)
            for _ in range(4):
                if not mc.send_ready() or mc.closed:
                    break
                self.main_send(mc)
                self.settled()
        elif op == "close":
            self.main_close(mc)
        else:
            self.main_recv(mc, op)

    def guard(self, mc):
        """A watchdog for a blocking op of the main goroutine that the model
        says cannot block: if it does, the channel is closed to wake it, and
        stop_guard fails the test."""
        fired = []

        def wake():
            fired.append(1)
            try:
                mc.ch.close()
            except Panic:
                pass
        return fired, gmp.after_func(WATCHDOG, wake)

    def stop_guard(self, g, what):
        fired, t = g
        self.expect(t.stop() and not fired, "%s blocked; the model says it cannot", what)

    def main_send(self, mc):
        v = next(self.vals)
        if mc.send_ready():
            try:
                self.m_send(mc, v)
                exp = None
            except ModelPanic as e:
                exp = str(e)
            g = self.guard(mc)
            try:
                mc.ch.send(v)
                got = None
            except Panic as e:
                got = str(e)
            self.stop_guard(g, "%r.send(%r)" % (mc, v))
            self.expect(got == exp, "%r.send(%r): got panic %r, the model says %r", mc, v, got, exp)
            STATS["send " + ("panic" if exp else "ok")] += 1
            if got is None:
                self.sent[v] += 1
        else:
            self.expect(mc.ch.send_nowait(v) is False, "%r.send_nowait(%r) should block", mc, v)

    def main_send_nowait(self, mc):
        v = next(self.vals)
        exp = mc.send_ready()
        if exp:
            try:
                self.m_send(mc, v)
            except ModelPanic as e:
                exp = str(e)
        try:
            got = mc.ch.send_nowait(v)
        except Panic as e:
            got = str(e)
        self.expect(got == exp, "%r.send_nowait(%r) returned %r, the model says %r", mc, v, got, exp)
        STATS["send_nowait %s" % got] += 1
        if got is True:
            self.sent[v] += 1

    def main_recv(self, mc, how):
        if not mc.recv_ready():
            try:
                r = mc.ch.recv_nowait()
            except WouldBlock:
                return
            self.expect(False, "%r.recv_nowait() returned %r, the model says it would block", mc, r)
        v, ok = self.m_recv(mc)
        g = self.guard(mc)
        if how == "recv":
            got, exp = mc.ch.recv(), v
        elif how == "recv_ok":
            got, exp = mc.ch.recv_ok(), (v, ok)
        elif how == "nowait":
            got, exp = mc.ch.recv_nowait(), (v, ok)
        else:
            try:
                got = next(iter(mc.ch))
            except StopIteration:
                got = StopIteration
            exp = v if ok else StopIteration
        self.stop_guard(g, "%r %s" % (mc, how))
        self.expect(got == exp, "%r %s returned %r, the model says %r", mc, how, got, exp)
        STATS["recv %s ok=%s" % (how, ok)] += 1
        self.observe_recv(v, ok)

    def main_close(self, mc):
        try:
            self.m_close(mc)
            exp = None
        except ModelPanic as e:
            exp = str(e)
        try:
            mc.ch.close()
            got = None
        except Panic as e:
            got = str(e)
        self.expect(got == exp, "%r.close(): panic %r, the model says %r", mc, got, exp)
        STATS["close %s" % (exp or "ok")] += 1

    # -- select --

    def draw_cases(self, data, lo, hi, timers):
        targets = self.chans + (self.timers if timers else [])
        n = data.draw(st.integers(lo, hi), label="ncases")
        cases = []
        for _ in range(n):
            t = data.draw(st.sampled_from(targets), label="case chan")
            kinds = ["recv", "recv_ok"] if isinstance(t, MTimer) else ["recv", "recv_ok", "send"]
            kind = data.draw(st.sampled_from(kinds), label="case kind")
            cases.append((kind, t, next(self.vals) if kind == "send" else None))
        return cases

    def case_ready(self, kind, t):
        """'yes', 'maybe' (a timer) or 'no'."""
        if isinstance(t, MTimer):
            return {"ready": "yes", "pending": "maybe", "stale1": "maybe"}.get(t.state, "no")
        if kind == "send":
            return "yes" if t.send_ready() else "no"
        return "yes" if t.recv_ready() else "no"

    def apply_case(self, kind, t, value, got, where):
        """Applies case (kind, t, value), which the runtime reports chose and
        returned got; checks got."""
        if isinstance(t, MTimer):
            v = got if kind == "recv" else (got[0] if got[1] is True else None)
            self.expect(is_time(v), "%s: %r gave %r, not a time", where, t, got)
            t.got_value()
            return
        if kind == "send":
            self.m_send(t, value)
            self.expect(got is None, "%s: send case returned %r", where, got)
            self.sent[value] += 1
            return
        v, ok = self.m_recv(t)
        exp = sel_value(kind, v, ok)
        self.expect(got == exp, "%s: %s case on %r returned %r, the model says %r", where, kind, t, got, exp)
        self.observe_recv(v, ok)

    def check_select(self, cases, dflts, r, where):
        """Checks a select's outcome r (a result tuple or a Panic) against
        Go's rules and applies the chosen case. cases: the non-default cases
        in argument order, as (kind, target, value, argindex)."""
        if len(dflts) > 1:
            self.expect(isinstance(r, Panic) and str(r) == "select: multiple default",
                        "%s with %d defaults returned %r", where, len(dflts), r)
            return
        ready = {c[3]: self.case_ready(c[0], c[1]) for c in cases}
        if isinstance(r, Panic):
            self.expect(str(r) == "send on closed channel" and any(
                c[0] == "send" and isinstance(c[1], MChan) and c[1].closed for c in cases),
                "%s panicked %r", where, r)
            return
        self.expect(isinstance(r, tuple) and len(r) == 2, "%s returned %r", where, r)
        idx, got = r
        if dflts and idx == dflts[0]:
            self.expect(got is None, "%s: default returned %r", where, got)
            self.expect("yes" not in ready.values(), "%s chose default with ready cases %r", where,
                        [c for c in cases if ready[c[3]] == "yes"])
            return
        self.expect(ready.get(idx, "no") != "no", "%s chose case %r, which is not ready", where, idx)
        c = [c for c in cases if c[3] == idx][0]
        if c[0] == "send" and isinstance(c[1], MChan) and c[1].closed:
            self.expect(False, "%s: send case on closed %r returned instead of panicking", where, c[1])
        self.apply_case(c[0], c[1], c[2], got, where)

    @rule(data=st.data())
    def main_select(self, data):
        cases = self.draw_cases(data, 0, 5, timers=True)
        ndflt = data.draw(st.sampled_from([0, 0, 1, 1, 1, 1, 1, 1, 1, 2]), label="ndefault")
        args = [case_obj(k, t, v) for k, t, v in cases]
        spec = [(k, t, v, i) for i, (k, t, v) in enumerate(cases)]
        blocking_ok = any(self.case_ready(k, t) == "yes" or isinstance(t, MTimer) and t.state == "pending"
                          for k, t, v in cases)
        # (what is drawn may not depend on the runtime's choices: hypothesis
        # replays the draws, and a select's choice is random)
        poss = [data.draw(st.integers(0, len(args) + j), label="default at") for j in range(2)]
        if ndflt == 0 and not blocking_ok:
            ndflt = 1           # the main goroutine must not block for ever
        dflts = []
        for pos in poss[:ndflt]:
            args.insert(pos, gmp.default)
            spec = [(k, t, v, i + 1 if i >= pos else i) for k, t, v, i in spec]
            dflts = sorted([d + 1 if d >= pos else d for d in dflts] + [pos])
        try:
            r = tuple(gmp.select(*args))
        except Panic as e:
            r = e
        self.check_select(spec, dflts, r, "select%r" % (tuple(spec),))
        STATS["select %s" % (r if isinstance(r, Panic) else "default" if dflts and r[0] == dflts[0] else "case")] += 1

    @rule(data=st.data(), plain=st.sampled_from(["", "", "recv", "recv_ok", "next", "send"]),
          helper=st.sampled_from(["op", "op", "close"]))
    def main_block(self, data, plain, helper):
        """The main goroutine blocks (a select with no default, or a plain
        op) and a goroutine started just before it completes it. Whichever
        of the two runs first, the outcome is the same."""
        if plain:
            mc = self.pick(data, nonnil=True)
            kind = "recv" if plain == "next" else plain
            cases = [(kind, mc, next(self.vals) if kind == "send" else None)]
        else:
            cases = self.draw_cases(data, 1, 4, timers=True)
        pick = data.draw(st.integers(0, 3), label="helper's case")
        if len(self.bgs) >= self.MAXBGS or any(self.case_ready(k, t) != "no" for k, t, v in cases):
            return              # too many goroutines, or it would not block
        # the helper: an op on one case's channel that completes main's case
        # (no other waiter ahead of main in that queue), or a close of it
        cands = [i for i, (k, t, v) in enumerate(cases)
                 if isinstance(t, MChan) and not t.nil
                 and (helper == "close" or (not t.sendq if k == "send" else not t.recvq))]
        if not cands:
            return
        ci = cands[pick % len(cands)]
        target = cases[ci][1]
        hv = next(self.vals)
        if helper == "close":
            bg, fn = self.new_bg("close", target), target.ch.close
        elif cases[ci][0] == "send":
            bg, fn = self.new_bg("recv", target), target.ch.recv
        else:
            bg, fn = self.new_bg("send", target, hv), lambda: target.ch.send(hv)
        where = "main_block(%s, %r, helper %s)" % (plain or "select", cases, bg)
        if plain:
            guard = self.guard(target)
        else:
            watchdog = gmp.Timer(WATCHDOG)
            args = [case_obj(k, t, v) for k, t, v in cases] + [watchdog.c.recv]
        self.start_bg(bg, fn)
        try:
            if plain == "recv":
                r = (0, target.ch.recv())
            elif plain == "recv_ok":
                r = (0, target.ch.recv_ok())
            elif plain == "next":
                try:
                    r = (0, next(iter(target.ch)))
                except StopIteration:
                    r = (0, None)
            elif plain == "send":
                r = (0, target.ch.send(cases[0][2]))
            else:
                r = tuple(gmp.select(*args))
        except Panic as e:
            r = e
        if plain:
            self.stop_guard(guard, where)
        else:
            self.expect(watchdog.stop(), "%s: the main goroutine stayed blocked for %ss", where, WATCHDOG)
        bg.exp.append(("eq", ("ok", None)))     # the helper's own result; a recv's is set below
        bg.done = True
        if helper == "close":
            # main is woken in any of its cases on target: a receive gets the
            # zero value, a send panics
            on_target = {i for i, (k, t, v) in enumerate(cases) if t is target}
            if isinstance(r, Panic):
                self.expect(str(r) == "send on closed channel"
                            and any(cases[i][0] == "send" for i in on_target), "%s: panic %r", where, r)
            else:
                self.expect(r[0] in on_target and cases[r[0]][0] != "send"
                            and r[1] == sel_value(cases[r[0]][0], None, False), "%s returned %r", where, r)
            self.m_close(target)
            STATS["main_block %s helper close" % (plain or "select")] += 1
            return
        self.expect(not isinstance(r, Panic), "%s panicked %r", where, r)
        STATS["main_block %s helper %s" % (plain or "select", bg.kind)] += 1
        idx, got = r
        self.expect(0 <= idx < len(cases) and cases[idx][1] is target, "%s chose case %r", where, idx)
        k, t, v = cases[idx]
        if k == "send":
            # the helper receives the buffer's head; main's value goes behind it
            self.expect(bg.kind == "recv" and got is None, "%s returned %r", where, r)
            self.sent[v] += 1
            t.buf.append(v)
            x, _ = self.m_recv(t)
            bg.exp[-1] = ("eq", ("ok", x))
        else:
            self.expect(bg.kind == "send" and got == sel_value(k, hv, True), "%s returned %r", where, r)
            self.received[hv] += 1

    # -- background goroutines --

    def new_bg(self, kind, mc, value=None, desc=None):
        self.nbg += 1
        bg = BG(self.nbg, kind, desc or "%s %r%s" % (kind, mc, "" if value is None else " %r" % value))
        bg.mc, bg.value = mc, value
        self.bgs.append(bg)
        return bg

    def start_bg(self, bg, fn):
        def body():
            try:
                r = ("ok", fn())
            except Panic as e:
                r = ("panic", str(e))
            except Exception as e:      # noqa: BLE001 - recorded, the model flags it
                r = ("error", repr(e))
            bg.results.append(r)
        gmp.go(body)

    @rule(data=st.data(), kind=st.sampled_from(["send", "recv", "recv_ok", "iter", "select", "select"]))
    def spawn(self, data, kind):
        """Starts a goroutine that runs one op (parking if it must)."""
        if kind != "select":
            mc = self.pick(data, nonnil=True)
            if len(self.bgs) >= self.MAXBGS:
                return
            v = next(self.vals) if kind == "send" else None
            bg = self.new_bg(kind, mc, v)
            if kind == "iter":
                def run_iter():
                    try:
                        for x in mc.ch:
                            bg.results.append(("v", x))
                        bg.results.append(("end", None))
                    except Exception as e:      # noqa: BLE001
                        bg.results.append(("error", repr(e)))
                # the model: it receives what is there now, then parks
                while mc.recv_ready():
                    x, ok = self.m_recv(mc)
                    bg.exp.append(("eq", ("v", x) if ok else ("end", None)))
                    if not ok:
                        bg.done = True
                        break
                if not bg.done:
                    self.park(bg, [Entry(bg, mc, "recv", [0])])
                gmp.go(run_iter)
                return
            if kind == "send":
                fn = lambda: mc.ch.send(v)
                if mc.send_ready():
                    try:
                        self.m_send(mc, v)
                        bg.exp.append(("eq", ("ok", None)))
                    except ModelPanic as e:
                        bg.exp.append(("eq", ("panic", str(e))))
                    bg.done = True
                else:
                    self.park(bg, [Entry(bg, mc, "send", [0], v)])
            else:
                fn = mc.ch.recv if kind == "recv" else mc.ch.recv_ok
                if mc.recv_ready():
                    x, ok = self.m_recv(mc)
                    bg.exp.append(("eq", ("ok", sel_value(kind, x, ok))))
                    bg.done = True
                else:
                    self.park(bg, [Entry(bg, mc, "recv", [0])])
            self.start_bg(bg, fn)
            return
        # a select with no default: nil cases and duplicates welcome; several
        # send cases on one channel carry one value (a receiver of it cannot
        # tell which of them won)
        cases = self.draw_cases(data, 1, 4, timers=False)
        if all(t.nil for k, t, v in cases) or len(self.bgs) >= self.MAXBGS:
            return
        firstval = {}
        cases = [(k, t, firstval.setdefault(t, v) if k == "send" else v) for k, t, v in cases]
        STATS["spawn select %d cases" % len(cases)] += 1
        bg = self.new_bg("select", None, desc="select%r" % (cases,))
        bg.select_cases = cases
        args = [case_obj(k, t, v) for k, t, v in cases]
        ready = [i for i, (k, t, v) in enumerate(cases) if self.case_ready(k, t) == "yes"]
        self.start_bg(bg, lambda: tuple(gmp.select(*args)))
        if not ready:
            ents = {}
            for i, (k, t, v) in enumerate(cases):
                if t.nil:
                    continue
                d = "send" if k == "send" else "recv"
                if (t, d) not in ents:
                    ents[t, d] = Entry(bg, t, d, [], v)
                ents[t, d].idxs.append(i)
            self.park(bg, list(ents.values()))
            return
        # it proceeds at once with one of the ready cases: see which
        settle_until(lambda: bg.results, lambda: "%r to finish; ready cases %r" % (bg, ready))
        r = bg.results[0]
        spec = [(k, t, v, i) for i, (k, t, v) in enumerate(cases)]
        rr = Panic(r[1]) if r[0] == "panic" else (r[1] if r[0] == "ok" else r)
        self.check_select(spec, [], rr, repr(bg))
        bg.exp.append(("eq", r))
        bg.done = True
        bg.checked = 1          # checked and accounted just now

    # -- timers --

    def add_timer(self, t):
        self.timers.append(t)

    @rule(data=st.data(), op=st.sampled_from(["new", "new", "timer_stop_reset", "ticker_stop_reset",
                                              "wait_fired", "recv", "recv"]))
    def timer_op(self, data, op):
        if op == "new" or not self.timers:
            if len(self.timers) < self.MAXTIMERS:
                self.new_timer(data.draw(st.sampled_from(["after", "timer", "timer", "ticker"]), label="kind"),
                               data.draw(st.sampled_from([0, 0.0005, 3600, -1]), label="d"))
        elif op == "timer_stop_reset":
            self.timer_stop_reset(data, data.draw(st.sampled_from([None, None, 0, 0.0005, 3600]), label="d"))
        elif op == "ticker_stop_reset":
            self.ticker_stop_reset(data, data.draw(st.sampled_from([None, None, 0.0005, 3600, 0]), label="d"))
        elif op == "wait_fired":
            self.timer_wait_fired(data)
        else:
            self.timer_recv(data, data.draw(st.sampled_from(["nowait", "select", "block"]), label="how"))

    def new_timer(self, kind, d):
        name = "t%d" % len(self.timers)
        if kind == "ticker":
            if d <= 0:
                try:
                    gmp.Ticker(d)
                    r = None
                except Panic as e:
                    r = str(e)
                self.expect(r == "non-positive interval for NewTicker", "Ticker(%r): %r", d, r)
                return
            short = d < 1
            tk = gmp.Ticker(0.002 if short else d)
            self.add_timer(MTimer(name, "ticker", tk, tk.c, "pending" if short else "idle", True, short))
            return
        short = d < 1
        if kind == "after":
            c = gmp.after(d)
            self.add_timer(MTimer(name, "after", None, c, "pending" if short else "idle", True, short))
        else:
            t = gmp.Timer(d)
            self.add_timer(MTimer(name, "timer", t, t.c, "pending" if short else "idle", True, short))

    def pick_timer(self, data, kinds):
        ts = [t for t in self.timers if t.kind in kinds]
        return data.draw(st.sampled_from(ts), label="timer") if ts else None

    def stop_result(self, t, got, what):
        """Go 1.23: Stop/Reset report True while the timer's value has not
        been received (pending, or fired and drained by the call)."""
        go = t.armed
        if not STRICT_GO123_TIMERS and t.state in ("pending", "ready"):
            self.expect(got in (True, False), "%r.%s returned %r", t, what, got)
        else:
            self.expect(got is go, "%r.%s returned %r, Go returns %r", t, what, got, go)

    def timer_stop_reset(self, data, d):
        t = self.pick_timer(data, ["timer"])
        if t is None:
            return
        if d is None:
            self.stop_result(t, t.obj.stop(), "stop()")
            t.state, t.armed = "idle", False
        else:
            self.stop_result(t, t.obj.reset(d), "reset(%r)" % d)
            t.state, t.armed = ("pending" if d < 1 else "idle"), True
        self.timer_look(t, "select")    # no stale value once Stop/Reset returned

    def ticker_stop_reset(self, data, d):
        t = self.pick_timer(data, ["ticker"])
        if t is None:
            return
        if d is not None and d <= 0:
            try:
                t.obj.reset(d)
                r = None
            except Panic as e:
                r = str(e)
            self.expect(r == "non-positive interval for Ticker.Reset", "%r.reset(%r): %r", t, d, r)
            return
        could_have = t.state in ("pending", "ready", "stale1")
        if d is None:
            t.obj.stop()
            t.short = False
        else:
            t.obj.reset(0.002 if d < 1 else d)
            t.short = d < 1
        if t.short:
            t.state = "pending"
        elif could_have and not STRICT_GO123_TIMERS:
            t.state = "stale1"      # gmp may still deliver one tick from before
        else:
            t.state = "idle"
        self.timer_look(t, "select")

    def timer_wait_fired(self, data):
        """Waits (by probe) until a pending timer's value is in its channel."""
        t = self.pick_timer(data, ["after", "timer", "ticker"])
        if t is None or t.state != "pending":
            return
        settle_until(lambda: len(t.c) == 1, lambda: "%r to fire" % t)
        t.state = "ready"

    def timer_recv(self, data, how):
        t = self.pick_timer(data, ["after", "timer", "ticker"])
        if t is not None:
            self.timer_look(t, how)

    def timer_look(self, t, how):
        """Receives from t's channel: blocking, or without blocking (recv_nowait
        or select with default) to look whether a value is there."""
        STATS["timer_recv %s %s %s" % (how, t.kind, t.state)] += 1
        if how == "block":
            if t.state not in ("pending", "ready"):
                return
            wd = gmp.Timer(WATCHDOG)
            i, v = gmp.select(t.c.recv, wd.c.recv)
            self.expect(wd.stop() and i == 0, "%r did not fire within %ss", t, WATCHDOG)
            self.expect(is_time(v), "%r gave %r", t, v)
            t.got_value()
            return
        try:
            r = t.c.recv_nowait() if how == "nowait" else gmp.select(t.c.recv_ok, gmp.default)[1]
        except WouldBlock:
            r = None
        STATS["timer %s %s %s" % (t.kind, t.state, "none" if r is None else "value")] += 1
        if r is None:
            self.expect(t.state != "ready", "%r is ready but %s found nothing", t, how)
            return
        self.expect(t.state != "idle", "%r delivered %r; the model says nothing can arrive", t, r)
        self.expect(r[1] is True and is_time(r[0]), "%r gave %r", t, r)
        t.got_value()

    # -- the end --

    def teardown(self):
        for t in self.timers:
            if t.obj is not None:
                t.obj.stop()
        if self.failed:
            for mc in self.chans[1:]:       # best effort: wake what is parked
                if not mc.ch.closed:
                    mc.ch.close()
            return
        for mc in self.chans[1:]:
            if not mc.closed:
                self.m_close(mc)
                mc.ch.close()
        self.settled()
        self.expect(not self.bgs, "goroutines still running: %r", self.bgs)
        for mc in self.chans[1:]:
            rest = list(mc.ch)
            self.expect(rest == list(mc.buf), "draining %r gave %r, the model says %r", mc, rest, list(mc.buf))
            for v in rest:
                self.received[v] += 1
        # exactly once: every completed send was received once, nothing else was
        self.expect(self.received == self.sent, "sent %r but received %r",
                    self.sent - self.received, self.received - self.sent)


def run_machine():
    run_state_machine_as_test(ChanMachine, settings=fuzz_settings(60, stateful_step_count=40))
    print("sequential model: %d steps" % sum(STATS.values()))
    for k, n in sorted(STATS.items()):
        print("  %6d %s" % (n, k))


# ---- concurrent mode ---------------------------------------------------------

@st.composite
def topologies(draw):
    nch = draw(st.integers(1, 4), label="nchans")
    caps = [draw(st.sampled_from([0, 0, 1, 2, 5]), label="cap") for _ in range(nch)]
    producers = []
    for _ in range(draw(st.integers(1, 4), label="nproducers")):
        chans = sorted(draw(st.sets(st.integers(0, nch - 1), min_size=1), label="producer chans"))
        mode = draw(st.sampled_from(["send", "send", "select", "select_nil", "nowait"]), label="mode")
        producers.append((mode, chans, draw(st.integers(0, 60) | st.integers(100, 400), label="nmsgs"),
                          draw(st.integers(0, 2 ** 16), label="seed")))
    consumers = []
    for _ in range(draw(st.integers(1, 4), label="nconsumers")):
        chans = sorted(draw(st.sets(st.integers(0, nch - 1), min_size=1, max_size=3), label="consumer chans"))
        modes = ["select", "select_default"] + (["iter", "recv_ok", "nowait"] if len(chans) == 1 else [])
        consumers.append([draw(st.sampled_from(modes), label="mode"), chans])
    for c in range(nch):        # every channel needs a reader, or its senders block for ever
        if not any(c in cons[1] for cons in consumers):
            cons = consumers[draw(st.integers(0, len(consumers) - 1), label="reader for chan")]
            cons[1] = sorted(set(cons[1]) | {c})
            if len(cons[1]) > 1 and cons[0] not in ("select", "select_default"):
                cons[0] = "select"
    return caps, producers, [tuple(c) for c in consumers]


POLLS = 20         # a polling goroutine blocks after this many misses


def run_topology(topo, timeout=60.0):
    """Runs the topology: producers send (pid, seq, chan) values, a closer
    closes every channel once all producers are done, consumers read until
    their channels are closed and drained. Checks exactly-once delivery and
    per-sender FIFO order on each channel as each consumer saw it."""
    caps, producers, consumers = topo
    chans = [gmp.chan(c) for c in caps]
    sent = []
    got = [[] for _ in consumers]
    errors = []
    ps = set()              # the Ps the goroutines ran on
    pwg = gmp.WaitGroup()
    cwg = gmp.WaitGroup()
    yield_ = gmp.runtime.gosched

    def producer(pid, mode, cids, n, seed):
        rng = random.Random(seed)
        mine = []
        try:
            for seq in range(n):
                if mode == "send" or mode == "nowait":
                    cid = rng.choice(cids)
                    v = (pid, seq, cid)
                    if mode == "send":
                        chans[cid].send(v)
                    else:
                        # polling on both sides of an unbuffered channel
                        # never meets: after a while, block
                        for _ in range(POLLS):
                            if chans[cid].send_nowait(v):
                                break
                            yield_()
                        else:
                            chans[cid].send(v)
                    mine.append(v)
                else:
                    cases = [(chans[cid].send, (pid, seq, cid)) for cid in cids]
                    cases += [cases[rng.randrange(len(cases))] for _ in range(rng.randrange(2))]
                    if mode == "select_nil":
                        cases.insert(rng.randrange(len(cases) + 1), (gmp.nilchan.send, None))
                        cases.insert(rng.randrange(len(cases) + 1), gmp.nilchan.recv)
                    i, _ = gmp.select(*cases)
                    mine.append(cases[i][1])
        except Exception as e:      # noqa: BLE001
            errors.append("producer %d: %r" % (pid, e))
        sent.extend(mine)
        ps.add(gmp._core._curp())
        pwg.done()

    def consumer(k, mode, cids):
        out = got[k]
        try:
            if mode == "iter":
                for v in chans[cids[0]]:
                    out.append((cids[0], v))
            elif mode == "recv_ok":
                while True:
                    v, ok = chans[cids[0]].recv_ok()
                    if not ok:
                        break
                    out.append((cids[0], v))
            elif mode == "nowait":
                polls = 0
                while True:
                    try:
                        v, ok = chans[cids[0]].recv_nowait()
                    except WouldBlock:
                        polls += 1
                        if polls % POLLS:
                            yield_()
                            continue
                        v, ok = chans[cids[0]].recv_ok()
                    if not ok:
                        break
                    out.append((cids[0], v))
            else:
                # Go's idiom: a closed channel's case becomes a nil channel's
                live = list(cids)
                polls = 0
                while live:
                    cases = [chans[c].recv_ok for c in live]
                    if mode == "select_default" and polls % POLLS != POLLS - 1:
                        cases.append(gmp.default)
                    polls += 1
                    i, r = gmp.select(*cases)
                    if i == len(live):
                        yield_()
                        continue
                    v, ok = r
                    if not ok:
                        del live[i]
                        continue
                    out.append((live[i], v))
        except Exception as e:      # noqa: BLE001
            errors.append("consumer %d: %r" % (k, e))
        ps.add(gmp._core._curp())
        cwg.done()

    def closer():
        pwg.wait()
        for c in chans:
            c.close()

    pwg.add(len(producers))
    cwg.add(len(consumers))
    for k, (mode, cids) in enumerate(consumers):
        gmp.go(consumer, k, mode, cids)
    for pid, (mode, cids, n, seed) in enumerate(producers):
        gmp.go(producer, pid, mode, cids, n, seed)
    gmp.go(closer)
    done = gmp.chan()

    def waiter():
        cwg.wait()
        done.close()
    gmp.go(waiter)
    wd = gmp.Timer(timeout)
    i, _ = gmp.select(done.recv, wd.c.recv)
    if i == 1:
        sys.stderr.write("topology %r hung; goroutines:\n%s\n" % (topo, gmp.runtime.stack(all=True)))
        sys.stderr.flush()
        os._exit(3)         # the process is wedged: no shrinking, report as is
    wd.stop()
    assert not errors, errors
    received = [v for out in got for cid, v in out]
    assert collections.Counter(received) == collections.Counter(sent), (
        "sent-not-received %r, received-not-sent %r" % (
            collections.Counter(sent) - collections.Counter(received),
            collections.Counter(received) - collections.Counter(sent)))
    for k, out in enumerate(got):
        last = {}
        for cid, v in out:
            assert v[2] == cid, "consumer %d got %r on chan %d" % (k, v, cid)
            key = (v[0], cid)
            assert last.get(key, -1) < v[1], (
                "consumer %d: producer %d's values on chan %d out of order: %r after %r"
                % (k, v[0], cid, v, last[key]))
            last[key] = v[1]
    return len(received), len(ps)


def timer_stop_race(n):
    """A timer armed by one goroutine and stopped by another (on another P
    when GOMAXPROCS > 1): once Stop has returned, no value is received."""
    bad = []
    ch = gmp.chan()
    wg = gmp.WaitGroup()

    def stopper():
        for t in ch:
            for _ in range(t[1]):
                pass
            t[0].stop()
            try:
                v = t[0].c.recv_nowait()
                bad.append(v)
            except WouldBlock:
                pass
        wg.done()
    wg.add(1)
    gmp.go(stopper)
    rng = random.Random(1)
    for i in range(n):
        ch.send((gmp.Timer(rng.choice([0, 0.00001, 0.0001])), rng.randrange(200)))
    ch.close()
    wg.wait()
    assert not bad, "values received after Stop: %r" % bad[:5]


def run_concurrent():
    total = []

    @fuzz_settings(100)
    @given(topologies())
    def check(topo):
        total.append(run_topology(topo))
    check()
    timer_stop_race(300 if not EXAMPLES else 10 * EXAMPLES)
    print("concurrent: %d topologies, %d values, %d of them on more than one P, GOMAXPROCS=%d"
          % (len(total), sum(n for n, p in total), sum(p > 1 for n, p in total), gmp.runtime.gomaxprocs()))


def worker(mode):
    """Entry point of the fuzz subprocesses (and of the long run)."""
    t0 = time.monotonic()
    if mode == "seq":
        run_machine()
    else:
        run_concurrent()
    print("%s: ok in %.1fs (GOMAXPROCS=%d, examples=%s)"
          % (mode, time.monotonic() - t0, gmp.runtime.gomaxprocs(), EXAMPLES or "ci"))


def run_worker(mode, procs, gilaware=False):
    """The fuzz worker at GOMAXPROCS=procs; at several Ps with Go's eager
    wakep (GMPDEBUG=gilaware=0: the goroutines spread over the Ms) unless
    gilaware."""
    timeout = 300 if not EXAMPLES else None
    env = {"GOMAXPROCS": str(procs)}
    if procs > 1 and not gilaware:
        env["GMPDEBUG"] = "gilaware=0"
    r = run_program("fuzz_chan_worker.py", mode, env=env, timeout=timeout)
    assert r.returncode == 0, "worker %s GOMAXPROCS=%d failed (rc %d):\n%s\n%s" % (
        mode, procs, r.returncode, r.stdout[-20000:], r.stderr[-20000:])


@pytest.mark.parametrize("procs", [1, 2])
def test_model_sequential(procs):
    run_worker("seq", procs)


@pytest.mark.parametrize("procs,gilaware", [(1, False), (2, False), (4, False), (2, True)])
def test_concurrent_producers_consumers(procs, gilaware):
    run_worker("conc", procs, gilaware)


# ---- uniform choice among ready cases ----------------------------------------

def chi2_sf(x, df):
    """P(X >= x) for X chi-square with df degrees of freedom (closed forms)."""
    h = x / 2.0
    if df % 2 == 0:
        term, s = 1.0, 1.0
        for j in range(1, df // 2):
            term *= h / j
            s += term
        return math.exp(-h) * s
    s = math.erfc(math.sqrt(h))
    term = math.sqrt(h) * math.exp(-h) / math.gamma(1.5)
    for j in range(df // 2):
        s += term
        term *= h / (j + 1.5)
    return s


def chi2_check(counts, n, what):
    k = len(counts)
    e = n / k
    x = sum((c - e) ** 2 / e for c in counts)
    p = chi2_sf(x, k - 1)
    # one in 10**9 false alarms; a bias of a few percent still fails
    assert p > 1e-9, "%s: counts %r, chi2=%.1f, p=%.3g" % (what, counts, x, p)


N_UNIFORM = 12000 if not EXAMPLES else min(40 * EXAMPLES, 200000)


@pytest.mark.parametrize("k", [2, 3, 5, 8])
def test_select_uniform_closed_recv(k):
    cs = [gmp.chan() for _ in range(k)]
    for c in cs:
        c.close()
    cases = [c.recv for c in cs]
    counts = [0] * k
    for _ in range(N_UNIFORM):
        counts[gmp.select(*cases)[0]] += 1
    chi2_check(counts, N_UNIFORM, "%d closed channels" % k)


def test_select_uniform_mixed_ready_cases():
    # ready: a duplicate of one buffered channel (twice), a send with room,
    # a closed channel; not ready: an empty channel, nil channels, default
    a, b, e, z = gmp.chan(N_UNIFORM + 1), gmp.chan(1), gmp.chan(), gmp.chan()
    for i in range(N_UNIFORM):
        a.send(i)
    z.close()
    cases = [e.recv, a.recv, gmp.nilchan.recv, (b.send, 1), a.recv_ok, gmp.default,
             z.recv, (gmp.nilchan.send, 2)]
    ready = [1, 3, 4, 6]
    counts = dict.fromkeys(ready, 0)
    for _ in range(N_UNIFORM):
        i, _v = gmp.select(*cases)
        counts[i] += 1
        if i == 3:
            b.recv()
    chi2_check(list(counts.values()), N_UNIFORM, "mixed cases")


def test_select_uniform_parked_senders():
    # each case's channel has a goroutine parked sending on it
    k = 4
    cs = [gmp.chan() for _ in range(k)]
    n = N_UNIFORM // 4
    stop = gmp.chan()
    wg = gmp.WaitGroup()

    def sender(c):
        while True:
            i, _ = gmp.select((c.send, 1), stop.recv)
            if i == 1:
                wg.done()
                return
    wg.add(k)
    for c in cs:
        gmp.go(sender, c)
    counts = [0] * k
    for _ in range(n):
        for c in cs:
            settle_until(lambda: _chan._sendq_len(c) == 1, lambda: "a sender to park")
        counts[gmp.select(*[c.recv for c in cs])[0]] += 1
    stop.close()
    wg.wait()
    chi2_check(counts, n, "parked senders")


def test_chi2_sf():
    # known quantiles: chi2(1) 3.841 -> 0.05, chi2(4) 9.488 -> 0.05, chi2(7) 24.32 -> 0.001
    assert abs(chi2_sf(3.841, 1) - 0.05) < 1e-3
    assert abs(chi2_sf(9.488, 4) - 0.05) < 1e-3
    assert abs(chi2_sf(24.32, 7) - 0.001) < 1e-4
    assert abs(chi2_sf(2.0, 2) - math.exp(-1)) < 1e-12


# ---- what the harness found (fixed): Go 1.23 timer semantics -------------------------

def wait_fired(c):
    settle_until(lambda: len(c) == 1, lambda: "the timer to fire")


def test_ticker_stop_drops_stale_tick():
    tk = gmp.Ticker(0.001)
    wait_fired(tk.c)
    tk.stop()
    assert gmp.select(tk.c.recv, gmp.default) == (1, None)


def test_ticker_reset_drops_stale_tick():
    tk = gmp.Ticker(0.001)
    wait_fired(tk.c)
    tk.reset(3600)
    try:
        assert gmp.select(tk.c.recv, gmp.default) == (1, None)
    finally:
        tk.stop()


def test_timer_stop_of_fired_unreceived_returns_true():
    t = gmp.Timer(0)
    wait_fired(t.c)
    assert t.stop() is True
    assert len(t.c) == 0


def test_timer_reset_of_fired_unreceived_returns_true():
    t = gmp.Timer(0)
    wait_fired(t.c)
    try:
        assert t.reset(3600) is True
    finally:
        t.stop()
