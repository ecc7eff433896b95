"""Ms, sysmon and syscall helpers carry gmp names in threading."""
import logging
import re
import sys
import threading
import time

import gmp
from gmptest import run_program


class Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


def run_off_main(fn, tries=200):
    """Runs fn in goroutines until one runs on an M other than M0 (the main
    goroutine waits meanwhile in time.sleep, a call that releases the GIL
    without parking, so P0 stays busy and sysmon's GIL retake has another
    P's M steal the new goroutines); returns what that one returned."""
    main = threading.get_ident()

    def body(box):
        me = threading.get_ident()
        box.append((me, fn() if me != main else None))

    for _ in range(tries):
        box = []
        for _ in range(8):          # all but the last in P0's stealable ring
            gmp.go(body, box)
        while len(box) < 8:
            time.sleep(0.0005)      # not a park, so P0 does not run them
        for ident, v in box:
            if ident != main:
                return v
    raise AssertionError("no goroutine ran on another M")


def test_goroutine_on_another_m_logs_the_m_name(procs):
    procs(2)
    log = logging.getLogger("gmp.test.threadnames")
    h = Records()
    log.addHandler(h)
    log.setLevel(logging.INFO)
    try:
        rec = run_off_main(lambda: (log.info("hello"), h.records[-1])[1])
        assert re.fullmatch(r"gmp-M[1-9][0-9]*", rec.threadName), rec.threadName
    finally:
        log.removeHandler(h)


def test_enumerate_shows_m_names(procs):
    procs(3)
    name = run_off_main(lambda: threading.current_thread().name)
    assert name.startswith("gmp-M"), name
    names = {t.name for t in threading.enumerate()}
    assert name in names and not any(n.startswith("Dummy") for n in names), names


def test_sysmon_and_syscall_helpers_are_named():
    # in a fresh process: sysmon names itself when it starts; a syscall
    # helper is a threading.Thread named gmp-syscall-N. From 3.13 threading
    # drops a foreign thread's entry with its thread state, and sysmon has
    # one only while it holds the GIL: it is listed only meanwhile
    sysmon_listed = sys.version_info < (3, 13)
    r = run_program("thread_names_sysmon_and_syscall_helpers.py", sysmon_listed, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "gmp-syscall-" in r.stdout and "Dummy" not in r.stdout, r.stdout
    if sysmon_listed:
        assert "'gmp-sysmon'" in r.stdout, r.stdout
