"""Run by tests/test_monkey.py::test_timeout_values_are_checked_as_cpython_checks_them
in a subprocess; that test checks its output."""
import _socket, decimal, math, time
orig_sleep = time.sleep
def outcome(f, v):
    try:
        return ("ok", f(v))
    except Exception as e:
        return (type(e).__name__, str(e))
VALUES = [math.inf, -math.inf, math.nan, 1e300, 1e10, 9.2e9, -1, -0.0, 0, 0.25, True,
          "5", b"1", decimal.Decimal("1.5"), 10 ** 30, None, [1]]
def settimeout_outcomes(cls):
    s = cls()
    try:
        return [outcome(lambda v: (s.settimeout(v), s.gettimeout())[1], v) for v in VALUES]
    finally:
        s.close()
def sleep_outcomes(sleep):
    # only values that raise or return at once
    return [outcome(sleep, v) for v in VALUES
            if not (isinstance(v, (int, float)) and v == v and v > 0)]
import socket
want = settimeout_outcomes(socket.socket), sleep_outcomes(orig_sleep)
import gmp.monkey
gmp.monkey.patch_all()
import gmp, threading
assert socket.socket is not _socket.socket
got = gmp.chan(1)
gmp.go(lambda: got.send((settimeout_outcomes(socket.socket), sleep_outcomes(time.sleep))))
in_goroutine = got.recv()
box = []
t = threading.Thread(target=lambda: box.append((settimeout_outcomes(socket.socket),
                                                 sleep_outcomes(time.sleep))))
t.start(); t.join()
for name, res in (("goroutine", in_goroutine), ("thread", box[0])):
    for w, g, what in zip(want, res, ("settimeout", "sleep")):
        assert w == g, (name, what, [(a, b) for a, b in zip(w, g) if a != b])
def far():
    a, b = socket.socketpair()
    with a, b:
        a.settimeout(9.2e9)             # the largest CPython takes: ~292 years
        gmp.go(lambda: (gmp.sleep(0.02), b.sendall(b"late")))
        got.send(a.recv(4))
gmp.go(far)
print(got.recv())
