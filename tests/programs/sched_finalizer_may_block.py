"""Run by tests/test_sched.py::test_finalizer_run_by_a_goroutines_end_may_block
in a subprocess: a finalizer run when a goroutine ends blocks as argv[1] says
(go, chan or sleep)."""
import sys, gmp
blocking = sys.argv[1]
out = gmp.chan(10)
done = gmp.WaitGroup()

class Finalized:
    def __del__(self):
        if blocking == "go":
            gmp.go(out.send, "child")
        elif blocking == "chan":
            c = gmp.chan()
            gmp.go(lambda: out.send(c.recv()))
            c.send("handed over")
        else:
            gmp.sleep(0.005)
            out.send("slept")
        done.done()

def spawn():
    def f(obj=Finalized()):
        pass
    gmp.go(f)

done.add(1)
spawn()
done.wait()
print(out.recv())
