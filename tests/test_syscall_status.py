"""A goroutine blocked in gmp.syscall has Go's _Gsyscall status (3): its dump
header says [syscall], as Go's "goroutine N [syscall]:", and scheddetail
shows status=3 with no wait reason, as Go's does."""
from gmptest import run_program


def test_goroutine_in_syscall_has_gsyscall_status():
    r = run_program("syscall_status_in_dump.py", timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:4] == ["dump True", "status 3", "detail True", "result True"], \
        (r.stdout, r.stderr)
