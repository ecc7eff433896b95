"""Run by tests/test_monkey.py::test_recv_recv_into_sendall_keep_cpython_semantics
in a subprocess; that test checks its output. recv, recv_into and sendall
without flags run through the socket's PollDesc (gmp/monkey.py): timeouts,
non-blocking sockets, deadlines cleared after a call, closed sockets."""
import gmp.monkey
gmp.monkey.patch_socket()
import errno, gmp, socket, threading, time


def check(tag):
    out = []
    a, b = socket.socketpair()
    try:
        # recv_into with a timeout
        a.settimeout(0.05)
        buf = bytearray(4)
        try:
            a.recv_into(buf)
        except socket.timeout as e:
            out.append("recv_into timeout %s" % e)
        # the deadline of that call does not outlive it: a blocking recv
        # waits past it for data that comes later
        a.settimeout(None)
        def later():
            time.sleep(0.15)
            b.sendall(b"late")
        t = threading.Thread(target=later)
        t.start()
        out.append("late %r" % a.recv(4))
        t.join()
        # recv_into fills the buffer
        b.sendall(b"abcd")
        out.append("into %d %r" % (a.recv_into(buf), bytes(buf)))
        # sendall with a timeout on a full socket buffer times out
        b.settimeout(0.05)
        try:
            b.sendall(b"x" * (1 << 24))
        except socket.timeout as e:
            out.append("sendall timeout %s" % e)
        # a non-blocking sendall raises BlockingIOError when the buffer is full
        b.setblocking(False)
        try:
            b.sendall(b"x" * (1 << 24))
        except BlockingIOError as e:
            out.append("sendall wouldblock %d" % e.errno)
        # a non-blocking recv_into with nothing to read
        a2, b2 = socket.socketpair()
        a2.setblocking(False)
        try:
            a2.recv_into(buf)
        except BlockingIOError as e:
            out.append("recv_into wouldblock %d" % e.errno)
        a2.close(); b2.close()
    finally:
        a.close(); b.close()
    # a closed socket: CPython's error
    try:
        a.recv(1)
    except OSError as e:
        out.append("closed %s" % (e.errno == errno.EBADF))
    # a peer that closed: b"" (end of stream), then recv keeps returning it
    c, d = socket.socketpair()
    d.close()
    out.append("eof %r %r" % (c.recv(10), c.recv(10)))
    c.close()
    for line in out:
        print(tag, line)


done = gmp.chan()
gmp.go(lambda: (check("goroutine"), done.close()))
done.recv()
t = threading.Thread(target=check, args=("thread",))
t.start(); t.join()
