"""The op table's row type, the table, and the elementwise and reduction rows.

Each Op row holds every fact about one primitive: its forward on raw arrays (NumPy
or CuPy), its VJP rule, and the flags the executor plans with. ops_array, ops_math
and ops_shape add more rows; optable.py assembles them into OPS. Every way an op
runs (eager apply(), the tracer, a compiled plan, backward) reads these rows.
"""

import operator

import numpy as onp

from .device import xp_of

_ND = onp.ndarray

class Op:
    """One primitive.

    fwd(*inputs, **kw) gives a raw array. With `out=True` it also takes `out=`, a
    buffer of the result's shape and dtype, and writes the result there (a compiled
    plan runs it in place that way).
    vjp(g, out, needs, *inputs, **kw) gives one cotangent per input, None where none
    flows; `needs` holds one flag per input, and a rule may skip the cotangents
    nobody needs (the products do). vjp=None: no gradient flows.
    elementwise: element i of the output depends on element i of the inputs.
    fresh: the output is a new array, never a view of an input (all elementwise ops).
    random: the forward draws random numbers; random_stand_in gives its shape.
    """

    __slots__ = ("name", "fwd", "vjp", "elementwise", "out", "fresh", "random")

    def __init__(self, name, fwd, vjp=None, elementwise=False, out=False,
                 fresh=False, random=False):
        self.name, self.fwd, self.vjp, self.elementwise = name, fwd, vjp, elementwise
        self.out, self.fresh, self.random = out, fresh or elementwise, random

    def __repr__(self):
        return f"Op({self.name})"


class Rows(list):
    """The rows one module defines, in order; optable.py registers them in OPS."""

    def add(self, name, fwd, vjp=None, elementwise=False, **flags):
        self.append(Op(name, fwd, vjp, elementwise, **flags))
        return self[-1]


OPS = {}


def register(rows):
    """Put `rows` into OPS; a name defined twice is a bug in the library."""
    for op in rows:
        if op.name in OPS:
            raise ValueError(f"op {op.name!r} is defined twice; rename one of them")
        OPS[op.name] = op


def random_stand_in(kw, inputs):
    """What a random op gives, learned without drawing (for the tracer and the
    graph reader): zeros of its `size` and `dtype`, or of its first input's."""
    if "size" in kw:
        return onp.zeros(kw["size"], kw.get("dtype", onp.float32))
    return onp.zeros(inputs[0].shape, inputs[0].dtype)


ROWS = Rows()


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


def _promoting(fn, ufunc):
    # As MXNet: int32 + float32 (or + 0.5) gives float32, where NumPy gives float64.
    # Given `out`, the plan chose a buffer of the result's dtype: the ufunc fills it.
    host = getattr(onp, ufunc)

    def fwd(a, b, out=None):
        if out is None:
            return _float_result(fn(a, b), a, b)
        kernel = host if type(out) is _ND else getattr(xp_of(out), ufunc)
        return kernel(a, b, out=out)

    return fwd


def _add_vjp(g, out, needs, a, b):
    return _ub(g, a), _ub(g, b)


def _multiply_vjp(g, out, needs, a, b):
    return _ub(g * b, a), _ub(g * a, b)


# ---- elementwise binary ----------------------------------------------------------
ROWS.add("add", _promoting(operator.add, "add"), _add_vjp, True, out=True)
ROWS.add("subtract", _promoting(operator.sub, "subtract"),
         lambda g, out, needs, a, b: (_ub(g, a), _ub(-g, b)), True, out=True)
ROWS.add("multiply", _promoting(operator.mul, "multiply"), _multiply_vjp, True,
         out=True)
ROWS.add("true_divide", _promoting(operator.truediv, "true_divide"),
         lambda g, out, needs, a, b: (_ub(g / b, a), _ub(-g * out / b, b)), True,
         out=True)


def _power_vjp(g, out, needs, a, b):
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


ROWS.add("power", _promoting(operator.pow, "power"), _power_vjp, True, out=True)


def _choose_vjp(g, out, needs, a, b):
    # As MXNet (backward of maximum: a >= b, b < a): a tie goes to the first
    # argument; against a Python number the array gets it (x >= 0 in maximum(0, x)).
    if not hasattr(a, "shape"):
        return None, _ub(g * (b == out), b)
    pick_a = a == out
    return _ub(g * pick_a, a), _ub(g * ~pick_a, b)


def _choosing(ufunc):
    # maximum(0, x): the array module comes from whichever argument is an array.
    host = getattr(onp, ufunc)

    def fwd(a, b, out=None):
        if type(a) is _ND or type(b) is _ND:
            return host(a, b, out=out)
        return getattr(xp_of(a if hasattr(a, "shape") else b), ufunc)(a, b, out=out)

    return fwd


ROWS.add("maximum", _choosing("maximum"), _choose_vjp, True, out=True)
ROWS.add("minimum", _choosing("minimum"), _choose_vjp, True, out=True)
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
    ROWS.add(_name, _fn, None, True)


# ---- elementwise unary -----------------------------------------------------------
def _floating(ufunc):
    # exp, log, ... of integers: float32, where NumPy gives float64. (Differs from
    # MXNet 1.9.1, which truncates the result back to the integer dtype.)
    host = getattr(onp, ufunc)

    def fwd(x, out=None):
        kernel = host if type(x) is _ND else getattr(xp_of(x), ufunc)
        return _float_result(kernel(x), x) if out is None else kernel(x, out=out)

    return fwd


def _keeping(ufunc):
    # negative and abs keep the input's dtype, integers included.
    host = getattr(onp, ufunc)

    def fwd(x, out=None):
        kernel = host if type(x) is _ND else getattr(xp_of(x), ufunc)
        return kernel(x, out=out)

    return fwd


def _square(x, out=None):
    return x * x if out is None else xp_of(out).multiply(x, x, out=out)


def _relu(x, out=None):
    return xp_of(x).maximum(x, 0, out=out)


def _sigmoid(x, out=None):
    # 0.5 * (tanh(x/2) + 1) equals the logistic function and never overflows; on a
    # float array it runs as four passes over one buffer (`out`, or a new one).
    xp = onp if type(x) is _ND else xp_of(x)
    if out is None:
        if x.dtype.kind != "f" or x.ndim == 0:
            return _float_result(0.5 * (xp.tanh(0.5 * x) + 1), x)
        out = xp.multiply(x, 0.5)
    else:
        xp.multiply(x, 0.5, out=out)
    xp.tanh(out, out=out)
    xp.add(out, 1, out=out)
    return xp.multiply(out, 0.5, out=out)


ROWS.add("negative", _keeping("negative"), lambda g, out, needs, x: (-g,), True,
         out=True)
ROWS.add("abs", _keeping("absolute"),
         lambda g, out, needs, x: (g * xp_of(x).sign(x),), True, out=True)
ROWS.add("sqrt", _floating("sqrt"), lambda g, out, needs, x: (g * 0.5 / out,), True,
         out=True)
ROWS.add("square", _square, lambda g, out, needs, x: (g * 2 * x,), True, out=True)
ROWS.add("exp", _floating("exp"), lambda g, out, needs, x: (g * out,), True,
         out=True)
ROWS.add("log", _floating("log"), lambda g, out, needs, x: (g / x,), True, out=True)
ROWS.add("sin", _floating("sin"), lambda g, out, needs, x: (g * xp_of(x).cos(x),),
         True, out=True)
ROWS.add("cos", _floating("cos"), lambda g, out, needs, x: (-g * xp_of(x).sin(x),),
         True, out=True)
ROWS.add("tanh", _floating("tanh"), lambda g, out, needs, x: (g * (1 - out * out),),
         True, out=True)
ROWS.add("relu", _relu, lambda g, out, needs, x: (g * (out > 0),), True, out=True)
ROWS.add("sigmoid", _sigmoid, lambda g, out, needs, x: (g * out * (1 - out),), True,
         out=True)


def _clip_vjp(g, out, needs, x, a_min=None, a_max=None):
    keep = xp_of(x).ones(x.shape, bool)
    if a_min is not None:
        keep &= x >= a_min
    if a_max is not None:
        keep &= x <= a_max
    return (g * keep,)


ROWS.add("clip", lambda x, a_min=None, a_max=None, out=None: xp_of(x).clip(
    x, a_min, a_max, out=out), _clip_vjp, True, out=True)
ROWS.add(
    "astype",
    lambda x, dtype: x.astype(dtype),
    lambda g, out, needs, x, dtype: (g.astype(x.dtype),),
)
ROWS.add("copy", lambda x: x.copy(), lambda g, out, needs, x: (g,))
def _where_vjp(g, c, a, b):
    return None, _ub(g * c, a), _ub(g * ~c, b)


ROWS.add(
    "where",
    lambda c, a, b: _float_result(xp_of(c).where(c, a, b), a, b),
    lambda g, out, needs, c, a, b: _where_vjp(g, xp_of(g).asarray(c, dtype=bool), a,
                                             b),
)


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


def _sum_vjp(g, out, needs, x, axis=None, keepdims=False):
    return (_spread(_expand(g, x, axis, keepdims), x.shape),)


def _mean_vjp(g, out, needs, x, axis=None, keepdims=False):
    count = 1
    for a in _axes(axis, x.ndim):
        count *= x.shape[a]
    return (_spread(_expand(g / count, x, axis, keepdims), x.shape),)


def _extreme_vjp(g, out, needs, x, axis=None, keepdims=False):
    # As MXNet (backward uses x == out): every tied maximum gets the full gradient,
    # so x.max() of [1, 3, 3] sends [0, 1, 1]. (An even split would sum to one.)
    hit = x == _expand(out, x, axis, keepdims)
    return (_expand(g, x, axis, keepdims) * hit,)


def _prod_vjp(g, out, needs, x, axis=None, keepdims=False):
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


def _norm_vjp(g, out, needs, x, ord=None, axis=None, keepdims=False):
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


ROWS.add("sum", _sum, _sum_vjp)
ROWS.add("mean", _mean, _mean_vjp)
ROWS.add(
    "max",
    lambda x, axis=None, keepdims=False: x.max(axis=axis, keepdims=keepdims),
    _extreme_vjp,
)
ROWS.add(
    "min",
    lambda x, axis=None, keepdims=False: x.min(axis=axis, keepdims=keepdims),
    _extreme_vjp,
)
ROWS.add(
    "prod",
    lambda x, axis=None, keepdims=False: x.prod(axis=axis, keepdims=keepdims),
    _prod_vjp,
)
ROWS.add("argmax", lambda x, axis=None: x.argmax(axis=axis))
ROWS.add("argmin", lambda x, axis=None: x.argmin(axis=axis))
ROWS.add("norm", _norm, _norm_vjp)
