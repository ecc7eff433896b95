"""Run by tests/test_monkey.py::test_name_resolution_goes_through_the_syscall_handoff
in a subprocess; that test checks its output."""
import gmp.monkey
gmp.monkey.patch_socket()
import gmp, socket, threading
out = gmp.chan(1)
def resolve():
    before = sum(t.name.startswith("gmp-syscall") for t in threading.enumerate())
    socket.getaddrinfo("127.0.0.1", 80)          # numeric: resolved in place
    mid = sum(t.name.startswith("gmp-syscall") for t in threading.enumerate())
    infos = socket.getaddrinfo("localhost", 80, socket.AF_INET, socket.SOCK_STREAM)
    after = sum(t.name.startswith("gmp-syscall") for t in threading.enumerate())
    out.send((before, mid, after, infos[0][4][0]))
gmp.go(resolve)
print(out.recv())
