"""The `np` namespace: NumPy-style functions over d2lmini ndarrays (MXNet's mx.np).

Arrays are float32 unless asked otherwise, like MXNet. Every function is a thin
wrapper over an op of d2lmini.ops, so autograd sees it.
"""

import builtins

import numpy as onp

from .. import device as _dev
from ..missing import no_attribute
from ..ndarray import _wrap, apply, ndarray
from ..ops import OPS
from . import linalg, random  # noqa: F401
from .manipulation import *  # noqa: F401, F403  (hstack, sort, einsum, median, ...)
from .mathfuncs import (  # noqa: F401
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    around,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    cbrt,
    ceil,
    copysign,
    cosh,
    deg2rad,
    degrees,
    exp2,
    expm1,
    fix,
    floor,
    fmax,
    fmin,
    hypot,
    invert,
    isclose,
    isfinite,
    isinf,
    isnan,
    isneginf,
    isposinf,
    log1p,
    log2,
    log10,
    logaddexp,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    rad2deg,
    radians,
    reciprocal,
    rint,
    round,
    round_,
    sign,
    signbit,
    sinh,
    tan,
    trunc,
)

float16, float32, float64 = onp.float16, onp.float32, onp.float64
int8, int32, int64, uint8, bool_ = onp.int8, onp.int32, onp.int64, onp.uint8, onp.bool_
pi, e, newaxis, inf, nan = onp.pi, onp.e, None, onp.inf, onp.nan


def _device(device=None, ctx=None):
    return _dev.as_device(device if device is not None else ctx)


def _place(raw, device=None, ctx=None):
    return _wrap(_dev.to_device(raw, _device(device, ctx)))


def _default_dtype(raw, dtype):
    if dtype is not None:
        return raw.astype(dtype, copy=False)
    if raw.dtype == onp.float64 or raw.dtype.kind in "iu":
        return raw.astype(onp.float32)
    return raw


# ---- creation --------------------------------------------------------------------
def array(obj, dtype=None, device=None, ctx=None):
    """A new array from a list, a scalar, a NumPy array or an ndarray (copied).

    Python numbers become float32 (as in MXNet); NumPy arrays keep integer dtypes.
    """
    if isinstance(obj, ndarray):
        raw = obj.asnumpy() if dtype is None else obj.asnumpy().astype(dtype)
        dev = obj.device if device is None and ctx is None else _device(device, ctx)
        return _wrap(_dev.to_device(raw, dev))
    raw = onp.array(obj)
    if isinstance(obj, onp.ndarray) and dtype is None:
        raw = raw.astype(onp.float32) if raw.dtype == onp.float64 else raw
    else:
        raw = _default_dtype(raw, dtype)
    return _place(raw, device, ctx)


def asarray(obj, dtype=None, device=None, ctx=None):
    if (
        isinstance(obj, ndarray)
        and dtype in (None, obj.dtype)
        and (device is None and ctx is None or _device(device, ctx) == obj.device)
    ):
        return obj
    return array(obj, dtype, device, ctx)


def _filled(fill):
    def create(shape, dtype=None, device=None, ctx=None):
        return _place(fill(shape, dtype or onp.float32), device, ctx)

    return create


zeros = _filled(onp.zeros)
ones = _filled(onp.ones)
empty = zeros  # filled with zeros: reproducible output for learners


def full(shape, fill_value, dtype=None, device=None, ctx=None):
    return _place(onp.full(shape, fill_value, dtype or onp.float32), device, ctx)


def full_like(a, fill_value, dtype=None, device=None, ctx=None):
    """An array shaped like `a` filled with `fill_value` (traceable: an op that
    reads only the shape of `a`)."""
    if device is None and ctx is None and isinstance(a, ndarray):
        return apply(OPS["full_like"], a, fill_value=fill_value,
                     dtype=None if dtype is None else onp.dtype(dtype))
    dev = a.device if device is None and ctx is None else _device(device, ctx)
    return _wrap(_dev.to_device(onp.full(a.shape, fill_value, dtype or a.dtype), dev))


def zeros_like(a, dtype=None, device=None, ctx=None):
    return full_like(a, 0, dtype, device, ctx)


def ones_like(a, dtype=None, device=None, ctx=None):
    return full_like(a, 1, dtype, device, ctx)


def arange(start, stop=None, step=1, dtype=None, device=None, ctx=None):
    """Evenly spaced values in [start, stop); float32 unless dtype says otherwise."""
    return _place(onp.arange(start, stop, step, dtype or onp.float32), device, ctx)


def eye(N, M=None, k=0, dtype=None, device=None, ctx=None):
    return _place(onp.eye(N, M, k, dtype or onp.float32), device, ctx)


def linspace(start, stop, num=50, endpoint=True, dtype=None, device=None, ctx=None):
    raw = onp.linspace(start, stop, num, endpoint=endpoint, dtype=dtype or onp.float32)
    return _place(raw, device, ctx)


# ---- elementwise -----------------------------------------------------------------
def _as_operand(x, like=None):
    if isinstance(x, (ndarray, int, float, bool)):
        return x
    if isinstance(x, onp.generic):
        return x.item()
    raw = _default_dtype(onp.asarray(x), None)
    return _wrap(raw if like is None else _dev.to_device(raw, like.device))


def _binary(name):
    op = OPS[name]

    def fn(x1, x2, out=None):
        if not isinstance(x1, ndarray) and not isinstance(x2, ndarray):
            x1 = _as_operand(x1)
        like = x1 if isinstance(x1, ndarray) else x2
        result = apply(op, _as_operand(x1, like), _as_operand(x2, like))
        return result if out is None else _write_out(out, result)

    fn.__name__ = name
    return fn


def _unary(name):
    op = OPS[name]

    def fn(x, out=None):
        result = apply(op, x if isinstance(x, ndarray) else array(x))
        return result if out is None else _write_out(out, result)

    fn.__name__ = name
    return fn


def _write_out(out, result):
    out[...] = result
    return out


add, subtract, multiply = _binary("add"), _binary("subtract"), _binary("multiply")
divide = true_divide = _binary("true_divide")
power, maximum, minimum = _binary("power"), _binary("maximum"), _binary("minimum")
equal, not_equal = _binary("equal"), _binary("not_equal")
less, less_equal = _binary("less"), _binary("less_equal")
greater, greater_equal = _binary("greater"), _binary("greater_equal")
floor_divide, mod = _binary("floor_divide"), _binary("mod")
matmul, dot = _binary("matmul"), _binary("dot")
negative, abs, absolute = _unary("negative"), _unary("abs"), _unary("abs")
sqrt, square, exp, log = _unary("sqrt"), _unary("square"), _unary("exp"), _unary("log")
sin, cos, tanh = _unary("sin"), _unary("cos"), _unary("tanh")


def clip(a, a_min=None, a_max=None):
    return apply(OPS["clip"], a, a_min=a_min, a_max=a_max)


def where(condition, x, y):
    like = condition
    return apply(OPS["where"], condition, _as_operand(x, like), _as_operand(y, like))


# ---- reductions ------------------------------------------------------------------
def _reduce(name):
    op = OPS[name]

    def fn(a, axis=None, dtype=None, out=None, keepdims=False):
        a = a if isinstance(a, ndarray) else array(a)
        if dtype is not None:  # accumulate in dtype: cast first, then reduce
            a = a.astype(dtype)
        axis = tuple(axis) if isinstance(axis, list) else axis
        result = apply(op, a, axis=axis, keepdims=keepdims)
        return result if out is None else _write_out(out, result)

    fn.__name__ = name
    return fn


sum, mean, prod = _reduce("sum"), _reduce("mean"), _reduce("prod")
max = amax = _reduce("max")
min = amin = _reduce("min")
max.__doc__ = min.__doc__ = ("The largest (smallest) value; as in MXNet, every tied "
                             "extreme receives the full gradient.")


def var(a, axis=None, keepdims=False, ddof=0):
    """Variance (see ndarray.var)."""
    return (a if isinstance(a, ndarray) else array(a)).var(axis, keepdims, ddof)


def std(a, axis=None, keepdims=False, ddof=0):
    """Standard deviation: the square root of var()."""
    return (a if isinstance(a, ndarray) else array(a)).std(axis, keepdims, ddof)


def argmax(a, axis=None):
    return apply(OPS["argmax"], a, axis=axis)


def argmin(a, axis=None):
    return apply(OPS["argmin"], a, axis=axis)


# ---- shapes ----------------------------------------------------------------------
def reshape(a, newshape, order="C"):
    return a.reshape(newshape)


def transpose(a, axes=None):
    return apply(OPS["transpose"], a, axes=None if axes is None else tuple(axes))


def expand_dims(a, axis):
    return apply(OPS["expand_dims"], a, axis=axis)


def squeeze(a, axis=None):
    return apply(OPS["squeeze"], a, axis=axis)


def broadcast_to(a, shape):
    return apply(OPS["broadcast_to"], a, shape=tuple(shape))


def ravel(a):
    return a.flatten()


def concatenate(seq, axis=0):
    """Join arrays along an existing axis (all on one device)."""
    return apply(OPS["concatenate"], *seq, axis=axis)


def stack(arrays, axis=0):
    """Join arrays along a new axis."""
    return apply(OPS["stack"], *arrays, axis=axis)


def split(ary, indices_or_sections, axis=0):
    """Split into a list of arrays: equal sections, or at the given indices."""
    length = ary.shape[axis]
    if isinstance(indices_or_sections, int):
        if length % indices_or_sections:
            raise ValueError(
                f"split: axis {axis} of length {length} does not divide "
                f"into {indices_or_sections} equal sections"
            )
        step = length // indices_or_sections
        cuts = list(range(step, length, step))
    else:
        cuts = list(indices_or_sections)
    bounds = zip([0] + cuts, cuts + [length])
    prefix = (slice(None),) * (axis % ary.ndim)
    return [ary[prefix + (slice(lo, hi),)] for lo, hi in bounds]


def hsplit(ary, indices_or_sections):
    """split() along axis 1 (axis 0 for 1-D arrays)."""
    return split(ary, indices_or_sections, axis=1 if ary.ndim > 1 else 0)


def vsplit(ary, indices_or_sections):
    """split() along axis 0."""
    return split(ary, indices_or_sections, axis=0)


# ---- comparisons that return Python values ---------------------------------------
def allclose(a, b, rtol=1e-05, atol=1e-08):
    return builtins.bool(onp.allclose(onp.asarray(a), onp.asarray(b), rtol, atol))


def array_equal(a, b):
    return builtins.bool(onp.array_equal(onp.asarray(a), onp.asarray(b)))


remainder = mod


def copy(a):
    """A copy of `a` (gradients flow through)."""
    return apply(OPS["copy"], a)


# NumPy and MXNet 1.x names that d2lmini spells another way.
_SPELLINGS = {
    "concat": "np.concatenate", "asscalar": "x.item()", "flatten": "x.flatten()",
    "norm": "np.linalg.norm", "relu": "npx.relu", "sigmoid": "npx.sigmoid",
    "softmax": "npx.softmax", "log_softmax": "npx.log_softmax", "pick": "npx.pick",
    "one_hot": "npx.one_hot", "topk": "npx.topk", "batch_dot": "np.matmul",
    "broadcast_add": "np.add (it broadcasts)", "broadcast_mul": "np.multiply",
    "cumprod": "np.prod along an axis", "asnumpy": "x.asnumpy()",
    "array_split": "np.split", "float_": "np.float64", "int_": "np.int64",
    "matrix": "np.array", "seed": "np.random.seed", "stop_gradient":
    "npx.stop_gradient", "activation": "npx.activation", "dropout": "npx.dropout",
}


def __getattr__(name):
    raise no_attribute("d2lmini.np", name, lambda: list(globals()), _SPELLINGS, "np.")
