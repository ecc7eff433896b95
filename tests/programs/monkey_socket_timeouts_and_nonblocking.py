"""Run by tests/test_monkey.py::test_socket_timeouts_and_nonblocking_keep_their_meaning
in a subprocess; that test checks its output."""
import gmp.monkey
gmp.monkey.patch_socket()
import gmp, socket, threading
def check(tag):
    a, b = socket.socketpair()
    try:
        a.settimeout(0.05)
        assert a.gettimeout() == 0.05 and a.getblocking()
        try:
            a.recv(1)
        except socket.timeout as e:
            print(tag, "timeout", str(e), isinstance(e, TimeoutError))
        a.setblocking(False)
        assert a.gettimeout() == 0.0 and not a.getblocking()
        try:
            a.recv(1)
        except BlockingIOError:
            print(tag, "wouldblock")
        a.setblocking(True)
        b.sendall(b"hi")
        print(tag, a.recv(2))
    finally:
        a.close(); b.close()
done = gmp.chan()
gmp.go(lambda: (check("goroutine"), done.close()))
done.recv()
t = threading.Thread(target=check, args=("thread",))
t.start(); t.join()
