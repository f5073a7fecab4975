"""The gradient table: one row per case of every differentiable op, and NO_GRAD.

Each row names the OPS entry it exercises, a function written with the public API
(np.*, npx.*, ndarray methods and operators), the same formula in plain NumPy
(``onp``), input shapes and domain (e.g. positive for log), and keyword parameters.
test_ops.py checks every row eagerly and hybridized, test_executor.py through the
compiled plan in every mode, test_gpu.py on a GPU; a new op adds its rows here
(STYLE.md section 5).
"""

from typing import Callable, NamedTuple

import numpy as onp

from d2lmini import np, npx
from d2lmini.gluon import HybridBlock
from d2lmini.ndarray import apply
from d2lmini.ops import OPS


class Row(NamedTuple):
    op: str           # the OPS entry this case must exercise
    fn: Callable      # public d2lmini API
    ref: Callable     # the same formula in plain NumPy
    shapes: tuple     # one shape per differentiable input
    domain: tuple     # one of DOMAINS per input
    kw: dict          # keyword parameters passed to fn and ref
    note: str


ROWS = []


def row(op, fn, ref, shapes, domain="real", note="", **kw):
    domain = (domain,) * len(shapes) if isinstance(domain, str) else domain
    ROWS.append(Row(op, fn, ref, shapes, domain, kw, note))


# Values stay away from kinks (0 for abs/relu) and from ties by construction or by
# being continuous random draws; eps in check_gradient is 1e-6.
DOMAINS = {
    "real": lambda rng, s: rng.uniform(-2, 2, s),
    "positive": lambda rng, s: rng.uniform(0.5, 2, s),
    "nonzero": lambda rng, s: rng.uniform(0.5, 2, s) * rng.choice([-1.0, 1.0], s),
    "unit": lambda rng, s: rng.uniform(-0.9, 0.9, s),  # arcsin, arctanh, tan
    "above1": lambda rng, s: rng.uniform(1.2, 3, s),  # arccosh
}

# Constants used inside rows (not differentiated).
MASK = onp.array([[True, False, True], [False, True, True]])
FMASK = onp.array([[1.0, 0.0, 2.0], [0.0, -1.0, 0.0]])  # non-bool where() condition
LABELS = onp.array([0.0, 2.0])  # float labels, as MXNet code passes them to pick
W_LEFT = onp.array([[1.0, -2.0, 0.5], [0.25, 3.0, -1.0]])  # exact in float32


def _softmax(x, axis=-1):
    e = onp.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    return x - m - onp.log(onp.exp(x - m).sum(axis=axis, keepdims=True))


def _pick(x, idx, axis=-1, keepdims=False):
    out = onp.take_along_axis(x, onp.expand_dims(idx.astype(int), axis), axis)
    return out if keepdims else out.squeeze(axis)


def _fc(x, w, b=None, flatten=True):
    x = x.reshape(x.shape[0], -1) if flatten else x
    return x @ w.T + (0 if b is None else b)


# ---- elementwise binary, with broadcasting and Python scalars on either side -----
S23, S3, S21, S13 = (2, 3), (3,), (2, 1), (1, 3)
row("add", lambda a, b: a + b, lambda a, b: a + b, (S23, S23))
row("add", lambda a, b: a + b, lambda a, b: a + b, (S23, S3), note="bias")
row("add", np.add, onp.add, (S21, S13), note="outer")
row("add", lambda x: x + 2, lambda x: x + 2, (S23,), note="scalar-right")
row("add", lambda x: 2.5 + x, lambda x: 2.5 + x, (S23,), note="scalar-left")
row("add", lambda x: W_LEFT + x, lambda x: W_LEFT + x, (S23,), note="numpy-left")
row("subtract", lambda a, b: a - b, lambda a, b: a - b, (S23, S23))
row("subtract", lambda a, b: a - b, lambda a, b: a - b, (S23, S3), note="bias")
row("subtract", np.subtract, onp.subtract, (S21, S13), note="outer")
row("subtract", lambda x: 2 - x, lambda x: 2 - x, (S23,), note="scalar-left")
row("subtract", lambda x: x - 2, lambda x: x - 2, (S23,), note="scalar-right")
row("subtract", lambda x: W_LEFT - x, lambda x: W_LEFT - x, (S23,), note="numpy-left")
row("multiply", lambda a, b: a * b, lambda a, b: a * b, (S23, S23))
row("multiply", lambda a, b: a * b, lambda a, b: a * b, (S3, S23), note="bias-left")
row("multiply", np.multiply, onp.multiply, (S21, S13), note="outer")
row("multiply", lambda x: 3 * x, lambda x: 3 * x, (S23,), note="scalar-left")
row("multiply", lambda x: x * -0.5, lambda x: x * -0.5, (S23,), note="scalar-right")
row("multiply", lambda a, b: a * b, lambda a, b: a * b, ((), ()), note="0d")
row("multiply", lambda x: W_LEFT * x, lambda x: W_LEFT * x, (S23,), note="numpy-left")
row("true_divide", lambda a, b: a / b, lambda a, b: a / b, (S23, S23),
    ("real", "nonzero"))
row("true_divide", lambda a, b: a / b, lambda a, b: a / b, (S23, S3),
    ("real", "nonzero"), note="bias")
row("true_divide", np.divide, onp.divide, (S21, S13), ("real", "nonzero"),
    note="outer")
row("true_divide", lambda x: 1 / x, lambda x: 1 / x, (S23,), "nonzero",
    note="scalar-left")
row("true_divide", lambda x: x / 2, lambda x: x / 2, (S23,), note="scalar-right")
row("power", lambda x: x ** 3, lambda x: x ** 3, (S23,), note="int-exponent")
row("power", lambda x: x ** 0.5, lambda x: x ** 0.5, (S23,), "positive",
    note="float-exponent")
row("power", lambda x: 2 ** x, lambda x: 2 ** x, (S23,), note="scalar-base")
row("power", lambda a, b: a ** b, lambda a, b: a ** b, (S23, S23),
    ("positive", "real"))
row("power", np.power, onp.power, (S3, S23), ("positive", "real"), note="bias")
row("power", np.power, onp.power, (S23, S3), ("positive", "real"), note="bias-exp")
row("maximum", np.maximum, onp.maximum, (S23, S23))
row("maximum", np.maximum, onp.maximum, (S21, S13), note="outer")
row("maximum", lambda x: np.maximum(x, 0.5), lambda x: onp.maximum(x, 0.5), (S23,),
    note="scalar-right")
row("maximum", lambda x: np.maximum(0.0, x), lambda x: onp.maximum(0.0, x), (S23,),
    "nonzero", note="scalar-left")
row("minimum", np.minimum, onp.minimum, (S23, S23))
row("minimum", np.minimum, onp.minimum, (S3, S23), note="bias")
row("minimum", lambda x: np.minimum(x, 0.5), lambda x: onp.minimum(x, 0.5), (S23,),
    note="scalar-right")
row("minimum", lambda x: np.minimum(0.0, x), lambda x: onp.minimum(0.0, x), (S23,),
    "nonzero", note="scalar-left")

# ---- elementwise unary -----------------------------------------------------------
row("negative", lambda x: -x, lambda x: -x, (S23,))
row("negative", np.negative, onp.negative, (S23,), note="np")
row("abs", np.abs, onp.abs, (S23,), "nonzero")
row("abs", abs, abs, (S23,), "nonzero", note="builtin")
row("abs", lambda x: x.abs(), onp.abs, (S23,), "nonzero", note="method")
row("sqrt", np.sqrt, onp.sqrt, (S23,), "positive")
row("sqrt", lambda x: x.sqrt(), onp.sqrt, (S23,), "positive", note="method")
row("square", np.square, onp.square, (S23,))
row("exp", np.exp, onp.exp, (S23,))
row("exp", lambda x: x.exp(), onp.exp, (S23,), note="method")
row("log", np.log, onp.log, (S23,), "positive")
row("log", lambda x: x.log(), onp.log, (S23,), "positive", note="method")
row("sin", np.sin, onp.sin, (S23,))
row("cos", np.cos, onp.cos, (S23,))
row("tanh", np.tanh, onp.tanh, (S23,))
row("tanh", lambda x: x.tanh(), onp.tanh, (S23,), note="method")
row("relu", npx.relu, lambda x: onp.maximum(x, 0), (S23,), "nonzero")
row("relu", lambda x: x.relu(), lambda x: onp.maximum(x, 0), (S23,), "nonzero",
    note="method")
row("sigmoid", npx.sigmoid, lambda x: 1 / (1 + onp.exp(-x)), (S23,))
row("sigmoid", lambda x: x.sigmoid(), lambda x: 1 / (1 + onp.exp(-x)), (S23,),
    note="method")
row("clip", lambda x: np.clip(x, -0.5, 0.5), lambda x: onp.clip(x, -0.5, 0.5), (S23,))
row("clip", lambda x: x.clip(-1, 1), lambda x: onp.clip(x, -1, 1), (S23,),
    note="method")
row("clip", lambda x: x.clip(a_max=0.5), lambda x: onp.clip(x, None, 0.5), (S23,),
    note="upper-only")
row("astype", lambda x: x.astype(np.float64), lambda x: x.astype(onp.float64), (S23,))
row("astype", lambda x: x.astype("float64"), lambda x: x.astype("float64"), (S23,),
    note="string")
row("copy", lambda x: x.copy(), lambda x: x.copy(), (S23,))
row("where", lambda a, b: np.where(np.array(MASK), a, b),
    lambda a, b: onp.where(MASK, a, b), (S23, S23))
row("where", lambda x: np.where(x > 0, x, 0.1 * x),
    lambda x: onp.where(x > 0, x, 0.1 * x), (S23,), "nonzero", note="leaky-relu")
row("where", lambda a: np.where(np.array(MASK), a, 0.0),
    lambda a: onp.where(MASK, a, 0.0), (S3,), note="bias-and-scalar")
row("where", lambda a, b: np.where(np.array(FMASK), a, b),
    lambda a, b: onp.where(FMASK, a, b), (S23, S23), note="float-condition")

# ---- reductions ------------------------------------------------------------------
for _name in ("sum", "mean", "max", "min", "prod"):
    _dom = "nonzero" if _name == "prod" else "real"
    _fn = getattr(np, _name)
    _ref = getattr(onp, _name)
    row(_name, _fn, _ref, (S23,), _dom, note="all")
    row(_name, lambda x, _n=_name: getattr(x, _n)(), _ref, (S23,), _dom,
        note="method")
    row(_name, _fn, _ref, (S23,), _dom, note="axis0", axis=0)
    row(_name, _fn, _ref, (S23,), _dom, note="axis1-keepdims", axis=1, keepdims=True)
    row(_name, lambda x, _n=_name, **kw: getattr(x, _n)(**kw), _ref, ((2, 3, 4),),
        _dom, note="axis-neg", axis=-1)
    row(_name, _fn, _ref, ((2, 3, 4),), _dom, note="axes02", axis=(0, 2))
    row(_name, _fn, _ref, ((2, 3, 4),), _dom, note="all-keepdims", keepdims=True)
    row(_name, _fn, _ref, ((),), _dom, note="0d")

# var and std are composites (mean, subtract, multiply, sum; std adds sqrt): each
# row is filed under an op it records, with the function's name in its note.
for _name, _op in (("var", "sum"), ("std", "sqrt")):
    _fn, _ref = getattr(np, _name), getattr(onp, _name)
    row(_op, _fn, _ref, (S23,), note=f"{_name}-all")
    row(_op, lambda x, _n=_name: getattr(x, _n)(), _ref, (S23,),
        note=f"{_name}-method")
    row(_op, _fn, _ref, (S23,), note=f"{_name}-axis0", axis=0)
    row(_op, _fn, _ref, ((2, 3, 4),), note=f"{_name}-axes02-keepdims",
        axis=(0, 2), keepdims=True)
    row(_op, _fn, _ref, (S23,), note=f"{_name}-ddof1-axis1", axis=1, ddof=1)

row("norm", np.linalg.norm, onp.linalg.norm, ((4,),), note="vector")
row("norm", np.linalg.norm, onp.linalg.norm, (S23,), note="frobenius")
row("norm", np.linalg.norm, onp.linalg.norm, (S23,), note="axis1", axis=1)
row("norm", np.linalg.norm, onp.linalg.norm, (S23,), note="axis0-keepdims", axis=0,
    keepdims=True)
row("norm", np.linalg.norm, onp.linalg.norm, ((4,),), "nonzero", note="ord1", ord=1)
row("norm", np.linalg.norm, onp.linalg.norm, (S23,), "nonzero", note="ord1-axis1",
    ord=1, axis=1)
row("norm", np.linalg.norm, onp.linalg.norm, ((2, 3, 4),), "nonzero",
    note="ord1-axis-neg", ord=1, axis=-1)

# ---- products --------------------------------------------------------------------
_mm = lambda a, b: a @ b  # noqa: E731
row("matmul", _mm, _mm, ((2, 3), (3, 4)), note="2d")
row("matmul", np.matmul, onp.matmul, ((3,), (3,)), note="1d-1d")
row("matmul", np.matmul, onp.matmul, ((3,), (3, 4)), note="1d-2d")
row("matmul", np.matmul, onp.matmul, ((2, 3), (3,)), note="2d-1d")
row("matmul", _mm, _mm, ((2, 2, 3), (3, 4)), note="batched-2d")
row("matmul", _mm, _mm, ((2, 2, 3), (2, 3, 4)), note="batched")
row("matmul", _mm, _mm, ((1, 2, 3), (2, 3, 4)), note="batched-broadcast")
row("matmul", _mm, _mm, ((3,), (2, 3, 4)), note="1d-batched")
row("matmul", _mm, _mm, ((2, 2, 3), (3,)), note="batched-1d")
row("matmul", lambda x: W_LEFT @ x, lambda x: W_LEFT @ x, ((3, 2),), note="numpy-left")
row("dot", np.dot, onp.dot, ((2, 3), (3, 4)), note="2d")
row("dot", lambda a, b: a.dot(b), onp.dot, ((2, 3), (3, 4)), note="method")
row("dot", np.dot, onp.dot, ((3,), (3,)), note="1d-1d")
row("dot", np.dot, onp.dot, ((2, 3), (3,)), note="2d-1d")
row("dot", np.dot, onp.dot, ((3,), (3, 4)), note="1d-2d")
row("dot", np.dot, onp.dot, ((2, 3), ()), note="0d-right")
row("dot", np.dot, onp.dot, ((), (2, 3)), note="0d-left")
row("dot", lambda x: np.dot(x, 2.0), lambda x: onp.dot(x, 2.0), ((2, 3),),
    note="python-scalar")
row("dot", np.dot, onp.dot, ((2, 2, 3), (3, 4)), note="nd-2d")
row("dot", np.dot, onp.dot, ((2, 2, 3), (3,)), note="nd-1d")
row("fully_connected", npx.fully_connected, _fc, ((2, 3), (4, 3), (4,)), note="bias")
row("fully_connected", lambda x, w: npx.fully_connected(x, w, no_bias=True),
    lambda x, w: _fc(x, w), ((2, 3), (4, 3)), note="no-bias")
row("fully_connected", lambda x, w: npx.fully_connected(x, w, None, num_hidden=4),
    lambda x, w: _fc(x, w), ((2, 3), (4, 3)), note="bias-none")
row("fully_connected", npx.fully_connected, _fc, ((2, 3, 2), (4, 6), (4,)),
    note="flatten")
row("fully_connected", npx.fully_connected, _fc, ((2, 3, 5), (4, 5), (4,)),
    note="no-flatten", flatten=False)
row("fully_connected", lambda x, w, **kw: npx.fully_connected(x, w, no_bias=True, **kw),
    lambda x, w, **kw: _fc(x, w, **kw), ((2, 3, 5), (4, 5)), note="no-flatten-no-bias",
    flatten=False)
row("fully_connected",
    lambda x, w, b: apply(OPS["fully_connected"], x, w, b, relu=True),
    lambda x, w, b: onp.maximum(_fc(x, w, b), 0), ((2, 3), (4, 3), (4,)),
    note="fused-relu")  # what Dense(..., activation='relu') runs

# ---- softmax family and pick -----------------------------------------------------
row("softmax", npx.softmax, _softmax, (S23,))
row("softmax", npx.softmax, _softmax, (S23,), note="axis0", axis=0)
row("softmax", npx.softmax, _softmax, ((2, 3, 4),), note="axis1", axis=1)
row("log_softmax", npx.log_softmax, _log_softmax, (S23,))
row("log_softmax", npx.log_softmax, _log_softmax, (S23,), note="axis0", axis=0)
row("log_softmax", npx.log_softmax, _log_softmax, ((2, 3, 4),), note="axis1", axis=1)
row("pick", lambda x, **kw: npx.pick(x, np.array(LABELS), **kw),
    lambda x, **kw: _pick(x, LABELS, **kw), (S23,))
row("pick", lambda x, **kw: npx.pick(x, np.array(LABELS), **kw),
    lambda x, **kw: _pick(x, LABELS, **kw), (S23,), note="keepdims", keepdims=True)
row("pick", lambda x, **kw: npx.pick(x, np.array([1.0, 0.0, 1.0]), **kw),
    lambda x, **kw: _pick(x, onp.array([1.0, 0.0, 1.0]), **kw), (S23,), note="axis0",
    axis=0)

# ---- shapes ----------------------------------------------------------------------
row("reshape", lambda x: x.reshape(3, 2), lambda x: x.reshape(3, 2), (S23,))
row("reshape", lambda x: x.reshape((6,)), lambda x: x.reshape((6,)), (S23,),
    note="tuple")
row("reshape", lambda x: np.reshape(x, (3, -1)), lambda x: x.reshape(3, -1), (S23,),
    note="np")
row("reshape", lambda x: x.flatten(), lambda x: x.flatten(), (S23,), note="flatten")
row("reshape", npx.batch_flatten, lambda x: x.reshape(2, -1), ((2, 3, 2),),
    note="batch-flatten")
row("expand_dims", lambda x: np.expand_dims(x, 0), lambda x: onp.expand_dims(x, 0),
    (S23,))
row("expand_dims", lambda x: x.expand_dims(-1), lambda x: onp.expand_dims(x, -1),
    (S23,), note="method")
row("squeeze", np.squeeze, onp.squeeze, ((1, 3, 1),))
row("squeeze", lambda x: x.squeeze(axis=0), lambda x: x.squeeze(axis=0), ((1, 3, 1),),
    note="axis")
row("broadcast_to", lambda x: np.broadcast_to(x, (2, 3)),
    lambda x: onp.broadcast_to(x, (2, 3)), (S3,))
row("broadcast_to", lambda x: np.broadcast_to(x, (2, 3)),
    lambda x: onp.broadcast_to(x, (2, 3)), (S21,), note="column")
row("broadcast_to", lambda x: np.broadcast_to(x, (2, 2, 3)),
    lambda x: onp.broadcast_to(x, (2, 2, 3)), (S13,), note="new-axis")
row("transpose", lambda x: x.T, lambda x: x.T, (S23,), note="T")
row("transpose", np.transpose, onp.transpose, ((2, 3, 4),), note="reverse")
row("transpose", lambda x: np.transpose(x, (1, 0, 2)),
    lambda x: onp.transpose(x, (1, 0, 2)), ((2, 3, 4),), note="axes")
row("transpose", lambda x: x.transpose(2, 0, 1), lambda x: x.transpose(2, 0, 1),
    ((2, 3, 4),), note="method-axes")
row("transpose", lambda x: x.transpose((-1, 0, 1)), lambda x: x.transpose(-1, 0, 1),
    ((2, 3, 4),), note="negative-axes")
row("concatenate", lambda a, b: np.concatenate([a, b]),
    lambda a, b: onp.concatenate([a, b]), (S23, S13))
row("concatenate", lambda a, b: np.concatenate((a, b), axis=1),
    lambda a, b: onp.concatenate((a, b), axis=1), (S23, (2, 2)), note="axis1")
row("concatenate", lambda a, b, c: np.concatenate([a, b, c], axis=-1),
    lambda a, b, c: onp.concatenate([a, b, c], axis=-1), (S21, S23, S21),
    note="three-axis-neg")
row("stack", lambda a, b: np.stack([a, b]), lambda a, b: onp.stack([a, b]),
    (S23, S23))
row("stack", lambda a, b: np.stack([a, b], axis=1),
    lambda a, b: onp.stack([a, b], axis=1), (S23, S23), note="axis1")
row("stack", lambda a, b, c: np.stack((a, b, c), axis=-1),
    lambda a, b, c: onp.stack((a, b, c), axis=-1), (S3, S3, S3), note="three-axis-neg")

# ---- indexing --------------------------------------------------------------------
_REPEAT = onp.array([2, 0, 2, 2])


def _index_row(note, key, shape=S23, domain="real"):
    row("getitem", lambda x: x[key], lambda x: x[key], (shape,), domain, note=note)


_index_row("int", 1)
_index_row("int-negative", -1)
_index_row("scalar", (1, 2))
_index_row("slice", slice(1, None))
_index_row("column", (slice(None), 1))
_index_row("steps", (slice(None, None, -1), slice(None, None, 2)))
_index_row("newaxis-ellipsis", (None, Ellipsis, 0))
_index_row("list-repeats", [0, 0, 1])
_index_row("array-repeats", _REPEAT, shape=S3)
_index_row("column-repeats", (slice(None), [0, 0, 2]))
_index_row("pairs-repeats", ([0, 1, 1], [2, 2, 2]))
_index_row("bool-mask", MASK)
_index_row("bool-rows", onp.array([False, True]))
row("getitem", lambda x: x[np.array(_REPEAT)], lambda x: x[_REPEAT], (S3,),
    note="ndarray-index")
row("getitem", lambda x: x[x > 0], lambda x: x[x > 0], (S23,), "nonzero",
    note="mask-from-x")


# ---- more elementwise math (ops_math.py) ------------------------------------------
# Rounding and sign have a zero gradient (as in MXNet); values are random draws, so
# none sits on a jump.
for _name in ("floor", "ceil", "rint", "trunc", "fix", "sign"):
    row(_name, getattr(np, _name), getattr(onp, _name), (S23,), "nonzero")
row("floor", lambda x: x.floor(), onp.floor, (S23,), note="method")
row("round", np.round, onp.round, (S23,))
row("round", lambda x: np.around(x, decimals=1), lambda x: onp.round(x, 1), (S23,),
    note="decimals")
row("round", lambda x: x.round(), onp.round, (S23,), note="method")
for _name, _dom in [("reciprocal", "nonzero"), ("cbrt", "nonzero"), ("exp2", "real"),
                    ("expm1", "real"), ("log2", "positive"), ("log10", "positive"),
                    ("log1p", "positive"), ("tan", "unit"), ("sinh", "real"),
                    ("cosh", "real"), ("arcsin", "unit"), ("arccos", "unit"),
                    ("arctan", "real"), ("arcsinh", "real"), ("arccosh", "above1"),
                    ("arctanh", "unit"), ("degrees", "real"), ("radians", "real")]:
    row(_name, getattr(np, _name), getattr(onp, _name), (S23,), _dom)
row("square", lambda x: x.square(), onp.square, (S23,), note="method")
row("log1p", lambda x: x.log1p(), onp.log1p, (S23,), "positive", note="method")
row("softrelu", lambda x: npx.activation(x, "softrelu"),
    lambda x: onp.logaddexp(0, x), (S23,))
row("softrelu", lambda x: npx.activation(x, "log_sigmoid"),
    lambda x: -onp.logaddexp(0, -x), (S23,), note="log-sigmoid")
for _name in ("arctan2", "hypot", "copysign"):
    row(_name, getattr(np, _name), getattr(onp, _name), (S23, S23), "nonzero")
row("arctan2", np.arctan2, onp.arctan2, (S21, S13), "nonzero", note="outer")
row("hypot", lambda x: np.hypot(x, 2.0), lambda x: onp.hypot(x, 2.0), (S23,),
    note="scalar-right")
row("logaddexp", np.logaddexp, onp.logaddexp, (S23, S3))
row("fmax", np.fmax, onp.fmax, (S23, S23))
row("fmin", np.fmin, onp.fmin, (S3, S23), note="bias")

# ---- rearranging (ops_shape.py) ----------------------------------------------------
row("tile", lambda x: np.tile(x, 2), lambda x: onp.tile(x, 2), (S23,))
row("tile", lambda x: np.tile(x, (2, 1, 2)), lambda x: onp.tile(x, (2, 1, 2)), (S23,),
    note="more-axes")
row("tile", lambda x: x.tile((2, 1)), lambda x: onp.tile(x, (2, 1)), (S23,),
    note="method")
row("repeat", lambda x: np.repeat(x, 2), lambda x: onp.repeat(x, 2), (S23,))
row("repeat", lambda x: np.repeat(x, 2, axis=1), lambda x: onp.repeat(x, 2, axis=1),
    (S23,), note="axis1")
row("repeat", lambda x: x.repeat([1, 0, 2], axis=1),
    lambda x: onp.repeat(x, [1, 0, 2], axis=1), (S23,), note="counts")
row("flip", np.flip, onp.flip, (S23,))
row("flip", lambda x: np.flip(x, 0), lambda x: onp.flip(x, 0), (S23,), note="axis0")
row("flip", np.fliplr, onp.fliplr, (S23,), note="fliplr")
row("flip", np.flipud, onp.flipud, (S23,), note="flipud")
row("roll", lambda x: np.roll(x, 1), lambda x: onp.roll(x, 1), (S23,))
row("roll", lambda x: np.roll(x, (1, 2), axis=(0, 1)),
    lambda x: onp.roll(x, (1, 2), axis=(0, 1)), (S23,), note="axes")
row("triu", np.triu, onp.triu, ((3, 3),))
row("triu", lambda x: np.triu(x, 1), lambda x: onp.triu(x, 1), ((3, 4),), note="k1")
row("tril", np.tril, onp.tril, ((3, 3),))
row("tril", lambda x: np.tril(x, -1), lambda x: onp.tril(x, -1), ((2, 3, 3),),
    note="batched")
row("diagonal", np.diagonal, onp.diagonal, ((3, 4),))
row("diagonal", lambda x: np.diagonal(x, 1), lambda x: onp.diagonal(x, 1), ((3, 4),),
    note="offset")
row("diagonal", lambda x: x.diagonal(-1, 1, 2), lambda x: onp.diagonal(x, -1, 1, 2),
    ((2, 3, 4),), note="axes12")
row("diagonal", np.trace, onp.trace, ((3, 4),), note="trace")
row("diagonal", lambda x: x.trace(), onp.trace, ((3, 3),), note="trace-method")
row("diag", np.diag, onp.diag, ((3,),), note="build")
row("diag", lambda x: np.diag(x, 1), lambda x: onp.diag(x, 1), ((3,),),
    note="build-k1")
row("diag", lambda x: np.diag(x, -1), lambda x: onp.diag(x, -1), ((3, 4),),
    note="read-k-1")
row("pad", lambda x: np.pad(x, 1), lambda x: onp.pad(x, 1), (S23,))
row("pad", lambda x: np.pad(x, ((1, 0), (0, 2)), constant_values=0.5),
    lambda x: onp.pad(x, ((1, 0), (0, 2)), constant_values=0.5), (S23,),
    note="widths-value")
row("cumsum", np.cumsum, onp.cumsum, (S23,))
row("cumsum", lambda x: np.cumsum(x, axis=1), lambda x: onp.cumsum(x, axis=1), (S23,),
    note="axis1")
row("cumsum", lambda x: x.cumsum(axis=0), lambda x: onp.cumsum(x, axis=0), (S23,),
    note="method")
_IDX = onp.array([[2, 0, 1], [1, 1, 0]])
row("take_along_axis", np.sort, onp.sort, (S23,), note="sort")
row("take_along_axis", lambda x: np.sort(x, axis=0), lambda x: onp.sort(x, axis=0),
    (S23,), note="sort-axis0")
row("take_along_axis", lambda x: np.sort(x, axis=None),
    lambda x: onp.sort(x, axis=None), (S23,), note="sort-flat")
row("take_along_axis", lambda x: x.sort(is_ascend=False),
    lambda x: -onp.sort(-x), (S23,), note="sort-descending")
row("take_along_axis", lambda x: np.take_along_axis(x, np.array(_IDX), 1),
    lambda x: onp.take_along_axis(x, _IDX, 1), (S23,), note="repeats")
row("take_along_axis", lambda x: npx.topk(x, k=2, ret_typ="value"),
    lambda x: -onp.sort(-x)[:, :2], (S23,), note="topk")
row("take", lambda x: np.take(x, [0, 2, 2], axis=1),
    lambda x: onp.take(x, [0, 2, 2], axis=1), (S23,))
row("take", lambda x: np.take(x, [[5, 0], [0, 1]]),
    lambda x: onp.take(x, [[5, 0], [0, 1]]), (S23,), note="flat")
row("take", lambda x: x.take(np.array([1.0, 7.0]), axis=0),
    lambda x: onp.take(x, [1, 7], axis=0, mode="clip"), (S23,), note="clip")
row("einsum", lambda a, b: np.einsum("ij,jk->ik", a, b), lambda a, b: a @ b,
    ((2, 3), (3, 4)))
row("einsum", lambda a, b: np.einsum("ij,jk", a, b), lambda a, b: a @ b,
    ((2, 3), (3, 4)), note="implicit")
row("einsum", lambda x: np.einsum("ij->j", x), lambda x: x.sum(0), (S23,),
    note="sum")
row("einsum", lambda a, b: np.einsum("i,j->ij", a, b), onp.outer, ((2,), (3,)),
    note="outer")
row("einsum", lambda a, b: np.einsum("bij,bjk->bik", a, b), lambda a, b: a @ b,
    ((2, 2, 3), (2, 3, 2)), note="batched")
row("einsum", lambda a, b: np.einsum("ij,kl->i", a, b),
    lambda a, b: a.sum(1) * b.sum(), ((2, 3), (2, 2)), note="summed-away")

# ---- composites: each row is filed under an op the composite records ---------------
row("concatenate", lambda a, b: np.hstack([a, b]), lambda a, b: onp.hstack([a, b]),
    (S23, S21), note="hstack")
row("concatenate", lambda a, b: np.hstack((a, b)), lambda a, b: onp.hstack((a, b)),
    (S3, (2,)), note="hstack-1d")
row("concatenate", lambda a, b: np.vstack([a, b]), lambda a, b: onp.vstack([a, b]),
    (S3, S23), note="vstack")
row("concatenate", lambda a, b: np.column_stack([a, b]),
    lambda a, b: onp.column_stack([a, b]), (S3, S3), note="column-stack")
row("concatenate", lambda a, b: np.dstack([a, b]), lambda a, b: onp.dstack([a, b]),
    (S23, S23), note="dstack")
row("concatenate", np.append, onp.append, (S23, S3), note="append")
row("concatenate", lambda a, b: np.append(a, b, axis=0),
    lambda a, b: onp.append(a, b, axis=0), (S23, S13), note="append-axis0")
row("multiply", np.outer, onp.outer, (S3, (2,)), note="outer-fn")
row("matmul", lambda a, b: np.tensordot(a, b, axes=([1], [0])),
    lambda a, b: onp.tensordot(a, b, axes=([1], [0])), ((2, 3), (3, 4)),
    note="tensordot")
row("matmul", lambda a, b: np.tensordot(a, b), lambda a, b: onp.tensordot(a, b),
    ((2, 3, 4), (3, 4, 2)), note="tensordot-2")
row("matmul", np.inner, onp.inner, (S23, (4, 3)), note="inner")
row("matmul", npx.batch_dot, lambda a, b: a @ b, ((2, 2, 3), (2, 3, 4)),
    note="batch-dot")
row("matmul", lambda a, b: npx.batch_dot(a, b, transpose_b=True),
    lambda a, b: a @ b.transpose(0, 2, 1), ((2, 2, 3), (2, 4, 3)),
    note="batch-dot-transpose-b")
row("transpose", lambda x: np.swapaxes(x, 0, 2), lambda x: onp.swapaxes(x, 0, 2),
    ((2, 3, 4),), note="swapaxes")
row("transpose", lambda x: np.moveaxis(x, 0, -1), lambda x: onp.moveaxis(x, 0, -1),
    ((2, 3, 4),), note="moveaxis")
row("transpose", lambda x: np.rollaxis(x, 2), lambda x: onp.rollaxis(x, 2),
    ((2, 3, 4),), note="rollaxis")
row("broadcast_to", lambda x: np.meshgrid(x, x[:2])[0],
    lambda x: onp.meshgrid(x, x[:2])[0], (S3,), note="meshgrid")
row("sum", lambda x: np.average(x, axis=1, weights=[1.0, 2.0, 3.0]),
    lambda x: onp.average(x, axis=1, weights=[1.0, 2.0, 3.0]), (S23,),
    note="average")
row("sum", lambda x: np.sum(x, axis=[0, 1]), lambda x: onp.sum(x, axis=(0, 1)),
    (S23,), note="axis-list")
row("where", np.nansum, onp.nansum, (S23,), note="nansum")
row("subtract", np.diff, onp.diff, (S23,), note="diff")
row("subtract", lambda x: np.diff(x, n=2, axis=0), lambda x: onp.diff(x, 2, 0),
    ((3, 2),), note="diff-n2")
row("where", lambda x: npx.leaky_relu(x, slope=0.1),
    lambda x: onp.where(x > 0, x, 0.1 * x), (S23,), "nonzero", note="leaky-relu-npx")
row("expm1", lambda x: npx.leaky_relu(x, act_type="elu", slope=1.0),
    lambda x: onp.where(x > 0, x, onp.expm1(onp.minimum(x, 0))), (S23,), "nonzero",
    note="elu")
row("where", lambda x: npx.sequence_mask(x, np.array([1.0, 3.0]), True, -1.0, 1),
    lambda x: onp.where(onp.arange(3) < onp.array([[1], [3]]), x, -1.0), (S23,),
    note="sequence-mask")
row("norm", npx.norm, onp.linalg.norm, (S23,), note="npx")
row("norm", lambda x: x.norm(), onp.linalg.norm, (S23,), note="method")


def row_id(r):
    """The test id of a row: its op, and its note when it has one."""
    return f"{r.op}-{r.note}" if r.note else r.op


def row_inputs(r, draw=0):
    """The row's inputs as float64 NumPy arrays, the same on every run; another
    `draw` gives other values from the same domains."""
    seed = len(ROWS) + ROWS.index(r) if draw == 0 else (draw, ROWS.index(r))
    rng = onp.random.default_rng(seed)
    return [DOMAINS[d](rng, s) for d, s in zip(r.domain, r.shapes)]


# Indexing with a traced array cannot be hybridized, on any device (by design:
# test_graph.py checks the error); that row runs eagerly only.
UNTRACEABLE = {"getitem-mask-from-x"}


class RowBlock(HybridBlock):
    """A HybridBlock whose forward is one row's function, to run it hybridized."""

    def __init__(self, r):
        super().__init__()
        self._row = r

    def forward(self, *xs):
        return self._row.fn(*xs, **self._row.kw)


# ---- ops without a gradient ------------------------------------------------------
NO_GRAD = [
    ("equal", lambda x: x == x * 2),
    ("not_equal", lambda x: x != 1.0),
    ("less", lambda x: x < 0),
    ("less_equal", lambda x: np.less_equal(x, 0.5)),
    ("greater", lambda x: x > 0),
    ("greater_equal", lambda x: x >= x.mean()),
    ("floor_divide", lambda x: x // 2),
    ("mod", lambda x: x % 2),
    ("argmax", lambda x: x.argmax(axis=1)),
    ("argmin", lambda x: np.argmin(x)),
    ("dropout_mask", lambda x: apply(OPS["dropout_mask"], x, p=0.5)),
    ("random_uniform", lambda x: np.random.uniform(-1, 1, x.shape)),
    ("random_normal", lambda x: np.random.normal(0, 2, size=x.shape)),
    ("logical_and", lambda x: np.logical_and(x > 0, x < 1)),
    ("logical_or", lambda x: np.logical_or(x > 0, x < -1)),
    ("logical_xor", lambda x: np.logical_xor(x > 0, x < 1)),
    ("logical_not", lambda x: np.logical_not(x > 0)),
    ("isnan", np.isnan),
    ("isinf", np.isinf),
    ("isfinite", np.isfinite),
    ("isposinf", np.isposinf),
    ("isneginf", np.isneginf),
    ("signbit", np.signbit),
    ("isclose", lambda x: np.isclose(x, x * 1.0000001)),
    ("argsort", np.argsort),
    ("one_hot", lambda x: npx.one_hot(x.argmax(axis=1), 3)),
    ("any", lambda x: (x > 0).any(axis=1)),
    ("all", lambda x: np.all(x > -5, keepdims=True)),
    ("quantile", lambda x: np.median(x, axis=0)),
    ("stop_gradient", npx.stop_gradient),
    ("full_like", np.zeros_like),
    ("bitwise_and", lambda x: (x > 0) & (x < 1)),
    ("bitwise_or", lambda x: np.bitwise_or(x > 0, x < -1)),
    ("bitwise_xor", lambda x: (x > 0) ^ (x < 1)),
    ("invert", lambda x: ~(x > 0)),
]
