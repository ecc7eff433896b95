"""Run by tests/test_signatures.py::test_importing_gmp_does_not_import_inspect:
imports gmp and gmp.sync and prints, one per line, the file of each module
whose code imported inspect meanwhile (the standard library may: Python
3.14's does; gmp's code must not)."""
import sys
import traceback


class Watch:
    def find_spec(self, name, path, target=None):
        if name == "inspect":
            files = [f.filename for f in traceback.extract_stack()
                     if f.filename != __file__ and "importlib" not in f.filename
                     and not f.filename.startswith("<frozen")]
            print(files[-1] if files else "?")
        return None


sys.meta_path.insert(0, Watch())
import gmp          # noqa: E402
import gmp.sync     # noqa: E402,F401
