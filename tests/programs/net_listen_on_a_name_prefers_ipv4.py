"""Run by tests/test_net.py::test_listen_on_a_name_prefers_ipv4_as_go_does in
a subprocess that sees a hosts file listing ::1 first as /etc/hosts: listens
on "localhost:0" and dials it by address and by name."""
import socket
import gmp, gmp.net as net
infos = socket.getaddrinfo("localhost", 0, 0, socket.SOCK_STREAM)
print("resolver", infos[0][4][0])
with net.listen("tcp", "localhost:0") as ln:
    print("listen", ln.addr)
    port = ln.addr.port
    got = gmp.chan(2)
    def serve():
        for _ in range(2):
            with ln.accept() as s:
                got.send(s.read())
    gmp.go(serve)
    for addr in ("127.0.0.1:%d" % port, "localhost:%d" % port):
        with net.dial("tcp", addr) as c:
            c.write(addr.encode())
            print("served", got.recv().decode())
