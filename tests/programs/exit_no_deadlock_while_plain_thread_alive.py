"""Run by tests/test_exit.py::test_no_deadlock_while_plain_thread_alive
in a subprocess; that test checks its output."""
import gmp, threading, time
c = gmp.chan()
def th():
    time.sleep(0.2)
    c.send("from thread")
threading.Thread(target=th).start()
print(c.recv())
