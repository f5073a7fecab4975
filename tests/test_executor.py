"""The compiled plan (d2lmini.executor): what a hybridized call runs after the trace.

Every row of tests/op_rows.py runs through the plan in four ways (hybridize() and
hybridize(static_alloc=True), each with and without autograd.record()) and gives
eager's outputs and gradients; a result is never overwritten by the next call and
never aliases a plan buffer, a constant or a parameter. Shown in chapter05/08.
"""

import numpy as onp
import pytest
from op_rows import ROWS, UNTRACEABLE, RowBlock, row_id, row_inputs

from d2lmini import autograd, gluon, init, np, npx
from d2lmini.gluon import nn

PLAN_MODES = [{}, {"static_alloc": True}]


# --- every row of the op table, through the plan ----------------------------------


def _forward(net, xs, record):
    """One call of `net` on fresh float64 copies of xs (leaves with a gradient
    buffer under record); returns the output and the leaves."""
    leaves = [np.array(x, dtype=np.float64) for x in xs]
    if not record:
        return net(*leaves), leaves
    for leaf in leaves:
        leaf.attach_grad()
    with autograd.record():
        return net(*leaves), leaves


def _backward(out, leaves):
    head = onp.random.default_rng(1).standard_normal(out.shape)
    out.backward(np.array(head, dtype=out.dtype))
    return [leaf.grad.asnumpy() for leaf in leaves]


def _same(got, want, what):
    got = got.asnumpy() if hasattr(got, "asnumpy") else got
    assert got.shape == want.shape and got.dtype == want.dtype, what
    onp.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=what)


@pytest.mark.parametrize("r", [r for r in ROWS if row_id(r) not in UNTRACEABLE],
                         ids=row_id)
def test_every_row_through_the_plan_matches_eager(r):
    first, second = row_inputs(r), row_inputs(r, draw=1)
    net = RowBlock(r)
    out, leaves = _forward(net, first, record=True)
    want, want_grads = out.asnumpy().copy(), _backward(out, leaves)
    want_second = _forward(net, second, record=False)[0].asnumpy().copy()
    for kw in PLAN_MODES:
        net.hybridize(**kw)
        for record in (False, True):
            for call in ("tracing call", "compiled call"):
                what = f"{row_id(r)}, {kw}, record={record}, {call}"
                out, leaves = _forward(net, first, record)
                # A second call on other inputs, before the first result is read
                # and before its backward: a plan that reuses buffers across calls
                # (static_alloc) must not write into the first call's output or
                # into the values its backward needs.
                out_second = _forward(net, second, record)[0]
                _same(out, want, f"{what}: first output after a second call")
                _same(out_second, want_second, f"{what}: second output")
                if record:
                    for i, (g, w) in enumerate(zip(_backward(out, leaves),
                                                   want_grads)):
                        _same(g, w, f"{what}: gradient of input {i}")


# --- values the plan overwrites in place or frees ---------------------------------


def test_listing_marks_fused_in_place_and_static_steps():
    net = nn.HybridSequential()
    net.add(nn.Dense(8, activation="relu"), nn.Dense(6, activation="sigmoid"),
            nn.Dense(3), nn.Activation("tanh"))
    net.initialize()
    x = np.random.normal(size=(4, 5))
    want = net(x).asnumpy()
    net.hybridize()
    onp.testing.assert_allclose(net(x).asnumpy(), want, rtol=1e-6)
    lines = str(net.compiled_plan).splitlines()
    ops = [line for line in lines if "= fully_connected" in line or "= sigmoid" in line
           or "= tanh" in line]
    assert [line.rsplit("  ", 1)[-1] for line in ops] == [
        "[fused]", "[fused]", "[in place]", "[fused]", "[in place]"]
    assert '[in place]"' in net.compiled_plan.to_dot()
    # The graph itself is what forward called: no marks in its listing or drawing.
    assert "  [" not in str(net.traced_graph)
    assert "in place" not in net.traced_graph.to_dot()
    net.hybridize(static_alloc=True, static_shape=True)
    first = net(x)
    onp.testing.assert_allclose(first.asnumpy(), want, rtol=1e-6)
    notes = [line.rsplit("  ", 1)[-1] for line in str(net.compiled_plan).splitlines()
             if line.endswith("]") and "#" in line and "= param" not in line]
    # The first two layers live in buffers kept across calls; the last Dense and
    # the tanh computed in its array are the returned output, so never reused.
    assert notes == ["[fused, static buffer]", "[fused, static buffer]",
                     "[in place]", "[fused]", "[in place]"]
    net(np.random.normal(size=(4, 5)))
    onp.testing.assert_allclose(first.asnumpy(), want, rtol=1e-6)


def test_temporary_constants_in_forward_stay_distinct():
    class Shifts(gluon.HybridBlock):
        def forward(self, x):
            for step in (1.0, 2.0, 4.0):  # each constant is freed after its use
                x = x + np.full(x.shape, step)
            return x

    blk = Shifts()
    blk.hybridize()
    for _ in range(2):
        onp.testing.assert_array_equal(blk(np.zeros(3)).asnumpy(), [7, 7, 7])


def test_a_value_used_after_an_elementwise_op_is_not_overwritten():
    class Reuse(gluon.HybridBlock):
        def forward(self, x):
            y = x * 2          # fresh: could be overwritten by the next op...
            z = np.exp(y)      # ...but y is still needed below
            t = y.T            # a view of y's buffer
            return z + t.T + y

    blk = Reuse()
    x = np.random.normal(size=(3, 4))
    want = blk(x).asnumpy()
    for settings in ({}, {"static_alloc": True}):
        blk.hybridize(**settings)
        onp.testing.assert_allclose(blk(x).asnumpy(), want, rtol=1e-6)
        onp.testing.assert_allclose(blk(x).asnumpy(), want, rtol=1e-6)


def test_dead_intermediates_are_freed_during_the_call():
    import tracemalloc

    class Chain(gluon.HybridBlock):
        def forward(self, x):
            for _ in range(6):  # softmax allocates a new array each time
                x = npx.softmax(x)
            return x

    blk = Chain()
    blk.hybridize()
    x = np.ones((500, 1000))  # 2 MB per float32 array
    blk(x)
    tracemalloc.start()
    try:
        blk(x)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # At most the array being read, the one being written and softmax's
    # temporaries are alive at once; keeping all six would take 12 MB.
    assert peak < 9e6, peak


# --- outputs never alias constants or parameters -----------------------------------


def constant(F, x):
    return F.np.full(x.shape, 0.5)  # depends on neither input nor parameters


def constant_transposed(F, x):
    return F.np.full(x.shape[::-1], 0.5).T  # a view of the constant


def constant_reshaped(F, x):
    return F.np.full((x.size,), 0.5).reshape(x.shape)


def constant_row(F, x):
    return F.np.full((2,) + x.shape, 0.5)[0]


@pytest.mark.parametrize("body", [constant, constant_transposed, constant_reshaped,
                                  constant_row], ids=lambda f: f.__name__)
def test_constant_output_is_fresh_per_call(body):
    """A forward that builds a constant returns a new array on every eager call;
    hybridized, editing one result in place must not change the next call's, also
    when the result is a view (reshape, transpose, indexing) of the constant."""
    blk = nn.HybridLambda(body)
    x = np.zeros((2, 3))
    for kw in ({}, {"static_alloc": True, "static_shape": True}):
        blk.hybridize(**kw)
        for record in (False, True):
            with autograd.record() if record else autograd.pause():
                out = blk(x)
            out += 1  # allowed outside record(), as in the chapter's `X /= 2`
            onp.testing.assert_array_equal(blk(x).asnumpy(), onp.full((2, 3), 0.5),
                                           err_msg=f"{kw}, record={record}")


class ReturnsParameter(gluon.HybridBlock):
    """Returns one of its parameters as it is, ignoring the input."""

    def __init__(self):
        super().__init__()
        self.w = gluon.Parameter("w", shape=(2, 3), init=init.Normal(1.0))

    def forward(self, x):
        return self.w.data()


@pytest.mark.parametrize("kw", [{}, {"static_alloc": True, "static_shape": True}])
def test_returned_parameter_is_never_written_by_the_plan(kw):
    blk = ReturnsParameter()
    blk.initialize()
    w = blk.w.data().asnumpy().copy()
    head = onp.arange(6, dtype=onp.float32).reshape(2, 3)
    blk.hybridize(**kw)
    for _ in range(3):
        with autograd.record():
            out = blk(np.ones((2, 3)))
            loss = (out * np.array(head)).sum()
        loss.backward()
        onp.testing.assert_array_equal(out.asnumpy(), w)
        onp.testing.assert_array_equal(blk.w.data().asnumpy(), w)
        onp.testing.assert_array_equal(blk.w.grad().asnumpy(), head)
        onp.testing.assert_array_equal(blk(np.zeros((2, 3))).asnumpy(), w)
