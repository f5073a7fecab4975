"""Ops that rearrange values: tiling, flipping, diagonals, padding, running sums,
sorting and gathering, einsum, and the non-differentiable tests and encodings.

Same rules as ops.py (which owns the registry): forward on raw arrays, VJP beside it.
"""

import numpy as onp

from .device import xp_of
from .ops import Rows

ROWS = Rows()


# ---- repeating and tiling --------------------------------------------------------
def _tile_vjp(g, out, needs, x, reps):
    ndim = max(x.ndim, len(reps))
    shape = (1,) * (ndim - x.ndim) + x.shape
    reps = (1,) * (ndim - len(reps)) + tuple(reps)
    pairs = [n for r, s in zip(reps, shape) for n in (r, s)]  # (r0, s0, r1, s1, ...)
    summed = g.reshape(pairs).sum(axis=tuple(range(0, 2 * ndim, 2)))
    return (summed.reshape(x.shape),)


def _scatter_add(xp, shape, axis, index, g):
    """Zeros of `shape` plus g added at `index` along `axis` (repeats add up)."""
    gx = xp.zeros(shape, g.dtype)
    xp.add.at(xp.moveaxis(gx, axis, 0), index, xp.moveaxis(g, axis, 0))
    return gx


def _repeat_vjp(g, out, needs, x, repeats, axis=None):
    xp = xp_of(g)
    flat = x.reshape(-1) if axis is None else x
    axis = 0 if axis is None else axis % x.ndim
    index = xp.repeat(xp.arange(flat.shape[axis]), repeats)
    return (_scatter_add(xp, flat.shape, axis, index, g).reshape(x.shape),)


ROWS.add("tile", lambda x, reps: xp_of(x).tile(x, reps), _tile_vjp)
ROWS.add("repeat", lambda x, repeats, axis=None: xp_of(x).repeat(x, repeats, axis),
         _repeat_vjp)

# ---- reordering ------------------------------------------------------------------
ROWS.add("flip", lambda x, axis=None: xp_of(x).flip(x, axis),
         lambda g, out, needs, x, axis=None: (xp_of(g).flip(g, axis),))


def _negate(shift):
    return tuple(-s for s in shift) if isinstance(shift, tuple) else -shift


ROWS.add("roll", lambda x, shift, axis=None: xp_of(x).roll(x, shift, axis),
         lambda g, out, needs, x, shift, axis=None: (
             xp_of(g).roll(g, _negate(shift), axis),))


# ---- triangles and diagonals -----------------------------------------------------
ROWS.add("triu", lambda x, k=0: xp_of(x).triu(x, k),
         lambda g, out, needs, x, k=0: (xp_of(g).triu(g, k),))
ROWS.add("tril", lambda x, k=0: xp_of(x).tril(x, k),
         lambda g, out, needs, x, k=0: (xp_of(g).tril(g, k),))


def _diagonal_vjp(g, out, needs, x, offset=0, axis1=0, axis2=1):
    # diagonal() puts the diagonal last, after the other axes in order: write g
    # there in a zero array laid out the same way, then move the two axes back.
    xp = xp_of(g)
    moved = xp.zeros(
        [s for i, s in enumerate(x.shape) if i not in (axis1 % x.ndim, axis2 % x.ndim)]
        + [x.shape[axis1], x.shape[axis2]], g.dtype)
    steps = xp.arange(g.shape[-1])
    moved[..., steps + max(-offset, 0), steps + max(offset, 0)] = g
    return (xp.moveaxis(moved, (-2, -1), (axis1, axis2)),)


ROWS.add("diagonal", lambda x, offset=0, axis1=0, axis2=1: xp_of(x).diagonal(
    x, offset, axis1, axis2).copy(), _diagonal_vjp)


def _diag_vjp(g, out, needs, x, k=0):
    if x.ndim == 1:  # built a matrix from x: x's gradient is g's k-th diagonal
        return (xp_of(g).diagonal(g, k).copy(),)
    return _diagonal_vjp(g, out, needs, x, offset=k)


ROWS.add("diag", lambda x, k=0: xp_of(x).diag(x, k), _diag_vjp)


# ---- padding ---------------------------------------------------------------------
def _pad_vjp(g, out, needs, x, pad_width, constant_values=0):
    return (g[tuple(slice(lo, lo + n) for (lo, _), n in zip(pad_width, x.shape))],)


ROWS.add("pad", lambda x, pad_width, constant_values=0: xp_of(x).pad(
    x, pad_width, mode="constant", constant_values=constant_values), _pad_vjp)


# ---- running sums ----------------------------------------------------------------
def _cumsum_vjp(g, out, needs, x, axis=None, dtype=None):
    # out[i] = x[0] + ... + x[i], so x[i] collects g[i] + ... + g[n-1].
    xp = xp_of(g)
    flat = g if axis is not None else g.reshape(-1)
    along = 0 if axis is None else axis
    back = xp.flip(xp.cumsum(xp.flip(flat, along), along), along)
    return (back.reshape(x.shape).astype(x.dtype, copy=False),)


ROWS.add("cumsum", lambda x, axis=None, dtype=None: xp_of(x).cumsum(x, axis, dtype),
         _cumsum_vjp)


# ---- sorting and gathering -------------------------------------------------------
def _argsort(x, axis=-1, is_ascend=True, dtype=onp.int64):
    xp = xp_of(x)
    order = xp.argsort(x if is_ascend else -x, axis=axis, kind="stable")
    return order.astype(dtype, copy=False)


ROWS.add("argsort", _argsort)  # indices: no gradient


def _full_index(xp, index, axis):
    """take_along_axis's index as a tuple for fancy indexing (index along `axis`,
    aranges on every other axis)."""
    parts = []
    for d, n in enumerate(index.shape):
        if d == axis:
            parts.append(index)
        else:
            shape = [1] * index.ndim
            shape[d] = n
            parts.append(xp.arange(n).reshape(shape))
    return tuple(parts)


def _take_along_axis(x, index, axis):
    return xp_of(x).take_along_axis(x, index.astype(onp.int64, copy=False), axis)


def _take_along_axis_vjp(g, out, needs, x, index, axis):
    xp = xp_of(g)
    gx = xp.zeros(x.shape, g.dtype)
    xp.add.at(gx, _full_index(xp, index.astype(onp.int64), axis % x.ndim), g)
    return gx, None


ROWS.add("take_along_axis", _take_along_axis, _take_along_axis_vjp)


def _take_index(x, index, axis, mode):
    """Indices made valid by `mode` (CuPy's take has no mode of its own)."""
    xp = xp_of(x)
    index = xp.asarray(index).astype(onp.int64, copy=False)
    n = x.size if axis is None else x.shape[axis]
    if mode == "raise" and index.size and (int(index.max()) >= n
                                           or int(index.min()) < -n):
        raise IndexError(f"take: an index is out of range for length {n} (found "
                         f"{int(index.min())}..{int(index.max())}); pass "
                         "mode='clip' or mode='wrap' to bring indices into range")
    return xp.clip(index, 0, n - 1) if mode == "clip" else index % n


def _take(x, index, axis=None, mode="clip"):
    return xp_of(x).take(x, _take_index(x, index, axis, mode), axis=axis)


def _take_vjp(g, out, needs, x, index, axis=None, mode="clip"):
    xp = xp_of(g)
    index = _take_index(x, index, axis, mode)
    if axis is None:
        return _scatter_add(xp, (x.size,), 0, index.reshape(-1),
                            g.reshape(-1)).reshape(x.shape), None
    axis %= x.ndim
    # g has index's axes where x had `axis`: move them to the front, in order.
    g = xp.moveaxis(g, tuple(range(axis, axis + index.ndim)), tuple(range(index.ndim)))
    gx = xp.zeros(x.shape, g.dtype)
    xp.add.at(xp.moveaxis(gx, axis, 0), index, g)
    return gx, None


ROWS.add("take", _take, _take_vjp)


def _one_hot(index, depth, on_value=1.0, off_value=0.0, dtype=onp.float32):
    xp = xp_of(index)
    hit = xp.asarray(index).astype(onp.int64)[..., None] == xp.arange(depth)
    return xp.where(hit, on_value, off_value).astype(dtype)


ROWS.add("one_hot", _one_hot)  # an encoding of integer labels: no gradient


# ---- einsum ----------------------------------------------------------------------
def _einsum_vjp(g, out, needs, *xs, subscripts):
    # d out / d x_i: einsum of g with the other operands back to x_i's subscripts;
    # an index only x_i has (summed away) comes back by broadcasting.
    xp = xp_of(g)
    ins, result = subscripts.split("->")
    if "." in ins or any(len(set(t)) != len(t) for t in ins.split(",")):
        raise NotImplementedError(
            f"np.einsum({subscripts!r}): the gradient needs explicit letters, each "
            "at most once per operand (no '...', no 'ii'); write a diagonal or a "
            "trace with np.diagonal / np.trace")
    terms = ins.split(",")
    grads = []
    for i, (term, x) in enumerate(zip(terms, xs)):
        others = [t for j, t in enumerate(terms) if j != i]
        known = set(result).union(*others)
        kept = "".join(c for c in term if c in known)
        spec = ",".join([result] + others) + "->" + kept
        gi = xp.einsum(spec, g, *[y for j, y in enumerate(xs) if j != i])
        shape = [x.shape[k] if c in known else 1 for k, c in enumerate(term)]
        grads.append(xp.broadcast_to(gi.reshape(shape), x.shape).astype(x.dtype))
    return tuple(grads)


ROWS.add("einsum", lambda *xs, subscripts: xp_of(xs[0]).einsum(subscripts, *xs),
         _einsum_vjp)

# ---- tests and statistics without a gradient -------------------------------------
ROWS.add("any", lambda x, axis=None, keepdims=False: x.any(axis=axis,
                                                          keepdims=keepdims))
ROWS.add("all", lambda x, axis=None, keepdims=False: x.all(axis=axis,
                                                          keepdims=keepdims))
def _quantile(x, q, axis=None, keepdims=False, method="linear"):
    out = xp_of(x).quantile(x, q, axis=axis, keepdims=keepdims, method=method)
    # NumPy gives float64 for float64 q; MXNet keeps the input's float type.
    return out.astype(x.dtype if x.dtype.kind == "f" else onp.float32, copy=False)


ROWS.add("quantile", _quantile)
ROWS.add("full_like", lambda x, fill_value, dtype=None: xp_of(x).full(
    x.shape, fill_value, dtype or x.dtype))  # reads only x's shape: no gradient
ROWS.add("stop_gradient", lambda x: x)  # the identity, with no gradient flowing back
