"""More elementwise math: rounding, logarithms, trigonometry, logic and tests.

Same rules as ops.py (which owns the registry): forward on raw arrays, VJP beside it,
array module taken from the inputs. Rounding and sign have a zero gradient, as in
MXNet (their backward is registered as zeros), so they can sit inside a recorded net.
"""

import math
import operator

from .device import xp_of
from .ops import Rows, _float_result, _ub

ROWS = Rows()


def _xp2(a, b):
    return xp_of(a if hasattr(a, "shape") else b)


def _zero_vjp(g, out, needs, x, **kw):
    return (xp_of(g).zeros(g.shape, g.dtype),)


def _unary(name, fn, vjp):
    # Integer inputs give float32 (NumPy would give float64), as in ops.py.
    ROWS.add(name, lambda *a, **kw: _float_result(fn(*a, **kw), a[0]), vjp, True)


# ---- rounding and sign: piecewise constant, zero gradient ------------------------
for _name in ("floor", "ceil", "rint", "trunc", "fix", "sign"):
    _unary(_name, (lambda n: lambda x: getattr(xp_of(x), n)(x))(_name), _zero_vjp)
_unary("round", lambda x, decimals=0: xp_of(x).round(x, decimals), _zero_vjp)

# ---- powers and logarithms -------------------------------------------------------
_LN2, _LN10 = math.log(2.0), math.log(10.0)
_unary("reciprocal", lambda x: 1.0 / x, lambda g, out, needs, x: (-g * out * out,))
_unary("cbrt", lambda x: xp_of(x).cbrt(x),
       lambda g, out, needs, x: (g / (3 * out * out),))
_unary("exp2", lambda x: xp_of(x).exp2(x), lambda g, out, needs, x: (g * out * _LN2,))
_unary("expm1", lambda x: xp_of(x).expm1(x), lambda g, out, needs, x: (g * (out + 1),))
_unary("log2", lambda x: xp_of(x).log2(x), lambda g, out, needs, x: (g / (x * _LN2),))
_unary("log10", lambda x: xp_of(x).log10(x),
       lambda g, out, needs, x: (g / (x * _LN10),))
_unary("log1p", lambda x: xp_of(x).log1p(x), lambda g, out, needs, x: (g / (1 + x),))
# softrelu (MXNet's name for softplus), log(1 + exp(x)) without overflow.
_unary("softrelu", lambda x: xp_of(x).logaddexp(0, x),
       lambda g, out, needs, x: (g * (0.5 * (xp_of(x).tanh(0.5 * x) + 1)),))

# ---- trigonometric and hyperbolic ------------------------------------------------
_unary("tan", lambda x: xp_of(x).tan(x),
       lambda g, out, needs, x: (g * (1 + out * out),))
_unary("sinh", lambda x: xp_of(x).sinh(x),
       lambda g, out, needs, x: (g * xp_of(x).cosh(x),))
_unary("cosh", lambda x: xp_of(x).cosh(x),
       lambda g, out, needs, x: (g * xp_of(x).sinh(x),))
_unary("arcsin", lambda x: xp_of(x).arcsin(x),
       lambda g, out, needs, x: (g / xp_of(x).sqrt(1 - x * x),))
_unary("arccos", lambda x: xp_of(x).arccos(x),
       lambda g, out, needs, x: (-g / xp_of(x).sqrt(1 - x * x),))
_unary("arctan", lambda x: xp_of(x).arctan(x),
       lambda g, out, needs, x: (g / (1 + x * x),))
_unary("arcsinh", lambda x: xp_of(x).arcsinh(x),
       lambda g, out, needs, x: (g / xp_of(x).sqrt(x * x + 1),))
_unary("arccosh", lambda x: xp_of(x).arccosh(x),
       lambda g, out, needs, x: (g / xp_of(x).sqrt(x * x - 1),))
_unary("arctanh", lambda x: xp_of(x).arctanh(x),
       lambda g, out, needs, x: (g / (1 - x * x),))
_unary("degrees", lambda x: xp_of(x).degrees(x),
       lambda g, out, needs, x: (g * (180.0 / math.pi),))
_unary("radians", lambda x: xp_of(x).radians(x),
       lambda g, out, needs, x: (g * (math.pi / 180.0),))


# ---- binary ----------------------------------------------------------------------
def _arctan2_vjp(g, out, needs, a, b):
    r2 = a * a + b * b
    return _ub(g * b / r2, a), _ub(-g * a / r2, b)


def _hypot_vjp(g, out, needs, a, b):
    return _ub(g * a / out, a), _ub(g * b / out, b)


def _logaddexp_vjp(g, out, needs, a, b):
    xp = xp_of(g)
    return _ub(g * xp.exp(a - out), a), _ub(g * xp.exp(b - out), b)


def _copysign_vjp(g, out, needs, a, b):
    # copysign(a, b) is a or -a: the gradient is +-g for a and zero for b.
    xp = xp_of(g)
    same = xp.signbit(a) == xp.signbit(b)
    return _ub(g * xp.where(same, 1.0, -1.0), a), None


def _choose_nan_vjp(g, out, needs, a, b):
    # fmax/fmin ignore NaN; otherwise like maximum/minimum: a tie goes to `a`.
    if not hasattr(a, "shape"):
        return None, _ub(g * (b == out), b)
    pick_a = (a == out) | xp_of(a).isnan(b)
    return _ub(g * pick_a, a), _ub(g * ~pick_a, b)


for _name, _vjp in [("arctan2", _arctan2_vjp), ("hypot", _hypot_vjp),
                    ("logaddexp", _logaddexp_vjp), ("copysign", _copysign_vjp),
                    ("fmax", _choose_nan_vjp), ("fmin", _choose_nan_vjp)]:
    ROWS.add(_name, (lambda n: lambda a, b: getattr(_xp2(a, b), n)(a, b))(_name), _vjp,
          True)

# ---- logic and tests: no gradient ------------------------------------------------
for _name in ("logical_and", "logical_or", "logical_xor"):
    ROWS.add(_name, (lambda n: lambda a, b: getattr(_xp2(a, b), n)(a, b))(_name),
          None, True)
# &, |, ^ and ~ (on boolean masks they are the logical operations).
for _name, _fn in [("bitwise_and", operator.and_), ("bitwise_or", operator.or_),
                   ("bitwise_xor", operator.xor)]:
    ROWS.add(_name, _fn, None, True)
ROWS.add("invert", operator.invert, None, True)
for _name in ("logical_not", "isnan", "isinf", "isfinite", "isposinf", "isneginf",
              "signbit"):
    ROWS.add(_name, (lambda n: lambda x: getattr(xp_of(x), n)(x))(_name), None, True)
ROWS.add("isclose", lambda a, b, rtol=1e-05, atol=1e-08, equal_nan=False: _xp2(a, b)
         .isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan), None, True)
