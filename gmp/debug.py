"""gmp.debug: Go's runtime/debug (the parts that apply)."""
from gmp._core import set_traceback as set_traceback

__all__ = ["set_traceback"]
