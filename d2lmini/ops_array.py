"""Ops beyond elementwise and reductions: products, layers, softmax, shapes, indexing.

Same rules as ops.py (which owns the registry): forward on raw arrays, VJP beside it.
"""

import numpy as onp

from .device import xp_of
from .ops import Rows, _multiply_vjp, unbroadcast

ROWS = Rows()


# ---- products --------------------------------------------------------------------
def _matmul_vjp(g, out, needs, a, b):
    xp = xp_of(g)
    if a.ndim == 1 and b.ndim == 1:
        return g * b, g * a
    a2 = a.reshape(1, -1) if a.ndim == 1 else a
    b2 = b.reshape(-1, 1) if b.ndim == 1 else b
    g2 = xp.expand_dims(g, -2) if a.ndim == 1 else g
    g2 = xp.expand_dims(g2, -1) if b.ndim == 1 else g2
    ga = gb = None
    if needs[0]:
        ga = unbroadcast(g2 @ xp.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
    if needs[1]:
        gb = unbroadcast(xp.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
    return ga, gb


def _dot_vjp(g, out, needs, a, b):
    if getattr(a, "ndim", 0) == 0 or getattr(b, "ndim", 0) == 0:  # a scalar factor
        return _multiply_vjp(g, out, needs, a, b)
    if b.ndim > 2:
        raise NotImplementedError(
            "np.dot gradient for a second argument with more than 2 dimensions is "
            "not supported; use np.matmul, whose batching rules are clearer"
        )
    return _matmul_vjp(g, out, needs, a, b)


ROWS.add("matmul", lambda a, b: xp_of(a).matmul(a, b), _matmul_vjp)


def _dot(a, b):
    if not hasattr(a, "shape") or not hasattr(b, "shape"):
        return a * b  # np.dot with a Python number (CuPy's dot takes arrays only)
    return xp_of(a).dot(a, b)


ROWS.add("dot", _dot, _dot_vjp)


def _fully_connected(x, w, b=None, flatten=True, relu=False, out=None):
    # One BLAS product (into `out` when a plan gives a buffer), then the bias and
    # the ReLU in place on that array.
    xp = onp if type(x) is onp.ndarray else xp_of(x)
    if x.ndim == 2:
        y = xp.dot(x, w.T, out)
    elif flatten:
        y = xp.dot(x.reshape(x.shape[0], -1), w.T, out)
    else:  # Dense(flatten=False): the last axis
        y = xp.matmul(x, w.T, out=out)
    if b is not None:
        y += b
    if relu:  # Dense(..., activation='relu')
        xp.maximum(y, 0.0, out=y)
    return y


def _fully_connected_vjp(g, out, needs, x, w, b=None, flatten=True, relu=False):
    if relu:
        g = g * (out > 0)
    g2 = g.reshape(-1, w.shape[0])
    gx = (g @ w).reshape(x.shape) if needs[0] else None  # skipped for the data
    gw = g2.T @ x.reshape(g2.shape[0], -1) if needs[1] else None
    gb = g2.sum(axis=0) if b is not None and needs[2] else None
    return gx, gw, gb


# Dense's whole affine map as one op: x @ w.T + b (weight stored (units, in_units)),
# optionally followed by ReLU, which saves a pass and an array per layer.
ROWS.add("fully_connected", _fully_connected, _fully_connected_vjp, out=True,
         fresh=True)


# ---- softmax family --------------------------------------------------------------
def _softmax(x, axis=-1):
    e = xp_of(x).exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - xp_of(x).log(xp_of(x).exp(shifted).sum(axis=axis, keepdims=True))


ROWS.add(
    "softmax",
    _softmax,
    lambda g, out, needs, x, axis=-1: (
        out * (g - (g * out).sum(axis=axis, keepdims=True)),),
    fresh=True,
)
ROWS.add(
    "log_softmax",
    _log_softmax,
    lambda g, out, needs, x, axis=-1: (
        g - xp_of(out).exp(out) * g.sum(axis=axis, keepdims=True),
    ),
    fresh=True,
)


def _pick_index(x, index, axis):
    xp = xp_of(x)
    return xp.expand_dims(xp.asarray(index).astype(onp.int64), axis % x.ndim)


def _pick(x, index, axis=-1, keepdims=False):
    out = xp_of(x).take_along_axis(x, _pick_index(x, index, axis), axis)
    return out if keepdims else out.squeeze(axis)


def _pick_vjp(g, out, needs, x, index, axis=-1, keepdims=False):
    xp = xp_of(x)
    gx = xp.zeros(x.shape, g.dtype)
    g = g if keepdims else xp.expand_dims(g, axis % x.ndim)
    xp.put_along_axis(gx, _pick_index(x, index, axis), g, axis)
    return gx, None


ROWS.add("pick", _pick, _pick_vjp)


# ---- shapes ----------------------------------------------------------------------
def _back_to_shape(g, out, needs, x, **kw):
    return (g.reshape(x.shape),)


ROWS.add("reshape", lambda x, newshape: x.reshape(newshape), _back_to_shape)
ROWS.add("expand_dims", lambda x, axis: xp_of(x).expand_dims(x, axis), _back_to_shape)
ROWS.add("squeeze", lambda x, axis=None: x.squeeze(axis), _back_to_shape)
ROWS.add(
    "broadcast_to",
    lambda x, shape: xp_of(x).broadcast_to(x, shape),
    lambda g, out, needs, x, shape: (unbroadcast(g, x.shape),),
)


def _transpose_vjp(g, out, needs, x, axes=None):
    if axes is None:
        return (g.transpose(),)
    return (g.transpose(onp.argsort([a % x.ndim for a in axes])),)


ROWS.add("transpose", lambda x, axes=None: x.transpose(axes), _transpose_vjp)


def _concatenate_vjp(g, out, needs, *xs, axis=0):
    cuts = onp.cumsum([x.shape[axis] for x in xs])[:-1]
    return tuple(xp_of(g).split(g, cuts, axis=axis))


def _stack_vjp(g, out, needs, *xs, axis=0):
    return tuple(xp_of(g).moveaxis(g, axis, 0))


ROWS.add(
    "concatenate",
    lambda *xs, axis=0: xp_of(xs[0]).concatenate(xs, axis=axis),
    _concatenate_vjp,
)
ROWS.add("stack", lambda *xs, axis=0: xp_of(xs[0]).stack(xs, axis=axis), _stack_vjp)


# ---- indexing --------------------------------------------------------------------
def _is_advanced(key):
    parts = key if isinstance(key, tuple) else (key,)
    return any(hasattr(k, "shape") or isinstance(k, list) for k in parts)


def _getitem_vjp(g, out, needs, x, key):
    xp = xp_of(g)
    gx = xp.zeros(x.shape, g.dtype)
    if _is_advanced(key):
        xp.add.at(gx, key, g)  # repeated indices add up
    else:
        gx[key] = g
    return (gx,)


ROWS.add("getitem", lambda x, key: x[key], _getitem_vjp)
