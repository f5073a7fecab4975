"""The inference compiler (d2lmini/compiler.py) and the op rows it plans with.

Every op whose row takes `out=` gives the same result written into a buffer as
returned fresh; the compiler marks ops from the rows' flags only, so clip and power
(elementwise, out=) run in place like add; a plan's notes are data on the Plan.
"""

import inspect

import numpy as onp
import pytest

from d2lmini import np, npx
from d2lmini.compiler import call_kernel
from d2lmini.executor import Plan
from d2lmini.gluon import HybridBlock, nn
from d2lmini.ops import OPS

# Keywords and inputs for rows whose arguments are not one or two positive arrays.
_SPECIAL = {
    "clip": ((onp.linspace(-1, 1, 12).reshape(3, 4),), {"a_min": -0.5, "a_max": 0.25}),
    "fully_connected": ((onp.linspace(-1, 1, 20).reshape(4, 5),
                         onp.linspace(-1, 1, 15).reshape(3, 5), onp.arange(3.0)),
                        {"relu": True}),
}


def _case(op):
    if op.name in _SPECIAL:
        raws, kw = _SPECIAL[op.name]
        return [r.astype(onp.float32) for r in raws], kw
    arity = sum(p.default is p.empty and p.kind == p.POSITIONAL_OR_KEYWORD
                for p in inspect.signature(op.fwd).parameters.values())
    rng = onp.random.default_rng(0)
    return [rng.uniform(0.5, 2, (3, 4)).astype(onp.float32) for _ in range(arity)], {}


_WRITERS = sorted(name for name, op in OPS.items() if op.out)


def test_the_expected_rows_take_out():
    assert {"add", "multiply", "sigmoid", "clip", "power", "fully_connected"} <= set(
        _WRITERS)


@pytest.mark.parametrize("name", _WRITERS)
def test_forward_into_a_buffer_matches_a_fresh_result(name):
    op = OPS[name]
    raws, kw = _case(op)
    fresh = op.fwd(*raws, **kw)
    buffer = onp.full(fresh.shape, onp.nan, fresh.dtype)
    written = op.fwd(*raws, out=buffer, **kw)
    assert written is buffer
    onp.testing.assert_array_equal(buffer, fresh)


@pytest.mark.parametrize("name", [n for n in _WRITERS if OPS[n].elementwise])
def test_elementwise_forward_can_overwrite_its_input(name):
    op = OPS[name]
    raws, kw = _case(op)
    fresh = op.fwd(*raws, **kw)
    op.fwd(*raws, out=raws[0], **kw)
    onp.testing.assert_array_equal(raws[0], fresh)


class ClipPower(HybridBlock):
    def forward(self, x):
        return (x.clip(-0.5, 0.5) ** 2 + 1) * 3


def _plan(block, x, static_alloc):
    block.hybridize(static_alloc=static_alloc)
    block(x)
    return Plan(block.traced_graph, npx.cpu(), static_alloc)


def _marks(plan):
    return [plan.notes.get(step.out, ()) for step in plan.steps]


def test_clip_and_power_run_in_place():
    x = np.random.normal(size=(4, 5))
    want = ClipPower()(x).asnumpy()
    block = ClipPower()
    plan = _plan(block, x, False)
    assert _marks(plan) == [(), ("in place",), ("in place",), ("in place",)]
    onp.testing.assert_allclose(plan.run([x])[0].asnumpy(), want, rtol=1e-6)


class ClipPowerSoftmax(HybridBlock):
    def forward(self, x):
        return npx.softmax(x.clip(-0.5, 0.5) ** 2)


def test_clip_takes_a_static_buffer_that_power_then_overwrites():
    x = np.random.normal(size=(4, 5))
    want = ClipPowerSoftmax()(x).asnumpy()
    plan = _plan(ClipPowerSoftmax(), x, True)
    # softmax makes a new array, so the buffer of clip and power never escapes.
    assert _marks(plan) == [("static buffer",), ("in place",), ()]
    for _ in range(2):  # the second call reuses the static buffer
        onp.testing.assert_allclose(plan.run([x])[0].asnumpy(), want, rtol=1e-6)


def test_dense_is_fused_and_notes_are_tuples_on_the_plan():
    net = nn.HybridSequential()
    net.add(nn.Dense(8, activation="relu"), nn.Dense(6, activation="sigmoid"))
    net.initialize()
    x = np.random.normal(size=(4, 5))
    want = net(x).asnumpy()
    plan = _plan(net, x, True)
    assert _marks(plan) == [("fused", "static buffer"), ("fused",), ("in place",)]
    assert not hasattr(net.traced_graph, "notes") or not net.traced_graph.notes
    onp.testing.assert_allclose(plan.run([x])[0].asnumpy(), want, rtol=1e-6)
    assert "[fused, static buffer]" in plan.listing()
    assert str(plan) == plan.listing()
    assert "[in place]" in plan.to_dot()


def test_integer_results_never_take_a_float_buffer():
    class Halve(HybridBlock):
        def forward(self, x):
            return (x + x) / 2

    x = np.array([[1, 2], [3, 4]], dtype="int32")
    plan = _plan(Halve(), x, False)
    assert _marks(plan) == [(), ()]  # int32 sum, then a float32 quotient
    onp.testing.assert_array_equal(plan.run([x])[0].asnumpy(), [[1, 2], [3, 4]])


def _scaled(x, shift=0.0, scale=1.0, out=None):
    return onp.multiply(x + shift, scale, out=out)


def _scaled_keywords_only(x, *, shift=0.0, scale=1.0, out=None):
    return onp.multiply(x + shift, scale, out=out)


@pytest.mark.parametrize("fwd", [_scaled, _scaled_keywords_only],
                         ids=["positional", "keyword-only"])
@pytest.mark.parametrize("into_buffer", [False, True])
def test_kernels_pass_keywords_as_the_forward_takes_them(fwd, into_buffer):
    # Keywords become slots of the value list (by position) where the signature
    # allows it, and stay keywords where it does not; the result is the same.
    x = onp.arange(4.0)
    template = [x, None, onp.empty(4)]
    target = 2 if into_buffer else None
    kernel = call_kernel(fwd, (0,), {"scale": 3.0}, 1, template, target)
    if fwd is _scaled:  # shift's default, then scale, fill two new slots
        assert template[3:] == [0.0, 3.0]
    else:
        assert len(template) == 3
    env = template.copy()
    kernel(env)
    onp.testing.assert_array_equal(env[1], x * 3.0)
    assert (env[1] is env[2]) == into_buffer


def test_a_builtin_without_a_signature_is_called_as_it_is():
    with pytest.raises(ValueError):
        inspect.signature(max)
    template = [2, 5, None]
    kernel = call_kernel(max, (0, 1), {}, 2, template)
    env = template.copy()
    kernel(env)
    assert env[2] == 5 and len(template) == 3
