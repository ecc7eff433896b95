# Go's runtime/runtime1.go: the debug variables (GODEBUG/GMPDEBUG,
# parsedebugvars) and GOTRACEBACK (setTraceback).
#
# GODEBUG is read once, at import: comma-separated key=value pairs; GMPDEBUG
# is read after it, so its keys override GODEBUG's, and a later pair
# overrides an earlier one. Unknown keys are ignored (as Go does); a value
# Go would not take gets one warning line and is ignored.
#
# Invariant: no environment value fails start-up or reaches a C field
# unchecked. Values are read as Go's parsedebugvars reads them, with
# strconv.ParseInt(v, 10, 32): a sign, ASCII digits, and an int32 range.
# Anything else (garbage, "1_0", non-ASCII digits, 20 digits) is ignored,
# not clamped, as in Go: the setting keeps its earlier value or default.
# The int32 range also keeps the ms -> ns products below (blockwarn,
# schedtrace: at most 2**31 * 10**6 ns) far inside int64.

cdef struct debugvars_t:
    int64_t schedtrace          # ms between SCHED lines; 0: off
    int64_t scheddetail
    int64_t asyncpreemptoff
    int64_t gcshrinkstackoff
    int64_t tracebackancestors
    int64_t blockwarn           # ms (GMPDEBUG only in Go terms; accepted in both)
    int64_t randseed            # != 0: fastrand seeded with it (gmp's own; gmp_rt.h)
    int64_t gilaware            # 0: Go's eager wakep even under the GIL (gmp's own; proc_m.pxi)

cdef debugvars_t dbg

_DEBUG_KEYS = ("schedtrace", "scheddetail", "asyncpreemptoff", "gcshrinkstackoff",
               "tracebackancestors", "blockwarn", "randseed", "gilaware")

_INT32_MIN = -(1 << 31)
_INT32_MAX = (1 << 31) - 1


def _atoi(text):
    """The syntax of Go's strconv.ParseInt(text, 10, bits): an optional sign
    then ASCII digits, nothing else (no spaces, "_", "0x" or non-ASCII
    digits, which int() would take). Returns the int, or None if text is
    not such a number; the caller checks the range. A number of more than
    20 digits comes back as 2**70 (or its negative) instead of being
    converted (int() refuses very long strings, and nothing needs them)."""
    sign = text[:1]
    digits = text[1:] if sign in ("+", "-") else text
    if not digits or not digits.isascii() or not digits.isdigit():
        return None
    digits = digits.lstrip("0") or "0"
    if len(digits) > 20:
        n = 1 << 70                     # out of any range a caller accepts
    else:
        n = int(digits)
    return -n if sign == "-" else n


def _shortrepr(value):
    """A value for a warning line: repr, cut to 60 characters."""
    r = repr(value)
    return r if len(r) <= 60 else r[:50] + "... (%d chars)" % len(r)


def _parsedebug(godebug, gmpdebug, warn):
    """The settings from the two variables, GMPDEBUG winning: {key: int}.
    warn(line) is called once per value that does not parse, or does not
    fit int32 (both ignored, as Go ignores them)."""
    vals = {}
    for var, text in (("GODEBUG", godebug), ("GMPDEBUG", gmpdebug)):
        for item in (text or "").split(","):
            key, eq, value = item.strip().partition("=")
            if not eq or key not in _DEBUG_KEYS:
                continue
            value = value.strip()
            v = _atoi(value)
            if v is None:
                warn("gmp: %s: %s=%s is not an integer; ignored\n" % (var, key, _shortrepr(value)))
                continue
            if not _INT32_MIN <= v <= _INT32_MAX:
                warn("gmp: %s: %s=%s is out of range; ignored\n" % (var, key, _shortrepr(value)))
                continue
            vals[key] = v
    return vals


def _envwarn(line):
    """A warning line about the environment, straight to fd 2 (at import,
    sys.stderr may be anything); it never fails."""
    try:
        os.write(2, line.encode("utf-8", "backslashreplace"))
    except OSError:
        pass


cdef int loaddebug() except -1:
    vals = _parsedebug(os.environ.get("GODEBUG"), os.environ.get("GMPDEBUG"), _envwarn)
    # every value is an int32 here (_parsedebug): the int64 fields take it.
    # schedtrace and blockwarn are periods: Go acts on schedtrace > 0 only,
    # so a negative one is off, stored as 0 for the loops that multiply it.
    dbg.schedtrace = max(0, vals.get("schedtrace", 0))
    dbg.scheddetail = vals.get("scheddetail", 0)
    dbg.asyncpreemptoff = vals.get("asyncpreemptoff", 0)
    dbg.gcshrinkstackoff = vals.get("gcshrinkstackoff", 0)
    dbg.tracebackancestors = vals.get("tracebackancestors", 0)
    dbg.blockwarn = max(0, vals.get("blockwarn", 0))
    # randseed=N: the scheduler's random choices (steal order, and select's
    # poll order, which _chan seeds from this value) repeat from run to run
    # as far as gmp_fastrand_seed's guarantee goes: the importing thread's
    # draws exactly; other threads' by the order they first draw.
    dbg.randseed = vals.get("randseed", 0)
    # gilaware=0: no GIL-aware scheduling (proc_m.pxi, "The GIL"): every
    # wakep of Go's, as on a free-threaded build
    dbg.gilaware = vals.get("gilaware", 1)
    if dbg.randseed != 0:
        gmp_fastrand_seed(<uint64_t>dbg.randseed)
    return 0


loaddebug()


def _debugvars():
    """The settings in effect, {key: value} (Cython turns the struct into a dict)."""
    return dbg


# ---- GOTRACEBACK ------------------------------------------------------------

# gmp's levels: none 0, single 1 (the default), all 2, system 3, crash 4.
# Go reads GOTRACEBACK (runtime1.go, setTraceback) as a name, "" (single),
# or a number n in uint32: level n with every goroutine, so 0 is none, 1
# is all and 2 (or more: nothing prints more than system) is system.
# Anything else, a negative or too large number included, is Go's level 0
# with "all" set: no tracebacks. The environment gets that reading (plus a
# warning line); set_traceback, an API, raises ValueError instead.
_TRACEBACK_NAMES = {"none": 0, "single": 1, "": 1, "all": 2, "system": 3, "crash": 4}
cdef int traceback_level = 1


def _parsetraceback(value):
    """GOTRACEBACK's value as Go reads it (names are also taken in any case
    and with spaces around them): gmp's level, or None if Go would not
    recognise it."""
    v = (value or "").strip().lower()
    if v in _TRACEBACK_NAMES:
        return _TRACEBACK_NAMES[v]
    n = _atoi(v)
    if n is None or not 0 <= n <= 0xFFFFFFFF:
        return None
    return 0 if n == 0 else 2 if n == 1 else 3


def set_traceback(level):
    """Go's runtime/debug.SetTraceback: "none", "single", "all", "system" or
    "crash" (or Go's numbers: 0 none, 1 all, 2 system). Governs panic
    reports (all and up: every goroutine) and SIGQUIT (none: no stacks;
    otherwise every goroutine)."""
    global traceback_level
    n = _parsetraceback(str(level))
    if n is None:
        raise ValueError("set_traceback: unknown level %s (none, single, all, system, crash)"
                         % _shortrepr(level))
    traceback_level = n


cdef int loadtraceback() except -1:
    global traceback_level
    env = os.environ.get("GOTRACEBACK")
    if env is None:
        return 0
    n = _parsetraceback(env)
    if n is None:
        # Go's reading of a value it does not know: level 0 (see above)
        _envwarn("gmp: GOTRACEBACK=%s is not a level; no tracebacks, as Go reads it "
                "(none, single, all, system, crash, 0, 1, 2)\n" % _shortrepr(env))
        n = 0
    traceback_level = n
    return 0


loadtraceback()
