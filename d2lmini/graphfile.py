"""The JSON form of a traced graph: written by HybridBlock.export, read back by
SymbolBlock.imports.

Differs from MXNet's symbol JSON: a small format of our own, checked field by field
when read, so a graph file can name ops from d2lmini.ops.OPS but never run code.
"""
import json
import math

import numpy as onp

from .errors import FileFormatError, HybridizationError
from .graph import Graph, Step, _short
from .graphcheck import check_call, check_shape, check_total
from .ndarray import _wrap
from .ops import OPS
from .serialization import save_arrays, save_text

GRAPH_FORMAT, GRAPH_VERSION = "d2lmini-graph", 1
_DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
           "uint64", "float16", "float32", "float64")
MAX_STR = 256  # a string keyword (norm's 'fro', einsum's subscripts)
MAX_DIGITS = 20  # an integer in a graph file
MAX_ENTRIES = 100_000  # values, nodes, inputs or outputs of a graph
_NON_FINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}
_KINDS = ("input", "param", "const", "literal", "node")
_TAGS = ('a number, true/false, null, a list, or one of {"tuple": [...]}, '
         '{"slice": [start, stop, step]}, {"ellipsis": true}, '
         '{"float": "inf" | "-inf" | "nan"}, {"dtype": "float32"}')
_REEXPORT = ("The file is damaged, hand-edited or not written by d2lmini; export the "
             "model again with net.export(path).")


def const_name(index):
    """The params-file key of the captured constant array that is value `index`."""
    return f"const:{index}"


def _in_file(kind, value):
    """Captured arrays go to the params file; Python literals stay in the JSON."""
    return kind == "const" or (kind == "literal" and hasattr(value, "shape"))


def graph_to_json(graph, params_sha256=None):
    """The graph as JSON text, one value or node per line. Parameters and constant
    arrays appear by name only: save_graph writes their values beside it, and
    `params_sha256` records that file's checksum so that imports can tell whether
    the two files belong together."""
    consts = dict(graph.consts)
    trainable = {i: p.grad_req != "null" for i, _, p in graph.params}
    values = []
    for i, value in enumerate(graph.values):
        if value.dtype.name not in _DTYPES:
            raise HybridizationError(
                f"{graph.name}.export: value %{i} has dtype {value.dtype.name}, "
                "which a graph file cannot store. Expected one of "
                f"{', '.join(_DTYPES)}; cast it in forward, e.g. x.astype('float32').")
        kind = "const" if _in_file(value.kind, consts.get(i)) else value.kind
        entry = ({"kind": kind, "name": value.label} if kind == "param"
                 else {"kind": kind})
        entry.update(shape=list(value.shape), dtype=value.dtype.name)
        if kind == "param":
            entry["trainable"] = trainable[i]
        elif kind == "literal":
            entry["value"] = _encode(consts[i], f"{graph.name}.export: value %{i}")
        values.append(entry)
    nodes = []
    for n, step in enumerate(graph.nodes):
        where = f"{graph.name}.export: node {n} ({step.op.name}), keyword"
        nodes.append({"out": step.out, "op": step.op.name, "args": list(step.args),
                      "kwargs": {k: _encode(v, f"{where} {k!r}")
                                 for k, v in step.kw.items()}})
    head = json.dumps({"format": GRAPH_FORMAT, "version": GRAPH_VERSION,
                       "name": graph.name, "inputs": list(graph.inputs),
                       "outputs": list(graph.outputs), "single": graph.single,
                       "params_sha256": params_sha256})
    return (f'{head[:-1]},\n "values": {_rows(values)},\n'
            f' "nodes": {_rows(nodes)}\n}}\n')


def _rows(items):
    lines = [json.dumps(x, allow_nan=False) for x in items]
    return "[\n  " + ",\n  ".join(lines) + "\n ]"


def _encode(value, where):
    """A keyword or literal as JSON: numbers, bools and None as they are; tuples,
    slices, Ellipsis, dtypes and non-finite floats as one-key tagged objects."""
    if value is None:
        return value
    if isinstance(value, (bool, onp.bool_)):
        return bool(value)
    if isinstance(value, (int, onp.integer)):
        return int(value)
    if isinstance(value, (float, onp.floating)):
        value = float(value)
        if math.isfinite(value):
            return value
        return {"float": "nan" if math.isnan(value) else "inf" if value > 0 else "-inf"}
    if isinstance(value, (tuple, list)):
        items = [_encode(v, where) for v in value]
        return {"tuple": items} if isinstance(value, tuple) else items
    if isinstance(value, slice):
        parts = value.start, value.stop, value.step
        return {"slice": [_encode(v, where) for v in parts]}
    if value is Ellipsis:
        return {"ellipsis": True}
    if isinstance(value, onp.dtype) or (
            isinstance(value, type) and issubclass(value, onp.generic)):
        if onp.dtype(value).name in _DTYPES:
            return {"dtype": onp.dtype(value).name}
    if isinstance(value, str) and len(value) <= MAX_STR and value.isprintable():
        return {"str": value}
    raise HybridizationError(
        f"{where} is {_short(value)} ({type(value).__name__}), which a graph "
        "file cannot store: it keeps numbers, bools, None, tuples, lists, slices, "
        "Ellipsis and dtypes. Index with Python ints, slices or lists rather than "
        "arrays, or pass the array to the block as an input.")


def save_graph(graph, symbol_file, param_file):
    """Write the JSON form and, as .npz, the arrays it names (parameters under their
    structural names, constant arrays under const_name). Both are built before
    either file is written, and each write is atomic. The parameters go first and
    the graph records their checksum: a save interrupted between the two leaves a
    pair that imports refuses, never one that loads mismatched values."""
    graph_to_json(graph)  # refuses what a graph file cannot hold, before writing
    arrays = {name: p.data().asnumpy() for _, name, p in graph.params}
    for i, value in graph.consts:
        if _in_file(graph.values[i].kind, value):
            arrays[const_name(i)] = _wrap(value).asnumpy()
    digest = save_arrays(param_file, arrays, "parameters", digest=True)
    save_text(symbol_file, graph_to_json(graph, digest))


def graph_from_json(text, where="graph JSON"):
    """Check a graph file's text field by field and build its Graph.

    The Graph holds no Parameters: `params` are (value number, name, trainable),
    and array constants (in the params file under const_name) have the value None.
    Raises FileFormatError saying where the first problem is (`where`: the file).
    """
    def refuse(word):  # json would otherwise accept NaN and Infinity
        raise _bad(where, "a number", 'finite numbers ({"float": "inf"} for others)',
                   word)

    def integer(digits):
        if len(digits.lstrip("-")) > MAX_DIGITS:
            raise _bad(where, "a number", f"an integer of at most {MAX_DIGITS} "
                       "digits", digits[:40] + "...")
        return int(digits)

    try:
        doc = json.loads(text, parse_constant=refuse, parse_int=integer)
    except json.JSONDecodeError as exc:
        raise FileFormatError(
            f"{where} is not valid JSON ({exc.msg}, line {exc.lineno} column "
            f"{exc.colno}); it may be truncated. {_REEXPORT}") from None
    except RecursionError:
        raise FileFormatError(f"{where}: nested too deeply. {_REEXPORT}") from None
    except ValueError as exc:  # a number json cannot convert
        raise FileFormatError(f"{where}: {str(exc)[:120]}. {_REEXPORT}") from None
    try:
        return _build(doc, where)
    except RecursionError:
        raise FileFormatError(f"{where}: nested too deeply. {_REEXPORT}") from None


def _bad(where, field, expected, found):
    return FileFormatError(
        f"{where}, {field}: expected {expected}, got {_short(found)}. {_REEXPORT}")


def _build(doc, where):
    if not isinstance(doc, dict) or doc.get("format") != GRAPH_FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else doc
        raise _bad(where, "field 'format'",
                   f'an object with "format": "{GRAPH_FORMAT}"', found)
    version = doc.get("version")
    if type(version) is not int or version != GRAPH_VERSION:
        raise FileFormatError(
            f"{where}, field 'version': expected {GRAPH_VERSION}, got "
            f"{_short(version)}. The file was written by another version of "
            "d2lmini; export the model again with this one.")
    if not isinstance(doc.get("name"), str):
        raise _bad(where, "field 'name'", "a string", doc.get("name"))
    digest = doc.get("params_sha256")
    if digest is not None and (type(digest) is not str or len(digest) != 64):
        raise _bad(where, "field 'params_sha256'", "a SHA-256 checksum (64 hex "
                   "digits) or null", digest)
    graph = Graph(doc["name"])
    graph.params_sha256 = digest
    nbytes = 0
    for i, entry in enumerate(_list(doc, "values", where)):
        kind, label, shape, dtype = _value_entry(entry, where, f"value {i}")
        nbytes += check_shape(shape, dtype, where, f"value {i}")
        graph._value(kind, label, shape, dtype)
        if kind == "param":
            if any(label == name for _, name, _ in graph.params):
                raise _bad(where, f"value {i}, field 'name'",
                           "a name no other parameter has", label)
            graph.params.append((i, label, entry["trainable"]))
        elif kind in ("const", "literal"):
            graph.consts.append((i, label))
    check_total(nbytes, where)
    kinds = [v.kind for v in graph.values]
    inputs = _list(doc, "inputs", where)
    wanted = [i for i, kind in enumerate(kinds) if kind == "input"]
    if not all(type(i) is int for i in inputs) or sorted(inputs) != wanted:
        raise _bad(where, "field 'inputs'", f"the 'input' values, each once {wanted}",
                   inputs)
    graph.inputs = inputs
    ready = [kind != "node" for kind in kinds]
    for n, node in enumerate(_list(doc, "nodes", where)):
        graph.nodes.append(_node_entry(node, graph, ready, where, f"node {n}"))
    if not all(ready):
        raise _bad(where, f"value {ready.index(False)}",
                   "a node whose 'out' is this 'node' value", "none")
    outputs = _list(doc, "outputs", where)
    if not outputs or not all(type(i) is int and 0 <= i < len(kinds)
                              and kinds[i] != "literal" for i in outputs):
        raise _bad(where, "field 'outputs'", "a non-empty list of value numbers "
                   "(not literals)", outputs)
    graph.outputs, graph.single = outputs, doc.get("single")
    if graph.single not in (True, False) or graph.single and len(outputs) != 1:
        raise _bad(where, "field 'single'", "true (one output) or false", graph.single)
    return graph


def _list(doc, key, where):
    if not isinstance(doc.get(key), list) or len(doc[key]) > MAX_ENTRIES:
        raise _bad(where, f"field {key!r}", f"a list of at most {MAX_ENTRIES} entries",
                   doc.get(key))
    return doc[key]


def _value_entry(entry, where, field):
    """(kind, label, shape, dtype) of one entry of 'values', checked."""
    if not isinstance(entry, dict):
        raise _bad(where, field, 'an object such as {"kind": "input", ...}', entry)
    kind = entry.get("kind")
    if type(kind) is not str or kind not in _KINDS:
        raise _bad(where, f"{field}, field 'kind'", " or ".join(_KINDS), kind)
    shape = entry.get("shape")
    if not isinstance(shape, list) or not all(type(d) is int and d >= 0
                                              for d in shape):
        raise _bad(where, f"{field}, field 'shape'",
                   "a list of non-negative integers", shape)
    dtype = entry.get("dtype")
    if type(dtype) is not str or dtype not in _DTYPES:
        raise _bad(where, f"{field}, field 'dtype'", "one of " + ", ".join(_DTYPES),
                   dtype)
    label = None
    if kind == "param":
        label = entry.get("name")
        if not isinstance(label, str) or not label or label.startswith("const:"):
            raise _bad(where, f"{field}, field 'name'",
                       "a structural parameter name such as '0.weight'", label)
        if type(entry.get("trainable")) is not bool:
            raise _bad(where, f"{field}, field 'trainable'", "true or false",
                       entry.get("trainable"))
    elif kind == "literal":
        label = _decode(entry.get("value"), where, f"{field}, field 'value'")
    return kind, label, shape, dtype


def _node_entry(node, graph, ready, where, field):
    """One entry of 'nodes' as a Step, checked; marks its output ready."""
    if not isinstance(node, dict):
        raise _bad(where, field, 'an object such as {"op": "add", "args": [0, 1], '
                   '"kwargs": {}, "out": 2}', node)
    name = node.get("op")
    if type(name) is not str or name not in OPS:
        raise FileFormatError(
            f"{where}, {field}, field 'op': unknown op {_short(name)}. Expected the "
            "name of an op in d2lmini.ops.OPS (such as 'add', 'fully_connected' or "
            "'softmax'; sorted(d2lmini.ops.OPS) lists all of them). The file may "
            "come from a newer d2lmini or be hand-edited; export the model again.")
    field = f"{field} ({name})"
    args = node.get("args")
    if not isinstance(args, list) or not all(
            type(a) is int and 0 <= a < len(ready) and ready[a] for a in args):
        raise _bad(where, f"{field}, field 'args'", "numbers of values defined "
                   "before this node (inputs, params, constants, earlier nodes)", args)
    kwargs = node.get("kwargs")
    if not isinstance(kwargs, dict) or not all(
            k.isidentifier() and k[0] != "_" for k in kwargs):
        raise _bad(where, f"{field}, field 'kwargs'",
                   "an object of keyword arguments", kwargs)
    kw = {k: _decode(v, where, f"{field}, keyword {k!r}") for k, v in kwargs.items()}
    check_call(OPS[name], len(args), kw, where, field)
    out = node.get("out")
    if (type(out) is not int or not 0 <= out < len(ready) or ready[out]
            or graph.values[out].kind != "node"):
        raise _bad(where, f"{field}, field 'out'",
                   "the number of a 'node' value no earlier node computes", out)
    ready[out] = True
    graph.values[out] = graph.values[out]._replace(label=name)
    return Step(OPS[name], tuple(args), kw, out)


def _decode(item, where, field):
    """A keyword or literal read back: the inverse of _encode, accepting no more."""
    if item is None or type(item) in (bool, int):
        return item
    if type(item) is float and math.isfinite(item):
        return item
    if isinstance(item, list):
        return [_decode(v, where, field) for v in item]
    if isinstance(item, dict) and len(item) == 1:
        ((tag, body),) = item.items()
        if tag == "tuple" and isinstance(body, list):
            return tuple(_decode(v, where, field) for v in body)
        if tag == "slice" and isinstance(body, list) and len(body) == 3:
            parts = [_decode(v, where, field) for v in body]
            if all(p is None or type(p) is int for p in parts):
                return slice(*parts)
        if tag == "ellipsis" and body is True:
            return Ellipsis
        if tag == "float" and type(body) is str and body in _NON_FINITE:
            return _NON_FINITE[body]
        if tag == "dtype" and type(body) is str and body in _DTYPES:
            return onp.dtype(body)
        if (tag == "str" and type(body) is str and len(body) <= MAX_STR
                and body.isprintable()):
            return body
    raise _bad(where, field, _TAGS, item)
