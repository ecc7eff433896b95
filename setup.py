"""Build the two Cython extensions (everything else is in pyproject.toml).

Environment switches:
  GMP_DEBUG=1      compile with -DGMP_DEBUG and Cython line tracing off
  GMP_ANNOTATE=1   write gmp/*.html (cython -a): yellow lines touch the C-API
"""
import os
from setuptools import setup, Extension
from Cython.Build import cythonize

macros = []
# -fno-inline-functions-called-once: gcc would fold each helper called from
# one place (pickg, gfswitch, parkforeign) into its caller's frame, and the
# frames of goparkx -> schedule -> execute are live across every greenlet
# switch: greenlet copies them in and out of the heap on each park, so
# their size is paid per context switch (docs/decisions/0076).
cflags = ["-O2", "-fno-inline-functions-called-once"]
if os.environ.get("GMP_DEBUG"):
    macros.append(("GMP_DEBUG", "1"))
    cflags = ["-O1", "-g"]

exts = [
    Extension(name, [src], include_dirs=["gmp/includes"], define_macros=macros,
              extra_compile_args=cflags)
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
