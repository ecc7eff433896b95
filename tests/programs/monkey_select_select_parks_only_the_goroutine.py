"""Run by tests/test_monkey.py::test_select_select_in_a_goroutine_parks_only_the_goroutine
in a subprocess; that test checks its output."""
import gmp.monkey
gmp.monkey.patch_select()
import gmp, select, socket
a, b = socket.socketpair()
order = []
def waiter():
    r, _, _ = select.select([a], [], [], 5)
    order.append(("ready", r == [a]))
def other():
    for _ in range(3):
        gmp.runtime.gosched()
    order.append("other")
    b.send(b"x")
wg = gmp.WaitGroup()
wg.add(2)
gmp.go(lambda: (waiter(), wg.done()))
gmp.go(lambda: (other(), wg.done()))
wg.wait()
print(order)
