"""Tracing and the graph (d2lmini.graph): what a hybridized first call records.

Values and steps read by name; the text listing (one op per line, stable across
traces, with the notes it is given) and the DOT form; nested traces refused; Python
in forward runs only while tracing; code that needs values while tracing (if on an
array, .item(), in-place updates, indexing with a traced array) and forwards that
return something other than arrays are refused with the line and the fix. Shown in
chapter05/08.
"""

import numpy as onp
import pytest
from nets import dense_stack

import d2lmini
from d2lmini import gluon, np
from d2lmini.gluon import nn
from d2lmini.graph import Step, Tracer, Value


def _traced_mlp():
    """Two Dense+ReLU layers, hybridized and called once on a (2, 5) input."""
    net = dense_stack("relu", "relu")
    net.initialize()
    net.hybridize()
    net(np.ones((2, 5)))
    return net


def test_graph_listing_is_readable_and_stable():
    net = _traced_mlp()
    text = str(net.traced_graph)
    assert text.splitlines()[0] == "graph HybridSequential(%0: float32[2, 5]):"
    assert "%1 = param 0.weight  # float32[8, 5]" in text
    assert "= fully_connected(%0, %1, %2, flatten=True, relu=True)  # float32[2, 8]" \
        in text
    assert text.splitlines()[-1].startswith("  return %")
    net.hybridize()
    net(np.ones((2, 5)))
    assert str(net.traced_graph) == text
    dot = net.traced_graph.to_dot()
    assert dot.startswith('digraph "HybridSequential"') and "v0 -> v3;" in dot


def test_print_in_forward_runs_only_while_tracing(capsys):
    class Talky(gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            self.dense = nn.Dense(2)

        def forward(self, x):
            print("x:", x)
            return self.dense(x)

    net = Talky()
    net.initialize()
    net.hybridize()
    for _ in range(3):
        net(np.ones((1, 3)))
    out = capsys.readouterr().out
    assert out == "x: <traced ndarray shape=(1, 3) dtype=float32>\n"
    net(np.ones((4, 3)))  # a new shape traces again
    assert capsys.readouterr().out.count("traced ndarray shape=(4, 3)") == 1


def test_value_dependent_python_is_refused():
    class Branchy(gluon.HybridBlock):
        def __init__(self, what):
            super().__init__()
            self.what = what

        def forward(self, x):
            if self.what == "if":
                if x.sum() > 0:
                    return x
            if self.what == "item":
                return x * x.sum().item()
            if self.what == "asnumpy":
                return np.array(x.asnumpy())
            if self.what == "float":
                return x * float(x.sum())
            if self.what == "inplace":
                x += 1
            if self.what == "divide":
                x /= 2
            return x

    # Each message names the line of forward that did it, and the right rewrite.
    for what, phrase in [
        ("if", r"at forward: `if x.sum\(\) > 0:`: bool\(\)"),
        ("item", r"at forward: `return x \* x.sum\(\).item\(\)`: \.item\(\)"),
        ("asnumpy", r"\.asnumpy\(\)"), ("float", r"\.item\(\)"),
        ("inplace", r"at forward: `x \+= 1`.*x = x \+ y instead of x \+= y"),
        ("divide", r"x = x / y instead of x /= y"),
    ]:
        blk = Branchy(what)
        blk.hybridize()
        with pytest.raises(d2lmini.HybridizationError, match=phrase):
            blk(np.ones(3))
        blk.hybridize(active=False)
        blk(np.ones(3))  # eager mode runs it


def test_traced_graph_repr_is_short_and_stable():
    net = _traced_mlp()
    assert repr(net.traced_graph) == (
        "<Graph of HybridSequential: 1 input(s), 3 op(s); print() it for the "
        "listing>")


def test_returning_something_other_than_arrays_is_refused():
    class Bad(gluon.HybridBlock):
        def forward(self, x):
            return x, 3

    blk = Bad()
    blk.hybridize()
    with pytest.raises(d2lmini.HybridizationError,
                       match="must return an ndarray or a tuple of ndarrays, got int"):
        blk(np.ones(2))


def test_indexing_with_a_traced_array_is_refused_with_advice():
    class Index(gluon.HybridBlock):
        def forward(self, x, i):
            return x[0, i]  # the traced index is not the first part of the key

    blk = Index()
    blk.hybridize()
    with pytest.raises(d2lmini.HybridizationError,
                       match=r"Index at forward: `return x\[0, i\]  # the traced "
                             r"index .*`: indexing with a traced array \(npx.pick"):
        blk(np.ones((2, 3)), np.array([0, 1], dtype="int64"))


def test_graph_values_and_steps_are_named():
    net = _traced_mlp()
    graph = net.traced_graph
    first = graph.values[graph.inputs[0]]
    assert isinstance(first, Value) and first.kind == "input"
    assert first.shape == (2, 5) and first.dtype == onp.float32
    step = graph.nodes[0]
    assert isinstance(step, Step) and step.op.name == "fully_connected"
    assert step.kw == {"flatten": True, "relu": True}
    assert graph.values[step.out] == Value("node", "fully_connected", (2, 8),
                                           onp.dtype("float32"))
    op, args, kw, out = step  # still a tuple: positional readers keep working
    assert (op, args, kw, out) == (step.op, step.args, step.kw, step.out)


def test_listing_shows_the_notes_it_is_given():
    net = _traced_mlp()
    graph = net.traced_graph
    out = graph.nodes[-1].out
    lines = graph.listing(notes={out: ("fused", "static buffer")}).splitlines()
    assert lines[-2].endswith("# float32[2, 3]  [fused, static buffer]")
    assert graph.listing(notes={}) == graph.listing() == str(graph)
    assert "[fused, static buffer]" not in graph.listing()
    assert "\\n[in place]" in graph.to_dot(notes={out: ("in place",)})
    rows = graph.listing_rows({out: ("fused",)})
    assert [marks for _, marks in rows if marks] == [("fused",)]


def test_a_trace_started_inside_another_is_refused():
    outer, inner = dense_stack("relu"), nn.Dense(2)
    with Tracer(outer, outer.collect_params()):
        with pytest.raises(d2lmini.HybridizationError,
                           match=r"Dense: cannot start tracing while the trace "
                           r"of HybridSequential"):
            with Tracer(inner, inner.collect_params()):
                pass
    outer.initialize()
    outer.hybridize()
    outer(np.ones((2, 5)))  # the refused trace left nothing behind
