"""Run by tests/test_abi.py::test_m_threads_keep_the_c_library_default_stack
in a subprocess; that test checks its output."""
import ctypes, threading, gmp
libc = ctypes.CDLL(None)
libc.pthread_self.restype = ctypes.c_ulong

def stacksize():
    attr = ctypes.create_string_buffer(256)         # >= sizeof(pthread_attr_t)
    assert libc.pthread_getattr_np(ctypes.c_ulong(libc.pthread_self()), attr) == 0
    size = ctypes.c_size_t()
    assert libc.pthread_attr_getstacksize(attr, ctypes.byref(size)) == 0
    libc.pthread_attr_destroy(attr)
    return size.value

def in_thread():
    out = []
    t = threading.Thread(target=lambda: out.append(stacksize()))
    t.start()
    t.join()
    return out[0]

default = in_thread()
threading.stack_size(256 * 1024)
small = in_thread()
assert small != default, (small, default)

gmp.runtime.gomaxprocs(2)
seen = {}
for _ in range(200):
    gate, n = gmp.chan(), 16
    wg = gmp.WaitGroup()
    wg.add(n)
    def w():
        seen.setdefault(gmp._core._curp(), stacksize())
        wg.done()
        gate.recv()
    for _ in range(n):
        gmp.go(w)
    wg.wait()
    gate.close()
    if 1 in seen:
        break
assert 1 in seen, "no goroutine ran on P1's M"
# (not threading.stack_size() to read it: without an argument it sets 0)
print(seen[1] == default, seen[1] != small, in_thread() == small)
