"""np.linalg: the norm, which the chapter uses in FixedHiddenMLP-style loops."""

from ..ndarray import apply
from ..ops import OPS


def norm(x, ord=None, axis=None, keepdims=False):
    """Euclidean/Frobenius norm by default; ord=1 sums absolute values."""
    return apply(OPS["norm"], x, ord=ord, axis=axis, keepdims=keepdims)
