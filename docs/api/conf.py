# Sphinx configuration of gmp's API reference (built by ci/apidocs.sh with
# warnings as errors): every page is generated from the docstrings of the
# installed package, which are reStructuredText that also reads as plain
# text in help().
import gmp

project = "gmp-runtime"
author = "the gmp authors"
copyright = "the gmp authors"
release = version = gmp.__version__
extensions = ["sphinx.ext.autodoc"]
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True}
autodoc_member_order = "bysource"
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path = []
# the pages name Python's own types (socket, TimeoutError) without linking
# to docs.python.org (no intersphinx: the build needs no network)
nitpicky = False


def _public_bases(app, name, obj, options, bases):
    """Shows a class's public ancestry: a private base (gmp._chan._Locker of
    Mutex and RWMutex, gmp.net's _Closer) is replaced by its own bases."""
    i = 0
    while i < len(bases):
        base = bases[i]
        if getattr(base, "__name__", "").startswith("_") and isinstance(base, type):
            bases[i:i + 1] = list(base.__bases__)
        else:
            i += 1


def setup(app):
    app.connect("autodoc-process-bases", _public_bases)
