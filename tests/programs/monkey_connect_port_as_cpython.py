"""Run by tests/test_monkey.py::test_connect_to_a_name_checks_the_port_as_cpython_does
in a subprocess; that test checks its output."""
import socket
def outcomes():
    res = []
    for port in (73616, -1, "80", 1.5, None):
        for call in ("connect", "connect_ex"):
            s = socket.socket()
            try:
                res.append(("ok", getattr(s, call)(("localhost", port))))
            except Exception as e:
                res.append((type(e).__name__, str(e).replace("connect_ex()", "connect()")))
            finally:
                s.close()
    return res
want = outcomes()
import gmp.monkey
gmp.monkey.patch_socket()
import gmp
got = gmp.chan(1)
gmp.go(lambda: got.send(outcomes()))
g = got.recv()
assert g == want, [(a, b) for a, b in zip(want, g) if a != b]
print(len(g), all(w[0] != "ok" for w in want))
