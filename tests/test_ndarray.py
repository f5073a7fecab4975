"""The ndarray and the np namespace: creation, random numbers, arithmetic, indexing.

Forward values are checked against plain NumPy (``onp``); dtypes and reprs against
what MXNet's numpy interface shows (float32 by default, ``dtype=`` otherwise).
Gradients live in test_ops.py.
"""

import numpy as onp
import pytest

from d2lmini import autograd, np, npx
from d2lmini.errors import AutogradError
from d2lmini.ndarray import ndarray


@pytest.fixture(autouse=True)
def seeded():
    np.random.seed(0)
    onp.random.seed(0)


def close(a, b, **kw):
    onp.testing.assert_allclose(onp.asarray(a), onp.asarray(b), **kw)


# ---- creation --------------------------------------------------------------------
def test_array_from_lists_is_float32():
    for obj in ([1, 2, 3], [[1.5, 2.0], [3.0, 4.0]], 7, 2.5):
        x = np.array(obj)
        assert isinstance(x, ndarray)
        assert x.dtype == np.float32
        close(x.asnumpy(), onp.array(obj, dtype=onp.float32))


def test_array_from_numpy_keeps_integers_and_makes_floats_float32():
    assert np.array(onp.arange(3)).dtype == onp.arange(3).dtype
    assert np.array(onp.arange(3, dtype=onp.int32)).dtype == np.int32
    assert np.array(onp.ones(3)).dtype == np.float32
    assert np.array(onp.array([True, False])).dtype == np.bool_


def test_array_dtype_argument():
    assert np.array([1, 2], dtype=np.int32).dtype == np.int32
    assert np.array([1, 2], dtype="float64").dtype == np.float64
    assert np.array(onp.arange(3), dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize("make, expected", [
    (lambda: np.zeros((2, 3)), onp.zeros((2, 3))),
    (lambda: np.zeros(4), onp.zeros(4)),
    (lambda: np.ones((2, 1)), onp.ones((2, 1))),
    (lambda: np.full((2, 2), 7), onp.full((2, 2), 7.0)),
    (lambda: np.arange(5), onp.arange(5.0)),
    (lambda: np.arange(1, 7, 2), onp.arange(1.0, 7.0, 2.0)),
    (lambda: np.arange(0, 1, 0.25), onp.arange(0, 1, 0.25)),
    (lambda: np.eye(3), onp.eye(3)),
    (lambda: np.eye(2, 3, k=1), onp.eye(2, 3, k=1)),
    (lambda: np.linspace(0, 1, 5), onp.linspace(0, 1, 5)),
    (lambda: np.linspace(0, 1, 4, endpoint=False), onp.linspace(0, 1, 4, False)),
], ids=["zeros", "zeros-int-shape", "ones", "full", "arange", "arange-step",
        "arange-float-step", "eye", "eye-rect", "linspace", "linspace-open"])
def test_creation_defaults_to_float32(make, expected):
    x = make()
    assert isinstance(x, ndarray)
    assert x.dtype == np.float32
    assert x.shape == expected.shape
    close(x, expected)


def test_creation_dtype_argument():
    assert np.zeros((2,), dtype=np.int32).dtype == np.int32
    assert np.ones(2, dtype="float64").dtype == np.float64
    assert np.full(2, 3, dtype=np.int64).dtype == np.int64
    assert np.arange(4, dtype=np.int32).dtype == np.int32
    assert np.eye(2, dtype=np.float64).dtype == np.float64
    assert np.linspace(0, 1, 3, dtype=np.float64).dtype == np.float64


def test_like_functions_keep_shape_and_dtype():
    x = np.array(onp.arange(6, dtype=onp.int32).reshape(2, 3))
    for fn, value in [(np.zeros_like, 0), (np.ones_like, 1)]:
        y = fn(x)
        assert (y.shape, y.dtype) == ((2, 3), np.int32)
        assert (y.asnumpy() == value).all()
    y = np.full_like(x, 4)
    assert (y.shape, y.dtype) == ((2, 3), np.int32)
    assert (y.asnumpy() == 4).all()
    assert np.zeros_like(x, dtype=np.float32).dtype == np.float32


def test_ctx_and_device_are_accepted():
    cpu = npx.cpu()
    made = [
        np.zeros((2,), ctx=cpu), np.ones(2, device=cpu), np.full(2, 1, ctx=cpu),
        np.array([1, 2], ctx=cpu), np.array([1, 2], device=cpu),
        np.arange(3, ctx=cpu), np.eye(2, device=cpu), np.linspace(0, 1, 3, ctx=cpu),
        np.zeros_like(np.ones(2), ctx=cpu), np.ones_like(np.ones(2), device=cpu),
        np.random.uniform(size=2, ctx=cpu), np.random.normal(size=2, device=cpu),
    ]
    for x in made:
        assert x.device == cpu
        assert x.ctx == cpu


# ---- np.random -------------------------------------------------------------------
@pytest.mark.parametrize("draw", [
    lambda: np.random.uniform(size=(2, 3)),
    lambda: np.random.normal(size=(2, 3)),
    lambda: np.random.randn(2, 3),
    lambda: np.random.randint(0, 10, (5,)),
    lambda: np.random.rand(4),
], ids=["uniform", "normal", "randn", "randint", "rand"])
def test_seed_repeats_exactly(draw):
    np.random.seed(3)
    first = draw().asnumpy()
    np.random.seed(3)
    onp.testing.assert_array_equal(draw().asnumpy(), first)
    np.random.seed(4)
    assert not onp.array_equal(draw().asnumpy(), first)


def test_uniform_forms_and_range():
    x = np.random.uniform(-10, 10, (2, 3))
    assert (x.shape, x.dtype) == ((2, 3), np.float32)
    y = np.random.uniform(low=2, high=3, size=(1000,))
    values = y.asnumpy()
    assert values.min() >= 2 and values.max() < 3
    assert abs(values.mean() - 2.5) < 0.05
    z = np.random.uniform(size=(500,)).asnumpy()
    assert z.min() >= 0 and z.max() < 1
    assert np.random.uniform(shape=(2, 2)).shape == (2, 2)  # MXNet 1.x keyword
    assert np.random.uniform().shape == ()


def test_normal_forms_and_moments():
    x = np.random.normal(0, 1, size=(2, 3))
    assert (x.shape, x.dtype) == ((2, 3), np.float32)
    values = np.random.normal(5, 0.1, (4000,)).asnumpy()
    assert abs(values.mean() - 5) < 0.01
    assert abs(values.std() - 0.1) < 0.01
    assert np.random.normal(size=(3,), dtype=np.float64).dtype == np.float64


def test_randn_and_rand():
    x = np.random.randn(2, 3)
    assert (x.shape, x.dtype) == ((2, 3), np.float32)
    r = np.random.rand(100, 2)
    assert r.shape == (100, 2)
    assert r.asnumpy().min() >= 0 and r.asnumpy().max() < 1


def test_randint_is_integer_in_range():
    x = np.random.randint(0, 10, (5,))
    assert x.shape == (5,)
    assert x.dtype.kind == "i"
    values = np.random.randint(0, 10, (1000,)).asnumpy()
    assert values.min() >= 0 and values.max() <= 9
    assert set(values.tolist()) == set(range(10))
    assert np.random.randint(3, size=(50,)).asnumpy().max() <= 2


def test_shuffle_permutes_in_place():
    x = np.arange(10)
    same = x
    assert np.random.shuffle(x) is None
    assert x is same
    assert sorted(x.asnumpy().tolist()) == list(range(10))
    assert x.asnumpy().tolist() != list(range(10))
    rows = np.arange(12).reshape(4, 3)
    np.random.shuffle(rows)
    as_tuples = sorted(tuple(r) for r in rows.asnumpy().tolist())
    assert as_tuples == [tuple(r) for r in onp.arange(12.0).reshape(4, 3).tolist()]


# ---- arithmetic ------------------------------------------------------------------
A = onp.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]], dtype=onp.float32)
B = onp.array([2.0, -1.0, 0.5], dtype=onp.float32)


@pytest.mark.parametrize("fn", [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
    lambda a, b: a ** 2, lambda a, b: b - a, lambda a, b: a[:, :1] * b,
    lambda a, b: a[:, :1] + a[:1, :], lambda a, b: 2 - a, lambda a, b: 1 / b,
    lambda a, b: 2 ** a, lambda a, b: 3 * a, lambda a, b: 1.5 + a, lambda a, b: -a,
    lambda a, b: a // 2, lambda a, b: a % 2, lambda a, b: abs(a), lambda a, b: a @ b,
], ids=["add-bias", "sub-bias", "mul-bias", "div-bias", "pow", "rsub-bias",
        "column-times-row", "outer-add", "2-x", "1/x", "2**x", "3*x", "1.5+x", "neg",
        "floordiv", "mod", "abs", "matmul"])
def test_arithmetic_matches_numpy(fn):
    out = fn(np.array(A), np.array(B))
    expected = fn(A, B)
    assert isinstance(out, ndarray)
    assert out.shape == expected.shape
    assert out.dtype == np.float32
    close(out, expected, rtol=1e-6)


def test_numpy_array_on_the_left_gives_a_d2lmini_array():
    for out, expected in [
        (onp.ones(3) + np.ones(3), [2, 2, 2]),
        (onp.arange(3) * np.ones(3), [0, 1, 2]),
        (onp.ones(3) - np.arange(3), [1, 0, -1]),
        (onp.array([2.0, 4.0]) / np.array([2.0, 8.0]), [1, 0.5]),
        (onp.ones((2, 3)) @ np.ones((3,)), [3, 3]),
    ]:
        assert isinstance(out, ndarray)
        close(out, expected)
    mask = onp.ones(2) > np.array([0.0, 2.0])
    assert isinstance(mask, ndarray)
    assert mask.asnumpy().tolist() == [True, False]


def test_numpy_operand_gives_the_same_result_on_either_side():
    y = np.ones(2)
    left, right = onp.ones(2) + y, y + onp.ones(2)
    assert isinstance(left, ndarray) and isinstance(right, ndarray)
    assert left.dtype == right.dtype
    x = np.zeros(2, dtype=np.float64)
    a = onp.array([0.1, 0.2])
    onp.testing.assert_array_equal((a + x).asnumpy(), (x + a).asnumpy())


def test_comparisons_return_bool_arrays():
    x, y = np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0])
    cases = [(x > y, [False, False, True]), (x < 2, [True, False, False]),
             (x >= y, [False, True, True]), (x <= 2, [True, True, False]),
             (x == y, [False, True, False]), (x != 2, [True, False, True])]
    for out, expected in cases:
        assert out.dtype == np.bool_
        assert out.asnumpy().tolist() == expected


def test_integer_division_gives_float32_like_mxnet():
    a = np.array(onp.array([1, 2, 3]))
    b = np.array(onp.array([2, 2, 2]))
    for out in (a / b, a / 2, np.divide(a, b), 3 / a):
        assert out.dtype == np.float32
    close(a / b, [0.5, 1.0, 1.5])
    close(3 / a, [3.0, 1.5, 1.0])
    assert a.mean().dtype == np.float32
    assert (a // b).dtype == a.dtype


# ---- reductions and shapes -------------------------------------------------------
X = onp.arange(24, dtype=onp.float32).reshape(2, 3, 4) - 10


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod"])
@pytest.mark.parametrize("kw", [{}, {"axis": 0}, {"axis": -1, "keepdims": True},
                                {"axis": (0, 2)}, {"keepdims": True}],
                         ids=["all", "axis0", "last-keepdims", "axes02", "keepdims"])
def test_reductions_match_numpy(name, kw):
    data = X / 10 if name == "prod" else X
    x = np.array(data)
    for out in (getattr(np, name)(x, **kw), getattr(x, name)(**kw)):
        expected = getattr(onp, name)(data, **kw)
        assert isinstance(out, ndarray)
        assert out.shape == onp.shape(expected)
        close(out, expected, rtol=1e-6)


def test_argmax_argmin_and_all_any():
    x = np.array(X)
    assert x.argmax().item() == X.argmax()
    onp.testing.assert_array_equal(np.argmax(x, axis=1).asnumpy(), X.argmax(axis=1))
    onp.testing.assert_array_equal(x.argmin(axis=-1).asnumpy(), X.argmin(axis=-1))
    assert bool((x > -11).all()) and not bool((x > 0).all())
    onp.testing.assert_array_equal((x > 0).any(axis=2).asnumpy(), (X > 0).any(axis=2))


@pytest.mark.parametrize("fn, ref", [
    (lambda x: x.reshape(6, 4), lambda x: x.reshape(6, 4)),
    (lambda x: x.reshape((4, -1)), lambda x: x.reshape(4, -1)),
    (lambda x: np.reshape(x, (-1,)), lambda x: x.reshape(-1)),
    (lambda x: x.flatten(), lambda x: x.flatten()),
    (lambda x: np.ravel(x), lambda x: x.ravel()),
    (lambda x: x.T, lambda x: x.T),
    (lambda x: x.transpose(1, 0, 2), lambda x: x.transpose(1, 0, 2)),
    (lambda x: np.transpose(x, (2, 0, 1)), lambda x: x.transpose(2, 0, 1)),
    (lambda x: np.expand_dims(x, 1), lambda x: onp.expand_dims(x, 1)),
    (lambda x: x[:, :1].squeeze(axis=1), lambda x: x[:, :1].squeeze(axis=1)),
    (lambda x: np.squeeze(x[:1, :1]), lambda x: x[:1, :1].squeeze()),
    (lambda x: np.broadcast_to(x[:, :1], (2, 3, 4)),
     lambda x: onp.broadcast_to(x[:, :1], (2, 3, 4))),
    (lambda x: np.concatenate([x, x[:1]]), lambda x: onp.concatenate([x, x[:1]])),
    (lambda x: np.concatenate((x, x), axis=-1), lambda x: onp.concatenate((x, x), -1)),
    (lambda x: np.stack([x, x], axis=1), lambda x: onp.stack([x, x], axis=1)),
    (lambda x: npx.batch_flatten(x), lambda x: x.reshape(2, -1)),
    (lambda x: np.clip(x, -3, 3), lambda x: onp.clip(x, -3, 3)),
    (lambda x: np.where(x > 0, x, 0), lambda x: onp.where(x > 0, x, 0)),
], ids=["reshape", "reshape-infer", "np.reshape", "flatten", "ravel", "T",
        "transpose", "np.transpose", "expand_dims", "squeeze-axis", "squeeze",
        "broadcast_to", "concatenate", "concatenate-last", "stack", "batch_flatten",
        "clip", "where"])
def test_shape_ops_match_numpy(fn, ref):
    out, expected = fn(np.array(X)), ref(X)
    assert out.shape == expected.shape
    assert out.dtype == np.float32
    onp.testing.assert_array_equal(out.asnumpy(), expected)


def test_split_sections_and_indices():
    x = np.array(onp.arange(12.0).reshape(6, 2))
    parts = np.split(x, 3)
    assert [p.shape for p in parts] == [(2, 2)] * 3
    for got, want in zip(parts, onp.split(x.asnumpy(), 3)):
        onp.testing.assert_array_equal(got.asnumpy(), want)
    parts = np.split(x, [1, 4])
    assert [p.shape for p in parts] == [(1, 2), (3, 2), (2, 2)]
    for got, want in zip(parts, onp.split(x.asnumpy(), [1, 4])):
        onp.testing.assert_array_equal(got.asnumpy(), want)
    cols = np.split(x, 2, axis=1)
    onp.testing.assert_array_equal(cols[1].asnumpy(), x.asnumpy()[:, 1:])
    with pytest.raises(ValueError, match="equal sections"):
        np.split(x, 4)


# ---- indexing --------------------------------------------------------------------
M = onp.arange(12, dtype=onp.float32).reshape(3, 4)


@pytest.mark.parametrize("key", [
    1, -1, (1, 2), slice(1, None), (slice(None), 1), (slice(None, None, -1), 0),
    (Ellipsis, -1), (None, 0), [0, 0, 2], (slice(None), [3, 0, 3]), ([0, 2], [1, 1]),
    onp.array([2, 0]), M > 5, onp.array([True, False, True]),
], ids=["int", "int-neg", "pair", "slice", "column", "reverse", "ellipsis", "newaxis",
        "list", "columns-list", "pairs", "int-array", "bool-mask", "bool-rows"])
def test_indexing_reads_match_numpy(key):
    out = np.array(M)[key]
    assert isinstance(out, ndarray)
    assert out.shape == M[key].shape
    onp.testing.assert_array_equal(out.asnumpy(), M[key])


def test_int_index_gives_0d_array_and_ndarray_keys_work():
    x = np.array(M)
    v = x[1, 2]
    assert isinstance(v, ndarray) and v.shape == ()
    assert v.item() == 6.0
    idx = np.array(onp.array([2, 0]))
    onp.testing.assert_array_equal(x[idx].asnumpy(), M[[2, 0]])
    onp.testing.assert_array_equal(x[x > 5].asnumpy(), M[M > 5])


def test_slice_assignment_outside_recording():
    x = np.zeros((2, 3))
    x[0] = 1
    x[:, 2] = np.array([5.0, 6.0])
    x[1, 0] = 7
    x[x == 6] = -1
    onp.testing.assert_array_equal(x.asnumpy(), [[1, 1, 5], [7, 0, -1]])
    assert x.dtype == np.float32


def test_writes_on_a_recorded_array_are_refused():
    x = np.ones(3)
    x.attach_grad()
    with autograd.record():
        with pytest.raises(AutogradError, match="recorded graph"):
            x[0] = 2
        with pytest.raises(AutogradError, match="recorded graph"):
            x += 1
    x += 1  # fine again outside record()
    onp.testing.assert_array_equal(x.asnumpy(), [2, 2, 2])


def test_inplace_arithmetic_outside_recording():
    X = np.array([3.0, -4.0])
    same = X
    while np.abs(X).sum() > 1:  # the chapter's FixedHiddenMLP loop
        X /= 2
    assert X is same
    assert X.dtype == np.float32
    close(X, [0.375, -0.5])
    X += 1
    X *= 2
    X -= np.array([1.0, 1.0])
    close(X, [1.75, 0.0])


# ---- leaving d2lmini and conversions ---------------------------------------------
def test_item_and_python_numbers():
    assert np.array([3.5]).item() == 3.5
    assert isinstance(np.array([3.5]).item(), float)
    assert np.array(M).sum().item() == M.sum()
    assert float(np.array([2.5])) == 2.5
    assert int(np.array(3.7)) == 3
    assert int(np.array(onp.array([[4]]))) == 4
    assert bool(np.array([0.0])) is False
    assert bool(np.array([[2.0]])) is True


def test_item_on_many_values_raises_with_a_hint():
    with pytest.raises(ValueError, match=r"x\[0\]\.item\(\)"):
        np.ones(3).item()


def test_bool_of_a_bigger_array_is_ambiguous():
    with pytest.raises(ValueError, match="ambiguous"):
        bool(np.ones(2))
    with pytest.raises(ValueError, match="ambiguous"):
        if np.ones((2, 2)) > 0:
            pass


def test_asnumpy_is_a_copy():
    x = np.array([1.0, 2.0])
    a = x.asnumpy()
    assert type(a) is onp.ndarray and a.dtype == onp.float32
    a[0] = 100
    assert x.asnumpy().tolist() == [1.0, 2.0]


def test_numpy_asarray_and_np_array_copies():
    x = np.array([1.0, 2.0])
    a = onp.asarray(x)
    assert type(a) is onp.ndarray and a.dtype == onp.float32
    assert a.tolist() == [1.0, 2.0]
    y = np.array(x)
    assert isinstance(y, ndarray) and y is not x
    y[0] = 9
    assert x.asnumpy().tolist() == [1.0, 2.0]
    assert np.asarray(x) is x


def test_astype_and_copy():
    x = np.array([1.7, -2.2])
    i = x.astype(np.int32)
    assert i.dtype == np.int32 and i.asnumpy().tolist() == [1, -2]
    assert x.astype("float64").dtype == np.float64
    assert x.dtype == np.float32  # astype never changes the original
    y = x.copy()
    y[0] = 5
    close(x, [1.7, -2.2])
    close(y, [5, -2.2])


def test_detach_cuts_the_graph():
    x = np.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = (x * 2).detach()
        z = (y * 3).sum()
    close(y, [2.0, 4.0])
    with pytest.raises(AutogradError, match="needs a gradient"):
        z.backward()


def test_attributes_len_and_iteration():
    x = np.array(M)
    assert (x.size, x.ndim, x.shape, len(x)) == (12, 2, (3, 4), 3)
    assert x.T.shape == (4, 3)
    onp.testing.assert_array_equal(x.T.asnumpy(), M.T)
    rows = list(x)
    assert len(rows) == 3 and all(isinstance(r, ndarray) for r in rows)
    onp.testing.assert_array_equal(rows[2].asnumpy(), M[2])
    assert np.array(2.0).ndim == 0
    with pytest.raises(TypeError, match="0-d"):
        len(np.array(2.0))


def test_repr_and_str():
    assert repr(np.array([1.0, 2.0])) == "array([1., 2.])"
    assert repr(np.array([[1, 2], [3, 4]])) == repr(onp.array([[1.0, 2.0], [3.0, 4.0]]))
    assert repr(np.array(3.5)) == "array(3.5)"
    assert repr(np.array(onp.array([1, 2, 3]))) == "array([1, 2, 3], dtype=int64)"
    assert repr(np.ones(2, dtype=np.float64)) == "array([1., 1.], dtype=float64)"
    assert repr(np.array([1.0, 2.0]) > 1) == "array([False,  True], dtype=bool)"
    assert str(np.array([1.0, 2.0])) == "[1. 2.]"
    assert str(np.array([[1, 2], [3, 4]])) == str(onp.array([[1.0, 2.0], [3.0, 4.0]]))


# ---- np.linalg.norm --------------------------------------------------------------
def test_linalg_norm():
    v = np.array([3.0, -4.0])
    n = np.linalg.norm(v)
    assert isinstance(n, ndarray) and n.shape == ()
    assert n.item() == pytest.approx(5.0)
    assert np.linalg.norm(v, ord=1).item() == pytest.approx(7.0)
    close(np.linalg.norm(np.array(M)), onp.linalg.norm(M), rtol=1e-6)
    close(np.linalg.norm(np.array(M), axis=1), onp.linalg.norm(M, axis=1), rtol=1e-6)
    close(np.linalg.norm(np.array(M), ord=1, axis=0, keepdims=True),
          onp.linalg.norm(M, ord=1, axis=0, keepdims=True), rtol=1e-6)
    with pytest.raises(ValueError, match="not supported"):
        np.linalg.norm(v, ord=3)
