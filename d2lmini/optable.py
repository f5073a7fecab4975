"""The op table, assembled: the rows of ops.py, ops_array.py, ops_math.py and
ops_shape.py go into ops.OPS here, by explicit calls (np/random.py adds the random
rows the same way). ndarray.py and everything above read OPS once this has run.
"""

from . import ops, ops_array, ops_math, ops_shape
from .ops import OPS, register

register(ops.ROWS)
register(ops_array.ROWS)
register(ops_math.ROWS)
register(ops_shape.ROWS)

__all__ = ["OPS"]
