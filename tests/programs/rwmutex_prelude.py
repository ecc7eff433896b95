"""What the rwmutex_* programs share (tests/test_rwmutex_interrupt.py): the
RWMutex under test, two channels and a probe for a goroutine parked with a
given wait reason."""
import gmp

rw = gmp.sync.RWMutex()
ready = gmp.chan()
done = gmp.chan(1)


def waiting(reason):
    return "[%s]" % reason in gmp.runtime.stack(all=True)
