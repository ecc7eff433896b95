"""Environment values read at import (GODEBUG, GMPDEBUG, GOTRACEBACK,
GOMAXPROCS) never fail start-up: Go ignores a GODEBUG number that
strconv.ParseInt(v, 10, 32) rejects, reads an unknown GOTRACEBACK as
level 0, and ignores a GOMAXPROCS that is not a positive int32."""
import pytest

from gmp import _core
from gmptest import run_program

HUGE = "9" * 20


def run_env(env):
    r = run_program("env_values_start_up.py", env=env, timeout=30)
    assert r.returncode == 0 and "Traceback" not in r.stderr, (env, r.stderr)
    out = r.stdout.split(" ", 1)
    assert out[0] == "42", (env, r.stdout)
    dbg, level, procs = out[1].rsplit(" ", 2)
    return eval(dbg), int(level), int(procs), r.stderr


@pytest.mark.parametrize("env", [
    {"GODEBUG": "schedtrace=" + HUGE},
    {"GODEBUG": "schedtrace=-" + HUGE},
    {"GODEBUG": "tracebackancestors=" + HUGE},
    {"GODEBUG": "scheddetail=" + HUGE + ",asyncpreemptoff=" + HUGE + ",gcshrinkstackoff=" + HUGE},
    {"GMPDEBUG": "blockwarn=" + HUGE},
    {"GMPDEBUG": "blockwarn=10000000000000"},
    {"GODEBUG": "schedtrace=2147483648"},
    {"GODEBUG": "schedtrace=" + "1" * 5000},          # past int()'s digit limit
])
def test_godebug_out_of_int32_is_ignored(env):
    dbg, _, _, err = run_env(env)
    # every value at its default: 0, and gilaware's 1
    assert all(v == (k == "gilaware") for k, v in dbg.items()), dbg
    assert "is out of range" in err and "ignored" in err, err
    assert len(err) < 400                              # a long value is shortened


def test_godebug_int32_bounds_are_accepted():
    dbg, _, _, err = run_env({"GODEBUG": "tracebackancestors=2147483647,scheddetail=-2147483648",
                              "GMPDEBUG": "blockwarn=2147483647"})
    assert (dbg["tracebackancestors"], dbg["scheddetail"], dbg["blockwarn"]) == \
        (2147483647, -2147483648, 2147483647)
    assert err == ""


def test_negative_schedtrace_and_blockwarn_are_off():
    dbg, _, _, err = run_env({"GODEBUG": "schedtrace=-5", "GMPDEBUG": "blockwarn=-1"})
    assert dbg["schedtrace"] == 0 and dbg["blockwarn"] == 0 and err == ""


def test_parse_reads_numbers_as_go():
    # strconv.ParseInt(v, 10, 32): a sign, ASCII digits (leading zeros too)
    # and nothing else; a later bad value leaves an earlier good one
    warnings = []
    v = _core._parsedebug("schedtrace=+7,scheddetail=-0,tracebackancestors=00000000000003,"
                          "blockwarn=5,blockwarn=1_000,asyncpreemptoff=\u0663,"
                          "gcshrinkstackoff=0x1", None, warnings.append)
    assert v == {"schedtrace": 7, "scheddetail": 0, "tracebackancestors": 3, "blockwarn": 5}
    assert len(warnings) == 3 and all("is not an integer; ignored" in w for w in warnings)
    warnings = []
    v = _core._parsedebug("schedtrace=-2147483649,schedtrace=2147483648,blockwarn=+2147483647",
                          "", warnings.append)
    assert v == {"blockwarn": 2147483647}
    assert warnings == ["gmp: GODEBUG: schedtrace='-2147483649' is out of range; ignored\n",
                        "gmp: GODEBUG: schedtrace='2147483648' is out of range; ignored\n"]


def test_blockwarn_beyond_int32_reports_no_hog():
    # 10**13 ms once overflowed the ms -> ns product and reported any
    # goroutine that ran for one sysmon round
    r = run_program("env_values_blockwarn_beyond_int32.py",
                    env={"GMPDEBUG": "blockwarn=10000000000000,asyncpreemptoff=1",
                         "GOMAXPROCS": "1"}, timeout=30)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
    assert "without yielding" not in r.stderr, r.stderr


@pytest.mark.parametrize("value,level,warned", [
    ("", 1, False),             # Go: "" is single
    ("none", 0, False), ("single", 1, False), ("all", 2, False), ("system", 3, False),
    ("crash", 4, False), ("ALL", 2, False),
    ("0", 0, False),            # Go's numbers: 0 none, 1 all, 2 (and up) system
    ("1", 2, False), ("2", 3, False), ("4294967295", 3, False),
    (HUGE, 0, True),            # Go: not a level -> level 0 (no tracebacks)
    ("4294967296", 0, True), ("-1", 0, True), ("loud", 0, True), ("1.5", 0, True),
])
def test_gotraceback_values(value, level, warned):
    _, got, _, err = run_env({"GOTRACEBACK": value})
    assert got == level
    assert ("is not a level" in err) == warned, err


@pytest.mark.parametrize("value,procs", [
    (HUGE, None), ("2147483648", None), ("-3", None), ("0", None), ("abc", None),
    ("1.5", None), ("", None), ("1_0", None), ("\u0663", None), (" 7", None),
    ("+2", 2), ("2", 2), ("2147483647", "max"),
])
def test_gomaxprocs_values(value, procs):
    _, _, got, err = run_env({"GOMAXPROCS": value})
    want = {None: _core.DEFAULT_GOMAXPROCS, "max": 256}.get(procs, procs)   # MAXPROCS: 256
    assert got == want and err == "", (value, got, err)


def test_set_traceback_numbers_as_go():
    old = _core._traceback_level()
    try:
        for value, level in (("0", 0), ("1", 2), ("2", 3), ("7", 3), (1, 2), ("none", 0)):
            _core.set_traceback(value)
            assert _core._traceback_level() == level
        for bad in (HUGE, "-1", "4294967296", "loud", 10 ** 30):
            with pytest.raises(ValueError, match="unknown level"):
                _core.set_traceback(bad)
    finally:
        _core.set_traceback(("none", "single", "all", "system", "crash")[old])
