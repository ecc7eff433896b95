"""Run by tests/test_thread_names.py::test_sysmon_and_syscall_helpers_are_named
in a subprocess: prints the names of the threads once a syscall helper ran;
with argv[1] "True" it first waits until sysmon is listed."""
import sys
import threading, time, gmp
sysmon_listed = sys.argv[1] == "True"
gmp.go(lambda: None)
def names():
    return sorted(t.name for t in threading.enumerate())
deadline = time.monotonic() + 30
while sysmon_listed and "gmp-sysmon" not in names() and time.monotonic() < deadline:
    gmp.sleep(0.001)
gmp.syscall(time.sleep, 0)
print(names())
