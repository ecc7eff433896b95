"""Builds capitest (tests/test_capi.py runs it in a scratch copy): only the
installed gmp, its get_include() and Cython."""
import os

from Cython.Build import cythonize
from setuptools import Extension, setup

import gmp

setup(
    name="gmp-capitest",
    ext_modules=cythonize(
        [Extension("capitest", ["capitest.pyx"], include_dirs=[gmp.get_include()])],
        include_path=[os.path.dirname(os.path.dirname(gmp.__file__))],
        compiler_directives={"language_level": 3}, quiet=True),
)
