"""Run by tests/test_syscall_status.py: a goroutine blocked in gmp.syscall,
seen in the dump, in _gstatus and in scheddetail."""
import re
import threading
import time

import gmp
from gmp import _core

release = threading.Event()
c = gmp.chan()
gmp.go(lambda: c.send(gmp.syscall(release.wait)))

# probe, no sleep-and-hope: wait until the goroutine is parked there
pat = re.compile(r"^goroutine (\d+) \[syscall\]:$", re.M)
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
print("detail", bool(re.search(r"^  G%d: status=3\(\) " % goid, detail, re.M)))
release.set()
print("result", c.recv())
