"""The op registry: every primitive's forward and its gradient rule, side by side.

A forward takes raw arrays (NumPy or CuPy) and keyword parameters and returns a raw
array. Its VJP takes the incoming cotangent `g`, the output `out`, the same inputs and
keywords, and returns one cotangent per input (None where none flows). The eager path
(ndarray.apply) and, later, the tracer and compiled plans all use these entries.
"""

import operator

import numpy as onp

from .device import xp_of

_ND = onp.ndarray
# The generator behind np.random and dropout; np.random.seed replaces it. Made on
# first use: NumPy imports its random module lazily, and so do we.
RNG = [None]


def rng():
    if RNG[0] is None:
        RNG[0] = onp.random.default_rng()
    return RNG[0]


class Op:
    """One primitive. `vjp=None` marks it non-differentiable (no gradient flows).

    `masked=True`: the VJP takes `needs`, one flag per input, and skips cotangents
    nobody needs (for products, where they are expensive).
    `random=True`: the forward draws random numbers; its output has the shape and
    dtype of its first input, so the tracer learns them without drawing any.
    """

    __slots__ = ("name", "fwd", "vjp", "elementwise", "masked", "random")

    def __init__(self, name, fwd, vjp=None, elementwise=False, masked=False,
                 random=False):
        self.name, self.fwd, self.vjp, self.elementwise = name, fwd, vjp, elementwise
        self.masked, self.random = masked, random

    def __repr__(self):
        return f"Op({self.name})"


OPS = {}


def defop(name, fwd, vjp=None, elementwise=False, masked=False, random=False):
    OPS[name] = Op(name, fwd, vjp, elementwise, masked, random)
    return OPS[name]


def unbroadcast(g, shape):
    """Sum `g` down to `shape`, undoing NumPy broadcasting."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and g.shape[i + lead] != 1
    )
    return g.sum(axis=axes).reshape(shape)


def _ub(g, x):
    """Cotangent for input `x` (None when `x` is a Python scalar, not an array)."""
    shape = getattr(x, "shape", None)
    return None if shape is None else unbroadcast(g, shape)


_F64 = onp.dtype(onp.float64)


def _float_result(out, a, b=None):
    # Like MXNet: dividing or averaging integers gives float32, not float64.
    if out.dtype is not _F64:  # the common case, decided by one identity test
        return out
    # (Compared with the type: a dtype compared with None treats None as float64.)
    if (getattr(a, "dtype", None) != onp.float64
            and getattr(b, "dtype", None) != onp.float64):
        return out.astype(onp.float32)
    return out


def _promoting(fn):
    # As MXNet: int32 + float32 (or + 0.5) gives float32, where NumPy gives float64.
    def fwd(a, b):
        return _float_result(fn(a, b), a, b)

    return fwd


# ---- elementwise binary ----------------------------------------------------------
defop("add", _promoting(operator.add), lambda g, out, a, b: (_ub(g, a), _ub(g, b)),
      True)
defop("subtract", _promoting(operator.sub),
      lambda g, out, a, b: (_ub(g, a), _ub(-g, b)), True)
defop("multiply", _promoting(operator.mul),
      lambda g, out, a, b: (_ub(g * b, a), _ub(g * a, b)), True)
defop(
    "true_divide",
    lambda a, b: _float_result(operator.truediv(a, b), a, b),
    lambda g, out, a, b: (_ub(g / b, a), _ub(-g * out / b, b)),
    True,
)


def _power_vjp(g, out, a, b):
    xp = xp_of(out)
    ga = g * b * a ** (b - 1) if hasattr(a, "shape") else None
    gb = None
    if hasattr(b, "shape"):
        a = xp.asarray(a)  # a Python number as the base: 2 ** x
        safe = xp.where(a > 0, a, 1)
        gb = g * out * xp.log(safe) * (a > 0)
    return _ub(ga, a) if ga is not None else None, _ub(
        gb, b
    ) if gb is not None else None


defop("power", _promoting(operator.pow), _power_vjp, True)


def _choose_vjp(g, out, a, b):
    # As MXNet (backward of maximum: a >= b, b < a): a tie goes to the first
    # argument; against a Python number the array gets it (x >= 0 in maximum(0, x)).
    if not hasattr(a, "shape"):
        return None, _ub(g * (b == out), b)
    pick_a = a == out
    return _ub(g * pick_a, a), _ub(g * ~pick_a, b)


defop(
    "maximum",
    lambda a, b: xp_of(a if hasattr(a, "shape") else b).maximum(a, b),
    _choose_vjp,
    True,
)
defop(
    "minimum",
    lambda a, b: xp_of(a if hasattr(a, "shape") else b).minimum(a, b),
    _choose_vjp,
    True,
)
for _name, _fn in [
    ("equal", operator.eq),
    ("not_equal", operator.ne),
    ("less", operator.lt),
    ("less_equal", operator.le),
    ("greater", operator.gt),
    ("greater_equal", operator.ge),
    ("floor_divide", operator.floordiv),
    ("mod", operator.mod),
]:
    defop(_name, _fn, None, True)

# ---- elementwise unary -----------------------------------------------------------
def _floating(fn):
    # exp, log, ... of integers: float32, where NumPy gives float64. (Differs from
    # MXNet 1.9.1, which truncates the result back to the integer dtype.)
    def fwd(x):
        return _float_result(fn(x), x)

    return fwd


defop("negative", operator.neg, lambda g, out, x: (-g,), True)
defop("abs", lambda x: xp_of(x).abs(x), lambda g, out, x: (g * xp_of(x).sign(x),), True)
defop("sqrt", _floating(lambda x: xp_of(x).sqrt(x)),
      lambda g, out, x: (g * 0.5 / out,), True)
defop("square", lambda x: x * x, lambda g, out, x: (g * 2 * x,), True)
defop("exp", _floating(lambda x: xp_of(x).exp(x)), lambda g, out, x: (g * out,), True)
defop("log", _floating(lambda x: xp_of(x).log(x)), lambda g, out, x: (g / x,), True)
defop("sin", _floating(lambda x: xp_of(x).sin(x)),
      lambda g, out, x: (g * xp_of(x).cos(x),), True)
defop("cos", _floating(lambda x: xp_of(x).cos(x)),
      lambda g, out, x: (-g * xp_of(x).sin(x),), True)
defop("tanh", _floating(lambda x: xp_of(x).tanh(x)),
      lambda g, out, x: (g * (1 - out * out),), True)
defop(
    "relu", lambda x: xp_of(x).maximum(x, 0), lambda g, out, x: (g * (out > 0),), True
)
# 0.5 * (tanh(x/2) + 1) equals the logistic function and never overflows.
defop(
    "sigmoid",
    _floating(lambda x: 0.5 * (xp_of(x).tanh(0.5 * x) + 1)),
    lambda g, out, x: (g * out * (1 - out),),
    True,
)


def _clip_vjp(g, out, x, a_min=None, a_max=None):
    keep = xp_of(x).ones(x.shape, bool)
    if a_min is not None:
        keep &= x >= a_min
    if a_max is not None:
        keep &= x <= a_max
    return (g * keep,)


defop(
    "clip",
    lambda x, a_min=None, a_max=None: xp_of(x).clip(x, a_min, a_max),
    _clip_vjp,
    True,
)
defop(
    "astype",
    lambda x, dtype: x.astype(dtype),
    lambda g, out, x, dtype: (g.astype(x.dtype),),
)
defop("copy", lambda x: x.copy(), lambda g, out, x: (g,))
def _where_vjp(g, c, a, b):
    return None, _ub(g * c, a), _ub(g * ~c, b)


defop(
    "where",
    lambda c, a, b: _float_result(xp_of(c).where(c, a, b), a, b),
    lambda g, out, c, a, b: _where_vjp(g, xp_of(g).asarray(c, dtype=bool), a, b),
)


def _dropout_mask(x, p):
    keep = rng().random(x.shape, dtype=onp.float32) >= p
    mask = keep.astype(x.dtype) / (1 - p)
    return mask if type(x) is _ND else xp_of(x).asarray(mask)


# Random, no gradient: Dropout multiplies it in.
defop("dropout_mask", _dropout_mask, random=True)


# np.random's draws as ops, so that a hybridized forward draws anew at every call
# (a plan replays the op) instead of freezing one draw as a constant. Drawn on the
# CPU in float32, then cast: a seed gives the same numbers everywhere.
def _uniform(low=0.0, high=1.0, size=(), dtype="float32"):
    raw = low + (high - low) * rng().random(size, dtype=onp.float32)
    return onp.asarray(raw).astype(dtype, copy=False)


def _normal(loc=0.0, scale=1.0, size=(), dtype="float32"):
    raw = loc + scale * rng().standard_normal(size, dtype=onp.float32)
    return onp.asarray(raw).astype(dtype, copy=False)


defop("random_uniform", _uniform, random=True)
defop("random_normal", _normal, random=True)


def random_stand_in(kw, inputs):
    """What a random op gives, learned without drawing (for the tracer and the
    graph reader): zeros of its `size` and `dtype`, or of its first input's."""
    if "size" in kw:
        return onp.zeros(kw["size"], kw.get("dtype", onp.float32))
    return onp.zeros(inputs[0].shape, inputs[0].dtype)


# ---- reductions ------------------------------------------------------------------
def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axis = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a % ndim for a in axis)


def _expand(g, x, axis, keepdims):
    """Give a reduced cotangent back its reduced axes so that it broadcasts to x."""
    if keepdims or x.ndim == 0:
        return g
    return g.reshape(
        [1 if i in _axes(axis, x.ndim) else s for i, s in enumerate(x.shape)]
    )


def _spread(g, shape):
    """`g` broadcast to `shape`: a read-only view when large, a copy when small
    (NumPy's broadcast_to costs microseconds of Python per call)."""
    size = 1
    for n in shape:
        size *= n
    if size > _SMALL:
        return xp_of(g).broadcast_to(g, shape)
    full = xp_of(g).empty(shape, g.dtype)
    full[...] = g
    return full


_SMALL = 4096  # elements


def _sum_vjp(g, out, x, axis=None, keepdims=False):
    return (_spread(_expand(g, x, axis, keepdims), x.shape),)


def _mean_vjp(g, out, x, axis=None, keepdims=False):
    count = 1
    for a in _axes(axis, x.ndim):
        count *= x.shape[a]
    return (_spread(_expand(g / count, x, axis, keepdims), x.shape),)


def _extreme_vjp(g, out, x, axis=None, keepdims=False):
    # As MXNet (backward uses x == out): every tied maximum gets the full gradient,
    # so x.max() of [1, 3, 3] sends [0, 1, 1]. (An even split would sum to one.)
    hit = x == _expand(out, x, axis, keepdims)
    return (_expand(g, x, axis, keepdims) * hit,)


def _prod_vjp(g, out, x, axis=None, keepdims=False):
    # Differs from a full implementation: inputs containing zeros get no gradient.
    return (_expand(g * out, x, axis, keepdims) / x,)


def _norm(x, ord=None, axis=None, keepdims=False):
    xp = xp_of(x)
    pair = isinstance(axis, tuple) and len(axis) == 2
    matrix = (axis is None and x.ndim == 2) or pair
    if matrix and ord in (1, 2):
        raise ValueError(
            f"np.linalg.norm: the matrix {ord}-norm is not supported; use ord=None "
            "(Frobenius) or pass axis= to take vector norms along one axis")
    if ord in (None, 2, "fro"):
        return xp.sqrt((x * x).sum(axis=axis, keepdims=keepdims))
    if ord == 1:
        return xp.abs(x).sum(axis=axis, keepdims=keepdims)
    raise ValueError(
        f"np.linalg.norm: ord={ord!r} is not supported; use None "
        "(Euclidean/Frobenius), 2 or 1"
    )


def _norm_vjp(g, out, x, ord=None, axis=None, keepdims=False):
    xp = xp_of(x)
    if ord == 1:
        return (_expand(g, x, axis, keepdims) * xp.sign(x),)
    denom = _expand(out, x, axis, keepdims)
    return (_expand(g, x, axis, keepdims) * x / xp.where(denom == 0, 1, denom),)


def _mean(x, axis=None, keepdims=False):
    # The sum divided by the count, as NumPy's mean computes it, minus its Python.
    if x.dtype.kind != "f" or x.dtype.itemsize < 4 or x.size == 0:
        return _float_result(xp_of(x).mean(x, axis=axis, keepdims=keepdims), x)
    count = 1
    for a in _axes(axis, x.ndim):
        count *= x.shape[a]
    return x.sum(axis=axis, keepdims=keepdims) / count


def _sum(x, axis=None, keepdims=False):
    # As MXNet: the sum of int32 values is int32 (NumPy widens it to int64).
    kind = x.dtype.kind
    return x.sum(axis=axis, keepdims=keepdims,
                 dtype=x.dtype if kind in "iu" else None)


defop("sum", _sum, _sum_vjp)
defop("mean", _mean, _mean_vjp)
defop(
    "max",
    lambda x, axis=None, keepdims=False: x.max(axis=axis, keepdims=keepdims),
    _extreme_vjp,
)
defop(
    "min",
    lambda x, axis=None, keepdims=False: x.min(axis=axis, keepdims=keepdims),
    _extreme_vjp,
)
defop(
    "prod",
    lambda x, axis=None, keepdims=False: x.prod(axis=axis, keepdims=keepdims),
    _prod_vjp,
)
defop("argmax", lambda x, axis=None: x.argmax(axis=axis))
defop("argmin", lambda x, axis=None: x.argmin(axis=axis))
defop("norm", _norm, _norm_vjp)
