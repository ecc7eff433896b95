"""Run by tests/test_park_protocol.py::test_a_signal_handler_that_can_wake_main_is_no_deadlock
in a subprocess: main waits on a channel that a SIGUSR1 handler sends on; the
test sends the signal once the program has printed "ready"."""
import signal, gmp
c = gmp.chan(1)
signal.signal(signal.SIGUSR1, lambda s, f: c.send_nowait(s))
print("ready", flush=True)
print("got", c.recv() == signal.SIGUSR1, flush=True)
