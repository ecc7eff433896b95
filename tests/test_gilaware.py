"""GIL-aware scheduling (gmp/core/proc_m.pxi, "The GIL"; DESIGN.md): under
the GIL, goroutines that only run Python stay on the M that runs them, and
sysmon's GIL retake moves queued goroutines to another M only while the
busy M has left the GIL in a long C call. Each case runs in its own process
at GOMAXPROCS=2, so that no earlier test's retakes and back-off count."""
import json
import sys

import pytest

import gmp
from gmptest import run_program


def run(what, gmpdebug=None):
    env = {"GOMAXPROCS": "2", "GMPDEBUG": gmpdebug or ""}
    r = run_program("gilaware_placement.py", what, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    n, stats = r.stdout.split("\n")[:2]
    return int(n), json.loads(stats)


def test_python_only_goroutines_stay_on_one_m():
    # no wakep for the goroutines a running goroutine makes, no retake:
    # the second M never runs one
    n, st = run("python")
    assert st["gilaware"] is True
    assert n == 1, st
    assert st["wakeps"] == 0 and st["steals"] == 0 and st["gilretakes_ok"] == 0, st
    assert st["mswitches"] <= 2, st     # M0 only (P1's M may run its g0 loop once)


def test_go_s_eager_wakep_with_gilaware_0():
    # GMPDEBUG=gilaware=0: Go's newproc wakes an idle P's M for new work
    n, st = run("python", "gilaware=0")
    assert st["gilaware"] is False
    assert st["wakeps"] >= 1, st


def test_a_retake_finds_the_gil_held_and_moves_nothing():
    # the main goroutine runs Python with 16 goroutines queued: sysmon
    # retakes, the woken M finds the GIL held and steals nothing (the queued
    # goroutines run on M0 once main is preempted or parks)
    n, st = run("busy")
    assert st["gilretakes"] >= 1, st
    assert st["gilretakes_ok"] == 0 and st["steals"] == 0, st
    assert n == 1, st


def test_a_retake_moves_work_from_an_m_in_a_gil_releasing_call():
    # the main goroutine sits in time.sleep (the GIL released) with
    # goroutines queued: a retake's probe finds the GIL free and P1's M
    # steals them
    n, st = run("release")
    assert st["gilretakes_ok"] >= 1 and st["steals"] >= 1, st
    assert n == 2, st


def test_metrics_report_the_counters():
    m = gmp.runtime.metrics()
    for k in ("mswitches", "mwakes", "wakeps", "steals", "gilretakes", "gilretakes-ok"):
        assert isinstance(m["/gmp/sched/%s:events" % k], int)


def test_gilaware_follows_the_interpreter():
    # on by default where a GIL runs; a free-threaded build running without
    # it keeps every wakep of Go's
    isgil = getattr(sys, "_is_gil_enabled", lambda: True)()
    _, st = run("python")
    assert st["gilaware"] is isgil
