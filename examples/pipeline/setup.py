"""Builds the example: python setup.py build_ext --inplace (gmp and Cython installed)."""
import importlib
import os

from setuptools import Extension, setup

import gmp

# Cython ships no type information: imported by name, cythonize is Any
cythonize = importlib.import_module("Cython.Build").cythonize

setup(
    name="gmp-pipeline-example",
    ext_modules=cythonize(
        [Extension("pipeline", ["pipeline.pyx"], include_dirs=[gmp.get_include()])],
        # where `from gmp cimport` finds gmp/__init__.pxd: Cython searches
        # sys.path, which an editable install of gmp is not on
        include_path=[os.path.dirname(os.path.dirname(gmp.__file__))],
        compiler_directives={"language_level": 3}),
)
