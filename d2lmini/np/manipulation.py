"""np's functions for joining, reshaping, ordering, products and statistics, with
NumPy's names and signatures (hstack, outer, einsum, sort, median, meshgrid, ...).

Composites of a few ops where the logic is a composite (hstack is a concatenate),
thin wrappers over d2lmini.ops_shape otherwise; re-exported by d2lmini.np.
"""

import builtins

import numpy as onp

from .. import arrayfuncs as _af
from .. import device as _dev

# Shared with the ndarray methods: one definition each.
from ..arrayfuncs import (  # noqa: F401
    asnd,
    cumsum,
    diagonal,
    flip,
    moveaxis,
    nonzero,
    repeat,
    roll,
    rollaxis,
    swapaxes,
    tile,
    trace,
)
from ..ndarray import _wrap, apply
from ..ops import OPS


def _all(arrays):
    arrays = [asnd(a) for a in arrays]
    return [asnd(a, arrays[0]) for a in arrays]


# ---- dimensions ------------------------------------------------------------------
def atleast_1d(*arys):
    out = [a if a.ndim >= 1 else a.reshape(1) for a in map(asnd, arys)]
    return out[0] if len(out) == 1 else out


def atleast_2d(*arys):
    out = [a if a.ndim >= 2 else a.reshape(1, -1) for a in map(asnd, arys)]
    return out[0] if len(out) == 1 else out


def atleast_3d(*arys):
    def lift(a):
        if a.ndim >= 3:
            return a
        return a.reshape(1, -1, 1) if a.ndim < 2 else a.reshape(*a.shape, 1)
    out = [lift(a) for a in map(asnd, arys)]
    return out[0] if len(out) == 1 else out


# ---- joining (concatenate underneath) ---------------------------------------------
def _join(arrays, axis):
    return apply(OPS["concatenate"], *arrays, axis=axis)


def hstack(tup):
    """Join along axis 1 (axis 0 for 1-D arrays)."""
    arrays = atleast_1d(*_all(tup)) if len(tup) > 1 else [atleast_1d(*_all(tup))]
    return _join(arrays, 0 if arrays[0].ndim == 1 else 1)


def vstack(tup):
    """Join along axis 0, 1-D arrays becoming rows."""
    arrays = atleast_2d(*_all(tup)) if len(tup) > 1 else [atleast_2d(*_all(tup))]
    return _join(arrays, 0)


row_stack = vstack


def dstack(tup):
    """Join along axis 2 (depth)."""
    arrays = atleast_3d(*_all(tup)) if len(tup) > 1 else [atleast_3d(*_all(tup))]
    return _join(arrays, 2)


def column_stack(tup):
    """1-D arrays as columns of a 2-D array; 2-D arrays joined along axis 1."""
    arrays = [a.reshape(-1, 1) if a.ndim < 2 else a for a in _all(tup)]
    return _join(arrays, 1)


def append(arr, values, axis=None):
    """`values` joined after `arr` (both flattened when axis is None)."""
    arr, values = _all((arr, values))
    if axis is None:
        arr, values, axis = arr.reshape(-1), values.reshape(-1), 0
    return _join([arr, values], axis)


# ---- products --------------------------------------------------------------------
def outer(a, b):
    """Every product a[i] * b[j] (of the flattened inputs)."""
    a, b = _all((a, b))
    return a.reshape(-1, 1) * b.reshape(1, -1)


def tensordot(a, b, axes=2):
    """Sum of products over the given axes of a and b (a transpose, a reshape
    and one matrix product, so its gradient is theirs)."""
    a, b = _all((a, b))
    if isinstance(axes, int):
        axes_a = list(range(a.ndim - axes, a.ndim))
        axes_b = list(range(axes))
    else:
        axes_a, axes_b = ([ax] if isinstance(ax, int) else list(ax) for ax in axes)
    axes_a = [x % a.ndim for x in axes_a]
    axes_b = [x % b.ndim for x in axes_b]
    free_a = [i for i in range(a.ndim) if i not in axes_a]
    free_b = [i for i in range(b.ndim) if i not in axes_b]
    inner_size = 1
    for i in axes_a:
        inner_size *= a.shape[i]
    left = a.transpose(free_a + axes_a).reshape(-1, inner_size)
    right = b.transpose(axes_b + free_b).reshape(inner_size, -1)
    shape = [a.shape[i] for i in free_a] + [b.shape[i] for i in free_b]
    return (left @ right).reshape(shape)


def inner(a, b):
    """Sum of products over the last axes of a and b."""
    a, b = _all((a, b))
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return tensordot(a, b, ([-1], [-1]))


def _explicit(subscripts, operands):
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        return subscripts
    letters = subscripts.replace(",", "").replace(".", "")
    once = sorted(c for c in set(letters) if letters.count(c) == 1)
    return subscripts + "->" + ("..." if "..." in subscripts else "") + "".join(once)


def einsum(subscripts, *operands, optimize=False):
    """Einstein summation, e.g. einsum('ij,jk->ik', a, b) is a @ b.

    Gradients need explicit letters: no '...' and no letter twice in one operand
    (use np.diagonal or np.trace for those).
    """
    arrays = _all(operands)
    spec = _explicit(subscripts, arrays)
    return apply(OPS["einsum"], *arrays, subscripts=spec)


# ---- triangles, diagonals, padding -----------------------------------------------
def triu(m, k=0):
    return apply(OPS["triu"], asnd(m), k=k)


def tril(m, k=0):
    return apply(OPS["tril"], asnd(m), k=k)


def diag(v, k=0):
    """The k-th diagonal of a 2-D array, or a 2-D array with `v` on it."""
    v = asnd(v)
    if v.ndim not in (1, 2):
        raise ValueError(f"diag: expected a 1-D or 2-D array, got shape {v.shape}; "
                         "use np.diagonal for more dimensions")
    return apply(OPS["diag"], v, k=k)


def fliplr(m):
    return flip(m, 1)


def flipud(m):
    return flip(m, 0)


def pad(array, pad_width, mode="constant", constant_values=0, **kwargs):
    """Pad with a constant (mode='constant', the only mode d2lmini offers)."""
    if mode != "constant" or kwargs:
        raise ValueError(f"pad: only mode='constant' is supported, got mode={mode!r}; "
                         "build other paddings with np.concatenate and slices")
    array = asnd(array)
    widths = onp.broadcast_to(onp.asarray(pad_width, dtype=onp.int64),
                              (array.ndim, 2))
    widths = tuple((int(lo), int(hi)) for lo, hi in widths)
    return apply(OPS["pad"], array, pad_width=widths,
                 constant_values=float(constant_values))


# ---- ordering and gathering ------------------------------------------------------
def sort(a, axis=-1, kind=None, order=None):
    """A sorted copy along `axis` (flattened for None); differentiable."""
    return _af.sort(asnd(a), axis)


def argsort(a, axis=-1, kind=None, order=None):
    """Indices (int64) that sort `a` along `axis`; ties keep their order."""
    return _af.argsort(asnd(a), axis)


def take(a, indices, axis=None, mode="raise"):
    return _af.take(asnd(a), indices, axis, mode)


def take_along_axis(arr, indices, axis):
    if axis is None:
        arr, axis = arr.reshape(-1), 0
    return apply(OPS["take_along_axis"], asnd(arr), asnd(indices, arr), axis=axis)


def meshgrid(*xi, indexing="xy", sparse=False, copy=True):
    """Coordinate arrays from 1-D coordinate vectors (indexing 'xy' or 'ij')."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    xs = [x.reshape(-1) for x in _all(xi)]
    n = len(xs)
    shape = [x.shape[0] for x in xs]
    if indexing == "xy" and n > 1:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, x in enumerate(xs):
        place = 1 - i if indexing == "xy" and n > 1 and i < 2 else i
        view = [1] * n
        view[place] = -1
        grid = x.reshape(view)
        out.append(grid if sparse else grid.broadcast_to(tuple(shape)))
    return out


# ---- logic and counting ----------------------------------------------------------
def any(a, axis=None, keepdims=False):  # noqa: A001  (NumPy's name)
    return asnd(a).any(axis=axis, keepdims=keepdims)


def all(a, axis=None, keepdims=False):  # noqa: A001
    return asnd(a).all(axis=axis, keepdims=keepdims)


def count_nonzero(a, axis=None, keepdims=False):
    """How many entries are not zero: a Python int for the whole array (as NumPy
    and MXNet), else an int64 array."""
    a = asnd(a)
    counts = (a != 0).astype(onp.int64).sum(axis=axis, keepdims=keepdims)
    return counts.item() if axis is None and not keepdims else counts


def argwhere(a):
    """Indices of the non-zero entries, one row each (not traceable)."""
    a = asnd(a)
    return _wrap(_dev.to_device(onp.argwhere(a.asnumpy()), a.device))


def unique(ar, return_index=False, return_inverse=False, return_counts=False,
           axis=None):
    """Sorted unique values (not differentiable, not traceable)."""
    ar = asnd(ar)
    found = onp.unique(ar.asnumpy(), return_index, return_inverse, return_counts, axis)
    if not isinstance(found, tuple):
        found = (found,)
    out = tuple(_wrap(_dev.to_device(f, ar.device)) for f in found)
    return out[0] if len(out) == 1 else out


# ---- statistics ------------------------------------------------------------------
def average(a, axis=None, weights=None, returned=False, keepdims=False):
    """The mean, or sum(a * w) / sum(w) along `axis` with weights."""
    a = asnd(a)
    if weights is None:
        avg = a.mean(axis=axis, keepdims=keepdims)
        count = a.size // builtins.max(avg.size, 1)
        scale = asnd(onp.full(avg.shape, count, avg.dtype), a)
        return (avg, scale) if returned else avg
    w = asnd(weights, a)
    if w.shape != a.shape:
        if axis is None or w.ndim != 1:
            raise ValueError(f"average: weights of shape {w.shape} must match a "
                             f"{a.shape}, or be 1-D along the given axis")
        view = [1] * a.ndim
        view[axis] = -1
        w = w.reshape(view)
        total = w.sum()  # the same along every line of `axis`
    else:
        total = w.sum(axis=axis, keepdims=keepdims)
    avg = (a * w).sum(axis=axis, keepdims=keepdims) / total
    return (avg, total.broadcast_to(avg.shape)) if returned else avg


def nansum(a, axis=None, keepdims=False):
    """The sum with NaN counted as zero."""
    a = asnd(a)
    return apply(OPS["where"], a != a, 0.0, a).sum(axis=axis, keepdims=keepdims)


def quantile(a, q, axis=None, keepdims=False, interpolation="linear", method=None):
    """Values below which a fraction `q` of the data lies (no gradient)."""
    q = float(q) if onp.ndim(q) == 0 else tuple(float(v) for v in onp.ravel(q))
    return apply(OPS["quantile"], asnd(a), q=q, axis=_af._axes(axis),
                 keepdims=keepdims, method=method or interpolation)


def percentile(a, q, axis=None, keepdims=False, interpolation="linear", method=None):
    """quantile() with q in percent."""
    q = onp.asarray(q, dtype=onp.float64) / 100.0
    return quantile(a, q, axis, keepdims, interpolation, method)


def median(a, axis=None, keepdims=False):
    return quantile(a, 0.5, axis, keepdims)


def diff(a, n=1, axis=-1):
    """The n-th difference along `axis`: a[1:] - a[:-1], n times."""
    a = asnd(a)
    for _ in range(n):
        a = _af.slice_axis(a, axis, 1, None) - _af.slice_axis(a, axis, 0, -1)
    return a


def ediff1d(ary, to_end=None, to_begin=None):
    """Differences of consecutive values of the flattened array."""
    out = diff(asnd(ary).reshape(-1))
    parts = [asnd(p, out).reshape(-1) for p in (to_begin,) if p is not None] + [out]
    parts += [asnd(p, out).reshape(-1) for p in (to_end,) if p is not None]
    return out if len(parts) == 1 else _join(parts, 0)


def shape(a):
    return asnd(a).shape


def size(a, axis=None):
    a = asnd(a)
    return a.size if axis is None else a.shape[axis]


def ndim(a):
    return asnd(a).ndim


# ---- creation --------------------------------------------------------------------
def identity(n, dtype=None, device=None, ctx=None):
    raw = onp.identity(n, dtype or onp.float32)
    return _wrap(_dev.to_device(raw, _dev.as_device(device if device else ctx)))


def tri(N, M=None, k=0, dtype=None, device=None, ctx=None):
    raw = onp.tri(N, M, k, dtype or onp.float32)
    return _wrap(_dev.to_device(raw, _dev.as_device(device if device else ctx)))


def empty_like(prototype, dtype=None, device=None, ctx=None):
    """Zeros shaped like `prototype` (zeros, not garbage: outputs repeat)."""
    dev = prototype.device if device is None and ctx is None else _dev.as_device(
        device if device is not None else ctx)
    raw = onp.zeros(prototype.shape, dtype or prototype.dtype)
    return _wrap(_dev.to_device(raw, dev))


__all__ = [n for n in dir() if not n.startswith("_") and n not in (
    "onp", "builtins", "apply", "asnd", "OPS")]
