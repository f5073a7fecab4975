"""np's elementwise math beyond arithmetic: rounding, logarithms, trigonometry,
logic and floating-point tests, each with NumPy's name and signature.

Thin wrappers over the ops of d2lmini.ops_math; re-exported by d2lmini.np.
"""

from ..arrayfuncs import asnd
from ..ndarray import apply, ndarray
from ..ops import OPS


def _write(out, result):
    if out is None:
        return result
    out[...] = result
    return out


def _unary(name, public=None):
    op = OPS[name]

    def fn(x, out=None):
        return _write(out, apply(op, asnd(x)))

    fn.__name__ = public or name
    fn.__doc__ = f"Elementwise {public or name} (NumPy's np.{public or name})."
    return fn


def _operands(a, b):
    if not isinstance(a, ndarray) and not isinstance(b, ndarray):
        a = asnd(a)
    like = a if isinstance(a, ndarray) else b
    return tuple(x if isinstance(x, (ndarray, int, float, bool)) else asnd(x, like)
                 for x in (a, b))


def _binary(name):
    op = OPS[name]

    def fn(x1, x2, out=None):
        return _write(out, apply(op, *_operands(x1, x2)))

    fn.__name__ = name
    fn.__doc__ = f"Elementwise {name} of two arrays, broadcast (NumPy's np.{name})."
    return fn


# Differentiable; rounding and sign pass a zero gradient back, as in MXNet.
floor, ceil, rint, trunc, fix, sign = (
    _unary(n) for n in ("floor", "ceil", "rint", "trunc", "fix", "sign"))
reciprocal, cbrt, exp2, expm1 = (
    _unary(n) for n in ("reciprocal", "cbrt", "exp2", "expm1"))
log2, log10, log1p = (_unary(n) for n in ("log2", "log10", "log1p"))
tan, sinh, cosh = _unary("tan"), _unary("sinh"), _unary("cosh")
arcsin, arccos, arctan = _unary("arcsin"), _unary("arccos"), _unary("arctan")
arcsinh, arccosh, arctanh = _unary("arcsinh"), _unary("arccosh"), _unary("arctanh")
degrees, radians = _unary("degrees"), _unary("radians")
rad2deg, deg2rad = _unary("degrees", "rad2deg"), _unary("radians", "deg2rad")
arctan2, hypot, logaddexp = _binary("arctan2"), _binary("hypot"), _binary("logaddexp")
copysign, fmax, fmin = _binary("copysign"), _binary("fmax"), _binary("fmin")

# No gradient: booleans.
logical_and, logical_or = _binary("logical_and"), _binary("logical_or")
logical_xor, logical_not = _binary("logical_xor"), _unary("logical_not")
isnan, isinf, isfinite = _unary("isnan"), _unary("isinf"), _unary("isfinite")
isposinf, isneginf, signbit = _unary("isposinf"), _unary("isneginf"), _unary("signbit")
bitwise_and, bitwise_or = _binary("bitwise_and"), _binary("bitwise_or")
bitwise_xor, invert = _binary("bitwise_xor"), _unary("invert")
bitwise_not = _unary("invert", "bitwise_not")


def round(x, decimals=0, out=None):  # noqa: A001  (NumPy's name)
    """Round to `decimals` places, halves to even (zero gradient, as in MXNet)."""
    return _write(out, apply(OPS["round"], asnd(x), decimals=decimals))


around = round_ = round


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise |a - b| <= atol + rtol * |b|, as a boolean array."""
    return apply(OPS["isclose"], *_operands(a, b), rtol=rtol, atol=atol,
                 equal_nan=equal_nan)
