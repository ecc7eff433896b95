"""Build the two Cython extensions (everything else is in pyproject.toml).

Environment switches:
  GMP_DEBUG=1      compile with -DGMP_DEBUG and Cython line tracing off
  GMP_ANNOTATE=1   write gmp/*.html (cython -a): yellow lines touch the C-API
"""
import os
from setuptools import setup, Extension
from Cython.Build import cythonize

macros = []
cflags = ["-O2"]
if os.environ.get("GMP_DEBUG"):
    macros.append(("GMP_DEBUG", "1"))
    cflags = ["-O1", "-g"]
# _core only: -fno-inline-functions-called-once. gcc would fold each helper
# that has one caller (pickg, gfswitch, parkforeign) into that caller's
# frame, and the frames of goparkx -> schedule -> execute are live across
# every park's greenlet switch: greenlet copies them to the heap and back,
# so their size is paid per context switch (docs/decisions/0076). _chan
# keeps the default: select's one-caller helpers gain from being inlined.
extra = {"gmp._core": ["-fno-inline-functions-called-once"], "gmp._chan": []}

exts = [
    Extension(name, [src], include_dirs=["gmp/includes"], define_macros=macros,
              extra_compile_args=cflags + extra[name])
    for name, src in [("gmp._core", "gmp/_core.pyx"), ("gmp._chan", "gmp/_chan.pyx")]
]

setup(
    ext_modules=cythonize(
        exts,
        include_path=["."],
        annotate=bool(os.environ.get("GMP_ANNOTATE")),
        force=bool(os.environ.get("GMP_ANNOTATE")),     # re-annotate even when up to date
        compiler_directives={"language_level": 3, "embedsignature": True},
    ),
)
