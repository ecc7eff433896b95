"""Run by tests/test_park_protocol.py::test_ctrl_c_reaches_a_main_thread_waiting_as_a_plain_thread
in a subprocess; that test checks its output."""
import os, signal, threading, time, gmp
c = gmp.chan()
def starter():
    gmp.go(lambda: None)            # starts the runtime off the main thread
    while gmp._chan._recvq_len(c) == 0:
        time.sleep(0.001)
    os.kill(os.getpid(), signal.SIGINT)
t = threading.Thread(target=starter)
t.start()
try:
    c.recv()
except KeyboardInterrupt:
    print("interrupted")
t.join()
print(gmp._chan._recvq_len(c))      # the waiter withdrew
gmp.go(c.send, "after")
print(c.recv())
