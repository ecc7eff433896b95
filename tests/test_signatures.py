"""Every public callable has a signature inspect.signature reads (what IDEs,
help(), Sphinx and stubtest show), and help(gmp.chan) lists chan's methods
as methods.

Where the signatures come from: the Cython modules are compiled with
embedsignature.format=clinic, so each C method's docstring starts with a
text signature (``send($self, v, /)\\n--\\n\\n``) that CPython turns into
__text_signature__; the cdef classes write theirs at the head of their
docstring (``chan(size=0)\\n--\\n\\n``); the exception classes carry a
__signature__ (gmp/core/panic.pxi); chan.send/recv/recv_ok, read through
the class, are the method_descriptors under gmp_chanop.h's fast
descriptors."""
import importlib
import inspect
import os
import pydoc
import sys
import types

import pytest

import gmp
from gmptest import run_program

PUBLIC_MODULES = ["gmp", "gmp.runtime", "gmp.sync", "gmp.time", "gmp.context", "gmp.net",
                  "gmp.monkey", "gmp.debug", "gmp.testing", "gmp.pprof", "gmp.prometheus"]

CHAN_METHODS = {
    # name: (bound, unbound)
    "send": ("(v, /)", "(self, v, /)"),
    "recv": ("()", "(self, /)"),
    "recv_ok": ("()", "(self, /)"),
    "send_nowait": ("(v, /)", "(self, v, /)"),
    "recv_nowait": ("()", "(self, /)"),
    "close": ("()", "(self, /)"),
}


def public_callables():
    """(qualified name, object) for every callable in a public __all__ and
    every public method gmp defines on a class there (inherited methods of
    builtins, such as BaseException.with_traceback, are CPython's)."""
    out = {}
    for modname in PUBLIC_MODULES:
        mod = importlib.import_module(modname)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if isinstance(obj, types.ModuleType) or not callable(obj):
                continue
            out["%s.%s" % (modname, name)] = obj
            if not isinstance(obj, type):
                continue
            for klass in obj.__mro__:
                if not klass.__module__.startswith("gmp"):
                    continue
                for attr in vars(klass):
                    if attr.startswith("_"):
                        continue
                    value = getattr(obj, attr)
                    if callable(value):
                        out.setdefault("%s.%s.%s" % (modname, name, attr), value)
    return sorted(out.items())


@pytest.mark.parametrize("name,obj", public_callables(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_public_callable_has_a_signature(name, obj):
    inspect.signature(obj)


def test_the_walk_sees_the_names_the_issue_lists():
    names = dict(public_callables())
    for name in ["gmp.chan", "gmp.go", "gmp.select", "gmp.Panic", "gmp.WouldBlock",
                 "gmp.chan.send", "gmp.sync.WaitGroup.add", "gmp.context.with_cancel"]:
        assert name in names


@pytest.mark.parametrize("name", sorted(CHAN_METHODS))
def test_chan_methods_bound_and_unbound(name):
    bound, unbound = CHAN_METHODS[name]
    c = gmp.chan(1)
    assert str(inspect.signature(getattr(c, name))) == bound
    assert str(inspect.signature(getattr(gmp.chan, name))) == unbound
    # the descriptors in chan's dict (gmp_chanop.h's, for send/recv/recv_ok)
    # carry the same text signature
    assert str(inspect.signature(vars(gmp.chan)[name])) == unbound


def test_chan_and_the_classes():
    assert str(inspect.signature(gmp.chan)) == "(size=0, dtype=None)"
    assert str(inspect.signature(gmp.WaitGroup)) == "()"
    assert str(inspect.signature(gmp.sync.Cond)) == "(L)"
    for exc in (gmp.Panic, gmp.Deadlock, gmp.GoExit, gmp.WouldBlock):
        assert str(inspect.signature(exc)) == "(*args)"
    # the text signature is not part of the docstring a reader sees
    assert gmp.chan.__doc__.startswith("A Go channel")
    assert gmp.chan.send.__doc__.startswith("Sends v")
    assert gmp.chan(1).recv.__doc__.startswith("Receives a value")


def test_help_lists_chan_methods_as_methods():
    text = pydoc.render_doc(gmp.chan, renderer=pydoc.plaintext)
    methods = text.split("Methods defined here:", 1)[1].split("------", 1)[0]
    for name, (_, unbound) in CHAN_METHODS.items():
        assert "%s%s\n" % (name, unbound) in methods, name
    assert "Data and other attributes" not in text.split("Methods defined here:", 1)[1].split(
        "Class methods", 1)[0]


def test_fast_descriptors_stay_in_place():
    """Introspection reads Cython's method_descriptor through the class, but
    ch.recv() and ch.recv still go through gmp_chanop.h's descriptors (a
    direct C call; a pooled builtin method), which stay in chan's dict."""
    c = gmp.chan(1)
    for name in ("send", "recv", "recv_ok"):
        d = vars(gmp.chan)[name]
        assert type(d).__name__ == "chan_method_descriptor"
        assert type(getattr(gmp.chan, name)) is types.MethodDescriptorType
        assert type(getattr(c, name)) is types.BuiltinMethodType
    # their own unbound calls and errors (reached through the dict only)
    d_send, d_recv = vars(gmp.chan)["send"], vars(gmp.chan)["recv"]
    d_send(c, 5)
    assert d_recv(c) == 5
    with pytest.raises(TypeError, match="needs an argument"):
        d_recv()
    with pytest.raises(TypeError, match="doesn't apply to a 'int' object"):
        d_send(1, 2)
    with pytest.raises(TypeError, match=r"takes no arguments \(1 given\)"):
        d_recv(c, 1)


def test_importing_gmp_does_not_import_inspect():
    """The exception classes' __signature__ is built when read: no module of
    gmp imports inspect (the standard library itself may, as 3.14's does)."""
    out = run_program("signatures_who_imports_inspect.py")
    assert out.returncode == 0, out.stderr
    gmpdir = os.path.dirname(os.path.abspath(gmp.__file__))
    importers = out.stdout.split()
    assert not [f for f in importers if os.path.abspath(f).startswith(gmpdir + os.sep)], importers
