"""Run by tests/test_crash_hooks.py::test_logging_handlers_are_flushed
in a subprocess: a logging handler buffers a record, then a goroutine panics."""
import logging, io, sys
class Buffered(logging.Handler):
    def __init__(self):
        super().__init__()
        self.buf = []
    def emit(self, record):
        self.buf.append(record.getMessage())
    def flush(self):
        sys.stdout.write("flushed: %s\n" % ",".join(self.buf))
        sys.stdout.flush()
        self.buf = []
logging.getLogger().addHandler(Buffered())
logging.getLogger().warning("before the crash")
import gmp
done = gmp.chan()
def boom():
    raise ValueError("bad thing")
gmp.go(boom)
done.recv()
