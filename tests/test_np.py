"""The NumPy functions learners reach for, npx's extras and the ndarray methods:
forward results against NumPy (gradients are in test_ops.py), and the messages a
missing name gives."""

import numpy as onp
import pytest

from d2lmini import autograd, np, npx
from d2lmini.errors import AutogradError
from d2lmini.gluon import HybridBlock

A = onp.array([[3.0, -1.0, 2.0], [0.0, 5.0, 2.0]], dtype=onp.float32)


@pytest.fixture
def x():
    return np.array(A)


# (name, d2lmini call, NumPy call) for functions without a gradient row.
FORWARD = [
    ("argsort", lambda m, a: m.argsort(a, axis=1), None),
    ("argsort-flat", lambda m, a: m.argsort(a, axis=None), None),
    ("isclose", lambda m, a: m.isclose(a, a + 1e-7), None),
    ("logical_and", lambda m, a: m.logical_and(a > 0, a < 3), None),
    ("logical_not", lambda m, a: m.logical_not(a > 0), None),
    ("isnan", lambda m, a: m.isnan(m.where(a > 2, m.nan, a)), None),
    ("isfinite", lambda m, a: m.isfinite(m.where(a > 2, m.inf, a)), None),
    ("any-keepdims", lambda m, a: m.any(a > 4, axis=1, keepdims=True), None),
    ("all", lambda m, a: m.all(a > -2, axis=0), None),
    ("count_nonzero", lambda m, a: m.count_nonzero(a, axis=0), None),
    ("median", lambda m, a: m.median(a, axis=1), None),
    ("percentile", lambda m, a: m.percentile(a, [25, 50]), None),
    ("quantile", lambda m, a: m.quantile(a, 0.3, axis=0, keepdims=True), None),
    ("identity", lambda m, a: m.identity(3), None),
    ("tri", lambda m, a: m.tri(3, 4, 1), None),
    ("ediff1d", lambda m, a: m.ediff1d(a), None),
    ("atleast_3d", lambda m, a: m.atleast_3d(a), None),
    ("meshgrid-ij", lambda m, a: m.meshgrid(a[0], a[1, :2], indexing="ij")[1], None),
    ("sort", lambda m, a: m.sort(a, axis=0), None),
    ("unique", lambda m, a: m.unique(a), None),
    ("argwhere", lambda m, a: m.argwhere(a > 1), None),
    ("full_like", lambda m, a: m.full_like(a, 7), None),
    ("empty_like", lambda m, a: m.zeros_like(a), None),
    ("sum-dtype", lambda m, a: m.sum(a, axis=1, dtype=m.float64), None),
    ("signbit", lambda m, a: m.signbit(a - 1), None),
]


@pytest.mark.parametrize("name, fn, _", FORWARD, ids=[f[0] for f in FORWARD])
def test_forward_matches_numpy(name, fn, _):
    got = fn(np, np.array(A))
    expected = fn(onp, A.copy())
    assert got.shape == onp.shape(expected)
    onp.testing.assert_allclose(got.asnumpy(), expected, rtol=1e-6)


def test_integer_results_have_integer_dtypes(x):
    assert np.argsort(x).dtype == onp.int64
    assert np.count_nonzero(x) == 5 and type(np.count_nonzero(x)) is int  # as NumPy
    assert np.count_nonzero(x, axis=0).dtype == onp.int64
    assert [i.dtype for i in x.nonzero()] == [onp.int64, onp.int64]
    onp.testing.assert_array_equal(np.nonzero(x)[1].asnumpy(), A.nonzero()[1])


def test_topk_follows_mxnet(x):
    idx = npx.topk(x, k=2)
    assert idx.dtype == onp.float32  # MXNet's default dtype for indices
    onp.testing.assert_array_equal(idx.asnumpy(), [[0, 2], [1, 2]])
    values, index = x.topk(k=1, ret_typ="both", is_ascend=True)
    onp.testing.assert_array_equal(values.asnumpy(), [[-1.0], [0.0]])
    onp.testing.assert_array_equal(index.asnumpy(), [[1.0], [0.0]])
    mask = npx.topk(x, axis=0, k=1, ret_typ="mask")
    onp.testing.assert_array_equal(mask.asnumpy(), [[1, 0, 1], [0, 1, 0]])
    with pytest.raises(ValueError, match="ret_typ"):
        npx.topk(x, ret_typ="values")


def test_one_hot_off_range_gives_a_row_of_off_value():
    out = npx.one_hot(np.array([0.0, 2.0, 3.0]), 3, on_value=5, off_value=-1)
    onp.testing.assert_array_equal(out.asnumpy(), [[5, -1, -1], [-1, -1, 5],
                                                   [-1, -1, -1]])
    assert out.dtype == onp.float32


def test_npx_reshape_codes():
    x = np.zeros((2, 3, 4))
    assert npx.reshape(x, (-2, -1)).shape == (2, 12)
    assert npx.reshape(x, (-5, -4)).shape == (6, 4)
    assert npx.reshape(x, (-6, 1, -1, -4)).shape == (1, 2, 3, 4)
    assert npx.reshape(np.zeros((2, 1, 4)), (-2, -3, -2)).shape == (2, 4)
    with pytest.raises(ValueError, match="length 1"):
        npx.reshape(x, (-2, -3, -2))


def test_sequence_mask_time_major():
    data = np.ones((3, 2))
    out = npx.sequence_mask(data, np.array([1.0, 3.0]), use_sequence_length=True)
    onp.testing.assert_array_equal(out.asnumpy(), [[1, 1], [0, 1], [0, 1]])
    assert npx.sequence_mask(data) is data


def test_stop_gradient_blocks_the_gradient():
    x = np.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = (x * npx.stop_gradient(x)).sum()
    y.backward()
    onp.testing.assert_array_equal(x.grad.asnumpy(), [1.0, 2.0])
    with autograd.record():
        z = npx.stop_gradient(x * 2).sum()
    with pytest.raises(AutogradError):
        z.backward()


def test_fancy_mlp_loops_in_both_spellings():
    x = np.array([[3.0, 4.0]])
    while npx.norm(x).item() > 1:
        x /= 2
    assert x.norm().asscalar() == pytest.approx(0.625)


def test_dropout_modes():
    x = np.ones((4, 5))
    assert npx.dropout(x, 0.5) is x  # prediction mode outside record()
    np.random.seed(0)
    kept = npx.dropout(x, 0.5, mode="always").asnumpy()
    assert set(onp.unique(kept)) <= {0.0, 2.0}
    with autograd.record():
        shared = npx.dropout(x, 0.5, axes=(1,)).asnumpy()
    assert (shared == shared[:, :1]).all()  # one mask value per row


def test_activation_names():
    x = np.array([-1.0, 2.0])
    onp.testing.assert_allclose(npx.activation(x, "softsign").asnumpy(),
                                [-0.5, 2 / 3], rtol=1e-6)
    onp.testing.assert_allclose(npx.leaky_relu(x, act_type="selu").asnumpy(),
                                [-1.1113307, 2.101402], rtol=1e-6)
    with pytest.raises(ValueError, match="act_type"):
        npx.activation(x, "gelu")


def test_pad_only_constant_mode():
    with pytest.raises(ValueError, match="mode='constant'"):
        np.pad(np.ones(2), 1, mode="edge")


def test_tracing_reports_functions_that_need_values():
    class Net(HybridBlock):
        def forward(self, x):
            return np.unique(x)

    net = Net()
    net.hybridize()
    with pytest.raises(Exception, match="needs the values"):
        net(np.ones(3))


# ---- names that do not exist -----------------------------------------------------
@pytest.mark.parametrize("owner, name, phrase", [
    (np, "concat_", "d2lmini.np has no attribute 'concat_'"),
    (np, "asscalar", "use x.item()"),
    (np, "hstak", "use np.hstack"),
    (npx, "tanh", "use np.tanh"),
    (npx, "FullyConnected", "npx.fully_connected"),
    (np.array([1.0]), "numpy", "use x.asnumpy()"),
    (np.array([1.0]), "argmx", "use x.argmax"),
])
def test_missing_name_says_what_to_use(owner, name, phrase):
    with pytest.raises(AttributeError, match=phrase.replace("(", r"\(")
                       .replace(")", r"\)")):
        getattr(owner, name)


def test_hasattr_on_a_missing_name_is_false():
    assert not hasattr(np, "no_such_function")
    assert not hasattr(np.array([1.0]), "no_such_method")


def test_hsplit_and_vsplit(x):
    left, right = np.hsplit(np.concatenate([x, x], axis=1), 2)
    onp.testing.assert_array_equal(right.asnumpy(), A)
    top, bottom = np.vsplit(x, [1])
    onp.testing.assert_array_equal(bottom.asnumpy(), A[1:])


def test_einsum_gradient_needs_explicit_distinct_letters():
    m = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert np.einsum("ii->", m).item() == 5.0  # the forward works
    m.attach_grad()
    with autograd.record():
        t = np.einsum("ii->", m)
    with pytest.raises(NotImplementedError, match="np.trace"):
        t.backward()


def test_take_modes(x):
    with pytest.raises(IndexError, match="mode='clip'"):
        np.take(x, [0, 9])
    onp.testing.assert_array_equal(np.take(x, [-1, 9], mode="wrap").asnumpy(),
                                   onp.take(A, [-1, 9], mode="wrap"))
    onp.testing.assert_array_equal(x.take(np.array([-1.0, 9.0])).asnumpy(),
                                   onp.take(A, [-1, 9], mode="clip"))


def test_mxnet_dtype_rules():
    ints = np.arange(3, dtype="int32")
    assert (ints + np.array([0.5, 0.5, 0.5])).dtype == onp.float32  # NumPy: float64
    assert (ints * 0.5).dtype == onp.float32
    assert ints.sum().dtype == onp.int32  # NumPy widens to int64
    assert np.exp(ints).dtype == onp.float32 and np.log2(ints + 1).dtype == onp.float32
    assert np.where(ints > 0, 1.0, -1.0).dtype == onp.float32
    assert np.percentile(np.ones((2, 3)), np.array([25.0]), axis=1).dtype == onp.float32


def test_float_index_arrays_and_reflected_operators():
    x = np.array([1.0, 2.0, 3.0])
    onp.testing.assert_array_equal(x[np.array([0, 0, 2])].asnumpy(), [1, 1, 3])
    onp.testing.assert_array_equal((7.0 % x).asnumpy(), [0, 1, 1])
    onp.testing.assert_array_equal((7.0 // x).asnumpy(), [7, 3, 2])
    assert np.shape(x) == (3,) and np.size(x) == 3 and np.ndim(x) == 1


def test_mask_operators_and_unary_plus(x):
    onp.testing.assert_array_equal(((x > 0) & (x < 3)).asnumpy(), (A > 0) & (A < 3))
    onp.testing.assert_array_equal(((x > 4) | ~(x > 0)).asnumpy(), (A > 4) | ~(A > 0))
    onp.testing.assert_array_equal(((x > 0) ^ True).asnumpy(), (A > 0) ^ True)
    onp.testing.assert_array_equal((+x).asnumpy(), A)
    onp.testing.assert_array_equal(round(x / 2).asnumpy(), onp.round(A / 2))
