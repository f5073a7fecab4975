"""Programs for the differential test against MXNet 1.9.1.

Each program is a function of one argument, a namespace `m` whose attributes are the
modules of one framework: `m.np`, `m.npx`, `m.autograd`, `m.gluon`, `m.nn`,
`m.init`, `m.nd`, `m.mx` (the top module), and `m.onp` (real NumPy, for data only).
It returns a dict of named results (arrays, numbers, booleans, shapes, lists of
those) or raises. The same function runs

- under MXNet 1.9.1 in tools/mxnet_record.py, which stores the results in
  tests/fixtures/mxnet_1.9.1.json, and
- under d2lmini in tests/test_mxnet_diff.py, which compares with the fixture.

Rules that keep the comparison meaningful:
- Data is deterministic (fixed lists, arange, constant initializers, set_data).
  Random draws differ between frameworks: where a program uses randomness it
  returns only shapes or statistics that hold for any draw.
- Parameter names differ by design (MXNet counts, d2lmini uses structural paths):
  programs return shapes and values in registration order, never names.
- `style` is 'np' (MXNet 2-style NumPy interface: the recorder calls npx.set_np())
  or 'nd' (1.x NDArray code: the recorder calls npx.reset_np()).

Areas (the `area` attribute, by default the name's first word): np (NumPy functions,
operators, reductions, shapes, indexing, creation, dtypes, linalg, methods), npx,
grad (autograd), nd and ndgrad (1.x NDArray), hybrid1x (hybrid_forward(F, ...) eager
and hybridized), gluon and gluon1x (blocks, parameters, initializers), hybrid, trainer,
loss, file, fancymlp, book (chapter-5 idioms), scratch (from-scratch code), edge,
edgegrad, mix (NumPy arrays and lists mixed in).

This module imports neither framework: both sides pass their own namespace.
"""

import math
import os
import tempfile

PROGRAMS = {}  # name -> function; each function has .style and .area


def add(name, fn, style="np", area=None):
    if name in PROGRAMS:
        raise ValueError(f"duplicate program name {name!r}")
    fn.style = style
    fn.area = area or name.split("_")[0]
    fn.program_name = name
    PROGRAMS[name] = fn
    return fn


def program(style="np", area=None):
    """Decorator: register a program under its function name."""

    def deco(fn):
        return add(fn.__name__, fn, style, area)

    return deco


# --- encoding results (shared by the recorder and the test) ----------------------

SIGNIFICANT = 6


def _round(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return float(f"{v:.{SIGNIFICANT}g}")


def encode(value):
    """A JSON-able form of a program result: arrays become
    {"dtype", "shape", "data"} with values rounded to 6 significant digits."""
    import numpy as onp

    if hasattr(value, "asnumpy"):
        value = value.asnumpy()
    if isinstance(value, onp.ndarray):
        flat = value.ravel().tolist()
        return {
            "dtype": str(value.dtype),
            "shape": list(value.shape),
            "data": [_round(v) for v in flat],
        }
    if isinstance(value, onp.generic):
        value = value.item()
    if isinstance(value, (bool, int, float)):
        return _round(value)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if hasattr(value, "__name__"):
        return value.__name__
    return str(value)


# --- shared data and helpers -----------------------------------------------------

X23 = [[-1.5, -0.5, 0.25], [0.5, 1.0, 2.5]]
POS23 = [[0.5, 1.0, 1.5], [2.0, 2.5, 3.0]]
UNIT23 = [[-0.9, -0.5, 0.1], [0.2, 0.6, 0.8]]
TIES = [[1.0, 3.0, 3.0], [2.0, 2.0, 0.5]]
W34 = [[0.1, -0.2, 0.3, 0.4], [0.5, 0.6, -0.7, 0.8], [-0.9, 1.0, 0.1, 0.2]]
B3 = [0.1, -0.1, 0.2]
X24 = [[1.0, 2.0, -1.0, 0.5], [0.0, -2.0, 3.0, 1.0]]


def lazy_shape(shape):
    """Unknown dims: MXNet 1.x nd mode writes 0, d2lmini -1; compare as -1."""
    return tuple(-1 if d == 0 else d for d in shape)


def param_shapes(net):
    return [lazy_shape(p.shape) for p in net.collect_params().values()]


def param_values(net):
    return [p.data() for p in net.collect_params().values()]


def fixed(m, shape, scale=0.1, offset=0.0):
    """Deterministic values of a shape: (arange - mean) * scale + offset."""
    n = 1
    for d in shape:
        n *= d
    a = m.onp.arange(n, dtype="float32").reshape(shape)
    return m.np.array(((a - (n - 1) / 2) * scale + offset).astype("float32"))


def fixed_nd(m, shape, scale=0.1, offset=0.0):
    n = 1
    for d in shape:
        n *= d
    a = m.onp.arange(n, dtype="float32").reshape(shape)
    return m.nd.array(((a - (n - 1) / 2) * scale + offset).astype("float32"))


def set_fixed(net, m, scale=0.05, nd=False):
    """Give every parameter deterministic values (in registration order)."""
    for i, p in enumerate(net.collect_params().values()):
        maker = fixed_nd if nd else fixed
        p.set_data(maker(m, p.shape, scale=scale, offset=0.01 * i))


def tmpfile(suffix):
    fd, path = tempfile.mkstemp(suffix=suffix)
    os.close(fd)
    return path


# =================================================================================
# 1. NumPy interface: forward
# =================================================================================

UNARY = {
    "abs": X23,
    "negative": X23,
    "exp": X23,
    "log": POS23,
    "sqrt": POS23,
    "square": X23,
    "sin": X23,
    "cos": X23,
    "tan": UNIT23,
    "tanh": X23,
    "sinh": X23,
    "cosh": X23,
    "arcsin": UNIT23,
    "arccos": UNIT23,
    "arctan": X23,
    "arcsinh": X23,
    "arctanh": UNIT23,
    "sign": X23,
    "floor": X23,
    "ceil": X23,
    "trunc": X23,
    "rint": [[-1.7, -0.2, 0.3], [0.6, 1.4, 2.8]],
    "fix": X23,
    "log2": POS23,
    "log10": POS23,
    "log1p": POS23,
    "expm1": X23,
    "reciprocal": POS23,
    "cbrt": POS23,
    "degrees": X23,
    "radians": X23,
    "isnan": X23,
    "isfinite": X23,
}


def _unary_forward(op, data):
    def prog(m):
        return {"y": getattr(m.np, op)(m.np.array(data))}

    return prog


for _op, _data in UNARY.items():
    add(f"np_unary_{_op}", _unary_forward(_op, _data))


@program()
def np_unary_rint_halves(m):
    return {"y": m.np.rint(m.np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]))}


@program()
def np_unary_round_halves(m):
    x = m.np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 1.26])
    return {"round": m.np.round(x), "round1": m.np.round(x, 1)}


BINARY = [
    "add",
    "subtract",
    "multiply",
    "divide",
    "power",
    "maximum",
    "minimum",
    "mod",
    "equal",
    "not_equal",
    "greater",
    "less",
    "greater_equal",
    "less_equal",
    "arctan2",
    "hypot",
    "true_divide",
    "copysign",
]
BCAST = {
    "same": ([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[0.5, 2.0, 2.5], [4.0, 1.5, 3.0]]),
    "row": ([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [0.5, 2.0, 2.5]),
    "outer": ([[1.0], [2.0]], [[0.5, 2.0, 3.0]]),
}


def _binary_forward(op, a, b):
    def prog(m):
        return {"y": getattr(m.np, op)(m.np.array(a), m.np.array(b))}

    return prog


for _op in BINARY:
    for _kind in ("same", "row") if _op not in ("add", "multiply") else BCAST:
        add(f"np_binary_{_op}_{_kind}", _binary_forward(_op, *BCAST[_kind]))

OPERATORS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "truediv": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "mod": lambda a, b: a % b,
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "matmul": lambda a, b: a @ b.T,
}


def _operator(fn, scalar):
    def prog(m):
        a = m.np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        b = m.np.array([2.0, 2.0, 4.0])
        out = {"arrays": fn(a, b), "neg": -a}
        if scalar:
            out["scalar_right"] = fn(a, 2.0)
            out["scalar_left"] = fn(3.0, a)
        return out

    return prog


for _name, _fn in OPERATORS.items():
    add(f"np_operator_{_name}", _operator(_fn, _name != "matmul"))


@program()
def np_operator_inplace(m):
    x = m.np.array([[1.0, 2.0], [3.0, 4.0]])
    y = x
    x += 1
    x *= m.np.array([2.0, 3.0])
    x -= 0.5
    x /= 2
    return {"x": x, "same_object": y is x, "y": y}


@program()
def np_operator_abs_builtin(m):
    return {"y": abs(m.np.array(X23))}


REDUCTIONS = ["sum", "mean", "max", "min", "prod"]
for _op in REDUCTIONS:
    for _axis in (None, 0, 1, -1):
        for _keep in (False, True):

            def _prog(m, op=_op, axis=_axis, keep=_keep):
                x = m.np.array(X23)
                return {
                    "f": getattr(m.np, op)(x, axis=axis, keepdims=keep),
                    "method": getattr(x, op)(axis=axis, keepdims=keep),
                }

            add(
                f"np_reduce_{_op}_axis{_axis}_{'keep' if _keep else 'drop'}".replace(
                    "-1", "m1"
                ),
                _prog,
            )


@program()
def np_reduce_sum_tuple_axis(m):
    x = fixed(m, (2, 3, 4))
    return {"a": m.np.sum(x, axis=(0, 2)), "b": x.mean(axis=(1, 2), keepdims=True)}


@program()
def np_reduce_scalar_result(m):
    s = m.np.array(X23).sum()
    return {"s": s, "shape": s.shape, "item": s.item(), "float": float(s)}


for _op in ("argmax", "argmin"):
    for _axis in (None, 0, 1):

        def _prog(m, op=_op, axis=_axis):
            x = m.np.array([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]])
            return {
                "f": getattr(m.np, op)(x, axis=axis),
                "method": getattr(x, op)(axis),
            }

        add(f"np_reduce_{_op}_axis{_axis}", _prog)

for _op in ("std", "var"):
    for _axis in (None, 1):

        def _prog(m, op=_op, axis=_axis):
            x = m.np.array(X23)
            return {
                "f": getattr(m.np, op)(x, axis=axis),
                "keep": getattr(m.np, op)(x, axis=axis, keepdims=True),
            }

        add(f"np_reduce_{_op}_axis{_axis}", _prog)


@program()
def np_reduce_cumsum(m):
    x = m.np.array(X23)
    return {
        "flat": m.np.cumsum(x),
        "ax0": m.np.cumsum(x, axis=0),
        "ax1": m.np.cumsum(x, axis=1),
    }


@program()
def np_reduce_any_all(m):
    x = m.np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]])
    return {
        "any": m.np.any(x),
        "all": m.np.all(x),
        "any0": m.np.any(x, axis=0),
        "all1": m.np.all(x, axis=1),
    }


@program()
def np_reduce_average_median(m):
    x = m.np.array(X23)
    return {
        "average": m.np.average(x),
        "avg_w": m.np.average(x, axis=1, weights=m.np.array([1.0, 2.0, 3.0])),
    }


@program()
def np_reduce_count_nonzero(m):
    x = m.np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]])
    return {"n": m.np.count_nonzero(x)}


# --- shape ops -------------------------------------------------------------------

SHAPE_OPS = {
    "reshape_tuple": lambda m, x: x.reshape((3, 4)),
    "reshape_args": lambda m, x: x.reshape(4, 3),
    "reshape_minus1": lambda m, x: x.reshape(-1, 6),
    "reshape_f": lambda m, x: m.np.reshape(x, (2, -1)),
    "transpose_default": lambda m, x: x.transpose(),
    "transpose_axes": lambda m, x: m.np.transpose(x.reshape(2, 3, 2), (1, 0, 2)),
    "transpose_T": lambda m, x: x.T,
    "swapaxes": lambda m, x: m.np.swapaxes(x.reshape(2, 3, 2), 0, 2),
    "moveaxis": lambda m, x: m.np.moveaxis(x.reshape(2, 3, 2), 0, -1),
    "expand_dims0": lambda m, x: m.np.expand_dims(x, 0),
    "expand_dims_last": lambda m, x: m.np.expand_dims(x, -1),
    "squeeze_all": lambda m, x: m.np.squeeze(x.reshape(1, 2, 1, 6)),
    "squeeze_axis": lambda m, x: m.np.squeeze(x.reshape(1, 2, 1, 6), axis=2),
    "flatten_method": lambda m, x: x.reshape(2, 3, 2).flatten(),
    "ravel": lambda m, x: m.np.ravel(x),
    "concatenate0": lambda m, x: m.np.concatenate([x, x * 2], axis=0),
    "concatenate1": lambda m, x: m.np.concatenate((x, x[:, :2]), axis=1),
    "stack0": lambda m, x: m.np.stack([x, -x]),
    "stack_last": lambda m, x: m.np.stack([x, -x], axis=-1),
    "hstack": lambda m, x: m.np.hstack([x, x]),
    "vstack": lambda m, x: m.np.vstack([x, x[:1]]),
    "dstack": lambda m, x: m.np.dstack([x, x]),
    "column_stack": lambda m, x: m.np.column_stack([x[0], x[1]]),
    "tile": lambda m, x: m.np.tile(x[:, :2], (2, 3)),
    "tile_int": lambda m, x: m.np.tile(x[0, :3], 2),
    "repeat_flat": lambda m, x: m.np.repeat(x[:, :2], 2),
    "repeat_axis": lambda m, x: m.np.repeat(x[:, :2], 3, axis=0),
    "flip_all": lambda m, x: m.np.flip(x),
    "flip_axis": lambda m, x: m.np.flip(x, axis=1),
    "broadcast_to": lambda m, x: m.np.broadcast_to(x[:1], (3, 6)),
    "roll": lambda m, x: m.np.roll(x, 2, axis=1),
    "rot90": lambda m, x: m.np.rot90(x),
    "atleast_2d": lambda m, x: m.np.atleast_2d(x[0]),
    "diff": lambda m, x: m.np.diff(x, axis=1),
    "split_sections": lambda m, x: m.np.split(x, 3, axis=1),
    "split_indices": lambda m, x: m.np.split(x, [1, 4], axis=1),
    "array_split": lambda m, x: m.np.array_split(x, 4, axis=1),
    "triu": lambda m, x: m.np.triu(x[:, :2].reshape(2, 2)),
    "tril": lambda m, x: m.np.tril(x.reshape(3, 4), k=1),
    "diag_of_matrix": lambda m, x: m.np.diag(x.reshape(3, 4)),
    "diag_of_vector": lambda m, x: m.np.diag(x[0, :3]),
    "trace": lambda m, x: m.np.trace(x.reshape(3, 4)),
}


def _shape_op(fn):
    def prog(m):
        x = m.np.array(m.onp.arange(12, dtype="float32").reshape(2, 6) - 4)
        return {"y": fn(m, x)}

    return prog


for _name, _fn in SHAPE_OPS.items():
    add(f"np_shape_{_name}", _shape_op(_fn))


@program()
def np_shape_attributes(m):
    x = fixed(m, (2, 3, 4))
    return {
        "shape": x.shape,
        "ndim": x.ndim,
        "size": x.size,
        "len": len(x),
        "dtype": str(x.dtype),
    }


@program()
def np_shape_reshape_bad(m):
    return {"y": m.np.arange(6).reshape(4, 2)}


@program()
def np_shape_concatenate_bad(m):
    return {"y": m.np.concatenate([m.np.ones((2, 3)), m.np.ones((3, 2))], axis=0)}


# --- indexing ----------------------------------------------------------------------

INDEX = {
    "int": lambda m, x: x[1],
    "negative": lambda m, x: x[-1],
    "two_ints": lambda m, x: x[1, 2],
    "column": lambda m, x: x[:, 1],
    "slice": lambda m, x: x[1:, ::2],
    "neg_step": lambda m, x: x[:, ::-1],
    "ellipsis": lambda m, x: x[..., 0],
    "newaxis": lambda m, x: x[None, :, 1],
    "int_list": lambda m, x: x[[0, 2, 2]],
    "int_array": lambda m, x: x[m.np.array([2, 0], dtype="int32")],
    "int_array_2d": lambda m, x: x[
        m.np.array([0, 1, 2], dtype="int32"), m.np.array([3, 0, 1], dtype="int32")
    ],
    "bool_mask": lambda m, x: x[x > 2],
    "bool_rows": lambda m, x: x[m.np.array([True, False, True], dtype=bool)],
    "out_of_range": lambda m, x: x[5],
}


def _index(fn):
    def prog(m):
        x = m.np.array(m.onp.arange(12, dtype="float32").reshape(3, 4))
        return {"y": fn(m, x)}

    return prog


for _name, _fn in INDEX.items():
    add(f"np_index_{_name}", _index(_fn))

SETITEM = {
    "scalar_row": lambda m, x: x.__setitem__(0, 5.0),
    "column_array": lambda m, x: x.__setitem__(
        (slice(None), 1), m.np.array([7.0, 8.0, 9.0])
    ),
    "slice_broadcast": lambda m, x: x.__setitem__(
        (slice(1, None), slice(None, 2)), m.np.array([-1.0, -2.0])
    ),
    "bool_mask": lambda m, x: x.__setitem__(x > 6, 0.0),
    "all": lambda m, x: x.__setitem__(slice(None), 1.5),
    "int_array": lambda m, x: x.__setitem__(m.np.array([0, 2], dtype="int32"), -3.0),
}


def _setitem(fn):
    def prog(m):
        x = m.np.array(m.onp.arange(12, dtype="float32").reshape(3, 4))
        fn(m, x)
        return {"x": x}

    return prog


for _name, _fn in SETITEM.items():
    add(f"np_setitem_{_name}", _setitem(_fn))


# --- creation and dtypes -------------------------------------------------------------

CREATE = {
    "zeros": lambda m: m.np.zeros((2, 3)),
    "zeros_int": lambda m: m.np.zeros(4, dtype="int32"),
    "ones": lambda m: m.np.ones((3,)),
    "full": lambda m: m.np.full((2, 2), 7.5),
    "full_int_value": lambda m: m.np.full((2,), 3),
    "empty_shape": lambda m: m.np.empty((2, 3)).shape,
    "arange_stop": lambda m: m.np.arange(5),
    "arange_start_stop_step": lambda m: m.np.arange(1, 10, 3),
    "arange_float_step": lambda m: m.np.arange(0, 1, 0.25),
    "arange_int_dtype": lambda m: m.np.arange(4, dtype="int32"),
    "linspace": lambda m: m.np.linspace(0, 1, 5),
    "linspace_noend": lambda m: m.np.linspace(0, 1, 4, endpoint=False),
    "eye": lambda m: m.np.eye(3),
    "eye_rect_k": lambda m: m.np.eye(2, 4, k=1),
    "identity": lambda m: m.np.identity(3),
    "zeros_like": lambda m: m.np.zeros_like(m.np.array(X23)),
    "ones_like": lambda m: m.np.ones_like(m.np.array(X23)),
    "full_like": lambda m: m.np.full_like(m.np.array(X23), 2.5),
    "array_nested": lambda m: m.np.array([[1, 2], [3, 4]]),
    "array_scalar": lambda m: m.np.array(3.5),
    "array_from_ndarray": lambda m: m.np.array(m.np.array([1.0, 2.0])),
    "array_int_dtype": lambda m: m.np.array([1.7, 2.2], dtype="int32"),
    "array_bool": lambda m: m.np.array([True, False]),
    "meshgrid": lambda m: m.np.meshgrid(m.np.arange(3), m.np.arange(2)),
    "pad_int_width": lambda m: m.np.pad(m.np.ones((2, 2)), 1),
    "pad": lambda m: m.np.pad(m.np.ones((2, 2)), ((1, 1), (1, 1))),
    "pad_widths": lambda m: m.np.pad(m.np.ones((2, 2)), ((0, 1), (2, 0))),
}


def _create(fn):
    def prog(m):
        return {"y": fn(m)}

    return prog


for _name, _fn in CREATE.items():
    add(f"np_create_{_name}", _create(_fn))


@program()
def np_dtype_float64_numpy_input(m):
    x = m.np.array(m.onp.array([1.5, 2.5]))
    return {"dtype": str(x.dtype), "x": x}


@program()
def np_dtype_float64_explicit(m):
    x = m.np.array([1.5, 2.5], dtype="float64")
    return {"dtype": str(x.dtype), "y": x * 2}


@program()
def np_dtype_int_true_division(m):
    x = m.np.arange(5, dtype="int32")
    return {"div": x / 2, "dtype": str((x / 2).dtype)}


@program()
def np_dtype_int_floor_division(m):
    x = m.np.arange(5, dtype="int32")
    return {"y": x // 2}


@program()
def np_dtype_int_plus_float_array(m):
    x = m.np.arange(3, dtype="int32")
    y = x + m.np.array([0.5, 0.5, 0.5])
    return {"y": y, "dtype": str(y.dtype)}


@program()
def np_dtype_int_plus_python_float(m):
    x = m.np.arange(3, dtype="int32")
    return {"y": x + 1.5}


@program()
def np_dtype_int_plus_python_int(m):
    x = m.np.arange(3, dtype="int32")
    return {"y": x + 2, "r": 10 - x}


@program()
def np_dtype_int_times_int(m):
    x = m.np.arange(4, dtype="int32")
    return {"y": x * x, "dtype": str((x * x).dtype)}


@program()
def np_dtype_astype(m):
    x = m.np.array([1.7, -2.2, 3.5])
    return {
        "int32": x.astype("int32"),
        "f16": x.astype("float16"),
        "bool_sum": (x > 0).astype("float32").sum(),
    }


@program()
def np_dtype_comparison_dtype(m):
    x = m.np.array([1.0, 2.0])
    return {"dtype": str((x > 1).dtype), "y": x > 1}


@program()
def np_dtype_mean_of_int(m):
    x = m.np.arange(4, dtype="int32")
    return {"y": x.mean()}


@program()
def np_dtype_sum_of_bool(m):
    x = m.np.array([1.0, -2.0, 3.0])
    return {"y": (x > 0).sum()}


@program()
def np_dtype_float64_numpy_times_float32(m):
    a = m.np.array(m.onp.array([1.5, 2.5]))
    b = m.np.array([2.0, 2.0])
    return {"dtype": str((a * b).dtype), "y": a * b}


# --- linear algebra -------------------------------------------------------------------

LINALG = {
    "dot_vv": lambda m: m.np.dot(
        m.np.array([1.0, 2.0, 3.0]), m.np.array([4.0, 5.0, 6.0])
    ),
    "dot_mv": lambda m: m.np.dot(m.np.array(W34), m.np.array([1.0, 2.0, 3.0, 4.0])),
    "dot_mm": lambda m: m.np.dot(m.np.array(W34), m.np.array(W34).T),
    "dot_method": lambda m: m.np.array(W34).dot(m.np.ones((4, 2))),
    "matmul_batched": lambda m: m.np.matmul(fixed(m, (2, 2, 3)), fixed(m, (2, 3, 2))),
    "dot_shape_error": lambda m: m.np.dot(m.np.ones((2, 3)), m.np.ones((2, 3))),
    "outer": lambda m: m.np.outer(m.np.array([1.0, 2.0]), m.np.array([3.0, 4.0, 5.0])),
    "inner": lambda m: m.np.inner(m.np.array(W34), m.np.array(W34)),
    "tensordot": lambda m: m.np.tensordot(
        fixed(m, (2, 3, 4)), fixed(m, (3, 4)), axes=2
    ),
    "einsum_matmul": lambda m: m.np.einsum(
        "ij,jk->ik", m.np.array(W34), fixed(m, (4, 2))
    ),
    "einsum_trace": lambda m: m.np.einsum("ii", fixed(m, (3, 3))),
    "einsum_batch": lambda m: m.np.einsum(
        "bij,bjk->bik", fixed(m, (2, 2, 3)), fixed(m, (2, 3, 2))
    ),
    "norm_default": lambda m: m.np.linalg.norm(m.np.array(X23)),
    "norm_axis": lambda m: m.np.linalg.norm(m.np.array(X23), axis=1),
    "norm_ord1": lambda m: m.np.linalg.norm(m.np.array([3.0, -4.0]), ord=1),
    "norm_keepdims": lambda m: m.np.linalg.norm(m.np.array(X23), axis=0, keepdims=True),
}

for _name, _fn in LINALG.items():
    add(f"np_linalg_{_name}", _create(_fn))


# --- other NumPy functions a learner reaches for --------------------------------------

MISC = {
    "sort": lambda m: m.np.sort(m.np.array(X23)[:, ::-1]),
    "sort_axis0": lambda m: m.np.sort(m.np.array([[3.0, 1.0], [2.0, 4.0]]), axis=0),
    "argsort": lambda m: m.np.argsort(m.np.array([3.0, 1.0, 2.0])),
    "clip": lambda m: m.np.clip(m.np.array(X23), -1.0, 1.0),
    "clip_method": lambda m: m.np.array(X23).clip(0.0, 1.0),
    "where": lambda m: m.np.where(
        m.np.array(X23) > 0, m.np.array(X23), m.np.zeros((2, 3))
    ),
    "where_scalars": lambda m: m.np.where(m.np.array(X23) > 0, 1.0, -1.0),
    "isclose": lambda m: m.np.isclose(m.np.array([1.0, 2.0]), m.np.array([1.0, 2.1])),
    "allclose": lambda m: bool(
        m.np.allclose(m.np.array([1.0]), m.np.array([1.0000001]))
    ),
    "array_equal": lambda m: bool(
        m.np.array_equal(m.np.array([1.0]), m.np.array([1.0]))
    ),
    "unique": lambda m: m.np.unique(m.np.array([3.0, 1.0, 3.0, 2.0])),
    "nonzero": lambda m: m.np.nonzero(m.np.array([0.0, 1.0, 0.0, 2.0])),
    "logical_not": lambda m: m.np.logical_not(m.np.array([1.0, 0.0]) > 0),
    "nan_to_num": lambda m: m.np.nan_to_num(m.np.array([1.0, float("nan")])),
    "interp": lambda m: m.np.interp(
        m.np.array([0.5]), m.np.array([0.0, 1.0]), m.np.array([0.0, 2.0])
    ),
    "pi_e": lambda m: [m.np.pi, m.np.e],
}

for _name, _fn in MISC.items():
    add(f"np_misc_{_name}", _create(_fn))


@program()
def np_random_uniform_stats(m):
    x = m.np.random.uniform(-1, 1, size=(200, 5))
    v = x.asnumpy()
    return {
        "shape": x.shape,
        "dtype": str(x.dtype),
        "in_range": bool((v >= -1).all() and (v < 1).all()),
        "spread": bool(v.std() > 0.3),
    }


@program()
def np_random_normal_stats(m):
    x = m.np.random.normal(2.0, 0.5, size=(1000,))
    v = x.asnumpy()
    return {
        "shape": x.shape,
        "dtype": str(x.dtype),
        "mean_close": bool(abs(v.mean() - 2.0) < 0.1),
        "std_close": bool(abs(v.std() - 0.5) < 0.1),
    }


@program()
def np_random_randint_range(m):
    x = m.np.random.randint(0, 5, size=(100,))
    v = x.asnumpy()
    return {"shape": x.shape, "in_range": bool((v >= 0).all() and (v < 5).all())}


# --- ndarray methods ---------------------------------------------------------------

METHODS = {
    "item": lambda x: x[0, 1].item(),
    "tolist": lambda x: x.tolist(),
    "asnumpy": lambda x: x.asnumpy(),
    "copy_independent": lambda x: [x.copy().__setitem__(0, 9.0), x][1],
    "astype_int": lambda x: x.astype("int32"),
    "argmax_axis": lambda x: x.argmax(axis=1),
    "transpose_args": lambda x: x.transpose(1, 0),
    "squeeze": lambda x: x[:1].squeeze(),
    "expand_dims": lambda x: x.expand_dims(1),
    "round": lambda x: x.round(),
    "repeat": lambda x: x.repeat(2, axis=1),
    "prod": lambda x: x.prod(axis=0),
    "std": lambda x: x.std(),
    "nonzero": lambda x: x.nonzero(),
    "bool_scalar": lambda x: bool(x[0, 0] < 0),
    "float_int": lambda x: [float(x[1, 2]), int(x[1, 2])],
    "iteration": lambda x: [row for row in x],
    "T_then_sum": lambda x: x.T.sum(axis=1),
    "detach": lambda x: x.detach(),
}


def _method(fn):
    def prog(m):
        return {"y": fn(m.np.array(X23))}

    return prog


for _name, _fn in METHODS.items():
    add(f"np_method_{_name}", _method(_fn))


# --- npx operators -----------------------------------------------------------------

NPX = {
    "relu": lambda m: m.npx.relu(m.np.array(X23)),
    "sigmoid": lambda m: m.npx.sigmoid(m.np.array(X23)),
    "softmax": lambda m: m.npx.softmax(m.np.array(X23)),
    "softmax_axis0": lambda m: m.npx.softmax(m.np.array(X23), axis=0),
    "log_softmax": lambda m: m.npx.log_softmax(m.np.array(X23)),
    "one_hot": lambda m: m.npx.one_hot(m.np.array([0, 2, 1]), 4),
    "one_hot_values": lambda m: m.npx.one_hot(
        m.np.array([1, 0]), 3, on_value=5.0, off_value=-1.0
    ),
    "pick": lambda m: m.npx.pick(m.np.array(X23), m.np.array([2, 0])),
    "pick_axis0_keep": lambda m: m.npx.pick(
        m.np.array(X23), m.np.array([1, 0, 1]), axis=0, keepdims=True
    ),
    "topk_indices": lambda m: m.npx.topk(m.np.array(X23), k=2),
    "topk_value": lambda m: m.npx.topk(m.np.array(X23), k=2, ret_typ="value"),
    "topk_both_axis0": lambda m: m.npx.topk(
        m.np.array(X23), k=1, axis=0, ret_typ="both"
    ),
    "topk_ascend": lambda m: m.npx.topk(
        m.np.array(X23), k=2, ret_typ="value", is_ascend=True
    ),
    "batch_dot": lambda m: m.npx.batch_dot(fixed(m, (2, 2, 3)), fixed(m, (2, 3, 4))),
    "batch_dot_transpose_b": lambda m: m.npx.batch_dot(
        fixed(m, (2, 2, 3)), fixed(m, (2, 4, 3)), transpose_b=True
    ),
    "reshape_copy_infer": lambda m: m.npx.reshape(fixed(m, (2, 3, 4)), (-2, -1)),
    "reshape_copy_rest": lambda m: m.npx.reshape(fixed(m, (2, 3, 4)), (-4,)),
    "reshape_merge": lambda m: m.npx.reshape(fixed(m, (2, 3, 4)), (-5, -2)),
    "reshape_split": lambda m: m.npx.reshape(fixed(m, (2, 3, 4)), (-2, -6, 1, 3, -2)),
    "reshape_legacy_zero_code": lambda m: m.npx.reshape(fixed(m, (2, 3, 4)), (0, -1)),
    "sequence_mask": lambda m: m.npx.sequence_mask(
        fixed(m, (3, 2, 2)), m.np.array([1.0, 3.0]), use_sequence_length=True
    ),
    "sequence_mask_value_axis1": lambda m: m.npx.sequence_mask(
        fixed(m, (2, 3)),
        m.np.array([1.0, 2.0]),
        use_sequence_length=True,
        value=-9.0,
        axis=1,
    ),
    "batch_flatten": lambda m: m.npx.batch_flatten(fixed(m, (2, 3, 2))),
    "fully_connected": lambda m: m.npx.fully_connected(
        m.np.array(X24), m.np.array(W34), m.np.array(B3), num_hidden=3
    ),
    "fully_connected_nobias": lambda m: m.npx.fully_connected(
        m.np.array(X24), m.np.array(W34), None, num_hidden=3, no_bias=True
    ),
    "fully_connected_noflatten": lambda m: m.npx.fully_connected(
        fixed(m, (2, 2, 4)),
        m.np.array(W34),
        m.np.array(B3),
        num_hidden=3,
        flatten=False,
    ),
    "activation_tanh": lambda m: m.npx.activation(m.np.array(X23), act_type="tanh"),
    "activation_softrelu": lambda m: m.npx.activation(
        m.np.array(X23), act_type="softrelu"
    ),
    "leaky_relu": lambda m: m.npx.leaky_relu(m.np.array(X23), slope=0.1),
    "norm_missing_in_1_9": lambda m: m.npx.norm(m.np.array(X23)),
    "stop_gradient_missing_in_1_9": lambda m: m.npx.stop_gradient(m.np.array(X23)),
    "dropout_predict_identity": lambda m: m.npx.dropout(m.np.array(X23), p=0.5),
    "set_np_is_np_array": lambda m: [m.npx.set_np(), m.npx.is_np_array()][1],
}

for _name, _fn in NPX.items():
    add(f"npx_{_name}", _create(_fn))


@program()
def npx_save_load_array(m):
    path = tmpfile(".npx")
    try:
        m.npx.save(path, m.np.array(X23))
        loaded = m.npx.load(path)
        return {"type": type(loaded).__name__, "len": len(loaded), "value": loaded[0]}
    finally:
        os.remove(path)


@program()
def npx_save_load_list(m):
    path = tmpfile(".npx")
    try:
        m.npx.save(path, [m.np.array(X23), m.np.arange(3)])
        loaded = m.npx.load(path)
        return {"type": type(loaded).__name__, "values": list(loaded)}
    finally:
        os.remove(path)


@program()
def npx_save_load_dict(m):
    path = tmpfile(".npx")
    try:
        m.npx.save(path, {"w": m.np.array(X23), "b": m.np.array([1.0, 2.0])})
        loaded = m.npx.load(path)
        return {
            "type": type(loaded).__name__,
            "keys": sorted(loaded),
            "w": loaded["w"],
            "b": loaded["b"],
        }
    finally:
        os.remove(path)


@program()
def npx_save_load_int_dtype_kept(m):
    path = tmpfile(".npx")
    try:
        m.npx.save(path, [m.np.arange(4, dtype="int32")])
        return {"value": m.npx.load(path)[0]}
    finally:
        os.remove(path)


# =================================================================================
# 2. Gradients with the NumPy interface
# =================================================================================

GRAD_UNARY = {
    "abs": X23,
    "exp": X23,
    "log": POS23,
    "sqrt": POS23,
    "square": X23,
    "sin": X23,
    "cos": X23,
    "tanh": X23,
    "sinh": X23,
    "cosh": X23,
    "arctan": X23,
    "arcsin": UNIT23,
    "log1p": POS23,
    "expm1": X23,
    "reciprocal": POS23,
    "negative": X23,
    "sign": X23,
    "cbrt": POS23,
    "log2": POS23,
}


def _grad_unary(op, data):
    def prog(m):
        x = m.np.array(data)
        x.attach_grad()
        with m.autograd.record():
            y = getattr(m.np, op)(x)
        y.backward()
        return {"y": y, "grad": x.grad}

    return prog


for _op, _data in GRAD_UNARY.items():
    add(f"grad_unary_{_op}", _grad_unary(_op, _data))

GRAD_NPX = {
    "relu": lambda m, x: m.npx.relu(x),
    "sigmoid": lambda m, x: m.npx.sigmoid(x),
    "softmax_weighted": lambda m, x: m.npx.softmax(x) * m.np.array([1.0, 2.0, 3.0]),
    "log_softmax_weighted": lambda m, x: (
        m.npx.log_softmax(x) * m.np.array([1.0, 0.0, 2.0])
    ),
    "pick": lambda m, x: m.npx.pick(x, m.np.array([2, 0])),
    "clip": lambda m, x: m.np.clip(x, -1.0, 1.0),
    "where": lambda m, x: m.np.where(x > 0, x * 3, x * x),
    "maximum_scalar": lambda m, x: m.np.maximum(x, 0.5),
    "power_scalar": lambda m, x: x**3,
    "rpow_scalar": lambda m, x: 2.0**x,
    "rdiv_scalar": lambda m, x: 1.0 / (x + 2.0),
    "mean": lambda m, x: x.mean(),
    "mean_axis": lambda m, x: x.mean(axis=1) * m.np.array([1.0, 2.0]),
    "sum_keepdims": lambda m, x: x.sum(axis=0, keepdims=True) * x,
    "prod": lambda m, x: (x + 2.0).prod(axis=1),
    "max_ties": lambda m, x: x.max(),
    "min_ties": lambda m, x: x.min(),
    "max_axis_ties": lambda m, x: x.max(axis=1),
    "np_max_ties": lambda m, x: m.np.max(x, axis=0),
    "amax_like_maximum_ties": lambda m, x: m.np.maximum(x, m.np.array([[3.0], [2.0]])),
    "norm": lambda m, x: m.np.linalg.norm(x),
    "var": lambda m, x: x.var(axis=1),
    "std": lambda m, x: x.std(),
    "reshape": lambda m, x: x.reshape(3, 2) * m.np.array([1.0, -1.0]),
    "transpose": lambda m, x: x.T * m.np.array([1.0, 2.0]),
    "slice": lambda m, x: x[:, 1:] * 2,
    "int_index_repeated": lambda m, x: x[m.np.array([0, 0, 1])],
    "column_index": lambda m, x: x[:, 2],
    "concatenate": lambda m, x: m.np.concatenate([x, x * 2], axis=1),
    "stack": lambda m, x: m.np.stack([x, x * x]),
    "split": lambda m, x: m.np.split(x, 3, axis=1)[1] * 5,
    "broadcast_to": lambda m, x: m.np.broadcast_to(x[:1], (4, 3)),
    "tile": lambda m, x: m.np.tile(x, (2, 1)),
    "repeat": lambda m, x: m.np.repeat(x, 2, axis=0),
    "expand_squeeze": lambda m, x: m.np.squeeze(m.np.expand_dims(x, 0) * 2),
    "dot_self": lambda m, x: m.np.dot(x, x.T),
    "matmul_const": lambda m, x: x @ m.np.array(W34[:3]),
    "outer": lambda m, x: m.np.outer(x[0], x[1]),
    "cumsum": lambda m, x: m.np.cumsum(x, axis=1),
    "flip": lambda m, x: m.np.flip(x, axis=1) * m.np.array([1.0, 2.0, 3.0]),
    "hypot": lambda m, x: m.np.hypot(x, 2.0 * m.np.ones((2, 3))),
    "abs_at_zero": lambda m, x: m.np.abs(x - 0.25),
    "sort": lambda m, x: m.np.sort(x, axis=1) * m.np.array([1.0, 2.0, 3.0]),
    "einsum": lambda m, x: m.np.einsum("ij,ij->i", x, x),
    "fully_connected": lambda m, x: m.npx.fully_connected(
        x, m.np.array(W34[:2])[:, :3], m.np.array([0.5, -0.5]), num_hidden=2
    ),
}


def _grad_x(fn, data=X23):
    def prog(m):
        x = m.np.array(data)
        x.attach_grad()
        with m.autograd.record():
            y = fn(m, x)
        y.backward()
        return {"y": y, "grad": x.grad}

    return prog


for _name, _fn in GRAD_NPX.items():
    _data = TIES if "ties" in _name else X23
    add(f"grad_{_name}", _grad_x(_fn, _data))

GRAD_BINARY = {
    "add_bcast": lambda a, b: a + b,
    "sub_bcast": lambda a, b: a - b,
    "mul_bcast": lambda a, b: a * b,
    "div_bcast": lambda a, b: a / b,
    "pow_bcast": lambda a, b: a**b,
    "maximum": lambda a, b: (a > b) * a + (a <= b) * b,
}


def _grad_binary(fn):
    def prog(m):
        a = m.np.array(POS23)
        b = m.np.array([1.5, 0.5, 2.0])
        a.attach_grad()
        b.attach_grad()
        with m.autograd.record():
            y = fn(a, b)
        y.backward()
        return {"y": y, "ga": a.grad, "gb": b.grad}

    return prog


for _name, _fn in GRAD_BINARY.items():
    add(f"grad_binary_{_name}", _grad_binary(_fn))


@program()
def grad_binary_np_maximum_ties(m):
    a = m.np.array([1.0, 2.0, 3.0])
    b = m.np.array([1.0, 1.0, 4.0])
    a.attach_grad()
    b.attach_grad()
    with m.autograd.record():
        y = m.np.maximum(a, b)
    y.backward()
    return {"ga": a.grad, "gb": b.grad}


@program()
def grad_head_gradient(m):
    x = m.np.array(X23)
    x.attach_grad()
    with m.autograd.record():
        y = x * x
    y.backward(m.np.array([[1.0, 0.0, 2.0], [0.5, -1.0, 3.0]]))
    return {"grad": x.grad}


@program()
def grad_scalar_backward(m):
    x = m.np.array(X23)
    x.attach_grad()
    with m.autograd.record():
        y = (x * x).sum()
    y.backward()
    return {"y": y, "grad": x.grad}


@program()
def grad_nonscalar_backward_ones(m):
    x = m.np.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with m.autograd.record():
        y = 2 * x * x
    y.backward()
    return {"grad": x.grad}


@program()
def grad_write_overwrites(m):
    x = m.np.array([1.0, 2.0])
    x.attach_grad()
    for _ in range(2):
        with m.autograd.record():
            y = (x * 3).sum()
        y.backward()
    return {"grad": x.grad}


@program()
def grad_req_add_accumulates(m):
    x = m.np.array([1.0, 2.0])
    x.attach_grad(grad_req="add")
    for k in range(3):
        with m.autograd.record():
            y = (x * x * (k + 1)).sum()
        y.backward()
    return {"grad": x.grad}


@program()
def grad_attach_grad_zeroes(m):
    x = m.np.array([1.0, 2.0])
    x.attach_grad()
    before = x.grad.copy()
    with m.autograd.record():
        y = (x * 3).sum()
    y.backward()
    x.attach_grad()
    return {"before": before, "after_reattach": x.grad}


@program()
def grad_used_twice(m):
    x = m.np.array([1.0, 2.0])
    x.attach_grad()
    with m.autograd.record():
        y = x * x + x * 3 + m.np.exp(x)
    y.backward()
    return {"grad": x.grad}


@program()
def grad_chain_intermediate(m):
    x = m.np.array([0.5, -1.0])
    x.attach_grad()
    with m.autograd.record():
        u = x * 2
        v = m.np.tanh(u)
        w = (v * u).sum()
    w.backward()
    return {"w": w, "grad": x.grad}


@program()
def grad_detach_blocks(m):
    x = m.np.array([1.0, 2.0])
    x.attach_grad()
    with m.autograd.record():
        y = x * x.detach() + x
    y.backward()
    return {"grad": x.grad}


@program()
def grad_pause_blocks(m):
    x = m.np.array([1.0, 2.0])
    x.attach_grad()
    with m.autograd.record():
        y = x * 2
        with m.autograd.pause():
            z = x * 10
        out = y + z
    out.backward()
    return {"grad": x.grad, "out": out}


@program()
def grad_recording_flags(m):
    flags = [m.autograd.is_recording(), m.autograd.is_training()]
    with m.autograd.record():
        flags += [m.autograd.is_recording(), m.autograd.is_training()]
        with m.autograd.pause():
            flags += [m.autograd.is_recording(), m.autograd.is_training()]
    with m.autograd.record(train_mode=False):
        flags += [m.autograd.is_recording(), m.autograd.is_training()]
    with m.autograd.train_mode():
        flags.append(m.autograd.is_training())
    with m.autograd.predict_mode():
        flags.append(m.autograd.is_training())
    return {"flags": flags}


@program()
def grad_retain_graph_twice(m):
    x = m.np.array([1.0, 2.0])
    x.attach_grad(grad_req="add")
    with m.autograd.record():
        y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    return {"grad": x.grad}


@program()
def grad_backward_twice_without_retain(m):
    x = m.np.array([1.0, 2.0])
    x.attach_grad()
    with m.autograd.record():
        y = (x * x).sum()
    y.backward()
    y.backward()
    return {"grad": x.grad}


@program()
def grad_backward_outside_record(m):
    x = m.np.array([1.0, 2.0])
    x.attach_grad()
    y = (x * x).sum()
    y.backward()
    return {"grad": x.grad}


@program()
def grad_autograd_backward_list(m):
    x = m.np.array([1.0, 2.0])
    x.attach_grad()
    with m.autograd.record():
        a = (x * x).sum()
        b = (x * 3).sum()
    m.autograd.backward([a, b])
    return {"grad": x.grad}


@program()
def grad_autograd_grad(m):
    x = m.np.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with m.autograd.record():
        y = (x * x * x).sum()
    g = m.autograd.grad(y, [x])
    return {"n": len(g), "g": g[0]}


@program()
def grad_autograd_grad_two_vars_head(m):
    x = m.np.array([1.0, 2.0])
    w = m.np.array([3.0, -1.0])
    x.attach_grad()
    w.attach_grad()
    with m.autograd.record():
        y = x * w
    gx, gw = m.autograd.grad(y, [x, w], head_grads=m.np.array([1.0, 2.0]))
    return {"gx": gx, "gw": gw}


@program()
def grad_autograd_grad_leaves_grad_untouched(m):
    x = m.np.array([1.0, 2.0])
    x.attach_grad()
    with m.autograd.record():
        y = (x * 5).sum()
    m.autograd.grad(y, [x])
    return {"x_grad": x.grad}


@program()
def grad_inplace_outside_record(m):
    x = m.np.array([4.0, 8.0])
    x.attach_grad()
    x /= 2
    with m.autograd.record():
        y = (x * x).sum()
    y.backward()
    return {"x": x, "grad": x.grad}


@program()
def grad_setitem_on_leaf_then_record(m):
    x = m.np.zeros((2, 2))
    x[0, :] = 1.0
    x.attach_grad()
    with m.autograd.record():
        y = (x * m.np.array([[1.0, 2.0], [3.0, 4.0]])).sum()
    y.backward()
    return {"grad": x.grad}


@program()
def grad_no_attach_grad_is_none(m):
    x = m.np.array([1.0])
    return {"grad_is_none": x.grad is None}


# =================================================================================
# 3. MXNet 1.x style (nd)
# =================================================================================


def _nd(fn):
    def prog(m):
        return {"y": fn(m, m.nd)}

    return prog


A23 = [[1.0, -2.0, 3.0], [-4.0, 5.0, 0.5]]
ND = {
    "broadcast_add": lambda m, nd: nd.broadcast_add(
        nd.array(A23), nd.array([[1.0], [2.0]])
    ),
    "broadcast_sub": lambda m, nd: nd.broadcast_sub(
        nd.array(A23), nd.array([1.0, 2.0, 3.0])
    ),
    "broadcast_mul": lambda m, nd: nd.broadcast_mul(
        nd.array(A23), nd.array([[2.0], [3.0]])
    ),
    "broadcast_div": lambda m, nd: nd.broadcast_div(
        nd.array(A23), nd.array([2.0, 4.0, 8.0])
    ),
    "broadcast_power": lambda m, nd: nd.broadcast_power(
        nd.array(POS23), nd.array([2.0, 0.5, 1.0])
    ),
    "broadcast_maximum": lambda m, nd: nd.broadcast_maximum(
        nd.array(A23), nd.array([0.0, 0.0, 1.0])
    ),
    "broadcast_minimum": lambda m, nd: nd.broadcast_minimum(
        nd.array(A23), nd.array([[0.0], [1.0]])
    ),
    "broadcast_equal": lambda m, nd: nd.broadcast_equal(
        nd.array(A23), nd.array([1.0, 5.0, 0.5])
    ),
    "broadcast_greater": lambda m, nd: nd.broadcast_greater(
        nd.array(A23), nd.array([0.0, 0.0, 1.0])
    ),
    "broadcast_lesser": lambda m, nd: nd.broadcast_lesser(
        nd.array(A23), nd.array([0.0, 0.0, 1.0])
    ),
    "broadcast_to": lambda m, nd: nd.broadcast_to(
        nd.array([[1.0, 2.0, 3.0]]), shape=(2, 3)
    ),
    "broadcast_like": lambda m, nd: nd.broadcast_like(
        nd.array([[1.0], [2.0]]), nd.array(A23)
    ),
    "broadcast_axis": lambda m, nd: nd.broadcast_axis(
        nd.array([[1.0], [2.0]]), axis=1, size=3
    ),
    "elemwise_add": lambda m, nd: nd.elemwise_add(nd.array(A23), nd.array(POS23)),
    "elemwise_sub": lambda m, nd: nd.elemwise_sub(nd.array(A23), nd.array(POS23)),
    "elemwise_mul": lambda m, nd: nd.elemwise_mul(nd.array(A23), nd.array(POS23)),
    "elemwise_div": lambda m, nd: nd.elemwise_div(nd.array(A23), nd.array(POS23)),
    "elemwise_add_shape_error": lambda m, nd: nd.elemwise_add(
        nd.array(A23), nd.array([1.0, 2.0, 3.0])
    ),
    "add_operator_broadcasts": lambda m, nd: nd.array(A23) + nd.array([1.0, 2.0, 3.0]),
    "expand_dims": lambda m, nd: nd.expand_dims(nd.array(A23), axis=1),
    "square": lambda m, nd: nd.square(nd.array(A23)),
    "power": lambda m, nd: nd.power(nd.array(POS23), 2),
    "where": lambda m, nd: nd.where(
        nd.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]]), nd.array(A23), nd.array(POS23)
    ),
    "full": lambda m, nd: nd.full((2, 3), 1.5),
    "zeros_ones": lambda m, nd: [nd.zeros((2, 2)), nd.ones(3)],
    "arange": lambda m, nd: nd.arange(0, 6, 2),
    "one_hot": lambda m, nd: nd.one_hot(nd.array([0, 2, 1]), 3),
    "one_hot_values": lambda m, nd: nd.one_hot(
        nd.array([1, 0]), depth=3, on_value=2.0, off_value=-1.0
    ),
    "pick": lambda m, nd: nd.pick(nd.array(A23), nd.array([2, 0])),
    "pick_axis0": lambda m, nd: nd.pick(nd.array(A23), nd.array([1, 0, 1]), axis=0),
    "pick_keepdims": lambda m, nd: nd.pick(
        nd.array(A23), nd.array([1, 1]), keepdims=True
    ),
    "slice_axis": lambda m, nd: nd.slice_axis(nd.array(A23), axis=1, begin=1, end=3),
    "slice_axis_none_end": lambda m, nd: nd.slice_axis(
        nd.array(A23), axis=0, begin=1, end=None
    ),
    "slice": lambda m, nd: nd.slice(nd.array(A23), begin=(0, 1), end=(2, 3)),
    "batch_dot": lambda m, nd: nd.batch_dot(
        fixed_nd(m, (2, 2, 3)), fixed_nd(m, (2, 3, 2))
    ),
    "batch_dot_transpose_a": lambda m, nd: nd.batch_dot(
        fixed_nd(m, (2, 3, 2)), fixed_nd(m, (2, 3, 2)), transpose_a=True
    ),
    "take": lambda m, nd: nd.take(nd.array(A23), nd.array([1, 0, 1])),
    "take_axis1": lambda m, nd: nd.take(nd.array(A23), nd.array([2, 0]), axis=1),
    "split": lambda m, nd: nd.split(fixed_nd(m, (2, 6)), num_outputs=3, axis=1),
    "split_squeeze": lambda m, nd: nd.split(
        fixed_nd(m, (2, 3)), num_outputs=2, axis=0, squeeze_axis=True
    ),
    "concat_default_dim1": lambda m, nd: nd.concat(nd.array(A23), nd.array(POS23)),
    "concat_dim0": lambda m, nd: nd.concat(nd.array(A23), nd.array(POS23), dim=0),
    "stack": lambda m, nd: nd.stack(nd.array(A23), nd.array(POS23), axis=1),
    "sum_axis": lambda m, nd: nd.sum(nd.array(A23), axis=1),
    "sum_axis_keepdims": lambda m, nd: nd.sum(nd.array(A23), axis=0, keepdims=True),
    "mean_axis": lambda m, nd: nd.mean(nd.array(A23), axis=0),
    "max_min": lambda m, nd: [
        nd.max(nd.array(A23), axis=1),
        nd.min(nd.array(A23), axis=0),
    ],
    "sum_all_shape": lambda m, nd: nd.sum(nd.array(A23)).shape,
    "sum_all_asscalar": lambda m, nd: nd.sum(nd.array(A23)).asscalar(),
    "argmax_float": lambda m, nd: nd.argmax(nd.array(A23), axis=1),
    "dot": lambda m, nd: nd.dot(nd.array(A23), nd.array(POS23).T),
    "dot_transpose_b": lambda m, nd: nd.dot(
        nd.array(A23), nd.array(POS23), transpose_b=True
    ),
    "transpose_axes": lambda m, nd: nd.transpose(
        fixed_nd(m, (2, 3, 4)), axes=(2, 0, 1)
    ),
    "reshape_special": lambda m, nd: nd.reshape(fixed_nd(m, (2, 3, 4)), shape=(0, -1)),
    "flatten": lambda m, nd: nd.flatten(fixed_nd(m, (2, 3, 2))),
    "FullyConnected": lambda m, nd: nd.FullyConnected(
        nd.array(X24), nd.array(W34), nd.array(B3), num_hidden=3
    ),
    "FullyConnected_no_bias": lambda m, nd: nd.FullyConnected(
        nd.array(X24), nd.array(W34), num_hidden=3, no_bias=True
    ),
    "FullyConnected_flatten": lambda m, nd: nd.FullyConnected(
        fixed_nd(m, (2, 2, 2)), nd.array(W34), nd.array(B3), num_hidden=3
    ),
    "Activation_relu": lambda m, nd: nd.Activation(nd.array(A23), act_type="relu"),
    "Activation_sigmoid": lambda m, nd: nd.Activation(
        nd.array(A23), act_type="sigmoid"
    ),
    "Activation_tanh": lambda m, nd: nd.Activation(nd.array(A23), act_type="tanh"),
    "Activation_softrelu": lambda m, nd: nd.Activation(
        nd.array(A23), act_type="softrelu"
    ),
    "LeakyReLU": lambda m, nd: nd.LeakyReLU(nd.array(A23), slope=0.2),
    "Dropout_predict": lambda m, nd: nd.Dropout(nd.array(A23), p=0.5),
    "BlockGrad_forward": lambda m, nd: nd.BlockGrad(nd.array(A23)),
    "stop_gradient_forward": lambda m, nd: nd.stop_gradient(nd.array(A23)),
    "cast": lambda m, nd: nd.cast(nd.array(A23), dtype="int32"),
    "squeeze": lambda m, nd: nd.squeeze(nd.array([[[1.0], [2.0]]])),
    "swapaxes": lambda m, nd: nd.swapaxes(fixed_nd(m, (2, 3, 4)), 0, 2),
    "tile": lambda m, nd: nd.tile(nd.array([[1.0, 2.0]]), reps=(2, 2)),
    "repeat": lambda m, nd: nd.repeat(nd.array([[1.0, 2.0]]), repeats=2, axis=1),
    "sort": lambda m, nd: nd.sort(nd.array(A23)),
    "sort_descend": lambda m, nd: nd.sort(nd.array(A23), axis=0, is_ascend=False),
    "argsort": lambda m, nd: nd.argsort(nd.array(A23)),
    "topk": lambda m, nd: nd.topk(nd.array(A23), k=2),
    "topk_value": lambda m, nd: nd.topk(nd.array(A23), k=2, ret_typ="value"),
    "norm": lambda m, nd: nd.norm(nd.array(A23)),
    "norm_axis": lambda m, nd: nd.norm(nd.array(A23), axis=1),
    "norm_ord1": lambda m, nd: nd.norm(nd.array(A23), ord=1, axis=0),
    "L2Normalization": lambda m, nd: nd.L2Normalization(nd.array(A23)),
    "softmax": lambda m, nd: nd.softmax(nd.array(A23)),
    "softmax_axis0": lambda m, nd: nd.softmax(nd.array(A23), axis=0),
    "log_softmax": lambda m, nd: nd.log_softmax(nd.array(A23)),
    "relu_sigmoid_tanh": lambda m, nd: [
        nd.relu(nd.array(A23)),
        nd.sigmoid(nd.array(A23)),
        nd.tanh(nd.array(A23)),
    ],
    "exp_log_sqrt_abs": lambda m, nd: [
        nd.exp(nd.array(A23)),
        nd.log(nd.array(POS23)),
        nd.sqrt(nd.array(POS23)),
        nd.abs(nd.array(A23)),
    ],
    "clip": lambda m, nd: nd.clip(nd.array(A23), -1.0, 2.0),
    "maximum_scalar": lambda m, nd: nd.maximum(nd.array(A23), 0.0),
    "zeros_like_ones_like": lambda m, nd: [
        nd.zeros_like(nd.array(A23)),
        nd.ones_like(nd.array(A23)),
    ],
    "array_int_list_dtype": lambda m, nd: nd.array([1, 2, 3]),
    "array_float64_numpy": lambda m, nd: nd.array(m.onp.array([1.5, 2.5])),
    "random_uniform_shape": lambda m, nd: nd.random.uniform(shape=(2, 3)).shape,
    "random_normal_shape": lambda m, nd: nd.random.normal(0, 1, shape=(4,)).shape,
    "add_n": lambda m, nd: nd.add_n(nd.array(A23), nd.array(POS23), nd.ones((2, 3))),
    "gather_nd": lambda m, nd: nd.gather_nd(nd.array(A23), nd.array([[0, 1], [2, 0]])),
    "reverse": lambda m, nd: nd.reverse(nd.array(A23), axis=1),
    "SequenceMask": lambda m, nd: nd.SequenceMask(
        fixed_nd(m, (3, 2, 2)), nd.array([1.0, 3.0]), use_sequence_length=True
    ),
}

for _name, _fn in ND.items():
    add(f"nd_{_name}", _nd(_fn), style="nd")

ND_METHODS = {
    "norm": lambda x: x.norm(),
    "norm_asscalar": lambda x: x.norm().asscalar(),
    "asscalar_single": lambda x: x[1:2, 2:3].asscalar(),
    "asscalar_many_error": lambda x: x.asscalar(),
    "square": lambda x: x.square(),
    "sign": lambda x: x.sign(),
    "tile": lambda x: x.tile(reps=(1, 2)),
    "repeat": lambda x: x.repeat(repeats=2, axis=0),
    "split": lambda x: x.split(num_outputs=3, axis=1),
    "one_hot": lambda x: x[0].abs().one_hot(4),
    "topk": lambda x: x.topk(k=1),
    "sort": lambda x: x.sort(),
    "argsort": lambda x: x.argsort(axis=0),
    "round_floor_ceil": lambda x: [x.round(), x.floor(), x.ceil()],
    "broadcast_to": lambda x: x[:1].broadcast_to((3, 3)),
    "broadcast_like": lambda x: x[:, :1].broadcast_like(x),
    "zeros_ones_like": lambda x: [x.zeros_like(), x.ones_like()],
    "slice_axis": lambda x: x.slice_axis(axis=1, begin=0, end=2),
    "pick": lambda x: x.pick(x.argmax(axis=1), axis=1),
    "swapaxes": lambda x: x.swapaxes(0, 1),
    "cumsum_missing_in_1_9": lambda x: x.cumsum(axis=1),
    "sum_axis": lambda x: x.sum(axis=0),
    "sum_all": lambda x: x.sum(),
    "mean_all_asscalar": lambda x: x.mean().asscalar(),
    "max_keepdims": lambda x: x.max(axis=1, keepdims=True),
    "reshape_tuple": lambda x: x.reshape((3, 2)),
    "reshape_codes": lambda x: x.reshape((-1,)),
    "expand_squeeze": lambda x: x.expand_dims(axis=0).squeeze(axis=0),
    "astype": lambda x: x.astype("int32"),
    "T_and_transpose": lambda x: [x.T, x.transpose()],
    "relu_sigmoid": lambda x: [x.relu(), x.sigmoid()],
    "softmax_log_softmax": lambda x: [x.softmax(), x.log_softmax()],
    "exp_log_abs": lambda x: [x.exp(), x.abs().log(), x.abs()],
    "clip": lambda x: x.clip(-1, 1),
    "indexing": lambda x: [x[1], x[:, 1], x[0, 2]],
    "size_ndim_shape": lambda x: [x.size, x.ndim, x.shape, x.asnumpy().dtype.name],
    "copy_and_context": lambda x: [x.copy(), str(x.context)],
    "flatten": lambda x: x.reshape((1, 2, 3)).flatten(),
    "comparison": lambda x: x > 0,
    "scalar_ops": lambda x: [2 - x, x / 2, 1 / (x + 10), x**2],
}


def _nd_method(fn):
    def prog(m):
        return {"y": fn(m.nd.array(A23))}

    return prog


for _name, _fn in ND_METHODS.items():
    add(f"nd_method_{_name}", _nd_method(_fn), style="nd")

ND_GRAD = {
    "broadcast_add": lambda nd, x: nd.broadcast_add(x, nd.array([[1.0], [2.0]])),
    "broadcast_mul": lambda nd, x: nd.broadcast_mul(x, nd.array([1.0, 2.0, 3.0])),
    "broadcast_div": lambda nd, x: nd.broadcast_div(x, nd.array([1.0, 2.0, 4.0])),
    "elemwise_mul_self": lambda nd, x: nd.elemwise_mul(x, x),
    "square": lambda nd, x: nd.square(x),
    "where": lambda nd, x: nd.where(x > 0, x * 2, -x),
    "pick": lambda nd, x: nd.pick(x, nd.array([1, 2])),
    "slice_axis": lambda nd, x: nd.slice_axis(x, axis=1, begin=1, end=3) * 3,
    "FullyConnected": lambda nd, x: nd.FullyConnected(
        x, nd.array(W34)[:, :3], nd.array(B3), num_hidden=3
    ),
    "Activation_sigmoid": lambda nd, x: nd.Activation(x, act_type="sigmoid"),
    "BlockGrad": lambda nd, x: x * nd.BlockGrad(x),
    "norm": lambda nd, x: nd.norm(x),
    "softmax": lambda nd, x: nd.softmax(x) * nd.array([1.0, 2.0, 3.0]),
    "max_ties": lambda nd, x: nd.max(x, axis=1),
    "take": lambda nd, x: nd.take(x, nd.array([0, 0, 1])),
    "concat": lambda nd, x: nd.concat(x, x * 2, dim=1),
    "expand_dims": lambda nd, x: nd.expand_dims(x, axis=0) * 2,
    "sum_axis": lambda nd, x: nd.sum(x, axis=0) * nd.array([1.0, 2.0, 3.0]),
    "relu": lambda nd, x: nd.relu(x),
    "dot": lambda nd, x: nd.dot(x, nd.array(W34)[:, :3].T),
    "LeakyReLU": lambda nd, x: nd.LeakyReLU(x, slope=0.1),
    "L2Normalization": lambda nd, x: nd.L2Normalization(x) * nd.array([1.0, 2.0, 3.0]),
    "batch_dot": lambda nd, x: nd.batch_dot(
        x.reshape((2, 1, 3)), nd.array(POS23).reshape((2, 3, 1))
    ),
    "tile": lambda nd, x: nd.tile(x, reps=(2, 1)),
}


def _nd_grad(fn):
    def prog(m):
        nd = m.nd
        x = nd.array(TIES)
        x.attach_grad()
        with m.autograd.record():
            y = fn(nd, x)
        y.backward()
        return {"y": y, "grad": x.grad}

    return prog


for _name, _fn in ND_GRAD.items():
    add(f"ndgrad_{_name}", _nd_grad(_fn), style="nd")


@program(style="nd")
def ndgrad_scalar_loss_asscalar(m):
    nd = m.nd
    x = nd.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with m.autograd.record():
        y = nd.sum(x * x)
    y.backward()
    return {"value": y.asscalar(), "grad": x.grad}


# --- 1.x blocks with hybrid_forward(F, ...) ---------------------------------------


def _hybrid1x_block(m, fn, hybridize):
    class Net(m.gluon.HybridBlock):
        def hybrid_forward(self, F, x, y):
            return fn(F, x, y)

    net = Net()
    net.initialize()
    if hybridize:
        net.hybridize()
    nd = m.nd
    a, b = nd.array(A23), nd.array([[0.5], [2.0]])
    out1 = net(a, b)
    out2 = net(a, b)
    return out1, out2


HYBRID1X = {
    "broadcast_add": lambda F, x, y: F.broadcast_add(x, y),
    "broadcast_sub": lambda F, x, y: F.broadcast_sub(x, y),
    "broadcast_mul": lambda F, x, y: F.broadcast_mul(x, y),
    "broadcast_div": lambda F, x, y: F.broadcast_div(x, y),
    "broadcast_maximum": lambda F, x, y: F.broadcast_maximum(x, y),
    "relu_square": lambda F, x, y: F.relu(F.square(x) - F.broadcast_to(y, (2, 3))),
    "where_sign": lambda F, x, y: F.where(x > 0, x, F.zeros_like(x)),
    "expand_dims_sum": lambda F, x, y: F.sum(F.expand_dims(x, axis=0), axis=1),
    "slice_axis": lambda F, x, y: F.slice_axis(x, axis=1, begin=0, end=2),
    "concat": lambda F, x, y: F.concat(x, F.broadcast_like(y, x), dim=0),
    "Activation": lambda F, x, y: F.Activation(x, act_type="tanh"),
    "softmax": lambda F, x, y: F.softmax(x, axis=1),
    "log_softmax": lambda F, x, y: F.log_softmax(x),
    "dot": lambda F, x, y: F.dot(x, F.transpose(x)),
    "swapaxes": lambda F, x, y: F.swapaxes(F.expand_dims(x, 0), 0, 2),
    "L2Normalization": lambda F, x, y: F.L2Normalization(x),
    "norm": lambda F, x, y: F.norm(x, axis=1),
    "elemwise": lambda F, x, y: F.elemwise_add(x, F.elemwise_mul(x, x)),
    "cast_stop_gradient": lambda F, x, y: F.stop_gradient(F.cast(x, "float32")),
    "tile_repeat": lambda F, x, y: F.tile(F.repeat(y, repeats=2, axis=1), reps=(1, 2)),
    "one_hot_pick": lambda F, x, y: F.pick(x, F.argmax(x, axis=1), axis=1),
    "sigmoid_tanh": lambda F, x, y: F.sigmoid(x) + F.tanh(x),
    "LeakyReLU": lambda F, x, y: F.LeakyReLU(x, slope=0.3),
    "full_like_ops": lambda F, x, y: F.ones_like(x) * 2 + F.zeros_like(x),
}


for _name, _fn in HYBRID1X.items():
    for _hyb in (False, True):

        def _prog(m, fn=_fn, hyb=_hyb):
            out1, out2 = _hybrid1x_block(m, fn, hyb)
            return {"out": out1, "again_equal": bool((out1 == out2).asnumpy().all())}

        add(f"hybrid1x_{_name}_{'hybrid' if _hyb else 'eager'}", _prog, style="nd")


def _hybrid1x_grad(m, fn, hybridize, train_mode=True):
    class Net(m.gluon.HybridBlock):
        def hybrid_forward(self, F, x, y):
            return fn(F, x, y)

    net = Net()
    net.initialize()
    if hybridize:
        net.hybridize()
    a, b = m.nd.array(A23), m.nd.array([[0.5], [2.0]])
    a.attach_grad()
    with m.autograd.record(train_mode=train_mode):
        out = net(a, b)
    out.backward()
    return {"out": out, "grad": a.grad}


HYBRID1X_GRAD = {
    "power": lambda F, x, y: F.power(F.abs(x) + 1, 2),
    "broadcast_power": lambda F, x, y: F.broadcast_power(F.abs(x) + 1, y),
    "where_grad": lambda F, x, y: F.where(x > 0, x * x, x * 3),
    "one_hot_times": lambda F, x, y: x * F.one_hot(F.argmax(x, axis=1), 3),
    "batch_dot": lambda F, x, y: F.batch_dot(F.expand_dims(x, 1), F.expand_dims(x, 2)),
    "take": lambda F, x, y: F.take(x, F.argmin(y, axis=0)),
    "FullyConnected": lambda F, x, y: F.FullyConnected(
        x, F.ones_like(x), F.zeros_like(F.sum(x, axis=1)), num_hidden=2
    ),
    "Dropout_predict": lambda F, x, y: F.Dropout(x, p=0.5) * 2,
    "BlockGrad": lambda F, x, y: x * F.BlockGrad(x),
    "squeeze": lambda F, x, y: F.squeeze(F.expand_dims(x, 0), axis=0) * 2,
    "split_second": lambda F, x, y: F.split(x, num_outputs=3, axis=1)[1] * 4,
    "sort": lambda F, x, y: F.sort(x, axis=1) * F.broadcast_like(y, x),
    "topk_value": lambda F, x, y: F.topk(x, k=2, ret_typ="value"),
    "argsort_stop": lambda F, x, y: x + F.stop_gradient(F.argsort(x)),
    "max_ties": lambda F, x, y: F.max(F.broadcast_maximum(x, F.ones_like(x)), axis=1),
    "norm": lambda F, x, y: F.norm(x, axis=1),
    "L2Normalization": lambda F, x, y: F.L2Normalization(x),
    "log_softmax_pick": lambda F, x, y: F.pick(F.log_softmax(x), F.argmax(y, axis=1)),
    "LeakyReLU": lambda F, x, y: F.LeakyReLU(x, act_type="leaky", slope=0.2),
    "Activation_softrelu": lambda F, x, y: F.Activation(x, act_type="softrelu"),
    "slice_axis": lambda F, x, y: F.slice_axis(x, axis=1, begin=1, end=None) * 2,
    "reshape_tile": lambda F, x, y: F.tile(F.reshape(x, (3, 2)), reps=(1, 2)),
    "expand_concat": lambda F, x, y: F.concat(x, F.square(x), dim=0),
    "mean_sum": lambda F, x, y: F.mean(x, axis=0) + F.sum(x, axis=0),
}

for _name, _fn in HYBRID1X_GRAD.items():
    for _hyb in (False, True):

        def _prog(m, fn=_fn, hyb=_hyb, train=("predict" not in _name)):
            return _hybrid1x_grad(m, fn, hyb, train)

        add(f"hybrid1x_grad_{_name}_{'hybrid' if _hyb else 'eager'}", _prog, style="nd")


@program(style="nd", area="hybrid1x")
def hybrid1x_params_get_dense(m):
    gluon, nd = m.gluon, m.nd

    class MyDense(gluon.HybridBlock):
        def __init__(self, units, in_units, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.weight = self.params.get("weight", shape=(in_units, units))
                self.bias = self.params.get("bias", shape=(units,))

        def hybrid_forward(self, F, x, weight, bias):
            return F.relu(F.broadcast_add(F.dot(x, weight), bias))

    net = MyDense(3, 4)
    net.initialize(m.init.One())
    net.weight.set_data(nd.array(W34).T)
    eager = net(nd.array(X24))
    net.hybridize()
    hyb = net(nd.array(X24))
    return {"eager": eager, "hybrid": hyb, "shapes": param_shapes(net)}


@program(style="nd", area="hybrid1x")
def hybrid1x_get_constant(m):
    gluon, nd = m.gluon, m.nd

    class Scale(gluon.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.const = self.params.get_constant("const", [[1.0, 2.0, 3.0]])

        def hybrid_forward(self, F, x, const):
            return F.broadcast_mul(x, const)

    net = Scale()
    net.initialize()
    eager = net(nd.array(A23))
    net.hybridize()
    return {
        "eager": eager,
        "hybrid": net(nd.array(A23)),
        "grad_req": net.const.grad_req,
    }


@program(style="nd", area="hybrid1x")
def hybrid1x_gradient_through_hybridized(m):
    gluon, nd = m.gluon, m.nd

    class Net(gluon.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.dense = gluon.nn.Dense(2, in_units=3)

        def hybrid_forward(self, F, x):
            return F.broadcast_mul(self.dense(x), F.sum(x, axis=1, keepdims=True))

    net = Net()
    net.initialize()
    set_fixed(net, m, nd=True)
    net.hybridize()
    x = nd.array(A23)
    with m.autograd.record():
        y = net(x)
    y.backward()
    return {"y": y, "wgrad": net.dense.weight.grad(), "bgrad": net.dense.bias.grad()}


@program(style="nd", area="fancymlp")
def fancymlp_1x_nd(m):
    gluon, nd = m.gluon, m.nd

    class FancyMLP(gluon.nn.Block):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.rand_weight = self.params.get_constant(
                "rand_weight", fixed_nd(m, (20, 20), scale=0.01).asnumpy().tolist()
            )
            self.dense = gluon.nn.Dense(20, activation="relu")

        def forward(self, x):
            x = self.dense(x)
            x = nd.relu(nd.dot(x, self.rand_weight.data()) + 1)
            x = self.dense(x)
            while x.norm().asscalar() > 1:
                x /= 2
            if x.norm().asscalar() < 0.8:
                x *= 10
            return x.sum()

    net = FancyMLP()
    net.initialize(m.init.Constant(0.02))
    x = fixed_nd(m, (2, 20), scale=0.05)
    return {"out": net(x).asscalar()}


@program(area="fancymlp")
def fancymlp_np_linalg_norm(m):
    np, npx, nn = m.np, m.npx, m.nn

    class FancyMLP(nn.Block):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.rand_weight = fixed(m, (20, 20), scale=0.01)
            self.dense = nn.Dense(20, activation="relu")

        def forward(self, x):
            x = self.dense(x)
            x = npx.relu(np.dot(x, self.rand_weight) + 1)
            x = self.dense(x)
            while np.linalg.norm(x).item() > 1:
                x /= 2
            if np.linalg.norm(x).item() < 0.8:
                x *= 10
            return x.sum()

    net = FancyMLP()
    net.initialize(m.init.Constant(0.02))
    return {"out": net(fixed(m, (2, 20), scale=0.05))}


@program(area="fancymlp")
def fancymlp_np_npx_norm(m):
    np, npx, nn = m.np, m.npx, m.nn

    class FancyMLP(nn.Block):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.rand_weight = fixed(m, (20, 20), scale=0.01)
            self.dense = nn.Dense(20, activation="relu")

        def forward(self, x):
            x = self.dense(x)
            x = npx.relu(np.dot(x, self.rand_weight) + 1)
            x = self.dense(x)
            while npx.norm(x).item() > 1:
                x /= 2
            if npx.norm(x).item() < 0.8:
                x *= 10
            return x.sum()

    net = FancyMLP()
    net.initialize(m.init.Constant(0.02))
    return {"out": net(fixed(m, (2, 20), scale=0.05))}


@program(area="fancymlp")
def fancymlp_book_fixed_hidden_abs_sum(m):
    np, npx, nn = m.np, m.npx, m.nn

    class FixedHiddenMLP(nn.Block):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.rand_weight = fixed(m, (20, 20), scale=0.01)
            self.dense = nn.Dense(20, activation="relu")

        def forward(self, X):
            X = self.dense(X)
            X = npx.relu(np.dot(X, self.rand_weight) + 1)
            X = self.dense(X)
            while np.abs(X).sum() > 1:
                X /= 2
            return X.sum()

    net = FixedHiddenMLP()
    net.initialize(m.init.Constant(0.02))
    return {"out": net(fixed(m, (2, 20), scale=0.05))}


@program(style="nd", area="gluon1x")
def gluon1x_dense_lazy_shape_raw(m):
    net = m.nn.Dense(3)
    net.initialize()
    before = net.weight.shape
    net(m.nd.ones((2, 5)))
    return {"before": before, "after": net.weight.shape}


@program(style="nd", area="gluon1x")
def gluon1x_sequential_forward(m):
    net = m.nn.Sequential()
    with net.name_scope():
        net.add(m.nn.Dense(4, activation="relu"), m.nn.Dense(2))
    net.initialize()
    x = m.nd.array(X24)
    before = param_shapes(net)
    net(x)
    set_fixed(net, m, nd=True)
    return {"before": before, "after": param_shapes(net), "y": net(x)}


@program(style="nd", area="gluon1x")
def gluon1x_mysequential_children(m):
    gluon, nn = m.gluon, m.nn

    class MySequential(gluon.nn.Block):
        def add(self, block):
            self._children[block.name] = block

        def forward(self, x):
            for block in self._children.values():
                x = block(x)
            return x

    net = MySequential()
    net.add(nn.Dense(3, in_units=4, activation="relu"))
    net.add(nn.Dense(2, in_units=3))
    net.initialize()
    set_fixed(net, m, nd=True)
    return {"y": net(m.nd.array(X24)), "shapes": param_shapes(net)}


@program(style="nd", area="gluon1x")
def gluon1x_trainer_sgd(m):
    nd, nn, gluon = m.nd, m.nn, m.gluon
    net = nn.Dense(2, in_units=4)
    net.initialize()
    set_fixed(net, m, nd=True)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    loss = gluon.loss.L2Loss()
    x, y = nd.array(X24), nd.array([[1.0, 0.0], [0.0, 1.0]])
    for _ in range(3):
        with m.autograd.record():
            lv = loss(net(x), y)
        lv.backward()
        trainer.step(2)
    return {"w": net.weight.data(), "b": net.bias.data(), "loss": lv}


@program(style="nd", area="gluon1x")
def gluon1x_save_load_nd(m):
    nd = m.nd
    path = tmpfile(".nd")
    try:
        nd.save(path, {"a": nd.array(A23), "b": nd.arange(3)})
        loaded = nd.load(path)
        nd.save(path, [nd.array(A23)])
        loaded_list = nd.load(path)
        return {
            "keys": sorted(loaded),
            "a": loaded["a"],
            "b": loaded["b"],
            "list": loaded_list,
        }
    finally:
        os.remove(path)


# =================================================================================
# 4. Gluon blocks (NumPy interface)
# =================================================================================


def _dense(m, units, in_units, activation=None, **kw):
    layer = m.nn.Dense(units, in_units=in_units, activation=activation, **kw)
    layer.initialize()
    layer.weight.set_data(fixed(m, (units, in_units), scale=0.1))
    layer.bias.set_data(fixed(m, (units,), scale=0.2, offset=0.05))
    return layer


for _act in (None, "relu", "sigmoid", "tanh", "softrelu", "softsign"):

    def _prog(m, act=_act):
        layer = _dense(m, 3, 4, act)
        return {"y": layer(m.np.array(X24))}

    add(f"gluon_dense_act_{_act}", _prog)


@program()
def gluon_dense_flatten_3d(m):
    layer = _dense(m, 3, 6)
    return {"y": layer(fixed(m, (2, 2, 3)))}


@program()
def gluon_dense_no_flatten_3d(m):
    layer = _dense(m, 3, 3, flatten=False)
    return {"y": layer(fixed(m, (2, 2, 3)))}


@program()
def gluon_dense_no_bias(m):
    layer = m.nn.Dense(2, in_units=4, use_bias=False)
    layer.initialize(m.init.One())
    return {
        "y": layer(m.np.array(X24)),
        "n_params": len(list(layer.collect_params().values())),
    }


@program()
def gluon_dense_wrong_in_units(m):
    layer = m.nn.Dense(2, in_units=5)
    layer.initialize()
    return {"y": layer(m.np.array(X24))}


@program()
def gluon_dense_lazy_shapes(m):
    net = m.nn.Dense(3)
    net.initialize()
    before = [tuple(p.shape) for p in net.collect_params().values()]
    net(m.np.ones((2, 5)))
    after = [tuple(p.shape) for p in net.collect_params().values()]
    return {"before": before, "after": after}


@program()
def gluon_dense_data_before_forward(m):
    net = m.nn.Dense(3)
    net.initialize()
    return {"w": net.weight.data()}


@program()
def gluon_dense_forward_before_initialize(m):
    net = m.nn.Dense(3, in_units=4)
    return {"y": net(m.np.array(X24))}


@program()
def gluon_init_constant_bias_policy(m):
    net = m.nn.Dense(2, in_units=3)
    net.initialize(m.init.Constant(0.5))
    return {"w": net.weight.data(), "b": net.bias.data()}


@program()
def gluon_init_one_zero(m):
    net = m.nn.Sequential()
    net.add(m.nn.Dense(2, in_units=3), m.nn.Dense(1, in_units=2))
    net.initialize(m.init.One())
    net[1].initialize(m.init.Zero(), force_reinit=True)
    return {"values": param_values(net)}


@program()
def gluon_init_force_reinit(m):
    net = m.nn.Dense(2, in_units=2)
    net.initialize(m.init.Constant(1.0))
    net.initialize(m.init.Constant(3.0), force_reinit=True)
    return {"w": net.weight.data()}


@program()
def gluon_init_weight_initializer(m):
    net = m.nn.Dense(
        2,
        in_units=3,
        weight_initializer=m.init.Constant(0.25),
        bias_initializer=m.init.Constant(-1.0),
    )
    net.initialize()
    return {"w": net.weight.data(), "b": net.bias.data()}


@program()
def gluon_init_custom_initializer(m):
    class MyInit(m.init.Initializer):
        def _init_weight(self, name, data):
            data[:] = 2.0

    net = m.nn.Dense(2, in_units=3)
    net.initialize(MyInit())
    return {"w": net.weight.data(), "b": net.bias.data()}


@program()
def gluon_init_uniform_bounds(m):
    net = m.nn.Dense(50, in_units=40)
    net.initialize(m.init.Uniform(0.1))
    v = net.weight.data().asnumpy()
    return {
        "in_range": bool(abs(v).max() <= 0.1),
        "spread": bool(v.std() > 0.03),
        "bias_zero": bool((net.bias.data().asnumpy() == 0).all()),
    }


@program()
def gluon_init_normal_std(m):
    net = m.nn.Dense(100, in_units=100)
    net.initialize(m.init.Normal(0.5))
    v = net.weight.data().asnumpy()
    return {
        "std_close": bool(abs(v.std() - 0.5) < 0.05),
        "mean_close": bool(abs(v.mean()) < 0.05),
    }


@program()
def gluon_init_xavier_bounds(m):
    net = m.nn.Dense(30, in_units=20)
    net.initialize(m.init.Xavier())
    v = net.weight.data().asnumpy()
    bound = (6.0 / 50) ** 0.5 * 3**0.5 / 3**0.5
    return {"in_range": bool(abs(v).max() <= bound + 1e-6)}


@program()
def gluon_sequential_mlp(m):
    net = m.nn.Sequential()
    net.add(m.nn.Dense(5, activation="relu"), m.nn.Dense(3))
    net.initialize()
    before = [tuple(p.shape) for p in net.collect_params().values()]
    x = m.np.array(X24)
    net(x)
    set_fixed(net, m)
    return {
        "before": before,
        "after": param_shapes(net),
        "y": net(x),
        "len": len(net),
        "n_params": len(list(net.collect_params().values())),
    }


@program()
def gluon_sequential_indexing(m):
    net = m.nn.Sequential()
    net.add(
        m.nn.Dense(5, in_units=4), m.nn.Dense(3, in_units=5), m.nn.Dense(1, in_units=3)
    )
    net.initialize()
    set_fixed(net, m)
    x = m.np.array(X24)
    return {
        "first": net[0](x),
        "last_shape": net[-1].weight.shape,
        "slice_len": len(net[:2]),
        "full": net(x),
    }


@program()
def gluon_hybrid_sequential(m):
    net = m.nn.HybridSequential()
    net.add(m.nn.Dense(5, in_units=4, activation="tanh"), m.nn.Dense(2, in_units=5))
    net.initialize()
    set_fixed(net, m)
    x = m.np.array(X24)
    eager = net(x)
    net.hybridize()
    return {"eager": eager, "hybrid": net(x), "hybrid2": net(x * 2)}


@program()
def gluon_custom_block_mlp(m):
    nn, npx = m.nn, m.npx

    class MLP(nn.Block):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hidden = nn.Dense(5, activation="relu")
            self.output = nn.Dense(2)

        def forward(self, x):
            return self.output(npx.relu(self.hidden(x)))

    net = MLP()
    net.initialize()
    x = m.np.array(X24)
    net(x)
    set_fixed(net, m)
    return {"y": net(x), "shapes": param_shapes(net)}


@program()
def gluon_custom_hybrid_block_np(m):
    nn = m.nn

    class Net(nn.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = nn.Dense(3, in_units=4)

        def hybrid_forward(self, F, x):
            h = self.dense(x)
            return F.npx.relu(h) + F.np.sum(h, axis=1, keepdims=True)

    net = Net()
    net.initialize()
    set_fixed(net, m)
    x = m.np.array(X24)
    eager = net(x)
    net.hybridize()
    return {"eager": eager, "hybrid": net(x)}


@program()
def gluon_nested_blocks(m):
    nn = m.nn

    class NestMLP(nn.Block):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.net = nn.Sequential()
            self.net.add(nn.Dense(6, activation="relu"), nn.Dense(4, activation="relu"))
            self.dense = nn.Dense(3, activation="relu")

        def forward(self, x):
            return self.dense(self.net(x))

    chimera = nn.Sequential()
    chimera.add(NestMLP(), nn.Dense(2))
    chimera.initialize()
    x = m.np.array(X24)
    chimera(x)
    set_fixed(chimera, m)
    return {"y": chimera(x), "shapes": param_shapes(chimera)}


@program()
def gluon_shared_params_dense(m):
    nn = m.nn
    shared = nn.Dense(3, activation="relu", in_units=3)
    net = nn.Sequential()
    net.add(
        nn.Dense(3, in_units=4, activation="relu"),
        shared,
        nn.Dense(3, in_units=3, activation="relu", params=shared.params),
        nn.Dense(1, in_units=3),
    )
    net.initialize()
    set_fixed(net, m)
    x = m.np.array(X24)
    with m.autograd.record():
        y = net(x).sum()
    y.backward()
    return {
        "y": y,
        "same_weight": bool(
            (net[1].weight.data() == net[2].weight.data()).asnumpy().all()
        ),
        "shared_grad": net[1].weight.grad(),
        "n_params": len(list(net.collect_params().values())),
    }


@program()
def gluon_shared_params_same_layer_twice(m):
    nn = m.nn
    shared = nn.Dense(3, in_units=3)
    net = nn.Sequential()
    net.add(shared, shared)
    net.initialize()
    set_fixed(net, m)
    x = m.np.array(X23)
    with m.autograd.record():
        y = net(x)
    y.backward()
    return {
        "y": y,
        "grad": shared.weight.grad(),
        "n_params": len(list(net.collect_params().values())),
    }


@program()
def gluon_share_parameters(m):
    nn = m.nn
    a = nn.Dense(2, in_units=4)
    b = nn.Dense(2, in_units=4)
    a.initialize(m.init.Constant(0.3))
    b.share_parameters(a.collect_params())
    return {"a": a(m.np.array(X24)), "b": b(m.np.array(X24))}


@program()
def gluon_constant_parameter(m):
    nn = m.nn

    class Scale(nn.Block):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.c = self.params.get_constant("c", m.np.array([1.0, 2.0, 3.0]))

        def forward(self, x):
            return x * self.c.data()

    net = Scale()
    net.initialize()
    return {"y": net(m.np.array(X23)), "grad_req": net.c.grad_req}


@program()
def gluon_constant_gluon2_spelling(m):
    c = m.gluon.Constant(m.np.array([1.0, 2.0]))
    c.initialize()
    return {"c": c.data()}


@program()
def gluon_parameter_attribute_block(m):
    nn, gluon = m.nn, m.gluon

    class Lin(nn.Block):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.weight = gluon.Parameter("weight", shape=(4, 2))

        def forward(self, x):
            return m.np.dot(x, self.weight.data())

    net = Lin()
    net.initialize(m.init.Constant(0.5))
    return {"y": net(m.np.array(X24)), "shapes": param_shapes(net)}


@program()
def gluon_params_get_np(m):
    nn = m.nn

    class MyDense(nn.Block):
        def __init__(self, units, in_units, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.weight = self.params.get("weight", shape=(in_units, units))

        def forward(self, x):
            return m.np.dot(x, self.weight.data())

    net = MyDense(3, 4)
    net.initialize(m.init.One())
    return {"y": net(m.np.array(X24)), "shape": net.weight.shape}


@program()
def gluon_collect_params_regex(m):
    net = m.nn.Sequential()
    net.add(m.nn.Dense(3, in_units=4), m.nn.Dense(2, in_units=3))
    return {
        "weights": [p.shape for p in net.collect_params(".*weight").values()],
        "biases": [p.shape for p in net.collect_params(".*bias").values()],
    }


@program()
def gluon_param_grad_shapes_and_zero_grad(m):
    net = m.nn.Sequential()
    net.add(m.nn.Dense(3, in_units=4), m.nn.Dense(2, in_units=3))
    net.initialize()
    set_fixed(net, m)
    with m.autograd.record():
        y = net(m.np.array(X24)).sum()
    y.backward()
    grads = [p.grad() for p in net.collect_params().values()]
    net.collect_params().zero_grad()
    zeroed = [float(abs(p.grad()).sum()) for p in net.collect_params().values()]
    return {"grads": grads, "zeroed": zeroed}


@program()
def gluon_param_grad_req_null(m):
    net = m.nn.Dense(2, in_units=4)
    net.initialize()
    set_fixed(net, m)
    net.weight.grad_req = "null"
    x = m.np.array(X24)
    x.attach_grad()
    with m.autograd.record():
        y = net(x).sum()
    y.backward()
    return {"xgrad": x.grad, "bgrad": net.bias.grad()}


@program()
def gluon_param_grad_req_add(m):
    net = m.nn.Dense(2, in_units=4)
    net.initialize()
    set_fixed(net, m)
    for p in net.collect_params().values():
        p.grad_req = "add"
    for _ in range(2):
        with m.autograd.record():
            y = net(m.np.array(X24)).sum()
        y.backward()
    return {"wgrad": net.weight.grad(), "bgrad": net.bias.grad()}


@program()
def gluon_param_setattr_grad_req(m):
    net = m.nn.Dense(2, in_units=4)
    net.initialize()
    net.collect_params().setattr("grad_req", "null")
    return {"reqs": [p.grad_req for p in net.collect_params().values()]}


@program()
def gluon_activation_layers(m):
    nn = m.nn
    x = m.np.array(X23)
    return {
        name: nn.Activation(name)(x)
        for name in ("relu", "sigmoid", "tanh", "softrelu", "softsign")
    }


@program()
def gluon_activation_unknown(m):
    return {"y": m.nn.Activation("swishy")(m.np.array(X23))}


@program()
def gluon_flatten_layer(m):
    return {"y": m.nn.Flatten()(fixed(m, (2, 3, 2)))}


@program()
def gluon_lambda_layers(m):
    nn = m.nn
    lam = nn.Lambda(lambda x: x * 2)
    hlam = nn.HybridLambda(lambda F, x: F.npx.relu(x) + 1)
    x = m.np.array(X23)
    return {"lambda": lam(x), "hybrid_lambda": hlam(x)}


@program()
def gluon_hybrid_lambda_in_hybridized_sequential(m):
    nn = m.nn
    net = nn.HybridSequential()
    net.add(nn.Dense(3, in_units=4), nn.HybridLambda(lambda F, x: F.npx.relu(x) * 2))
    net.initialize()
    set_fixed(net, m)
    x = m.np.array(X24)
    eager = net(x)
    net.hybridize()
    return {"eager": eager, "hybrid": net(x)}


@program()
def gluon_dropout_predict_identity(m):
    x = m.np.array(X23)
    return {"y": m.nn.Dropout(0.5)(x)}


@program()
def gluon_dropout_train_stats(m):
    x = m.np.ones((100, 100))
    with m.autograd.record():
        y = m.nn.Dropout(0.5)(x)
    v = y.asnumpy()
    kept = v[v != 0]
    return {
        "shape": y.shape,
        "fraction_kept_ok": bool(0.4 < kept.size / v.size < 0.6),
        "scaled": bool(abs(kept - 2.0).max() < 1e-5),
    }


@program()
def gluon_dropout_train_mode_without_record(m):
    x = m.np.ones((50, 50))
    with m.autograd.train_mode():
        y = m.nn.Dropout(0.5)(x)
    v = y.asnumpy()
    return {"some_dropped": bool((v == 0).any())}


@program()
def gluon_dropout_p0_train(m):
    x = m.np.array(X23)
    with m.autograd.record():
        y = m.nn.Dropout(0.0)(x)
    return {"y": y}


def _eager_vs_hybrid(build):
    def prog(m):
        net = build(m)
        net.initialize()
        x = fixed(m, (3, 4), scale=0.2)
        net(x)
        set_fixed(net, m)
        with m.autograd.record(train_mode=False):  # Dropout: identity
            eager = net(x)
        eager.backward()
        eager_grads = [p.grad().copy() for p in net.collect_params().values()]
        net.hybridize()
        with m.autograd.record(train_mode=False):
            hyb = net(x)
        hyb.backward()
        hyb_grads = [p.grad() for p in net.collect_params().values()]
        return {
            "eager": eager,
            "hybrid": hyb,
            "eager_grads": eager_grads,
            "hybrid_grads": hyb_grads,
        }

    return prog


def _hs(m, *layers):
    net = m.nn.HybridSequential()
    net.add(*layers)
    return net


HYBRID_NETS = {
    "mlp_relu": lambda m: _hs(m, m.nn.Dense(5, activation="relu"), m.nn.Dense(2)),
    "mlp_sigmoid_tanh": lambda m: _hs(
        m,
        m.nn.Dense(5, activation="sigmoid"),
        m.nn.Dense(3, activation="tanh"),
        m.nn.Dense(1),
    ),
    "dense_no_bias": lambda m: _hs(m, m.nn.Dense(3, use_bias=False)),
    "flatten_dense": lambda m: _hs(m, m.nn.Flatten(), m.nn.Dense(2)),
    "dropout_dense_predict": lambda m: _hs(
        m, m.nn.Dense(4), m.nn.Dropout(0.5), m.nn.Dense(2)
    ),
    "activation_layers": lambda m: _hs(
        m,
        m.nn.Dense(4),
        m.nn.Activation("softrelu"),
        m.nn.Dense(2),
        m.nn.Activation("sigmoid"),
    ),
    "nested": lambda m: _hs(
        m,
        _hs(m, m.nn.Dense(4, activation="relu")),
        _hs(m, m.nn.Dense(3), m.nn.Dense(2)),
    ),
}

for _name, _build in HYBRID_NETS.items():
    add(f"hybrid_eager_vs_hybrid_{_name}", _eager_vs_hybrid(_build))


@program(area="hybrid")
def hybrid_custom_forward_np(m):
    nn = m.nn

    class Net(nn.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.a = nn.Dense(4, in_units=4)
            self.b = nn.Dense(4, in_units=4)

        def hybrid_forward(self, F, x):
            h = F.npx.relu(self.a(x))
            return F.np.tanh(self.b(h)) + x

    net = Net()
    net.initialize()
    set_fixed(net, m)
    x = m.np.array(X24)
    with m.autograd.record():
        e = net(x)
    e.backward()
    ge = net.a.weight.grad().copy()
    net.hybridize()
    with m.autograd.record():
        h = net(x)
    h.backward()
    return {"eager": e, "hybrid": h, "ge": ge, "gh": net.a.weight.grad()}


@program(area="hybrid")
def hybrid_new_batch_size_retraces(m):
    net = _hs(m, m.nn.Dense(3, in_units=4, activation="relu"))
    net.initialize()
    set_fixed(net, m)
    net.hybridize()
    return {"a": net(m.np.array(X24)), "b": net(fixed(m, (5, 4)))}


@program(area="hybrid")
def hybrid_control_flow_on_values(m):
    nn = m.nn

    class Net(nn.HybridBlock):
        def hybrid_forward(self, F, x):
            if x.sum().item() > 0:
                return x * 2
            return x

    net = Net()
    net.initialize()
    net.hybridize()
    return {"y": net(m.np.array(X23))}


# --- Trainer -----------------------------------------------------------------------

TRAINER_CASES = {
    "lr01": ({"learning_rate": 0.1}, 1, 4),
    "lr05_3steps": ({"learning_rate": 0.5}, 3, 4),
    "wd": ({"learning_rate": 0.1, "wd": 0.01}, 3, 4),
    "momentum": ({"learning_rate": 0.1, "momentum": 0.9}, 3, 4),
    "momentum_wd": ({"learning_rate": 0.05, "momentum": 0.5, "wd": 0.1}, 4, 4),
    "batch_size_1": ({"learning_rate": 0.01}, 2, 1),
    "batch_size_8": ({"learning_rate": 0.3}, 2, 8),
    "lr_key_missing_default": ({}, 2, 4),
}


def _trainer_prog(options, steps, batch_size):
    def prog(m):
        net = m.nn.Sequential()
        net.add(m.nn.Dense(3, in_units=4, activation="tanh"), m.nn.Dense(2, in_units=3))
        net.initialize()
        set_fixed(net, m)
        trainer = m.gluon.Trainer(net.collect_params(), "sgd", dict(options))
        loss = m.gluon.loss.L2Loss()
        x = m.np.array(X24 + [[0.5, 0.5, 0.5, 0.5], [1.0, -1.0, 1.0, -1.0]])
        y = m.np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.5]])
        losses = []
        for _ in range(steps):
            with m.autograd.record():
                lv = loss(net(x), y)
            lv.backward()
            trainer.step(batch_size)
            losses.append(lv.mean().item())
        return {
            "params": param_values(net),
            "losses": losses,
            "lr": trainer.learning_rate,
        }

    return prog


for _name, (_opts, _steps, _bs) in TRAINER_CASES.items():
    add(f"trainer_sgd_{_name}", _trainer_prog(_opts, _steps, _bs))


def _trainer_setup(m):
    net = m.nn.Dense(2, in_units=4)
    net.initialize()
    set_fixed(net, m)
    return net, m.np.array(X24)


@program()
def trainer_stale_grad_error(m):
    net, x = _trainer_setup(m)
    trainer = m.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    with m.autograd.record():
        y = net(x).sum()
    y.backward()
    trainer.step(1)
    trainer.step(1)
    return {"w": net.weight.data()}


@program()
def trainer_stale_grad_never_backward(m):
    net, x = _trainer_setup(m)
    trainer = m.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    trainer.step(1)
    return {"w": net.weight.data()}


@program()
def trainer_ignore_stale_grad_skips(m):
    nn = m.nn
    used, unused = nn.Dense(2, in_units=4), nn.Dense(2, in_units=4)
    net = nn.Sequential()
    net.add(used, unused)
    net.initialize()
    set_fixed(net, m)
    trainer = m.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    with m.autograd.record():
        y = used(m.np.array(X24)).sum()
    y.backward()
    trainer.step(1, ignore_stale_grad=True)
    first = param_values(net)
    trainer.step(1, ignore_stale_grad=True)
    return {"after_first": [v.copy() for v in first], "after_second": param_values(net)}


@program()
def trainer_partial_stale_error(m):
    nn = m.nn
    used, unused = nn.Dense(2, in_units=4), nn.Dense(2, in_units=4)
    net = nn.Sequential()
    net.add(used, unused)
    net.initialize()
    trainer = m.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    with m.autograd.record():
        y = used(m.np.array(X24)).sum()
    y.backward()
    trainer.step(1)
    return {}


@program()
def trainer_two_steps_two_backwards(m):
    net, x = _trainer_setup(m)
    trainer = m.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    for _ in range(2):
        with m.autograd.record():
            y = (net(x) ** 2).sum()
        y.backward()
        trainer.step(2)
    return {"w": net.weight.data(), "b": net.bias.data()}


@program()
def trainer_optimizer_instance(m):
    net, x = _trainer_setup(m)
    opt = m.mx.optimizer.SGD(learning_rate=0.2, momentum=0.5, wd=0.01)
    trainer = m.gluon.Trainer(net.collect_params(), opt)
    for _ in range(3):
        with m.autograd.record():
            y = (net(x) ** 2).sum()
        y.backward()
        trainer.step(2)
    return {"w": net.weight.data(), "b": net.bias.data(), "lr": trainer.learning_rate}


@program()
def trainer_set_learning_rate(m):
    net, x = _trainer_setup(m)
    trainer = m.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    with m.autograd.record():
        y = net(x).sum()
    y.backward()
    trainer.step(1)
    trainer.set_learning_rate(1.0)
    with m.autograd.record():
        y = net(x).sum()
    y.backward()
    trainer.step(1)
    return {"w": net.weight.data(), "lr": trainer.learning_rate}


@program()
def trainer_constant_not_updated(m):
    nn, gluon = m.nn, m.gluon

    class Net(nn.Block):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = nn.Dense(2, in_units=4)
            self.c = self.params.get_constant("c", m.np.array([1.0, -1.0]))

        def forward(self, x):
            return self.dense(x) * self.c.data()

    net = Net()
    net.initialize()
    set_fixed(net.dense, m)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.5})
    with m.autograd.record():
        y = net(m.np.array(X24)).sum()
    y.backward()
    trainer.step(1)
    return {"c": net.c.data(), "w": net.dense.weight.data()}


@program()
def trainer_grad_req_null_not_updated(m):
    net, x = _trainer_setup(m)
    net.bias.grad_req = "null"
    trainer = m.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.5})
    with m.autograd.record():
        y = net(x).sum()
    y.backward()
    trainer.step(1)
    return {"w": net.weight.data(), "b": net.bias.data()}


@program()
def trainer_unknown_optimizer(m):
    net, _ = _trainer_setup(m)
    m.gluon.Trainer(net.collect_params(), "no_such_opt", {"learning_rate": 0.5})
    return {}


@program()
def trainer_lr_mult(m):
    net, x = _trainer_setup(m)
    net.weight.lr_mult = 0.0
    trainer = m.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.5})
    with m.autograd.record():
        y = net(x).sum()
    y.backward()
    trainer.step(1)
    return {"w": net.weight.data(), "b": net.bias.data()}


@program()
def trainer_book_training_loop(m):
    """The book's loop: per-example losses, l.backward(), trainer.step(batch)."""
    gluon, nn = m.gluon, m.nn
    net = nn.Sequential()
    net.add(nn.Dense(1))
    net.initialize(m.init.Constant(0.0))
    loss = gluon.loss.L2Loss()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.03})
    X = fixed(m, (10, 2), scale=0.3)
    true_w = m.np.array([2.0, -3.4])
    y = m.np.dot(X, true_w) + 4.2
    for _ in range(5):
        for i in range(0, 10, 5):
            with m.autograd.record():
                lv = loss(net(X[i : i + 5]), y[i : i + 5])
            lv.backward()
            trainer.step(5)
    return {
        "w": net[0].weight.data(),
        "b": net[0].bias.data(),
        "final_loss": loss(net(X), y).mean(),
    }


# --- losses ------------------------------------------------------------------------

PRED = [[0.2, -0.5, 1.5], [1.0, 0.3, -0.2], [-1.0, 2.0, 0.1], [0.0, 0.0, 0.0]]
LABEL_IDX = [2.0, 0.0, 1.0, 1.0]
REG_LABEL = [[0.0, -0.5, 1.0], [2.0, 0.3, 0.0], [-1.5, 1.0, 0.5], [0.5, 0.5, -0.5]]
PROB_LABEL = [[0.1, 0.2, 0.7], [1.0, 0.0, 0.0], [0.3, 0.3, 0.4], [0.0, 1.0, 0.0]]
BIN_LABEL = [[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [0.0, 0.0, 1.0], [1.0, 1.0, 0.0]]

LOSS_CASES = {
    "L2": ("L2Loss", {}, REG_LABEL, None),
    "L2_weight": ("L2Loss", {"weight": 2.0}, REG_LABEL, None),
    "L2_label_flat": ("L2Loss", {}, [v for row in REG_LABEL for v in row], None),
    "L2_sample_weight": ("L2Loss", {}, REG_LABEL, [[1.0], [0.0], [2.0], [0.5]]),
    "L2_batch_axis1": ("L2Loss", {"batch_axis": 1}, REG_LABEL, None),
    "L1": ("L1Loss", {}, REG_LABEL, None),
    "L1_weight_sample_weight": (
        "L1Loss",
        {"weight": 0.5},
        REG_LABEL,
        [[1.0, 2.0, 0.0]] * 4,
    ),
    "SCE_sparse": ("SoftmaxCrossEntropyLoss", {}, LABEL_IDX, None),
    "SCE_sparse_n1": ("SoftmaxCrossEntropyLoss", {}, [[v] for v in LABEL_IDX], None),
    "SCE_sparse_int_label": ("SoftmaxCrossEntropyLoss", {}, "int", None),
    "SCE_dense": ("SoftmaxCrossEntropyLoss", {"sparse_label": False}, PROB_LABEL, None),
    "SCE_from_logits": (
        "SoftmaxCrossEntropyLoss",
        {"from_logits": True},
        LABEL_IDX,
        None,
    ),
    "SCE_weight": ("SoftmaxCrossEntropyLoss", {"weight": 0.5}, LABEL_IDX, None),
    "SCE_sample_weight": (
        "SoftmaxCrossEntropyLoss",
        {},
        LABEL_IDX,
        [[1.0], [2.0], [0.0], [1.0]],
    ),
    "SCE_axis0": (
        "SoftmaxCrossEntropyLoss",
        {"axis": 0, "batch_axis": 1},
        [3.0, 0.0, 1.0],
        None,
    ),
    "SoftmaxCELoss_alias": ("SoftmaxCELoss", {}, LABEL_IDX, None),
    "SigmoidBCE": ("SigmoidBinaryCrossEntropyLoss", {}, BIN_LABEL, None),
    "SigmoidBCE_from_sigmoid": (
        "SigmoidBinaryCrossEntropyLoss",
        {"from_sigmoid": True},
        BIN_LABEL,
        None,
    ),
    "SigmoidBCE_sample_weight": (
        "SigmoidBinaryCrossEntropyLoss",
        {},
        BIN_LABEL,
        [[1.0], [0.5], [0.0], [2.0]],
    ),
    "Huber": ("HuberLoss", {}, REG_LABEL, None),
    "Huber_rho": ("HuberLoss", {"rho": 0.5}, REG_LABEL, None),
    "Hinge": ("HingeLoss", {}, [[1.0, -1.0, 1.0]] * 4, None),
    "KLDiv": ("KLDivLoss", {"from_logits": False}, PROB_LABEL, None),
    "Logistic": ("LogisticLoss", {}, [[1.0, -1.0, 1.0]] * 4, None),
}


# MXNet 1.9.1's HuberLoss, HingeLoss, KLDivLoss and LogisticLoss call legacy
# operators that reject NumPy-interface arrays: those run in the 1.x style.
ND_ONLY_LOSSES = ("HuberLoss", "HingeLoss", "KLDivLoss", "LogisticLoss")


def _loss_prog(cls, kw, label, sample_weight):
    def prog(m):
        loss = getattr(m.gluon.loss, cls)(**kw)
        array = m.nd.array if cls in ND_ONLY_LOSSES else m.np.array
        pred = array(PRED)
        if cls == "SigmoidBinaryCrossEntropyLoss" and kw.get("from_sigmoid"):
            pred = m.npx.sigmoid(pred)
        if label == "int":
            lab = array([2, 0, 1, 1], dtype="int32")
        else:
            lab = array(label)
        pred.attach_grad()
        args = (
            (pred, lab) if sample_weight is None else (pred, lab, array(sample_weight))
        )
        with m.autograd.record():
            lv = loss(*args)
        lv.backward()
        return {"loss": lv, "grad": pred.grad}

    return prog


for _name, (_cls, _kw, _label, _sw) in LOSS_CASES.items():
    add(
        f"loss_{_name}",
        _loss_prog(_cls, _kw, _label, _sw),
        style="nd" if _cls in ND_ONLY_LOSSES else "np",
    )


@program(style="nd")
def loss_nd_L2_batch_axis1(m):
    loss = m.gluon.loss.L2Loss(batch_axis=1)
    return {"loss": loss(m.nd.array(PRED), m.nd.array(REG_LABEL))}


@program(style="nd")
def loss_nd_SCE_axis0_batch_axis1(m):
    loss = m.gluon.loss.SoftmaxCrossEntropyLoss(axis=0, batch_axis=1)
    return {"loss": loss(m.nd.array(PRED), m.nd.array([3.0, 0.0, 1.0]))}


@program()
def loss_SCE_label_out_of_range(m):
    loss = m.gluon.loss.SoftmaxCrossEntropyLoss()
    return {"loss": loss(m.np.array(PRED), m.np.array([3.0, 0.0, 1.0, 1.0]))}


@program()
def loss_SCE_label_negative(m):
    loss = m.gluon.loss.SoftmaxCrossEntropyLoss()
    return {"loss": loss(m.np.array(PRED), m.np.array([-1.0, 0.0, 1.0, 1.0]))}


@program()
def loss_L2_shape_mismatch(m):
    loss = m.gluon.loss.L2Loss()
    return {"loss": loss(m.np.array(PRED), m.np.ones((4, 2)))}


@program()
def loss_SCE_3d_pred(m):
    loss = m.gluon.loss.SoftmaxCrossEntropyLoss()
    pred = fixed(m, (2, 3, 4))
    label = m.np.array([[0.0, 1.0, 3.0], [2.0, 2.0, 0.0]])
    return {"loss": loss(pred, label)}


@program(style="nd")
def loss_nd_SCE_and_L2(m):
    nd, gluon = m.nd, m.gluon
    sce = gluon.loss.SoftmaxCrossEntropyLoss()
    l2 = gluon.loss.L2Loss()
    return {
        "sce": sce(nd.array(PRED), nd.array(LABEL_IDX)),
        "l2": l2(nd.array(PRED), nd.array(REG_LABEL)),
    }


@program()
def loss_hybridized_SCE(m):
    loss = m.gluon.loss.SoftmaxCrossEntropyLoss()
    loss.hybridize()
    pred = m.np.array(PRED)
    pred.attach_grad()
    with m.autograd.record():
        lv = loss(pred, m.np.array(LABEL_IDX))
    lv.backward()
    return {"loss": lv, "grad": pred.grad}


# --- files -------------------------------------------------------------------------


def _mlp(m, hybrid=False):
    net = m.nn.HybridSequential() if hybrid else m.nn.Sequential()
    net.add(m.nn.Dense(5, in_units=4, activation="relu"), m.nn.Dense(2, in_units=5))
    return net


@program(area="file")
def file_save_load_parameters(m):
    path = tmpfile(".params")
    try:
        net = _mlp(m)
        net.initialize()
        set_fixed(net, m)
        net.save_parameters(path)
        clone = _mlp(m)
        clone.load_parameters(path)
        x = m.np.array(X24)
        return {"orig": net(x), "clone": clone(x)}
    finally:
        os.remove(path)


@program(area="file")
def file_load_parameters_wrong_shape(m):
    path = tmpfile(".params")
    try:
        net = _mlp(m)
        net.initialize()
        net.save_parameters(path)
        other = m.nn.Sequential()
        other.add(m.nn.Dense(6, in_units=4), m.nn.Dense(2, in_units=6))
        other.load_parameters(path)
        return {}
    finally:
        os.remove(path)


@program(area="file")
def file_load_parameters_missing_layer(m):
    path = tmpfile(".params")
    try:
        net = _mlp(m)
        net.initialize()
        net.save_parameters(path)
        bigger = _mlp(m)
        bigger.add(m.nn.Dense(1, in_units=2))
        bigger.load_parameters(path)
        return {}
    finally:
        os.remove(path)


@program(area="file")
def file_load_parameters_custom_block(m):
    nn = m.nn

    class MLP(nn.Block):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hidden = nn.Dense(5, in_units=4, activation="relu")
            self.output = nn.Dense(2, in_units=5)

        def forward(self, x):
            return self.output(self.hidden(x))

    path = tmpfile(".params")
    try:
        net = MLP()
        net.initialize()
        set_fixed(net, m)
        net.save_parameters(path)
        clone = MLP()
        clone.load_parameters(path)
        x = m.np.array(X24)
        return {"equal": bool((net(x) == clone(x)).asnumpy().all()), "y": clone(x)}
    finally:
        os.remove(path)


@program(area="file")
def file_export_symbolblock_imports(m):
    prefix = tempfile.mkdtemp()
    base = os.path.join(prefix, "mlp")
    try:
        net = _mlp(m, hybrid=True)
        net.initialize()
        set_fixed(net, m)
        net.hybridize()
        x = m.np.array(X24)
        y = net(x)
        net.export(base, epoch=0)
        files = sorted(os.listdir(prefix))
        imported = m.gluon.SymbolBlock.imports(
            base + "-symbol.json", ["data"], base + "-0000.params"
        )
        return {"files": files, "y": y, "imported": imported(x)}
    finally:
        for f in os.listdir(prefix):
            os.remove(os.path.join(prefix, f))
        os.rmdir(prefix)


@program(area="file")
def file_export_before_forward(m):
    prefix = tempfile.mkdtemp()
    try:
        net = _mlp(m, hybrid=True)
        net.initialize()
        net.hybridize()
        net.export(os.path.join(prefix, "mlp"))
        return {}
    finally:
        for f in os.listdir(prefix):
            os.remove(os.path.join(prefix, f))
        os.rmdir(prefix)


@program(area="file")
def file_save_load_parameters_tied(m):
    path = tmpfile(".params")
    try:
        shared = m.nn.Dense(4, in_units=4)
        net = m.nn.Sequential()
        net.add(shared, m.nn.Dense(4, in_units=4, params=shared.params))
        net.initialize()
        set_fixed(net, m)
        net.save_parameters(path)
        clone_shared = m.nn.Dense(4, in_units=4)
        clone = m.nn.Sequential()
        clone.add(clone_shared, m.nn.Dense(4, in_units=4, params=clone_shared.params))
        clone.load_parameters(path)
        x = m.np.array(X24)
        return {"orig": net(x), "clone": clone(x)}
    finally:
        os.remove(path)


@program(area="file", style="nd")
def file_nd_save_load_parameters(m):
    path = tmpfile(".params")
    try:
        net = m.nn.Sequential()
        net.add(m.nn.Dense(3, in_units=4), m.nn.Dense(2, in_units=3))
        net.initialize()
        set_fixed(net, m, nd=True)
        net.save_parameters(path)
        clone = m.nn.Sequential()
        clone.add(m.nn.Dense(3, in_units=4), m.nn.Dense(2, in_units=3))
        clone.load_parameters(path)
        x = m.nd.array(X24)
        return {"orig": net(x), "clone": clone(x)}
    finally:
        os.remove(path)


@program(style="nd", area="gluon1x")
def gluon1x_params_get_bias_takes_global_init(m):
    """A parameter without its own initializer gets the one passed to
    initialize(), whatever its name (Dense's bias has its own: zeros)."""

    class Block(m.gluon.Block):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.weight = self.params.get("weight", shape=(2, 3))
                self.bias = self.params.get("bias", shape=(3,))

    net = Block()
    net.initialize(m.init.One())
    dense = m.nn.Dense(3, in_units=2)
    dense.initialize(m.init.One())
    return {
        "weight": net.weight.data(),
        "bias": net.bias.data(),
        "dense_bias": dense.bias.data(),
    }


@program(area="hybrid")
def hybrid_gluon2_forward_in_hybrid_block(m):
    """Gluon 2 style: a HybridBlock that defines forward (not hybrid_forward)."""
    nn = m.nn

    class Net(nn.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = nn.Dense(3, in_units=4)

        def forward(self, x):
            return m.npx.relu(self.dense(x)) * 2

    net = Net()
    net.initialize()
    set_fixed(net, m)
    x = m.np.array(X24)
    eager = net(x)
    net.hybridize()
    return {"eager": eager, "hybrid": net(x), "again": net(x)}


# =================================================================================
# 5. The book's chapter-5 and training idioms (MXNet 1.x and 2.x spellings)
# =================================================================================


def _book_net(m, hybrid=False):
    net = m.nn.HybridSequential() if hybrid else m.nn.Sequential()
    net.add(m.nn.Dense(8, activation="relu"), m.nn.Dense(1))
    return net


@program(area="book")
def book_parameter_access(m):
    net = _book_net(m)
    net.initialize()
    x = fixed(m, (2, 4), scale=0.3)
    net(x)
    set_fixed(net, m)
    p = net[1].weight
    return {
        "shape": p.shape,
        "data": p.data(),
        "grad": p.grad(),
        "bias": net[1].bias.data(),
        "dtype": p.data().asnumpy().dtype.name,
        "n_params": len(list(net.collect_params().values())),
    }


@program(area="book")
def book_weight_data_inplace_edit(m):
    net = m.nn.Dense(2, in_units=3)
    net.initialize(m.init.Constant(1.0))
    net.weight.data()[:] += 1
    net.weight.data()[0, 0] = 42
    return {"w": net.weight.data()}


@program(area="book")
def book_set_data_from_data(m):
    net = m.nn.Dense(2, in_units=3)
    net.initialize(m.init.One())
    net.weight.set_data(net.weight.data() * 3 + 1)
    return {"w": net.weight.data()}


@program(area="book")
def book_parameter_initialize_force_reinit(m):
    net = _book_net(m)
    net.initialize(m.init.Constant(1.0))
    net(m.np.ones((2, 4)))
    net[0].weight.initialize(init=m.init.Constant(42.0), force_reinit=True)
    return {"w0": net[0].weight.data()[0], "w1": net[1].weight.data()}


@program(area="book")
def book_custom_init_abs_mask(m):
    class MyInit(m.init.Initializer):
        def _init_weight(self, name, data):
            values = m.onp.arange(data.size, dtype="float32").reshape(data.shape)
            data[:] = m.np.array(values - 6)
            data *= m.np.abs(data) >= 3

    net = m.nn.Dense(4, in_units=3)
    net.initialize(MyInit())
    return {"w": net.weight.data(), "b": net.bias.data()}


@program(area="book")
def book_apply_init_per_block(m):
    net = m.nn.Sequential()
    net.add(m.nn.Dense(3, in_units=2), m.nn.Dense(2, in_units=3))
    net[0].initialize(m.init.Constant(0.5))
    net[1].initialize(m.init.One())
    return {"values": param_values(net)}


@program(area="book")
def book_centered_layer(m):
    class CenteredLayer(m.nn.HybridBlock):
        def hybrid_forward(self, F, x):
            return x - x.mean()

    layer = CenteredLayer()
    eager = layer(m.np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    net = m.nn.HybridSequential()
    net.add(m.nn.Dense(4, in_units=3), CenteredLayer())
    net.initialize()
    set_fixed(net, m)
    net.hybridize()
    y = net(fixed(m, (4, 3)))
    return {"eager": eager, "mean_zero": bool(abs(y.mean().item()) < 1e-6), "y": y}


@program(area="book", style="nd")
def book_centered_layer_nd(m):
    class CenteredLayer(m.gluon.HybridBlock):
        def hybrid_forward(self, F, x):
            return F.broadcast_sub(x, F.mean(x))

    layer = CenteredLayer()
    layer.hybridize()
    return {"y": layer(m.nd.array([1.0, 2.0, 3.0, 4.0, 5.0]))}


@program(area="book")
def book_mydense_np(m):
    class MyDense(m.nn.Block):
        def __init__(self, units, in_units, **kwargs):
            super().__init__(**kwargs)
            self.weight = self.params.get("weight", shape=(in_units, units))
            self.bias = self.params.get("bias", shape=(units,))

        def forward(self, x):
            linear = m.np.dot(x, self.weight.data()) + self.bias.data()
            return m.npx.relu(linear)

    dense = MyDense(units=3, in_units=4)
    dense.initialize()
    dense.weight.set_data(m.np.array(W34).T)
    dense.bias.set_data(m.np.array(B3))
    return {"y": dense(m.np.array(X24)), "shapes": param_shapes(dense)}


@program(area="book", style="nd")
def book_context_cpu(m):
    mx, nd = m.mx, m.nd
    x = nd.ones((2, 3), ctx=mx.cpu())
    y = x.copyto(mx.cpu())
    z = x.as_in_context(mx.cpu())
    net = m.nn.Dense(2, in_units=3)
    net.initialize(m.init.One(), ctx=mx.cpu())
    return {
        "ctx": str(x.context),
        "same": [str(y.context), str(z.context)],
        "param_ctx": str(net.weight.data().context),
        "y": net(z),
        "cpu_eq": mx.cpu() == mx.cpu(0),
    }


@program(area="book")
def book_device_np(m):
    x = m.np.ones((2, 3), ctx=m.npx.cpu())
    return {"ctx": str(x.ctx), "z": x.as_in_ctx(m.npx.cpu()) + 1}


@program(area="book")
def book_forward_hooks(m):
    seen = []
    net = m.nn.Dense(2, in_units=4)
    net.initialize(m.init.One())
    net.register_forward_pre_hook(
        lambda block, inputs: seen.append(("pre", tuple(inputs[0].shape)))
    )
    net.register_forward_hook(
        lambda block, inputs, output: seen.append(("post", tuple(output.shape)))
    )
    net(m.np.array(X24))
    return {"seen": seen}


@program(area="book")
def book_block_apply(m):
    net = m.nn.Sequential()
    net.add(m.nn.Dense(8), m.nn.Dense(1))
    names = []
    net.apply(lambda block: names.append(type(block).__name__))
    return {"visited": names}


@program(area="book")
def book_block_apply_dense_with_activation(m):
    net = _book_net(m)
    names = []
    net.apply(lambda block: names.append(type(block).__name__))
    return {"visited": names}


@program(area="book")
def book_nd_save_single_array(m):
    path = tmpfile(".nd")
    try:
        m.nd.save(path, m.nd.arange(4))
        loaded = m.nd.load(path)
        return {"type": type(loaded).__name__, "value": loaded[0]}
    finally:
        os.remove(path)


@program(area="book", style="nd")
def book_nd_save_load_1x(m):
    nd = m.nd
    path = tmpfile(".nd")
    try:
        x, y = nd.arange(4), nd.zeros(4)
        nd.save(path, [x, y])
        x2, y2 = nd.load(path)
        nd.save(path, {"x": x, "y": y})
        mydict = nd.load(path)
        return {"x2": x2, "y2": y2, "dict": mydict}
    finally:
        os.remove(path)


def _linreg_data(m, nd=False):
    X = fixed_nd(m, (12, 2), scale=0.25) if nd else fixed(m, (12, 2), scale=0.25)
    true_w = [2.0, -3.4]
    y = X[:, 0] * true_w[0] + X[:, 1] * true_w[1] + 4.2
    return X, y


@program(area="book")
def book_linreg_concise_dataloader(m):
    gluon, nn = m.gluon, m.nn
    X, y = _linreg_data(m)
    dataset = gluon.data.ArrayDataset(X, y)
    loader = gluon.data.DataLoader(dataset, batch_size=5, shuffle=False)
    net = nn.Sequential()
    net.add(nn.Dense(1))
    net.initialize(m.init.Constant(0.1))
    loss = gluon.loss.L2Loss()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.05})
    shapes = []
    for _ in range(3):
        for xb, yb in loader:
            shapes.append(tuple(xb.shape))
            with m.autograd.record():
                lv = loss(net(xb), yb)
            lv.backward()
            trainer.step(xb.shape[0])
    return {
        "batch_shapes": shapes,
        "w": net[0].weight.data(),
        "b": net[0].bias.data(),
        "loss": loss(net(X), y).mean(),
        "n_batches": len(loader),
        "n_items": len(dataset),
    }


@program(area="book", style="nd")
def book_linreg_concise_nd(m):
    gluon, nn = m.gluon, m.nn
    X, y = _linreg_data(m, nd=True)
    loader = gluon.data.DataLoader(gluon.data.ArrayDataset(X, y), batch_size=4)
    net = nn.Sequential()
    net.add(nn.Dense(1))
    net.initialize(m.init.Constant(0.1))
    loss = gluon.loss.L2Loss()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.05})
    for _ in range(2):
        for xb, yb in loader:
            with m.autograd.record():
                lv = loss(net(xb), yb)
            lv.backward()
            trainer.step(4)
    return {
        "w": net[0].weight.data(),
        "b": net[0].bias.data(),
        "loss": loss(net(X), y).mean().asscalar(),
    }


@program(area="book")
def book_softmax_regression_accuracy(m):
    gluon, nn = m.gluon, m.nn
    X = fixed(m, (6, 4), scale=0.2)
    y = m.np.array([0.0, 1.0, 2.0, 0.0, 1.0, 2.0])
    net = nn.Sequential()
    net.add(nn.Flatten(), nn.Dense(3))
    net.initialize(m.init.Constant(0.05))
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.5})
    for _ in range(4):
        with m.autograd.record():
            lv = loss(net(X), y)
        lv.backward()
        trainer.step(6)
    y_hat = net(X)
    correct = (y_hat.argmax(axis=1) == y.astype("int64")).sum()
    return {
        "params": param_values(net),
        "correct": float(correct),
        "loss": loss(y_hat, y).mean(),
    }


@program(area="book")
def book_mlp_hybridized_training(m):
    gluon = m.gluon
    net = _book_net(m, hybrid=True)
    net.initialize()
    X = fixed(m, (6, 4), scale=0.2)
    y = m.np.array([[1.0], [0.0], [0.5], [-0.5], [1.0], [2.0]])
    net(X)
    set_fixed(net, m)
    net.hybridize()
    loss = gluon.loss.L2Loss()
    trainer = gluon.Trainer(
        net.collect_params(), "sgd", {"learning_rate": 0.1, "momentum": 0.5}
    )
    for _ in range(3):
        with m.autograd.record():
            lv = loss(net(X), y)
        lv.backward()
        trainer.step(6)
    return {"params": param_values(net), "loss": lv}


@program(area="book")
def book_params_reset_ctx_and_zero_grad(m):
    net = _book_net(m)
    net.initialize(m.init.One())
    net(m.np.ones((2, 4)))
    net.collect_params().reset_ctx(m.mx.cpu())
    net.collect_params().zero_grad()
    return {"grads": [p.grad() for p in net.collect_params().values()]}


@program(area="book")
def book_parameter_list_data(m):
    net = m.nn.Dense(2, in_units=3)
    net.initialize(m.init.One())
    return {
        "list_data": net.weight.list_data(),
        "list_grad": net.weight.list_grad(),
        "list_ctx": [str(c) for c in net.weight.list_ctx()],
    }


@program(area="book")
def book_autograd_control_flow(m):
    """The book's f(a) with a data-dependent while loop and if."""

    def f(a):
        b = a * 2
        while m.np.linalg.norm(b) < 1000:
            b = b * 2
        if b.sum() > 0:
            c = b
        else:
            c = 100 * b
        return c

    a = m.np.array([0.3, -1.2])
    a.attach_grad()
    with m.autograd.record():
        d = f(a)
    d.backward()
    return {"d": d, "grad": a.grad, "ratio": a.grad == d / a}


@program(area="grad")
def grad_autograd_grad_create_graph(m):
    x = m.np.array([1.0, 2.0])
    x.attach_grad()
    with m.autograd.record():
        y = (x * x * x).sum()
        (g,) = m.autograd.grad(y, [x], create_graph=True)
        z = g.sum()
    z.backward()
    return {"g": g, "second": x.grad}


@program(area="book")
def book_dropout_mlp_predict_is_deterministic(m):
    net = m.nn.Sequential()
    net.add(m.nn.Dense(8, activation="relu"), m.nn.Dropout(0.5), m.nn.Dense(2))
    net.initialize()
    x = fixed(m, (3, 4), scale=0.3)
    net(x)
    set_fixed(net, m)
    return {"y": net(x), "again": net(x)}


@program(area="book")
def book_dropout_train_record_differs_from_predict(m):
    net = m.nn.Sequential()
    net.add(m.nn.Dense(50, activation="relu"), m.nn.Dropout(0.5))
    net.initialize(m.init.One())
    x = m.np.ones((4, 10))
    with m.autograd.record():
        train = net(x)
    predict = net(x)
    v = train.asnumpy()
    return {
        "shape": train.shape,
        "predict": predict,
        "train_has_zeros": bool((v == 0).any()),
        "train_kept_doubled": bool(abs(v[v != 0] - 22.0).max() < 1e-4),
    }


# =================================================================================
# 6. Edge cases: numerics, stability, shapes, re-initialization, optimizers
# =================================================================================

EDGE = {
    "exp_overflow": lambda m: m.np.exp(m.np.array([100.0, -100.0, 0.0])),
    "log_zero_negative": lambda m: m.np.log(m.np.array([0.0, -1.0, 1.0])),
    "zero_div_zero": lambda m: m.np.arange(3) / m.np.arange(3),
    "sigmoid_large": lambda m: m.npx.sigmoid(m.np.array([-100.0, 0.0, 100.0])),
    "softmax_large": lambda m: m.npx.softmax(m.np.array([[1000.0, 1001.0, 999.0]])),
    "log_softmax_large": lambda m: m.npx.log_softmax(
        m.np.array([[1000.0, 0.0, -1000.0]])
    ),
    "log_softmax_axis0": lambda m: m.npx.log_softmax(m.np.array(X23), axis=0),
    "sum_dtype_arg": lambda m: m.np.sum(m.np.arange(4, dtype="int32"), dtype="float32"),
    "mean_dtype_arg": lambda m: m.np.mean(m.np.array(X23), axis=0, dtype="float64"),
    "reshape_minus1_flat": lambda m: m.np.array(X23).reshape(-1),
    "transpose_1d": lambda m: m.np.array([1.0, 2.0]).T,
    "broadcast_error": lambda m: m.np.ones((2, 3)) + m.np.ones((3, 2)),
    "stack_mismatch": lambda m: m.np.stack([m.np.ones(2), m.np.ones(3)]),
    "split_uneven": lambda m: m.np.split(m.np.ones(5), 2),
    "max_of_empty": lambda m: m.np.zeros((0,)).max(),
    "sum_of_empty": lambda m: m.np.zeros((0, 3)).sum(axis=0),
    "setitem_shape_mismatch": lambda m: m.np.zeros((3, 2)).__setitem__(
        slice(0, 2), m.np.ones(3)
    ),
    "scalar_array_ops": lambda m: m.np.array(2.0) * m.np.array([1.0, 2.0]) + 1,
    "comparison_chain_mask_sum": lambda m: (
        (m.np.array(X23) > 0) * (m.np.array(X23) < 2)
    ).sum(),
    "negative_index_slice_assign": lambda m: _assign_neg(m),
    "argmax_ties_first": lambda m: m.np.argmax(
        m.np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]), axis=1
    ),
}


def _assign_neg(m):
    x = m.np.zeros((3, 4))
    x[-1, ::-2] = m.np.array([1.0, 2.0])
    x[:-1, -1] += 5
    return x


for _name, _fn in EDGE.items():
    add(f"edge_{_name}", _create(_fn))

EDGE_GRAD = {
    "sqrt_at_zero": (lambda m, x: m.np.sqrt(x), [0.0, 1.0, 4.0]),
    "relu_at_zero": (lambda m, x: m.npx.relu(x), [-1.0, 0.0, 1.0]),
    "clip_at_bounds": (lambda m, x: m.np.clip(x, -1.0, 1.0), [-1.0, 0.0, 1.0, 2.0]),
    "maximum_at_tie_scalar": (lambda m, x: m.np.maximum(x, 1.0), [0.0, 1.0, 2.0]),
    "minimum_at_tie_scalar": (lambda m, x: m.np.minimum(x, 1.0), [0.0, 1.0, 2.0]),
    "log_softmax_large": (
        lambda m, x: m.npx.log_softmax(x) * m.np.array([1.0, 0.0, 0.0]),
        [1000.0, 0.0, -1000.0],
    ),
    "sigmoid_large": (lambda m, x: m.npx.sigmoid(x), [-100.0, 0.0, 100.0]),
    "sign": (lambda m, x: m.np.sign(x) * x, [-2.0, 0.0, 3.0]),
    "min_all_ties": (lambda m, x: x.min(), [2.0, 1.0, 1.0, 1.0]),
    "power_zero_base": (lambda m, x: x**2.0, [0.0, -1.0, 3.0]),
    "abs_sum": (lambda m, x: m.np.abs(x).sum(), [-1.0, 0.0, 2.0]),
    "mean_keepdims_broadcast": (lambda m, x: x - x.mean(), [1.0, 2.0, 6.0]),
}


def _edge_grad(fn, data):
    def prog(m):
        x = m.np.array(data)
        x.attach_grad()
        with m.autograd.record():
            y = fn(m, x)
        y.backward()
        return {"y": y, "grad": x.grad}

    return prog


for _name, (_fn, _data) in EDGE_GRAD.items():
    add(f"edgegrad_{_name}", _edge_grad(_fn, _data))


@program(area="edge")
def edge_dense_lazy_flatten_3d(m):
    net = m.nn.Dense(3)
    net.initialize(m.init.One())
    y = net(fixed(m, (2, 2, 3)))
    return {"y": y, "shape": net.weight.shape}


@program(area="edge")
def edge_dense_lazy_no_flatten_3d(m):
    net = m.nn.Dense(3, flatten=False)
    net.initialize(m.init.One())
    y = net(fixed(m, (2, 2, 4)))
    return {"y": y, "shape": net.weight.shape}


@program(area="edge")
def edge_initialize_twice_keeps_values(m):
    net = m.nn.Dense(2, in_units=2)
    net.initialize(m.init.One())
    net.initialize(m.init.Constant(5.0))
    return {"w": net.weight.data()}


@program(area="edge")
def edge_collect_params_initialize(m):
    net = _book_net(m)
    net.collect_params().initialize(m.init.One())
    return {"y": net(m.np.ones((2, 3)))}


@program(area="edge")
def edge_hybridize_static(m):
    net = _hs(
        m, m.nn.Dense(4, in_units=3, activation="relu"), m.nn.Dense(2, in_units=4)
    )
    net.initialize()
    set_fixed(net, m)
    x = fixed(m, (2, 3))
    eager = net(x)
    net.hybridize(static_alloc=True, static_shape=True)
    return {"eager": eager, "a": net(x), "b": net(x * 2)}


@program(area="edge")
def edge_hybrid_inside_plain_block(m):
    nn = m.nn

    class Outer(nn.Block):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = _hs(m, nn.Dense(3, in_units=4, activation="tanh"))
            self.out = nn.Dense(1, in_units=3)

        def forward(self, x):
            return self.out(self.inner(x)) * 2

    net = Outer()
    net.initialize()
    set_fixed(net, m)
    net.inner.hybridize()
    x = m.np.array(X24)
    with m.autograd.record():
        y = net(x)
    y.backward()
    return {"y": y, "grads": [p.grad() for p in net.collect_params().values()]}


@program(area="edge")
def edge_block_cast_float64(m):
    net = m.nn.Dense(2, in_units=3)
    net.initialize(m.init.One())
    net.cast("float64")
    x = m.np.ones((1, 3), dtype="float64")
    return {"dtype": net.weight.data().asnumpy().dtype.name, "y": net(x)}


@program(area="edge")
def edge_dense_dtype_float64(m):
    net = m.nn.Dense(2, in_units=3, dtype="float64")
    net.initialize(m.init.One())
    return {
        "dtype": net.weight.data().asnumpy().dtype.name,
        "y": net(m.np.ones((1, 3), dtype="float64")),
    }


@program(area="edge")
def edge_loss_hybridized_sample_weight(m):
    loss = m.gluon.loss.L2Loss()
    loss.hybridize()
    return {
        "l": loss(
            m.np.array(PRED),
            m.np.array(REG_LABEL),
            m.np.array([[1.0], [0.0], [2.0], [0.5]]),
        )
    }


@program(area="edge")
def edge_SCE_dense_from_logits(m):
    loss = m.gluon.loss.SoftmaxCrossEntropyLoss(sparse_label=False, from_logits=True)
    pred = m.npx.log_softmax(m.np.array(PRED))
    return {"l": loss(pred, m.np.array(PROB_LABEL))}


@program(area="edge")
def edge_L1_batch_axis1_nd_equiv(m):
    loss = m.gluon.loss.L1Loss()
    return {"l": loss(fixed(m, (2, 3, 4)), m.np.zeros((2, 3, 4)))}


@program(area="edge")
def edge_SigmoidBCE_pos_weight(m):
    loss = m.gluon.loss.SigmoidBinaryCrossEntropyLoss()
    return {
        "l": loss(
            m.np.array(PRED), m.np.array(BIN_LABEL), None, m.np.array([[2.0, 1.0, 0.5]])
        )
    }


@program(area="edge")
def edge_trainer_update_after_allreduce(m):
    net, x = _trainer_setup(m)
    trainer = m.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    with m.autograd.record():
        y = net(x).sum()
    y.backward()
    trainer.allreduce_grads()
    trainer.update(2)
    return {"w": net.weight.data(), "b": net.bias.data()}


ADAM_CASES = {
    "default": ({}, 3),
    "lr": ({"learning_rate": 0.05}, 4),
    "betas_wd": ({"learning_rate": 0.02, "beta1": 0.8, "beta2": 0.9, "wd": 0.01}, 3),
}


def _adam_prog(options, steps):
    def prog(m):
        net, x = _trainer_setup(m)
        trainer = m.gluon.Trainer(net.collect_params(), "adam", dict(options))
        for _ in range(steps):
            with m.autograd.record():
                y = (net(x) ** 2).sum()
            y.backward()
            trainer.step(2)
        return {"w": net.weight.data(), "b": net.bias.data()}

    return prog


for _name, (_opts, _steps) in ADAM_CASES.items():
    add(f"trainer_adam_{_name}", _adam_prog(_opts, _steps))


@program(area="trainer")
def trainer_sgd_optimizer_instance_no_momentum(m):
    net, x = _trainer_setup(m)
    trainer = m.gluon.Trainer(
        net.collect_params(), m.mx.optimizer.SGD(learning_rate=0.3)
    )
    with m.autograd.record():
        y = (net(x) ** 2).sum()
    y.backward()
    trainer.step(4)
    return {"w": net.weight.data(), "b": net.bias.data()}


@program(area="trainer")
def trainer_dense_shared_params_step(m):
    shared = m.nn.Dense(3, in_units=3)
    net = m.nn.Sequential()
    net.add(shared, m.nn.Dense(3, in_units=3, params=shared.params))
    net.initialize()
    set_fixed(net, m)
    trainer = m.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    with m.autograd.record():
        y = (net(m.np.array(X23)) ** 2).sum()
    y.backward()
    trainer.step(1)
    return {"w": shared.weight.data(), "b": shared.bias.data()}


# =================================================================================
# 7. More of mx.np that a learner may reach for
# =================================================================================

NP_MORE = {
    "percentile": lambda m: m.np.percentile(m.np.array(X23), 50),
    "percentile_axis": lambda m: m.np.percentile(
        m.np.array(X23), m.np.array([25.0, 75.0]), axis=1
    ),
    "quantile": lambda m: m.np.quantile(m.np.array(X23), 0.25),
    "median": lambda m: m.np.median(m.np.array(X23), axis=1),
    "argwhere": lambda m: m.np.argwhere(m.np.array(X23) > 0),
    "append": lambda m: m.np.append(m.np.array(X23), m.np.array(POS23), axis=0),
    "append_flat": lambda m: m.np.append(m.np.array([1.0, 2.0]), m.np.array([3.0])),
    "delete": lambda m: m.np.delete(m.np.array(X23), 1, axis=1),
    "insert": lambda m: m.np.insert(m.np.array([1.0, 2.0, 3.0]), 1, 9.0),
    "logspace": lambda m: m.np.logspace(0, 2, 3),
    "empty_like_shape": lambda m: m.np.empty_like(m.np.array(X23)).shape,
    "copy": lambda m: m.np.copy(m.np.array(X23)),
    "shape_size_ndim": lambda m: [
        m.np.shape(m.np.array(X23)),
        m.np.size(m.np.array(X23)),
        m.np.ndim(m.np.array(X23)),
    ],
    "absolute_fabs": lambda m: [
        m.np.absolute(m.np.array(X23)),
        m.np.fabs(m.np.array(X23)),
    ],
    "vdot": lambda m: m.np.vdot(m.np.array(X23), m.np.array(POS23)),
    "amax_amin": lambda m: [
        m.np.amax(m.np.array(X23), axis=0),
        m.np.amin(m.np.array(X23)),
    ],
    "around": lambda m: m.np.around(m.np.array([1.234, -5.678]), 1),
    "float_power": lambda m: m.np.float_power(m.np.array(POS23), 2),
    "exp2": lambda m: m.np.exp2(m.np.array([0.0, 1.0, 3.0])),
    "logaddexp": lambda m: m.np.logaddexp(
        m.np.array([0.0, 1.0]), m.np.array([0.0, 2.0])
    ),
    "linalg_inv": lambda m: m.np.linalg.inv(m.np.array([[2.0, 1.0], [1.0, 3.0]])),
    "linalg_det": lambda m: m.np.linalg.det(m.np.array([[2.0, 1.0], [1.0, 3.0]])),
    "linalg_solve": lambda m: m.np.linalg.solve(
        m.np.array([[2.0, 1.0], [1.0, 3.0]]), m.np.array([1.0, 2.0])
    ),
    "random_choice_shape": lambda m: m.np.random.choice(5, size=(3,)).shape,
    "random_rand_randn_shapes": lambda m: [
        m.np.random.rand(2, 3).shape,
        m.np.random.randn(4).shape,
    ],
    "random_shuffle_keeps_values": lambda m: _shuffled_sorted(m),
    "random_permutation_missing_in_1_9": lambda m: m.np.random.permutation(4).shape,
    "ndarray_flags_T_size": lambda m: [m.np.array(X23).T.shape, m.np.array(X23).size],
}


def _shuffled_sorted(m):
    x = m.np.arange(6)
    m.np.random.shuffle(x)
    return m.np.sort(x)


for _name, _fn in NP_MORE.items():
    add(f"np_more_{_name}", _create(_fn))


@program(area="npx")
def npx_seed_missing_in_1_9(m):
    m.npx.seed(3)
    a = m.np.random.uniform(size=(3,))
    m.npx.seed(3)
    b = m.np.random.uniform(size=(3,))
    return {"repeat": bool((a == b).all())}


@program(area="npx")
def npx_mx_random_seed_repeats(m):
    m.mx.random.seed(3)
    a = m.np.random.uniform(size=(3,))
    m.mx.random.seed(3)
    b = m.np.random.uniform(size=(3,))
    return {"repeat": bool((a == b).all())}


# =================================================================================
# 8. More Gluon: parameter order, multiple outputs, files, accumulation
# =================================================================================


@program(area="gluon")
def gluon_param_order_own_before_children(m):
    nn = m.nn

    class Net(nn.Block):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = nn.Dense(3, in_units=2)
            self.scale = self.params.get("scale", shape=(3,))

        def forward(self, x):
            return self.dense(x) * self.scale.data()

    net = Net()
    net.initialize(m.init.One())
    return {"shapes": param_shapes(net), "y": net(m.np.ones((1, 2)))}


@program(area="gluon")
def gluon_nested_sequential_indexing(m):
    inner = m.nn.Sequential()
    inner.add(m.nn.Dense(3, in_units=4), m.nn.Dense(2, in_units=3))
    net = m.nn.Sequential()
    net.add(inner, m.nn.Dense(1, in_units=2))
    net.initialize()
    set_fixed(net, m)
    return {
        "inner1": net[0][1].weight.data(),
        "y": net(m.np.array(X24)),
        "shapes": param_shapes(net),
    }


@program(area="hybrid")
def hybrid_multiple_outputs(m):
    nn = m.nn

    class Two(nn.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = nn.Dense(3, in_units=4)

        def hybrid_forward(self, F, x):
            h = self.dense(x)
            return F.npx.relu(h), F.np.tanh(h)

    net = Two()
    net.initialize()
    set_fixed(net, m)
    x = m.np.array(X24)
    e1, e2 = net(x)
    net.hybridize()
    with m.autograd.record():
        h1, h2 = net(x)
        total = (h1 * 2 + h2).sum()
    total.backward()
    return {"e": [e1, e2], "h": [h1, h2], "wgrad": net.dense.weight.grad()}


@program(area="hybrid")
def hybrid_two_inputs(m):
    nn = m.nn

    class Add(nn.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.a = nn.Dense(2, in_units=4)
            self.b = nn.Dense(2, in_units=3)

        def hybrid_forward(self, F, x, y):
            return self.a(x) + self.b(y)

    net = Add()
    net.initialize()
    set_fixed(net, m)
    x, y = m.np.array(X24), m.np.array(X23)
    eager = net(x, y)
    net.hybridize()
    return {"eager": eager, "hybrid": net(x, y)}


@program(area="hybrid")
def hybrid_input_gradient(m):
    net = _hs(
        m, m.nn.Dense(3, in_units=4, activation="sigmoid"), m.nn.Dense(1, in_units=3)
    )
    net.initialize()
    set_fixed(net, m)
    net.hybridize()
    x = m.np.array(X24)
    x.attach_grad()
    with m.autograd.record():
        y = net(x)
    y.backward()
    return {"y": y, "xgrad": x.grad}


@program(area="hybrid")
def hybrid_grad_req_add_params(m):
    net = _hs(m, m.nn.Dense(2, in_units=4))
    net.initialize()
    set_fixed(net, m)
    net.collect_params().setattr("grad_req", "add")
    net.hybridize()
    for k in range(3):
        with m.autograd.record():
            y = net(m.np.array(X24) * (k + 1)).sum()
        y.backward()
    return {"grads": [p.grad() for p in net.collect_params().values()]}


@program(area="trainer")
def trainer_grad_accumulation_add(m):
    net, x = _trainer_setup(m)
    for p in net.collect_params().values():
        p.grad_req = "add"
    trainer = m.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    for half in (x[:1], x[1:]):
        with m.autograd.record():
            y = (net(half) ** 2).sum()
        y.backward()
    trainer.step(2)
    net.collect_params().zero_grad()
    return {
        "w": net.weight.data(),
        "b": net.bias.data(),
        "zeroed": [p.grad() for p in net.collect_params().values()],
    }


@program(area="file")
def file_load_parameters_allow_missing_ignore_extra(m):
    path = tmpfile(".params")
    try:
        net = _mlp(m)
        net.initialize()
        set_fixed(net, m)
        net.save_parameters(path)
        bigger = _mlp(m)
        bigger.add(m.nn.Dense(1, in_units=2))
        bigger.initialize(m.init.One())
        bigger.load_parameters(path, allow_missing=True)
        smaller = m.nn.Sequential()
        smaller.add(m.nn.Dense(5, in_units=4, activation="relu"))
        smaller.load_parameters(path, ignore_extra=True)
        x = m.np.array(X24)
        return {"bigger": bigger(x), "smaller": smaller(x), "orig": net(x)}
    finally:
        os.remove(path)


@program(area="file")
def file_load_parameters_extra_error(m):
    path = tmpfile(".params")
    try:
        net = _mlp(m)
        net.initialize()
        net.save_parameters(path)
        smaller = m.nn.Sequential()
        smaller.add(m.nn.Dense(5, in_units=4, activation="relu"))
        smaller.load_parameters(path)
        return {}
    finally:
        os.remove(path)


@program(area="file")
def file_save_parameters_before_forward(m):
    path = tmpfile(".params")
    try:
        net = m.nn.Sequential()
        net.add(m.nn.Dense(3))
        net.initialize()
        net.save_parameters(path)
        return {}
    finally:
        os.remove(path)


@program(area="file")
def file_load_parameters_into_lazy_net(m):
    path = tmpfile(".params")
    try:
        net = _mlp(m)
        net.initialize()
        set_fixed(net, m)
        net.save_parameters(path)
        clone = m.nn.Sequential()
        clone.add(m.nn.Dense(5, activation="relu"), m.nn.Dense(2))
        clone.load_parameters(path)
        return {"shapes": param_shapes(clone), "y": clone(m.np.array(X24))}
    finally:
        os.remove(path)


@program(area="file")
def file_export_custom_hybrid_block(m):
    nn = m.nn

    class Net(nn.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = nn.Dense(3, in_units=4)

        def hybrid_forward(self, F, x):
            return F.npx.relu(self.dense(x)) + F.np.sum(x, axis=1, keepdims=True)

    prefix = tempfile.mkdtemp()
    base = os.path.join(prefix, "net")
    try:
        net = Net()
        net.initialize()
        set_fixed(net, m)
        net.hybridize()
        x = m.np.array(X24)
        y = net(x)
        net.export(base)
        imported = m.gluon.SymbolBlock.imports(
            base + "-symbol.json", ["data"], base + "-0000.params"
        )
        return {"y": y, "imported": imported(x), "imported_other": imported(x * 2)}
    finally:
        for f in os.listdir(prefix):
            os.remove(os.path.join(prefix, f))
        os.rmdir(prefix)


@program(area="file", style="nd")
def file_export_imports_nd(m):
    prefix = tempfile.mkdtemp()
    base = os.path.join(prefix, "mlp")
    try:
        net = m.nn.HybridSequential()
        net.add(m.nn.Dense(4, in_units=4, activation="tanh"), m.nn.Dense(2, in_units=4))
        net.initialize()
        set_fixed(net, m, nd=True)
        net.hybridize()
        x = m.nd.array(X24)
        y = net(x)
        net.export(base, epoch=3)
        files = sorted(os.listdir(prefix))
        imported = m.gluon.SymbolBlock.imports(
            base + "-symbol.json", ["data"], base + "-0003.params"
        )
        return {"files": files, "y": y, "imported": imported(x)}
    finally:
        for f in os.listdir(prefix):
            os.remove(os.path.join(prefix, f))
        os.rmdir(prefix)


@program(area="file")
def file_symbolblock_gradient(m):
    prefix = tempfile.mkdtemp()
    base = os.path.join(prefix, "mlp")
    try:
        net = _mlp(m, hybrid=True)
        net.initialize()
        set_fixed(net, m)
        net.hybridize()
        x = m.np.array(X24)
        net(x)
        net.export(base)
        imported = m.gluon.SymbolBlock.imports(
            base + "-symbol.json", ["data"], base + "-0000.params"
        )
        x.attach_grad()
        with m.autograd.record():
            y = imported(x).sum()
        y.backward()
        return {"y": y, "xgrad": x.grad}
    finally:
        for f in os.listdir(prefix):
            os.remove(os.path.join(prefix, f))
        os.rmdir(prefix)


# =================================================================================
# 9. More dtype rules
# =================================================================================

DTYPE_MORE = {
    "float16_arith": lambda m: m.np.ones((2,), dtype="float16") * 3 + 1,
    "float16_plus_float32": lambda m: m.np.ones(2, dtype="float16") + m.np.ones(2),
    "int64_array": lambda m: m.np.array([1, 2], dtype="int64") * 2,
    "arange_int64": lambda m: m.np.arange(3, dtype="int64"),
    "maximum_int": lambda m: m.np.maximum(m.np.arange(-2, 3, dtype="int32"), 0),
    "int_iadd_float": lambda m: _iadd(m),
    "int_times_float32_array": lambda m: m.np.arange(3, dtype="int32") * m.np.ones(3),
    "bool_plus_float": lambda m: (m.np.array(X23) > 0) + m.np.ones((2, 3)),
    "sum_int_dtype": lambda m: m.np.arange(4, dtype="int32").sum(),
    "argmax_dtype": lambda m: m.np.argmax(m.np.array(X23), axis=1),
    "astype_bool": lambda m: m.np.array([0.0, 2.0]).astype("bool"),
    "zeros_dtype_int64": lambda m: m.np.zeros((2,), dtype="int64"),
    "full_int_dtype": lambda m: m.np.full((2,), 3, dtype="int32"),
    "linspace_dtype": lambda m: (
        m.np.linspace(0, 1, 3).dtype.name
        if hasattr(m.np.linspace(0, 1, 3).dtype, "name")
        else str(m.np.linspace(0, 1, 3).dtype)
    ),
    "exp_of_int": lambda m: m.np.exp(m.np.arange(3, dtype="int32")),
    "sqrt_of_int": lambda m: m.np.sqrt(m.np.arange(3, dtype="int32")),
    "mean_of_int_axis": lambda m: (
        m.np.arange(6, dtype="int32").reshape(2, 3).mean(axis=0)
    ),
    "true_divide_ints": lambda m: (
        m.np.arange(4, dtype="int32") / m.np.full((4,), 2, dtype="int32")
    ),
    "power_int": lambda m: m.np.arange(4, dtype="int32") ** 2,
}


def _iadd(m):
    x = m.np.arange(3, dtype="int32")
    x += 1
    return x


for _name, _fn in DTYPE_MORE.items():
    add(f"np_dtype_{_name}", _create(_fn))


@program(area="gluon")
def gluon_dense_on_float64_numpy_data(m):
    net = m.nn.Dense(2, in_units=2)
    net.initialize(m.init.One())
    x = m.np.array(m.onp.array([[1.0, 2.0]]))
    return {"y": net(x)}


@program(area="gluon")
def gluon_dense_on_int_data(m):
    net = m.nn.Dense(2, in_units=2)
    net.initialize(m.init.One())
    return {"y": net(m.np.array([[1, 2]], dtype="int32"))}


@program(area="loss")
def loss_SigmoidBCE_label_flat(m):
    loss = m.gluon.loss.SigmoidBinaryCrossEntropyLoss()
    pred = m.np.array([[0.5], [-1.0], [2.0]])
    return {"l": loss(pred, m.np.array([1.0, 0.0, 1.0]))}


@program(area="loss")
def loss_L1_label_flat_vs_column(m):
    loss = m.gluon.loss.L1Loss()
    pred = m.np.array([[0.5], [-1.0], [2.0]])
    return {"l": loss(pred, m.np.array([1.0, 0.0, 1.0]))}


def _seed(m, s):
    """Seed the framework's generator (mx.random.seed in MXNet 1.x)."""
    random = getattr(m.mx, "random", None)
    if random is not None and hasattr(random, "seed"):
        random.seed(s)
    else:
        m.np.random.seed(s)


@program(area="hybrid")
def hybrid_dropout_train_seeded_same_mask(m):
    net = _hs(m, m.nn.Dropout(0.5))
    net.initialize()
    x = m.np.ones((6, 8))
    _seed(m, 5)
    with m.autograd.record():
        eager = net(x).asnumpy()
    net.hybridize()
    net(x)  # the first hybridized call may trace
    _seed(m, 5)
    with m.autograd.record():
        hyb = net(x).asnumpy()
    return {
        "same_mask": bool((eager == hyb).all()),
        "some_dropped": bool((eager == 0).any()),
    }


@program(area="hybrid")
def hybrid_dropout_train_eager_seeded_repeats(m):
    layer = m.nn.Dropout(0.5)
    x = m.np.ones((6, 8))
    _seed(m, 7)
    with m.autograd.record():
        a = layer(x).asnumpy()
    _seed(m, 7)
    with m.autograd.record():
        b = layer(x).asnumpy()
    return {"repeat": bool((a == b).all())}


# =================================================================================
# 10. Mixing with real NumPy and Python values (what learners do by accident)
# =================================================================================

MIX = {
    "ndarray_plus_numpy": lambda m: m.np.array(X23) + m.onp.ones((2, 3), "float32"),
    "numpy_plus_ndarray": lambda m: m.onp.ones((2, 3), "float32") + m.np.array(X23),
    "ndarray_times_list": lambda m: m.np.array(X23) * [1.0, 2.0, 3.0],
    "ndarray_matmul_numpy": lambda m: m.np.array(X23) @ m.onp.ones((3, 2), "float32"),
    "np_function_on_numpy": lambda m: m.np.exp(m.onp.zeros(2, "float32")),
    "np_function_on_list": lambda m: m.np.sum([1.0, 2.0, 3.0]),
    "numpy_function_on_ndarray": lambda m: m.onp.exp(m.np.array([0.0, 1.0])),
    "numpy_asarray_of_ndarray": lambda m: m.onp.asarray(m.np.array(X23)),
    "ndarray_compare_numpy_scalar": lambda m: m.np.array(X23) > m.onp.float32(0.5),
}


def _mix(fn):
    def prog(m):
        out = fn(m)
        return {
            "type": "ndarray" if hasattr(out, "asnumpy") else type(out).__name__,
            "y": out,
        }

    return prog


for _name, _fn in MIX.items():
    add(f"mix_{_name}", _mix(_fn))


@program(area="mix")
def mix_dense_given_numpy_array(m):
    net = m.nn.Dense(2, in_units=4)
    net.initialize(m.init.One())
    return {"y": net(m.onp.ones((2, 4), dtype="float32"))}


@program(area="mix")
def mix_loss_given_numpy_label(m):
    loss = m.gluon.loss.L2Loss()
    return {"l": loss(m.np.array(PRED), m.onp.array(REG_LABEL, dtype="float32"))}


# =================================================================================
# 11. What a parameter file holds (MXNet 1.9.1 saves structural names too)
# =================================================================================


def _saved(m, net, loader="npx"):
    path = tmpfile(".params")
    try:
        net.save_parameters(path)
        loaded = (m.npx.load if loader == "npx" else m.nd.load)(path)
        return {k: loaded[k] for k in sorted(loaded)}
    finally:
        os.remove(path)


@program(area="file")
def file_params_names_sequential(m):
    net = _mlp(m)
    net.initialize()
    set_fixed(net, m)
    return {"saved": _saved(m, net)}


@program(area="file")
def file_params_names_custom_nested(m):
    nn = m.nn

    class Inner(nn.Block):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hidden = nn.Dense(3, in_units=2)

        def forward(self, x):
            return self.hidden(x)

    class Outer(nn.Block):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.body = nn.Sequential()
            self.body.add(Inner(), nn.Dense(2, in_units=3))
            self.head = nn.Dense(1, in_units=2)

        def forward(self, x):
            return self.head(self.body(x))

    net = Outer()
    net.initialize()
    set_fixed(net, m)
    return {"saved": _saved(m, net)}


@program(area="file")
def file_params_names_tied(m):
    shared = m.nn.Dense(3, in_units=3)
    net = m.nn.Sequential()
    net.add(shared, m.nn.Dense(3, in_units=3, params=shared.params), shared)
    net.initialize()
    set_fixed(net, m)
    return {"keys": list(_saved(m, net))}


@program(area="file", style="nd")
def file_params_names_nd(m):
    net = m.nn.Sequential()
    net.add(m.nn.Dense(3, in_units=4), m.nn.Dense(2, in_units=3))
    net.initialize()
    set_fixed(net, m, nd=True)
    return {"saved": _saved(m, net, loader="nd")}


@program(area="gluon")
def gluon_param_names_with_prefix(m):
    """Names differ by design: MXNet prefixes a global counter or `prefix`."""
    net = m.nn.Dense(3, in_units=2, prefix="fc_")
    return {"keys": list(net.collect_params().keys()), "name": net.weight.name}


@program(area="gluon")
def gluon_param_types(m):
    net = _book_net(m)
    net.initialize()
    return {
        "param": type(net[1].bias).__name__,
        "dict": type(net.collect_params()).__name__,
        "block": type(net[0]).__name__,
        "len": len(net),
    }


@program(area="gluon")
def gluon_param_grad_is_zero_before_backward(m):
    net = m.nn.Dense(2, in_units=3)
    net.initialize()
    return {
        "zero": bool((net.weight.grad() == 0).all()),
        "shape": net.weight.grad().shape,
    }


# =================================================================================
# 12. From-scratch code of the book (chapters 3 and 4), both spellings
# =================================================================================


@program(area="scratch")
def scratch_linreg_sgd(m):
    np_ = m.np
    X, y = _linreg_data(m)
    y = y.reshape(-1, 1)
    w = np_.zeros((2, 1))
    b = np_.zeros(1)
    w.attach_grad()
    b.attach_grad()

    def linreg(X, w, b):
        return np_.dot(X, w) + b

    def squared_loss(y_hat, y):
        return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2

    def sgd(params, lr, batch_size):
        for param in params:
            param[:] = param - lr * param.grad / batch_size

    for _ in range(3):
        for i in range(0, 12, 4):
            Xb, yb = X[i : i + 4], y[i : i + 4]
            with m.autograd.record():
                lv = squared_loss(linreg(Xb, w, b), yb)
            lv.backward()
            sgd([w, b], 0.1, 4)
    return {"w": w, "b": b, "loss": squared_loss(linreg(X, w, b), y).mean()}


@program(area="scratch", style="nd")
def scratch_linreg_sgd_nd(m):
    nd = m.nd
    X, y = _linreg_data(m, nd=True)
    w = nd.zeros((2, 1))
    b = nd.zeros(1)
    for p in (w, b):
        p.attach_grad()
    for _ in range(3):
        for i in range(0, 12, 4):
            Xb, yb = X[i : i + 4], y[i : i + 4]
            with m.autograd.record():
                lv = (nd.dot(Xb, w) + b - yb.reshape((-1, 1))) ** 2 / 2
            lv.backward()
            for p in (w, b):
                p[:] = p - 0.1 * p.grad / 4
    return {"w": w, "b": b}


@program(area="scratch")
def scratch_in_place_sgd_and_grad_reset(m):
    w = m.np.array([1.0, -2.0])
    w.attach_grad()
    for _ in range(2):
        with m.autograd.record():
            lv = (w * w).sum()
        lv.backward()
        w -= 0.1 * w.grad
        w.grad[:] = 0
    return {"w": w, "grad": w.grad}


@program(area="scratch")
def scratch_softmax_cross_entropy(m):
    np_ = m.np

    def softmax(X):
        X_exp = np_.exp(X)
        partition = X_exp.sum(1, keepdims=True)
        return X_exp / partition

    def cross_entropy(y_hat, y):
        return -np_.log(y_hat[range(len(y_hat)), y])

    X = np_.array(PRED)
    X.attach_grad()
    y = np_.array([0, 2, 1, 1])
    with m.autograd.record():
        y_hat = softmax(X)
        lv = cross_entropy(y_hat, y)
    lv.backward()
    acc = float((y_hat.argmax(axis=1).astype(y.dtype) == y).sum())
    return {
        "y_hat": y_hat,
        "loss": lv,
        "grad": X.grad,
        "correct": acc,
        "y_dtype": y.asnumpy().dtype.name,
    }


@program(area="scratch")
def scratch_dropout_layer(m):
    np_ = m.np

    def dropout_layer(X, dropout, mask_source):
        if dropout == 1:
            return np_.zeros_like(X)
        if dropout == 0:
            return X
        mask = mask_source > dropout
        return mask.astype(np_.float32) * X / (1.0 - dropout)

    X = np_.arange(16).reshape(2, 8)
    source = fixed(m, (2, 8), scale=0.06, offset=0.5)
    return {
        "p0": dropout_layer(X, 0, source),
        "p05": dropout_layer(X, 0.5, source),
        "p1": dropout_layer(X, 1, source),
    }


@program(area="scratch")
def scratch_mlp_relu_and_l2_penalty(m):
    np_, npx = m.np, m.npx
    W1 = fixed(m, (4, 5), scale=0.05)
    b1 = np_.zeros(5)
    W2 = fixed(m, (5, 2), scale=0.05)
    b2 = np_.zeros(2)
    params = [W1, b1, W2, b2]
    for p in params:
        p.attach_grad()

    def relu(X):
        return np_.maximum(X, 0)

    def net(X):
        H = relu(np_.dot(X.reshape((-1, 4)), W1) + b1)
        return np_.dot(H, W2) + b2

    X = np_.array(X24)
    y = np_.array([1, 0])
    loss = m.gluon.loss.SoftmaxCrossEntropyLoss()
    with m.autograd.record():
        lv = loss(net(X), y) + 0.01 * (np_.sum(W1**2) / 2)
    lv.backward()
    return {
        "loss": lv,
        "grads": [p.grad for p in params],
        "relu_same": bool((relu(X) == npx.relu(X)).all()),
    }


@program(area="scratch")
def scratch_random_keyword_shapes(m):
    np_ = m.np
    return {
        "normal": np_.random.normal(0, 0.01, (3, 1)).shape,
        "normal_kw": np_.random.normal(loc=0, scale=0.01, size=(2, 2)).shape,
        "uniform": np_.random.uniform(0, 1, (2, 3)).shape,
        "float32": str(np_.float32),
        "int32_dtype": np_.zeros(2, dtype=np_.int32).dtype.name
        if hasattr(np_.zeros(2, dtype=np_.int32).dtype, "name")
        else str(np_.zeros(2, dtype=np_.int32).dtype),
    }


@program(area="scratch")
def scratch_isinstance_checks(m):
    x = m.np.ones(2)
    return {"np_ndarray": isinstance(x, m.np.ndarray)}


@program(area="scratch", style="nd")
def scratch_isinstance_checks_nd(m):
    x = m.nd.ones(2)
    x.wait_to_read()
    m.nd.waitall()
    return {"nd_NDArray": isinstance(x, m.nd.NDArray)}


@program(area="scratch", style="nd")
def scratch_autograd_1x_set_modes(m):
    prev = m.autograd.set_training(True)
    training = m.autograd.is_training()
    m.autograd.set_training(prev)
    prev_r = m.autograd.set_recording(True)
    recording = m.autograd.is_recording()
    m.autograd.set_recording(prev_r)
    return {
        "training": training,
        "recording": recording,
        "after": [m.autograd.is_training(), m.autograd.is_recording()],
    }


@program(area="scratch", style="nd")
def scratch_split_and_load_cpu(m):
    parts = m.gluon.utils.split_and_load(m.nd.arange(8).reshape((4, 2)), [m.mx.cpu()])
    return {"n": len(parts), "first": parts[0]}


@program(area="scratch", style="nd")
def scratch_clip_global_norm(m):
    arrays = [m.nd.array([3.0, 4.0]), m.nd.array([12.0])]
    norm = m.gluon.utils.clip_global_norm(arrays, 6.5)
    return {"norm": norm, "arrays": arrays}


# =================================================================================
# 13. Optimizer options
# =================================================================================


def _train_steps(m, trainer_args, steps=3, batch_size=2, scale=1.0):
    net, x = _trainer_setup(m)
    trainer = m.gluon.Trainer(net.collect_params(), *trainer_args)
    for _ in range(steps):
        with m.autograd.record():
            y = (net(x * scale) ** 2).sum()
        y.backward()
        trainer.step(batch_size)
    return {"w": net.weight.data(), "b": net.bias.data()}


@program(area="trainer")
def trainer_adam_optimizer_instance(m):
    return _train_steps(m, (m.mx.optimizer.Adam(learning_rate=0.05),))


@program(area="trainer")
def trainer_sgd_clip_gradient(m):
    return _train_steps(
        m, ("sgd", {"learning_rate": 0.1, "clip_gradient": 0.5}), scale=5.0
    )


@program(area="trainer")
def trainer_sgd_rescale_grad_option(m):
    return _train_steps(m, ("sgd", {"learning_rate": 0.1, "rescale_grad": 0.5}))


@program(area="trainer")
def trainer_sgd_momentum_instance_steps(m):
    return _train_steps(
        m, (m.mx.optimizer.SGD(learning_rate=0.05, momentum=0.9),), steps=5
    )


@program(area="trainer")
def trainer_optimizer_name_case(m):
    return _train_steps(m, ("SGD", {"learning_rate": 0.1}), steps=1)


@program(area="trainer")
def trainer_learning_rate_lr_key(m):
    net, _ = _trainer_setup(m)
    trainer = m.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.25})
    return {"lr": trainer.learning_rate}


@program(area="file", style="nd")
def file_export_params_get_block_nd(m):
    gluon, nd = m.gluon, m.nd

    class MyDense(gluon.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.weight = self.params.get("weight", shape=(4, 3))
                self.bias = self.params.get("bias", shape=(3,), init=m.init.Zero())

        def hybrid_forward(self, F, x, weight, bias):
            return F.relu(F.broadcast_add(F.dot(x, weight), bias))

    prefix = tempfile.mkdtemp()
    base = os.path.join(prefix, "mydense")
    try:
        net = MyDense()
        net.initialize()
        net.weight.set_data(nd.array(W34).T)
        net.hybridize()
        x = nd.array(X24)
        y = net(x)
        net.export(base)
        imported = gluon.SymbolBlock.imports(
            base + "-symbol.json", ["data"], base + "-0000.params"
        )
        return {"y": y, "imported": imported(x)}
    finally:
        for f in os.listdir(prefix):
            os.remove(os.path.join(prefix, f))
        os.rmdir(prefix)


@program(area="hybrid")
def hybrid_deactivate_runs_eager_again(m):
    calls = []
    nn = m.nn

    class Net(nn.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = nn.Dense(2, in_units=4)

        def hybrid_forward(self, F, x):
            calls.append(1)
            return self.dense(x) * 2

    net = Net()
    net.initialize()
    set_fixed(net, m)
    x = m.np.array(X24)
    net.hybridize()
    a = net(x)
    net(x)
    traced_calls = len(calls)
    net.hybridize(active=False)
    b = net(x)
    net(x)
    return {
        "a": a,
        "b": b,
        "python_calls_hybridized": traced_calls,
        "python_calls_after": len(calls) - traced_calls,
    }


@program(area="hybrid")
def hybrid_trace_count_new_batch_size(m):
    calls = []
    nn = m.nn

    class Net(nn.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = nn.Dense(2, in_units=4)

        def hybrid_forward(self, F, x):
            calls.append(1)
            return self.dense(x)

    net = Net()
    net.initialize()
    net.hybridize()
    net(m.np.ones((2, 4)))
    net(m.np.ones((2, 4)))
    after_same = len(calls)
    net(m.np.ones((5, 4)))
    net(m.np.ones((5, 4)))
    return {"after_same_shape": after_same, "after_new_batch": len(calls)}


# =================================================================================
# 14. More 1.x keywords
# =================================================================================

ND_MORE = {
    "sum_exclude": lambda m, nd: nd.sum(fixed_nd(m, (2, 3, 4)), axis=0, exclude=True),
    "mean_exclude_method": lambda m, nd: fixed_nd(m, (2, 3, 4)).mean(
        axis=(1, 2), exclude=True
    ),
    "sum_tuple_axis": lambda m, nd: nd.sum(fixed_nd(m, (2, 3, 4)), axis=(0, 2)),
    "Flatten_capital": lambda m, nd: nd.Flatten(fixed_nd(m, (2, 3, 2))),
    "softmax_cross_entropy": lambda m, nd: nd.softmax_cross_entropy(
        nd.array(PRED), nd.array(LABEL_IDX)
    ),
    "norm_keepdims": lambda m, nd: nd.norm(nd.array(A23), ord=2, axis=1, keepdims=True),
    "zeros_int_dtype": lambda m, nd: nd.zeros((2,), dtype="int32"),
    "reshape_keyword": lambda m, nd: nd.array(A23).reshape(shape=(3, 2)),
    "reshape_code_0": lambda m, nd: fixed_nd(m, (2, 3, 4)).reshape((0, -1)),
    "reshape_code_m3": lambda m, nd: fixed_nd(m, (2, 3, 4)).reshape((-3, 0)),
    "concat_single": lambda m, nd: nd.concat(nd.array(A23), dim=0),
    "astype_copy_false": lambda m, nd: nd.array(A23).astype("float32", copy=False),
    "log_softmax_axis0": lambda m, nd: nd.log_softmax(nd.array(A23), axis=0),
    "topk_both": lambda m, nd: nd.topk(nd.array(A23), k=2, ret_typ="both"),
    "softsign": lambda m, nd: nd.softsign(nd.array(A23)),
    "sequential_slice_forward": lambda m, nd: _seq_slice(m),
}


def _seq_slice(m):
    net = m.nn.Sequential()
    net.add(
        m.nn.Dense(3, in_units=4), m.nn.Dense(2, in_units=3), m.nn.Dense(1, in_units=2)
    )
    net.initialize()
    set_fixed(net, m, nd=True)
    return [net[:2](m.nd.array(X24)), type(net[:2]).__name__]


for _name, _fn in ND_MORE.items():
    add(f"nd_more_{_name}", _nd(_fn), style="nd")
