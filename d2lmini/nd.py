"""MXNet 1.x `nd` spellings, as thin aliases over `np` and `npx`.

Older material writes nd.random.uniform(shape=...), nd.relu, nd.dot, x.asscalar(),
and, in hybrid_forward(self, F, x), F.broadcast_add, F.FullyConnected, F.split...;
they run here unchanged, with 1.x semantics where they differ from NumPy's
(comparisons give 0/1 in the input's dtype, argmax gives float indices, split
takes num_outputs, reshape takes 1.x's shape codes). New code should use np/npx.
"""

import numpy as onp

from . import arrayfuncs as _af
from . import np as _np
from . import npx as _npx
from .errors import ShapeError
from .missing import no_attribute
from .ndarray import apply
from .ndarray import ndarray as NDArray  # noqa: F401
from .np import (  # noqa: F401
    abs,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctanh,
    ceil,
    clip,
    cos,
    cosh,
    degrees,
    diag,
    exp,
    expm1,
    eye,
    fix,
    flip,
    floor,
    linspace,
    log,
    log1p,
    log2,
    log10,
    maximum,
    minimum,
    negative,
    ones_like,
    radians,
    random,
    reciprocal,
    rint,
    sign,
    sin,
    sinh,
    sqrt,
    square,
    tan,
    tanh,
    trunc,
    where,
    zeros_like,
)
from .npx import (  # noqa: F401
    batch_dot,
    load,
    log_softmax,
    one_hot,
    relu,
    save,
    sigmoid,
    softmax,
    stop_gradient,
    topk,
    waitall,
)
from .ops import OPS

_slice = slice  # the builtin, before nd.slice below takes its name


# ---- creation, with 1.x's argument order (ctx before dtype) ----------------------
def array(source_array, ctx=None, dtype=None):
    return _np.array(source_array, dtype=dtype, ctx=ctx)


def zeros(shape, ctx=None, dtype=None, **kwargs):
    return _np.zeros(shape, dtype=dtype, ctx=ctx)


def ones(shape, ctx=None, dtype=None, **kwargs):
    return _np.ones(shape, dtype=dtype, ctx=ctx)


empty = zeros


def full(shape, val, ctx=None, dtype="float32", **kwargs):
    return _np.full(shape, val, dtype=dtype, ctx=ctx)


def arange(start, stop=None, step=1.0, repeat=1, infer_range=None, ctx=None,
           dtype="float32"):
    """Evenly spaced values; `repeat` repeats each value (1.x)."""
    out = _np.arange(start, stop, step, dtype=dtype, ctx=ctx)
    return out if repeat == 1 else _af.repeat(out, int(repeat))
reverse = flip
BlockGrad = stop_gradient
pick = _npx.pick
power = _np.power
slice_axis = _af.slice_axis
split = _af.split_v1
broadcast_like = _af.broadcast_like
norm = _af.norm
reshape = _af.reshape_v1


def round(data):  # noqa: A001  (MXNet's name)
    return _np.round(data)


def rsqrt(data):
    return 1.0 / _np.sqrt(data)


# ---- broadcasting arithmetic and comparisons (1.x: results in the input dtype) ----
def _compare(fn):
    def compare(lhs, rhs):
        like = lhs if isinstance(lhs, NDArray) else rhs
        return fn(lhs, rhs).astype(like.dtype)
    return compare


def _same_shape(name, fn):
    # 1.x elemwise_* do not broadcast (broadcast_* and the operators do).
    def elemwise(lhs, rhs):
        if lhs.shape != rhs.shape:
            raise ShapeError(
                f"nd.{name}: inputs of shapes {lhs.shape} and {rhs.shape} differ; "
                f"elemwise ops need equal shapes. Use nd.broadcast_"
                f"{name.split('_')[1]} (or the operator) to broadcast.")
        return fn(lhs, rhs)

    elemwise.__name__ = name
    return elemwise


elemwise_add = _same_shape("elemwise_add", _np.add)
elemwise_sub = _same_shape("elemwise_sub", _np.subtract)
elemwise_mul = _same_shape("elemwise_mul", _np.multiply)
elemwise_div = _same_shape("elemwise_div", _np.divide)
add = broadcast_add = broadcast_plus = _np.add
sub = broadcast_sub = broadcast_minus = _np.subtract
mul = broadcast_mul = _np.multiply
div = broadcast_div = _np.divide
broadcast_power, broadcast_mod, broadcast_hypot = _np.power, _np.mod, _np.hypot
broadcast_maximum, broadcast_minimum = _np.maximum, _np.minimum
equal = broadcast_equal = _compare(_np.equal)
not_equal = broadcast_not_equal = _compare(_np.not_equal)
greater = broadcast_greater = _compare(_np.greater)
greater_equal = broadcast_greater_equal = _compare(_np.greater_equal)
lesser = broadcast_lesser = _compare(_np.less)
lesser_equal = broadcast_lesser_equal = _compare(_np.less_equal)
logical_and = broadcast_logical_and = _compare(_np.logical_and)
logical_or = broadcast_logical_or = _compare(_np.logical_or)
logical_xor = broadcast_logical_xor = _compare(_np.logical_xor)


def logical_not(data):
    return _np.logical_not(data).astype(data.dtype)


def add_n(*args):
    """The sum of all arguments (same shapes)."""
    total = args[0]
    for a in args[1:]:
        total = total + a
    return total


ElementWiseSum = add_n


# ---- reductions: axis=() means all, exclude=True reduces the other axes ----------
def _axes_v1(data, axis, exclude):
    if axis is None or axis == ():
        return None
    axes = tuple(a % data.ndim for a in (axis if isinstance(axis, (tuple, list))
                                         else (axis,)))
    if exclude:
        return tuple(a for a in range(data.ndim) if a not in axes)
    return axes


def _reduce_v1(name):
    fn = getattr(_np, name)

    def reduce(data, axis=None, keepdims=False, exclude=False):
        return fn(data, axis=_axes_v1(data, axis, exclude), keepdims=keepdims)

    reduce.__name__ = name
    return reduce


sum, mean, max, min, prod, nansum = (  # noqa: A001
    _reduce_v1(n) for n in ("sum", "mean", "max", "min", "prod", "nansum"))
sum_axis, max_axis, min_axis = sum, max, min


def argmax(data, axis=None, keepdims=False):
    """Index of the largest entry, as float32 (MXNet 1.x returns float indices)."""
    out = _np.argmax(data, axis).astype(onp.float32)
    return out.expand_dims(axis) if keepdims and axis is not None else out


def argmin(data, axis=None, keepdims=False):
    out = _np.argmin(data, axis).astype(onp.float32)
    return out.expand_dims(axis) if keepdims and axis is not None else out


# ---- shapes ----------------------------------------------------------------------
def concat(*data, dim=1):
    """Join arrays along `dim` (1 by default, as in MXNet 1.x)."""
    return _np.concatenate(data, axis=dim)


def stack(*data, axis=0, num_args=None):
    return _np.stack(data, axis=axis)


def flatten(data):
    return _npx.batch_flatten(data)


Flatten = flatten


def transpose(data, axes=()):
    return _np.transpose(data, tuple(axes) if axes else None)


def expand_dims(data, axis):
    return _np.expand_dims(data, axis)


def squeeze(data, axis=None):
    return _np.squeeze(data, axis)


def swapaxes(data, dim1=0, dim2=0):
    return _af.swapaxes(data, dim1, dim2)


SwapAxis = swapaxes


def cast(data, dtype):
    return data.astype(dtype)


Cast = cast


def tile(data, reps):
    return _af.tile(data, reps)


def repeat(data, repeats, axis=None):
    return _af.repeat(data, repeats, axis)


def broadcast_to(data, shape):
    """`data` broadcast to `shape`; a 0 in `shape` keeps that axis (1.x)."""
    shape = tuple(d if s == 0 else s for s, d in zip(shape, data.shape)) + tuple(
        shape[data.ndim:])
    return _np.broadcast_to(data, shape)


def broadcast_axis(data, axis=(), size=()):
    """Broadcast the length-1 axes `axis` to lengths `size`."""
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    sizes = size if isinstance(size, (tuple, list)) else (size,)
    shape = list(data.shape)
    for a, n in zip(axes, sizes):
        shape[a] = n
    return _np.broadcast_to(data, tuple(shape))


broadcast_axes = broadcast_axis


def slice(data, begin, end, step=None):  # noqa: A001  (MXNet's name)
    """data[begin[0]:end[0]:step[0], ...], with None for an open end."""
    step = step or (None,) * len(begin)
    return data[tuple(_slice(b, e, s) for b, e, s in zip(begin, end, step))]


def take(a, indices, axis=0, mode="clip"):
    return _af.take(a, indices, axis, mode)


def sort(data, axis=-1, is_ascend=True):
    return _af.sort(data, axis, is_ascend)


def argsort(data, axis=-1, is_ascend=True, dtype="float32"):
    """Indices that sort `data`, as float32 by default (MXNet 1.x)."""
    return _af.argsort(data, axis, is_ascend, dtype)


def dot(lhs, rhs, transpose_a=False, transpose_b=False):
    if transpose_a:
        lhs = lhs.T
    if transpose_b:
        rhs = rhs.T
    return _np.dot(lhs, rhs)


# ---- layers as functions ---------------------------------------------------------
def FullyConnected(data, weight, bias=None, num_hidden=None, no_bias=False,
                   flatten=True):
    """data @ weight.T + bias, weight of shape (num_hidden, in_units)."""
    return _npx.fully_connected(data, weight, bias, num_hidden, no_bias, flatten)


def Activation(data, act_type="relu"):
    return _npx.activation(data, act_type)


def LeakyReLU(data, gamma=None, act_type="leaky", slope=0.25, lower_bound=0.125,
              upper_bound=0.334):
    return _npx.leaky_relu(data, gamma, act_type, slope, lower_bound, upper_bound)


def Dropout(data, p=0.5, mode="training", axes=(), cudnn_off=True):
    return _npx.dropout(data, p, mode, axes)


def SequenceMask(data, sequence_length=None, use_sequence_length=False, value=0.0,
                 axis=0):
    return _npx.sequence_mask(data, sequence_length, use_sequence_length, value, axis)


def L2Normalization(data, eps=1e-10, mode="instance"):
    """data / sqrt(sum(data ** 2) + eps) over each example ('instance'), each
    position across channels ('channel', axis 1) or each channel ('spatial')."""
    axes = {"instance": tuple(range(1, data.ndim)), "channel": (1,),
            "spatial": tuple(range(2, data.ndim))}.get(mode)
    if axes is None:
        raise ValueError("L2Normalization: mode must be 'instance', 'channel' or "
                         f"'spatial', got {mode!r}")
    return data / _np.sqrt((data * data).sum(axis=axes, keepdims=True) + eps)


def softrelu(data):
    return apply(OPS["softrelu"], data)


_SPELLINGS = {
    "concatenate": "nd.concat(*arrays, dim=...)", "asnumpy": "x.asnumpy()",
    "less": "nd.lesser", "less_equal": "nd.lesser_equal", "subtract": "nd.sub",
    "multiply": "nd.mul", "divide": "nd.div", "Convolution": "no convolution in "
    "d2lmini (chapter 5 needs none)", "linalg": "np.linalg",
}


def __getattr__(name):
    raise no_attribute("d2lmini.nd", name, lambda: list(globals()), _SPELLINGS, "nd.")
