"""Tracing: run a block's forward on symbolic arrays and keep the ops as a graph.

A traced array holds a Var (shape and dtype, no numbers) instead of data, so every
op reaches apply(), which hands it to the active Tracer. The graph is a flat list of
op nodes over numbered values: inputs, parameters, constants, then op outputs.
Shown in chapter05/08_hybridization.ipynb.
"""

import linecache
import os
import sys
from typing import Any, NamedTuple

import numpy as onp

from .autograd import STATE
from .errors import DeviceError, HybridizationError, rewrite_advice
from .ndarray import _wrap, ndarray
from .ops import random_stand_in


class Var:
    """A value of the graph being traced: what it is, never what it holds."""

    symbolic = True
    __slots__ = ("index", "shape", "dtype", "tracer")

    def __init__(self, index, shape, dtype, tracer):
        self.index, self.shape, self.dtype, self.tracer = index, shape, dtype, tracer

    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: int(onp.prod(self.shape)))

    def _needs_values(self, what):
        raise HybridizationError(
            f"{self.tracer.where}{user_line()}: {what} needs the values of an "
            "array, but a "
            "hybridized forward is traced with symbolic arrays that hold none. Use "
            "array operations instead (e.g. np.where or np.maximum rather than "
            "`if`), or leave this block un-hybridized (net.hybridize(active=False)).")

    def __bool__(self):
        self._needs_values("bool() (an `if` or `while` on an array)")

    def item(self):
        self._needs_values(".item()")

    def get(self):
        self._needs_values(".asnumpy()")

    def __array__(self, dtype=None, copy=None):
        self._needs_values("converting to NumPy")


_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def user_line():
    """' at forward: `if x.sum() > 0:`', the innermost line of the caller's own
    code (outside d2lmini) on the stack, for errors raised while tracing; '' if
    there is none or its source is unknown."""
    frame = sys._getframe(1)
    while frame is not None:
        path = os.path.abspath(frame.f_code.co_filename)
        if not path.startswith(_PACKAGE + os.sep):
            line = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
            return f" at {frame.f_code.co_name}: `{line}`" if line else ""
        frame = frame.f_back
    return ""


class Value(NamedTuple):
    """What one numbered value of a graph is: never what it holds.

    kind is "input", "param", "const" (a captured array), "literal" (a Python
    value or small array written into the graph) or "node" (an op's output);
    label is the parameter's name, the literal itself, or the op's name.
    """

    kind: str
    label: Any
    shape: tuple
    dtype: Any


class Step(NamedTuple):
    """One op of a graph: out = op(*values[args], **kw), args and out numbered."""

    op: Any
    args: tuple
    kw: dict
    out: int


class Graph:
    """The traced program: numbered values, op nodes, and which values are outputs."""

    def __init__(self, name):
        self.name = name
        self.values = []     # a Value per value number
        self.inputs = []     # value numbers of the forward's arguments
        self.params = []     # (value number, structural name, Parameter)
        self.consts = []     # (value number, raw array or Python value)
        self.nodes = []      # a Step per op, in the order they run
        self.outputs = []    # value numbers of the results
        self.single = True   # forward returned one array (else a tuple of them)

    def _value(self, kind, label, shape, dtype):
        self.values.append(Value(kind, label, tuple(shape), onp.dtype(dtype)))
        return len(self.values) - 1

    def _typed(self, i):
        value = self.values[i]
        return f"{value.dtype.name}{list(value.shape)}"

    def listing_rows(self, notes=None):
        """The listing as (text, marks) pairs, one per line: marks are the notes
        of the op that line computes (see listing), () for every other line."""
        notes = notes or {}

        def show(i):
            value = self.values[i]
            return f"%{i}" if value.kind != "literal" else _short(value.label)

        rows = [(f"graph {self.name}("
                 + ", ".join(f"%{i}: {self._typed(i)}" for i in self.inputs) + "):",
                 ())]
        for i, name, _ in self.params:
            rows.append((f"  %{i} = param {name}  # {self._typed(i)}", ()))
        for i, _ in self.consts:
            if self.values[i].kind == "const":
                rows.append((f"  %{i} = const  # {self._typed(i)}", ()))
        for step in self.nodes:
            parts = [show(a) for a in step.args]
            parts += [f"{k}={_short(v)}" for k, v in step.kw.items()]
            marks = tuple(notes.get(step.out, ()))
            rows.append((f"  %{step.out} = {step.op.name}({', '.join(parts)})"
                         f"  # {self._typed(step.out)}"
                         + (f"  [{', '.join(marks)}]" if marks else ""), marks))
        rows.append(("  return " + ", ".join(f"%{i}" for i in self.outputs), ()))
        return rows

    def listing(self, notes=None):
        """One line per value and op, like a small assembly listing.

        notes: {output value number: tuple of marks} such as ("fused", "static
        buffer"), shown after that op's line in brackets. A compiled plan passes
        how it runs each op (print(net.compiled_plan)); print(graph) shows none.
        """
        return "\n".join(text for text, _ in self.listing_rows(notes))

    def __str__(self):
        return self.listing()

    def __repr__(self):
        return (f"<Graph of {self.name}: {len(self.inputs)} input(s), "
                f"{len(self.nodes)} op(s); print() it for the listing>")

    def to_dot(self, notes=None):
        """The graph in graphviz's DOT language (values as boxes, ops as ellipses);
        ops with notes (as for listing) are filled and show their marks."""
        notes = notes or {}
        lines = [f'digraph "{self.name}" {{', "  rankdir=TB;",
                 '  node [fontname="Helvetica", fontsize=10];']
        for i in self.inputs:
            lines.append(f'  v{i} [shape=box, style=filled, fillcolor="#dbeafe", '
                         f'label="input %{i}\\n{list(self.values[i].shape)}"];')
        for i, name, _ in self.params:
            lines.append(f'  v{i} [shape=box, style=filled, fillcolor="#fef3c7", '
                         f'label="{name}\\n{list(self.values[i].shape)}"];')
        for i, _ in self.consts:
            if self.values[i].kind == "const":
                lines.append(f'  v{i} [shape=box, label="const %{i}"];')
        for step in self.nodes:
            marks = tuple(notes.get(step.out, ()))
            style = ', style=filled, fillcolor="#e9d5ff"' if marks else ""
            shown = f"\\n[{', '.join(marks)}]" if marks else ""
            lines.append(f'  v{step.out} [shape=ellipse{style}, label="'
                         f'{step.op.name}\\n{list(self.values[step.out].shape)}'
                         f'{shown}"];')
            for a in step.args:
                if self.values[a].kind != "literal":
                    lines.append(f"  v{a} -> v{step.out};")
        for i in self.outputs:
            lines.append(f'  out{i} [shape=box, style=filled, fillcolor="#dcfce7", '
                         f'label="output"];\n  v{i} -> out{i};')
        return "\n".join(lines + ["}"])


def _short(value):
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."


class Tracer:
    """Active while a forward is traced: receives every op from apply()."""

    def __init__(self, block, params):
        self.where = block._where()
        self.graph = Graph(type(block).__name__)
        self._param_of = {id(p._data): (name, p) for name, p in params.items()
                          if p._data is not None}
        self._params = params
        self._captured = {}
        self.device = None  # the inputs' device: captured arrays must live there

    def input(self, x):
        """A traced stand-in for the forward argument `x`."""
        if not isinstance(x, ndarray):
            raise HybridizationError(
                f"{self.where}: a hybridized block takes ndarrays as inputs, got "
                f"{type(x).__name__}. Pass it as a keyword of __init__ instead.")
        if self.device is None:
            self.device = x.device
        index = self.graph._value("input", None, x.shape, x.dtype)
        self.graph.inputs.append(index)
        return _wrap(Var(index, x.shape, x.dtype, self))

    def _ref(self, arg):
        """The value number for an op argument, capturing parameters and constants."""
        if type(arg) is ndarray:
            data = arg._data
            if type(data) is Var:
                return data.index, _zeros(data)
            entry = self._captured.get(id(arg))
            if entry is None:  # keep `arg` alive: a freed id could be reused
                entry = self._captured[id(arg)] = (arg, self._capture(arg))
            # Ops run on host samples while tracing, also for a net on a GPU.
            return entry[1], data if type(data) is onp.ndarray else arg.asnumpy()
        index = self.graph._value("literal", arg, getattr(arg, "shape", ()),
                                  getattr(arg, "dtype", onp.float32))
        self.graph.consts.append((index, arg))
        return index, arg

    def _capture(self, arr):
        if self.device is not None and arr.device != self.device:
            raise DeviceError(
                f"{self.where}: the input is on {self.device} but an array this "
                f"forward uses (shape {arr.shape}) is on {arr.device}. Move one to "
                f"the other: net.reset_device({self.device}) or X.as_in_ctx("
                f"{arr.device}).")
        found = self._param_of.get(id(arr))
        if found is None:  # a late-initialized parameter (deferred init in the trace)
            for name, p in self._params.items():
                if p._data is arr:
                    found = (name, p)
        if found is not None:
            index = self.graph._value("param", found[0], arr.shape, arr.dtype)
            self.graph.params.append((index, found[0], found[1]))
            return index
        index = self.graph._value("const", None, arr.shape, arr.dtype)
        self.graph.consts.append((index, arr._data))
        return index

    def __call__(self, op, args, kw):
        refs, samples = zip(*[self._ref(a) for a in args]) if args else ((), ())
        for key in kw.values():
            parts = key if isinstance(key, tuple) else (key,)
            for part in parts:
                if type(part) is Var:
                    part._needs_values("indexing with a traced array (npx.pick "
                                       "takes one entry per row by a traced index)")
        if op.random:  # learn the shape without drawing numbers eager would not
            sample = random_stand_in(kw, samples)
        else:
            with onp.errstate(all="ignore"):
                sample = onp.asarray(op.fwd(*samples, **kw))
        out = self.graph._value("node", op.name, sample.shape, sample.dtype)
        self.graph.nodes.append(Step(op, tuple(refs), dict(kw), out))
        return _wrap(Var(out, sample.shape, sample.dtype, self))

    def inplace(self, arr, what):
        raise HybridizationError(
            f"{self.where}{user_line()}: {what} cannot be traced: a hybridized "
            f"graph has no in-place writes. {rewrite_advice(what)}")

    def __enter__(self):
        running = STATE.tracer
        if running is not None:
            raise HybridizationError(
                f"{self.where}: cannot start tracing while the trace of "
                f"{running.where} is still running; expected one trace at a time, "
                "got a second one started from inside the first (for example a "
                "forward or a hook that calls benchmark() or traces another block "
                "itself, or two threads tracing at once). Call child blocks "
                "directly in forward (they are traced as part of it), and trace "
                "other networks one after the other.")
        STATE.tracer = self
        return self

    def __exit__(self, *exc):
        STATE.tracer = None


def _zeros(var):
    """A stand-in array with the Var's shape and dtype, to learn ops' output shapes."""
    return onp.zeros(var.shape, var.dtype)
