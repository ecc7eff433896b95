"""A goroutine blocked in gmp.syscall has Go's _Gsyscall status (3): its dump
header says [syscall], as Go's "goroutine N [syscall]:", and scheddetail
shows status=3 with no wait reason, as Go's does."""
from conftest import run_py


def test_goroutine_in_syscall_has_gsyscall_status():
    r = run_py("""
        import re, threading, time
        import gmp
        from gmp import _core

        release = threading.Event()
        c = gmp.chan()
        gmp.go(lambda: c.send(gmp.syscall(release.wait)))

        # probe, no sleep-and-hope: wait until the goroutine is parked there
        pat = re.compile(r"^goroutine (\\d+) \\[syscall\\]:$", re.M)
        deadline = time.monotonic() + 20
        while True:
            m = pat.search(gmp.runtime.stack(all=True))
            if m or time.monotonic() > deadline:
                break
            gmp.sleep(0.001)
        print("dump", bool(m))
        goid = int(m.group(1))
        g = [x for x in _core._allgs() if x.goid == goid][0]
        print("status", _core._gstatus(g)[0])
        detail = _core._schedtrace(True)
        print("detail", bool(re.search(r"^  G%d: status=3\\(\\) " % goid, detail, re.M)))
        release.set()
        print("result", c.recv())
    """, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:4] == ["dump True", "status 3", "detail True", "result True"], \
        (r.stdout, r.stderr)
