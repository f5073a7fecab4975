"""Array functions built from the ops (sort, topk, swapaxes, trace, split, ...), shared
by np, npx, nd and, as methods, the ndarray (MXNet's x.sort(), x.topk(k=2), ...).

Each is a few calls of apply(), so autograd and hybridization see plain ops. The
methods are attached at the end of this file: ndarray.py keeps the core class.
"""

import numpy as onp

from . import device as _dev
from .ndarray import _wrap, apply, ndarray
from .ops import OPS
from .shapecodes import shape_v1, shape_v2


def asnd(x, like=None):
    """`x` as an ndarray: lists and Python numbers become float32 (as np.array)."""
    if isinstance(x, ndarray):
        return x
    raw = onp.asarray(x)
    if raw.dtype == onp.float64 or (raw.dtype.kind in "iu"
                                    and not isinstance(x, onp.ndarray)):
        raw = raw.astype(onp.float32)
    device = _dev.CPU if like is None else like.device
    return _wrap(_dev.to_device(raw, device))


def _axes(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


# ---- axes ------------------------------------------------------------------------
def swapaxes(a, axis1, axis2):
    """Exchange two axes (a transpose)."""
    order = list(range(a.ndim))
    order[axis1], order[axis2] = order[axis2], order[axis1]
    return apply(OPS["transpose"], a, axes=tuple(order))


def moveaxis(a, source, destination):
    """Move axes to new positions; the others keep their order."""
    src = [s % a.ndim for s in (source if isinstance(source, (list, tuple))
                                else (source,))]
    dst = [d % a.ndim for d in (destination if isinstance(destination, (list, tuple))
                                else (destination,))]
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: source {source} and destination {destination} "
                         "must name the same number of axes")
    order = [n for n in range(a.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return apply(OPS["transpose"], a, axes=tuple(order))


def rollaxis(a, axis, start=0):
    """Move `axis` so that it sits before position `start` (NumPy's rule)."""
    axis, start = axis % a.ndim, start % (a.ndim + 1)
    if start > axis:
        start -= 1
    order = [n for n in range(a.ndim) if n != axis]
    order.insert(start, axis)
    return apply(OPS["transpose"], a, axes=tuple(order))


# ---- rearranging -----------------------------------------------------------------
def tile(a, reps):
    """Repeat the whole array `reps` times along each axis."""
    reps = (reps,) if isinstance(reps, int) else tuple(int(r) for r in reps)
    return apply(OPS["tile"], a, reps=reps)


def repeat(a, repeats, axis=None):
    """Repeat each element `repeats` times (flattened first when axis is None)."""
    if not isinstance(repeats, int):
        repeats = tuple(int(r) for r in onp.asarray(repeats).reshape(-1))
    return apply(OPS["repeat"], a, repeats=repeats, axis=axis)


def flip(a, axis=None):
    return apply(OPS["flip"], a, axis=_axes(axis))


def roll(a, shift, axis=None):
    return apply(OPS["roll"], a, shift=_axes(shift), axis=_axes(axis))


def cumsum(a, axis=None, dtype=None):
    """Running sums along `axis` (of the flattened array when axis is None)."""
    return apply(OPS["cumsum"], a, axis=axis,
                 dtype=None if dtype is None else onp.dtype(dtype))


def diagonal(a, offset=0, axis1=0, axis2=1):
    return apply(OPS["diagonal"], a, offset=offset, axis1=axis1, axis2=axis2)


def trace(a, offset=0, axis1=0, axis2=1, dtype=None):
    """The sum of a diagonal (a diagonal followed by a sum)."""
    out = diagonal(a, offset, axis1, axis2).sum(axis=-1)
    return out if dtype is None else out.astype(dtype)


# ---- ordering --------------------------------------------------------------------
def argsort(a, axis=-1, is_ascend=True, dtype=onp.int64):
    """Indices that sort `a` along `axis` (of the flattened array for None)."""
    if axis is None:
        a, axis = a.reshape(-1), -1
    return apply(OPS["argsort"], a, axis=axis, is_ascend=is_ascend,
                 dtype=onp.dtype(dtype))


def sort(a, axis=-1, is_ascend=True):
    """A sorted copy; gradients flow back to where each value came from."""
    if axis is None:
        a, axis = a.reshape(-1), -1
    order = apply(OPS["argsort"], a, axis=axis, is_ascend=is_ascend)
    return apply(OPS["take_along_axis"], a, order, axis=axis)


_RET_TYPES = ("indices", "value", "both", "mask")


def topk(data, axis=-1, k=1, ret_typ="indices", is_ascend=False, dtype="float32"):
    """The k largest (is_ascend=False) or smallest entries along `axis`.

    ret_typ: 'indices' (as `dtype`, float32 by default as in MXNet), 'value',
    'both' (values, indices) or 'mask' (ones where an entry is among the k).
    """
    if ret_typ not in _RET_TYPES:
        raise ValueError(f"topk: ret_typ must be one of {_RET_TYPES}, got {ret_typ!r}")
    if axis is None:
        data, axis = data.reshape(-1), -1
    axis %= data.ndim
    n = data.shape[axis]
    if not 1 <= k <= n:
        raise ValueError(f"topk: k={k} is outside 1..{n}, the length of axis {axis} "
                         f"of shape {data.shape}")
    order = apply(OPS["argsort"], data, axis=axis, is_ascend=is_ascend)
    order = order[(slice(None),) * axis + (slice(0, k),)]
    if ret_typ == "mask":
        hits = apply(OPS["one_hot"], order, depth=n, dtype=data.dtype).sum(axis=axis)
        return moveaxis(hits, -1, axis)
    index = order.astype(dtype)
    if ret_typ == "indices":
        return index
    values = apply(OPS["take_along_axis"], data, order, axis=axis)
    return values if ret_typ == "value" else (values, index)


# ---- pieces ----------------------------------------------------------------------
def slice_axis(data, axis, begin, end):
    """data[..., begin:end, ...] along `axis` (end=None: to the end)."""
    return data[(slice(None),) * (axis % data.ndim) + (slice(begin, end),)]


def split_v1(data, num_outputs, axis=1, squeeze_axis=False):
    """MXNet 1.x split: `num_outputs` equal pieces along `axis`, as a list (a single
    array when num_outputs is 1); squeeze_axis drops the split axis."""
    length = data.shape[axis]
    if num_outputs < 1 or length % num_outputs:
        raise ValueError(f"split: axis {axis} of length {length} does not divide "
                         f"into {num_outputs} equal pieces")
    step = length // num_outputs
    pieces = [slice_axis(data, axis, i * step, (i + 1) * step)
              for i in range(num_outputs)]
    if squeeze_axis:
        if step != 1:
            raise ValueError(f"split: squeeze_axis=True needs pieces of length 1 "
                             f"along axis {axis}, got {step}")
        pieces = [p.squeeze(axis=axis) for p in pieces]
    return pieces[0] if num_outputs == 1 else pieces


def broadcast_like(lhs, rhs, lhs_axes=None, rhs_axes=None):
    """`lhs` broadcast to the shape of `rhs` (or only on the given axes)."""
    shape = list(rhs.shape)
    if lhs_axes is not None:
        shape = list(lhs.shape)
        for la, ra in zip(_tuple(lhs_axes), _tuple(rhs_axes)):
            shape[la] = rhs.shape[ra]
    return apply(OPS["broadcast_to"], lhs, shape=tuple(shape))


def _tuple(axes):
    return tuple(axes) if isinstance(axes, (list, tuple)) else (axes,)


def one_hot(indices, depth, on_value=1.0, off_value=0.0, dtype="float32"):
    """A new last axis of length `depth`: on_value at each index, off_value
    elsewhere (an index outside 0..depth-1 gives a row of off_value)."""
    return apply(OPS["one_hot"], indices, depth=int(depth), on_value=on_value,
                 off_value=off_value, dtype=onp.dtype(dtype))


def norm(x, ord=None, axis=None, keepdims=False):
    """The Euclidean (Frobenius) norm, or ord=1; along `axis` when given."""
    return apply(OPS["norm"], x, ord=ord, axis=_axes(axis), keepdims=keepdims)


def take(a, indices, axis=None, mode="clip"):
    """Entries of `a` at `indices` along `axis` (of the flattened array for None);
    mode 'clip' clamps out-of-range indices, 'wrap' wraps them around."""
    if mode not in ("clip", "wrap", "raise"):
        raise ValueError(f"take: mode must be 'clip', 'wrap' or 'raise', got {mode!r}")
    indices = indices if isinstance(indices, ndarray) else asnd(
        onp.asarray(indices, dtype=onp.int64), like=a)
    return apply(OPS["take"], a, indices, axis=axis, mode=mode)


def nonzero(a):
    """Indices of the non-zero entries, one int64 array per axis (not traceable:
    how many there are depends on the values)."""
    found = onp.nonzero(a.asnumpy())
    return tuple(_wrap(_dev.to_device(i.astype(onp.int64), a.device)) for i in found)


def _filled_like(value):
    def method(self):
        return apply(OPS["full_like"], self, fill_value=value)
    return method


# ---- as ndarray methods (NumPy's and MXNet 1.x NDArray's spellings) --------------
def _unary_method(name):
    op = OPS[name]
    return lambda self: apply(op, self)


def _round(self, decimals=0):
    return apply(OPS["round"], self, decimals=decimals)


def _sort_method(self, axis=-1, is_ascend=True):
    return sort(self, axis, is_ascend)


def _argsort_method(self, axis=-1, is_ascend=True, dtype=onp.int64):
    return argsort(self, axis, is_ascend, dtype)


_METHODS = {
    "swapaxes": swapaxes, "moveaxis": moveaxis, "tile": tile, "repeat": repeat,
    "flip": flip, "roll": roll, "cumsum": cumsum, "diagonal": diagonal,
    "trace": trace, "sort": _sort_method, "argsort": _argsort_method, "topk": topk,
    "slice_axis": slice_axis, "split": split_v1, "broadcast_like": broadcast_like,
    "one_hot": one_hot, "norm": norm, "take": take, "nonzero": nonzero,
    "round": _round, "zeros_like": _filled_like(0), "ones_like": _filled_like(1),
    "broadcast_to": lambda self, shape: apply(OPS["broadcast_to"], self,
                                              shape=tuple(shape)),
    "pick": lambda self, index, axis=-1, keepdims=False: apply(
        OPS["pick"], self, index, axis=axis, keepdims=keepdims),
}
for _name in ("square", "sign", "floor", "ceil", "rint", "trunc", "fix", "sin", "cos",
              "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh",
              "arccosh", "arctanh", "log2", "log10", "log1p", "expm1", "reciprocal",
              "cbrt", "softrelu"):
    _METHODS[_name] = _unary_method(_name)
# MXNet 1.x fluent methods and the 1.x/2.x conversions (one array type here).
_METHODS["softmax"] = lambda self, axis=-1: apply(OPS["softmax"], self, axis=axis)
_METHODS["log_softmax"] = lambda self, axis=-1: apply(OPS["log_softmax"], self,
                                                      axis=axis)
_METHODS["as_np_ndarray"] = _METHODS["as_nd_ndarray"] = lambda self: self
_METHODS["__round__"] = _round  # round(x) as NumPy: an array, rounded half to even
for _name, _method in _METHODS.items():
    setattr(ndarray, _name, _method)


# ---- MXNet's reshape codes (worked out in shapecodes.py) --------------------------
def reshape_v1(data, shape, reverse=False):
    """MXNet 1.x reshape: 0 copies an axis, -1 infers one, -2 copies the rest, -3
    merges two axes, -4 splits one into the next two values (one may be -1)."""
    return data.reshape(shape_v1(tuple(data.shape), shape, reverse))


def reshape_v2(data, newshape, reverse=False, order="C"):
    """npx.reshape: -1 infers, -2 copies an axis, -3 drops an axis of length 1,
    -4 copies the rest, -5 merges two axes, -6 splits one into the next two."""
    return data.reshape(shape_v2(tuple(data.shape), newshape, reverse))
