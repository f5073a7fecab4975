"""The op table (d2lmini.ops.OPS): every op's forward and gradient rule.

Every row of tests/op_rows.py: forward against its NumPy formula, gradient against
central differences, eager against hybridized. An op in OPS without a row fails
test_table_covers_every_differentiable_op; ops without a gradient are listed in
NO_GRAD and must leave no gradient path. Real NumPy is ``onp``.
"""

import numpy as onp
import pytest
from op_rows import NO_GRAD, ROWS, UNTRACEABLE, RowBlock, row_id, row_inputs

from d2lmini import autograd, np
from d2lmini.autograd import Node
from d2lmini.errors import AutogradError
from d2lmini.ndarray import apply, ndarray
from d2lmini.ops import OPS, Op
from d2lmini.testing import check_gradient


@pytest.fixture(autouse=True)
def seeded():
    np.random.seed(0)
    onp.random.seed(0)


def _recorded_ops(out):
    """Names of the ops on the tape behind `out`."""
    names, todo = set(), [out._node]
    while todo:
        node = todo.pop()
        if type(node) is Node:
            names.add(node.op.name)
            todo.extend(node.parents)
    return names


@pytest.mark.parametrize("r", ROWS, ids=row_id)
def test_forward_matches_numpy(r):
    xs = row_inputs(r)
    out = r.fn(*[np.array(x, dtype=np.float64) for x in xs], **r.kw)
    expected = onp.asarray(r.ref(*[x.copy() for x in xs], **r.kw))
    assert isinstance(out, ndarray)
    assert out.shape == expected.shape
    assert out.dtype == expected.dtype
    onp.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("r", ROWS, ids=row_id)
def test_gradient_matches_central_differences(r):
    xs = row_inputs(r)
    check_gradient(lambda *a: r.fn(*a, **r.kw), *xs)
    leaves = [np.array(x, dtype=np.float64) for x in xs]
    for leaf in leaves:
        leaf.attach_grad()
    with autograd.record():
        out = r.fn(*leaves, **r.kw)
    assert r.op in _recorded_ops(out), f"row does not exercise {r.op}"


@pytest.mark.parametrize("r", [r for r in ROWS if row_id(r) not in UNTRACEABLE],
                         ids=row_id)
def test_hybridized_matches_eager(r):
    xs = row_inputs(r)

    def run(net):
        head = onp.random.default_rng(1).standard_normal
        leaves = [np.array(x, dtype=np.float64) for x in xs]
        for leaf in leaves:
            leaf.attach_grad()
        with autograd.record():
            out = net(*leaves)
        out.backward(np.array(head(out.shape), dtype=out.dtype))
        return out.asnumpy(), [leaf.grad.asnumpy() for leaf in leaves]

    net = RowBlock(r)
    eager_out, eager_grads = run(net)
    net.hybridize()
    for _ in range(2):  # the trace, then the cached plan
        out, grads = run(net)
        onp.testing.assert_allclose(out, eager_out, rtol=1e-12, atol=1e-12)
        for g, expected in zip(grads, eager_grads):
            onp.testing.assert_allclose(g, expected, rtol=1e-12, atol=1e-12)


def test_table_covers_every_differentiable_op():
    differentiable = {name for name, op in OPS.items() if op.vjp is not None}
    covered = {r.op for r in ROWS}
    assert differentiable - covered == set(), "ops without a row in ROWS"
    assert covered - differentiable == set(), "rows naming no differentiable op"
    assert len({row_id(r) for r in ROWS}) == len(ROWS), "row ids must be unique"


def test_no_grad_table_covers_every_non_differentiable_op():
    assert {name for name, op in OPS.items() if op.vjp is None} == \
        {name for name, _ in NO_GRAD}


@pytest.mark.parametrize("name, fn", NO_GRAD, ids=[n for n, _ in NO_GRAD])
def test_non_differentiable_op_leaves_no_gradient_path(name, fn):
    x = np.random.uniform(-2, 2, (2, 3))
    x.attach_grad()
    with autograd.record():
        y = fn(x)
        z = x * 2  # a differentiable op in the same scope does record
    assert y._node is None
    assert z._node is not None
    with pytest.raises(AutogradError, match="needs a gradient"):
        y.backward(np.ones(y.shape, dtype=y.dtype))


def test_comparison_mask_is_a_constant_in_a_product():
    x = np.array([-1.5, 0.5, 2.0, -0.25])
    x.attach_grad()
    with autograd.record():
        y = (x * (x > 0)).sum()
    y.backward()
    onp.testing.assert_array_equal(x.grad.asnumpy(), [0, 1, 1, 0])


# ---- rules the table cannot check (kinks, ties, dtypes) --------------------------
def _grad_of(fn, *values):
    leaves = [np.array(v, dtype=np.float64) for v in values]
    for leaf in leaves:
        leaf.attach_grad()
    with autograd.record():
        fn(*leaves).backward()
    return [leaf.grad.asnumpy() for leaf in leaves]


def test_max_ties_each_get_the_full_gradient():
    # As MXNet 1.9.1 (backward is g * (x == max)), not an even split.
    (g,) = _grad_of(lambda x: x.max(), [1.0, 3.0, 3.0])
    onp.testing.assert_array_equal(g, [0.0, 1.0, 1.0])
    (g,) = _grad_of(lambda x: np.min(x, axis=1).sum(), [[2.0, 2.0, 5.0], [1.0, 0.0,
                                                                          0.0]])
    onp.testing.assert_array_equal(g, [[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]])


def test_maximum_tie_goes_to_first_argument():
    ga, gb = _grad_of(lambda a, b: np.maximum(a, b).sum(), [1.0, 2.0], [1.0, 3.0])
    onp.testing.assert_array_equal(ga, [1.0, 0.0])
    onp.testing.assert_array_equal(gb, [0.0, 1.0])
    ga, gb = _grad_of(lambda a, b: np.minimum(a, b).sum(), [1.0, 2.0], [1.0, 3.0])
    onp.testing.assert_array_equal(ga, [1.0, 1.0])
    onp.testing.assert_array_equal(gb, [0.0, 0.0])


def test_maximum_tie_with_a_python_number_goes_to_the_array():
    # MXNet's maximum_scalar backward is g * (x >= scalar), whichever side it is on.
    for fn in (lambda x: np.maximum(0.0, x), lambda x: np.maximum(x, 0.0),
               lambda x: np.minimum(0.0, x)):
        (g,) = _grad_of(lambda x, f=fn: f(x).sum(), [0.0, 1.0, -1.0])
        onp.testing.assert_array_equal(g[0], 1.0)


def test_rounding_and_sign_pass_a_zero_gradient():
    for fn in (np.floor, np.ceil, np.round, np.sign, np.rint, np.trunc, np.fix):
        (g,) = _grad_of(lambda x, f=fn: (f(x) * x).sum(), [0.3, -1.7, 2.5])
        onp.testing.assert_allclose(g, fn(np.array([0.3, -1.7, 2.5],
                                                   dtype=np.float64)).asnumpy())


def test_astype_to_float32_gives_gradient_in_input_dtype():
    x = np.array([1.0, 2.0], dtype=np.float64)
    x.attach_grad()
    with autograd.record():
        y = (x.astype(np.float32) * 3).sum()
    y.backward()
    assert y.dtype == np.float32
    assert x.grad.dtype == np.float64
    onp.testing.assert_array_equal(x.grad.asnumpy(), [3.0, 3.0])


def test_input_used_twice_gets_the_sum():
    # sum(x * x) + 2 * (x0 + x0): x0 appears three times, x1 once.
    (g,) = _grad_of(lambda x: (x * x + x[[0, 0]].sum()).sum(), [1.0, 2.0])
    onp.testing.assert_allclose(g, [2.0 * 1.0 + 4.0, 2.0 * 2.0])


# ---- check_gradient itself -------------------------------------------------------
_BAD_SQUARE = Op("bad_square", lambda x: x * x, lambda g, out, needs, x: (g * x,),
                 True)


def test_check_gradient_returns_small_error_for_a_correct_rule():
    err = check_gradient(lambda x: np.tanh(x) * x, onp.array([0.5, -1.0, 2.0]))
    assert 0.0 <= err < 1e-6


def test_check_gradient_reports_a_wrong_rule():
    with pytest.raises(AssertionError,
                       match=r"input 0 \(shape \(3,\)\).*max abs error"):
        check_gradient(lambda x: apply(_BAD_SQUARE, x), onp.array([0.5, -1.0, 2.0]))


def test_check_gradient_names_the_wrong_input():
    bad = lambda a, b: a * 2 + apply(_BAD_SQUARE, b)  # noqa: E731
    with pytest.raises(AssertionError, match=r"input 1 .* at index \(1,\)"):
        check_gradient(bad, onp.array([1.0, 2.0]), onp.array([0.1, 3.0]))


def test_check_gradient_rejects_float32_output():
    with pytest.raises(AssertionError, match="float64"):
        check_gradient(lambda x: x.astype(np.float32), onp.array([1.0]))
