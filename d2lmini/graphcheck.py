"""Checks of an imported graph beyond its JSON fields: sizes, op calls, a dry run.

graphfile reads the fields; this module decides whether the graph can run. Each op's
call is checked against the op's own forward signature (inspect.signature of
Op.fwd), so an op added to the registry is covered without a list kept here; a few
keyword names have a type rule, and a default of True/False asks for a bool. Every
value's element count is capped, and the whole graph's bytes too. Finally the graph
runs once on zeros of its declared shapes (dry_run) and every op must give exactly
the shape and dtype the file declares; an op that raises is the file's fault.
"""

import inspect
import math
import warnings

import numpy as onp

from .errors import FileFormatError
from .graph import _short
from .npzread import DTYPES
from .ops import random_stand_in

MAX_ELEMENTS = 1 << 27  # elements of one value (512 MiB of float32)
MAX_BYTES = 1 << 31  # all values of a graph together (2 GiB)
MAX_NDIM = 32
_BOOLS = ("keepdims", "flatten", "relu", "equal_nan")
REEXPORT = ("The file is damaged, hand-edited or not written by d2lmini; export the "
            "model again with net.export(path).")
_SIGNATURES = {}
_DTYPE_NAMES = {d.name for d in DTYPES.values()}


def bad(where, field, expected, found):
    return FileFormatError(
        f"{where}, {field}: expected {expected}, got {_short(found)}. {REEXPORT}")


def check_shape(shape, dtype, where, field):
    """A declared shape: few dimensions, and not more elements than MAX_ELEMENTS."""
    if len(shape) > MAX_NDIM or math.prod(shape) > MAX_ELEMENTS:
        raise FileFormatError(
            f"{where}, {field}: shape {_short(tuple(shape))} has "
            f"{math.prod(shape)} elements in {len(shape)} dimensions; an imported "
            f"value may have at most {MAX_ELEMENTS} elements in {MAX_NDIM} "
            f"dimensions. {REEXPORT}")
    return math.prod(shape) * onp.dtype(dtype).itemsize


def check_total(nbytes, where):
    if nbytes > MAX_BYTES:
        raise FileFormatError(
            f"{where}: its values need {nbytes} bytes together, more than the "
            f"{MAX_BYTES} an imported graph may use. {REEXPORT}")


def _signature(op):
    if op.name not in _SIGNATURES:
        try:
            _SIGNATURES[op.name] = inspect.signature(op.fwd)
        except (TypeError, ValueError):  # a builtin without one: the dry run checks
            _SIGNATURES[op.name] = None
    return _SIGNATURES[op.name]


def check_call(op, nargs, kw, where, field):
    """The op accepts `nargs` positional values and these keywords, with types its
    defaults and the keyword rules allow. `out` (a buffer the op writes into, which
    only the compiled plan passes) is never allowed from a file."""
    if "out" in kw:
        raise bad(where, f"{field}, keyword 'out'", "no 'out' keyword (an op's "
                  "output buffer is chosen when the graph runs, never by the file)",
                  kw["out"])
    sig = _signature(op)
    if sig is None:
        return
    try:
        bound = sig.bind(*range(nargs), **kw)
    except TypeError as exc:
        named = [p.name for p in sig.parameters.values()
                 if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        raise FileFormatError(
            f"{where}, {field}: the op does not take these arguments ({exc}): "
            f"{nargs} value(s) and keywords {sorted(kw)}; its forward is "
            f"{op.name}{sig} (keywords {', '.join(named[nargs:]) or 'none'}). "
            f"{REEXPORT}") from None
    for name, value in kw.items():
        param = sig.parameters[name]
        if name not in bound.arguments or param.kind == param.VAR_KEYWORD:
            continue
        problem = _kw_problem(name, value, param.default)
        if problem:
            raise bad(where, f"{field}, keyword {name!r}", problem, value)


def _kw_problem(name, value, default):
    """What is wrong with keyword `name` = `value` (None if nothing)."""
    if (name in _BOOLS or type(default) is bool) and type(value) is not bool:
        return "true or false"
    if name == "dtype" and not (value is None or isinstance(value, onp.dtype)
                                or type(value) is str and value in _DTYPE_NAMES):
        return 'a dtype ({"dtype": "float32"}) or null'
    if name == "axis" and not (value is None or type(value) is int or (
            isinstance(value, tuple) and all(type(a) is int for a in value))):
        return "an axis: an integer, a tuple of integers or null"
    if name == "p" and not (type(value) in (int, float) and 0 <= value < 1):
        return "a probability 0 <= p < 1"
    return None


# ---- the dry run --------------------------------------------------------------------
def _expected(op, shapes, kw):
    """The output shape of ops that can give more elements than they are given
    (broadcasting, products), computed before running them; None for the rest."""
    if op.elementwise or op.name in ("where", "clip"):
        return onp.broadcast_shapes(*shapes)
    if op.name in ("matmul", "dot") and len(shapes) == 2 and all(shapes):
        a, b = shapes
        if len(b) == 1:
            return a[:-1]
        if len(a) == 1 or (op.name == "dot" and len(b) > 2):
            return a[:-1] + b[:-2] + b[-1:]
        return onp.broadcast_shapes(a[:-2], b[:-2]) + a[-2:-1] + b[-1:]
    if op.name == "fully_connected" and len(shapes) >= 2 and shapes[0]:
        kept = shapes[0][:1] if kw.get("flatten", True) else shapes[0][:-1]
        return kept + shapes[1][:1]
    return None


def _ints(value):
    """Every integer inside a keyword value (nested tuples and lists)."""
    if type(value) is int:
        return [abs(value)]
    if isinstance(value, (tuple, list)):
        return [i for v in value for i in _ints(v)]
    return []


def _count(value):
    """How many entries the lists inside an index or a value hold, multiplied."""
    if isinstance(value, list):
        return max(1, len(onp.ravel(onp.asarray(value, dtype=object))))
    if isinstance(value, tuple):
        return math.prod(_count(v) for v in value)
    return 1


def _bound(op, inputs, shapes, kw):
    """Most elements an op can give whose output may outgrow its inputs by a
    keyword or an index (the per-op schema: give a new op of that kind an entry
    here); None for the other ops, whose output the dry run checks afterwards."""
    name, ints = op.name, [i for v in kw.values() for i in _ints(v)]
    sizes = [math.prod(s) for s in shapes]
    big, most = max(sizes + [1]), max(ints + [1])
    if name == "tile":
        return big * math.prod(max(1, i) for i in ints)
    if name == "repeat":
        return big * max(1, sum(ints))
    if name == "pad":
        return math.prod(d + 2 * most for d in shapes[0]) if shapes else None
    if name in ("one_hot", "diag"):
        return (big + most) ** 2 if name == "diag" else big * most
    if name in ("broadcast_to", "random_uniform", "random_normal"):
        return math.prod(_ints(kw.get("shape", kw.get("size"))))
    if name in ("concatenate", "stack"):
        return sum(sizes)
    if name == "getitem":
        return big * _count(kw.get("key"))
    if name == "quantile" and len(inputs) > 1:
        return big * max(sizes[1], _count(inputs[1]))
    if name in ("take", "take_along_axis") and len(shapes) == 2:
        x, index = shapes
        if name == "take_along_axis" and len(x) == len(index):
            return math.prod(max(a, b) for a, b in zip(x, index))
        axis = kw.get("axis")
        if name == "take" and type(axis) is int and -len(x) <= axis < len(x):
            return sizes[1] * (sizes[0] // max(1, x[axis]))
        return sizes[1] * (1 if name == "take" and axis is None else max(1, sizes[0]))
    if name == "einsum" and isinstance(kw.get("subscripts"), str):
        terms, _, result = kw["subscripts"].partition("->")
        if "." in terms or "->" not in kw["subscripts"]:
            return math.prod(sizes)
        dims = {c: d for term, s in zip(terms.split(","), shapes)
                for c, d in zip(term, s)}
        return math.prod(dims.get(c, 1) for c in result)
    return None


def dry_run(graph, consts, where):
    """Run every op once on zeros (and the file's constant arrays, `consts`: value
    number -> NumPy array) and compare with the declared shapes and dtypes.
    Random ops give zeros here (random_stand_in): the user's random stream is
    never drawn from."""
    last = {}
    for n, step in enumerate(graph.nodes):
        for a in step.args:
            last[a] = n
    env = {}
    for i, value in enumerate(graph.values):
        if value.kind == "literal":
            env[i] = value.label
        elif value.kind != "node":
            env[i] = consts[i] if i in consts else onp.zeros(value.shape, value.dtype)
    with onp.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n, step in enumerate(graph.nodes):
            env[step.out] = _run(step.op, [env[a] for a in step.args], step.kw,
                                 graph.values[step.out], where,
                                 f"node {n} ({step.op.name})")
            for a in set(step.args):  # free what no later op reads
                if last[a] == n and graph.values[a].kind == "node":
                    del env[a]


def _run(op, inputs, kw, declared, where, field):
    shape, dtype = declared.shape, declared.dtype
    shapes = [tuple(getattr(x, "shape", ())) for x in inputs]
    try:
        expected = _expected(op, shapes, kw)
    except ValueError:
        expected = "shapes that do not broadcast"
    if expected is not None and tuple(expected) != shape:
        raise FileFormatError(
            f"{where}, {field}: on inputs of shapes {shapes} it gives {expected}, "
            f"but the file declares {shape}. {REEXPORT}")
    try:
        most = _bound(op, inputs, shapes, kw)
    except Exception:  # a keyword too odd to bound: the run below reports it
        most = None
    if most is not None and most > MAX_ELEMENTS:
        raise FileFormatError(
            f"{where}, {field}: with these keywords it can give up to {most} "
            f"elements, more than the {MAX_ELEMENTS} an imported value may have "
            f"(the file declares {shape}). {REEXPORT}")
    try:
        if op.random:
            result = random_stand_in(kw, inputs)
        else:
            result = onp.asarray(op.fwd(*inputs, **kw))
    except MemoryError:
        raise FileFormatError(
            f"{where}, {field}: on inputs of shapes {shapes} it asks for more memory "
            f"than there is, although the file declares {shape}. {REEXPORT}") from None
    except Exception as exc:  # any failure on the declared inputs is the file's
        raise FileFormatError(
            f"{where}, {field}: it fails on inputs of the declared shapes {shapes} "
            f"({type(exc).__name__}: {str(exc)[:200]}). {REEXPORT}") from None
    if result.shape != shape or result.dtype != dtype:
        raise FileFormatError(
            f"{where}, {field}: it gives {result.dtype.name} {result.shape}, but the "
            f"file declares {dtype.name} {shape}. {REEXPORT}")
    return result
