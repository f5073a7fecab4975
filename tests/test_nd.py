"""MXNet 1.x operators (nd and the F of hybrid_forward): each runs eagerly and in a
hybridized hybrid_forward(self, F, x) with the same result, with 1.x semantics."""

import numpy as onp
import pytest

from d2lmini import autograd, nd, np
from d2lmini.gluon import HybridBlock
from d2lmini.gluon.hybrid import F

X = onp.array([[1.0, -2.0, 3.0, 0.5], [-1.5, 2.5, 0.25, 4.0]], dtype=onp.float32)
ROW = onp.array([[0.5, -1.0, 2.0, 1.0]], dtype=onp.float32)

# name -> (function of (F, x), what NumPy gives for X)
CASES = {
    "broadcast_add": (lambda F, x: F.broadcast_add(x, F.array(ROW)), X + ROW),
    "broadcast_sub": (lambda F, x: F.broadcast_sub(x, F.array(ROW)), X - ROW),
    "broadcast_mul": (lambda F, x: F.broadcast_mul(x, F.array(ROW)), X * ROW),
    "broadcast_div": (lambda F, x: F.broadcast_div(x, F.array(ROW)), X / ROW),
    "broadcast_power": (lambda F, x: F.broadcast_power(F.abs(x), F.array(ROW)),
                        onp.abs(X) ** ROW),
    "broadcast_maximum": (lambda F, x: F.broadcast_maximum(x, F.array(ROW)),
                          onp.maximum(X, ROW)),
    "broadcast_minimum": (lambda F, x: F.broadcast_minimum(x, F.array(ROW)),
                          onp.minimum(X, ROW)),
    "broadcast_equal": (lambda F, x: F.broadcast_equal(x, F.array(ROW)),
                        (X == ROW).astype(onp.float32)),
    "broadcast_greater": (lambda F, x: F.broadcast_greater(x, F.array(ROW)),
                          (X > ROW).astype(onp.float32)),
    "broadcast_lesser_equal": (lambda F, x: F.broadcast_lesser_equal(x, x * 0),
                               (X <= 0).astype(onp.float32)),
    "broadcast_logical_and": (lambda F, x: F.broadcast_logical_and(x > 0, x < 2),
                              ((X > 0) & (X < 2)).astype(onp.float32)),
    "elemwise_add": (lambda F, x: F.elemwise_add(x, x), X + X),
    "elemwise_mul": (lambda F, x: F.elemwise_mul(x, x), X * X),
    "broadcast_to": (lambda F, x: F.broadcast_to(F.sum(x, axis=0, keepdims=True),
                                                 shape=(3, 0)),
                     onp.broadcast_to(X.sum(0, keepdims=True), (3, 4))),
    "broadcast_like": (lambda F, x: F.broadcast_like(F.array(ROW), x),
                       onp.broadcast_to(ROW, X.shape)),
    "broadcast_axis": (lambda F, x: F.broadcast_axis(F.max(x, axis=1, keepdims=True),
                                                     axis=1, size=3),
                       onp.broadcast_to(X.max(1, keepdims=True), (2, 3))),
    "expand_dims": (lambda F, x: F.expand_dims(x, axis=1), X[:, None]),
    "square": (lambda F, x: F.square(x), X ** 2),
    "power": (lambda F, x: F.power(x, 2), X ** 2),
    "where": (lambda F, x: F.where(x > 0, x, F.zeros_like(x)), onp.where(X > 0, X, 0)),
    "one_hot": (lambda F, x: F.one_hot(F.argmax(x, axis=1), 4),
                onp.eye(4, dtype=onp.float32)[X.argmax(1)]),
    "pick": (lambda F, x: F.pick(x, F.argmax(x, axis=1), axis=1), X.max(1)),
    "slice_axis": (lambda F, x: F.slice_axis(x, axis=1, begin=1, end=3), X[:, 1:3]),
    "slice": (lambda F, x: F.slice(x, begin=(0, 1), end=(None, 4), step=(1, 2)),
              X[0:, 1:4:2]),
    "batch_dot": (lambda F, x: F.batch_dot(F.expand_dims(x, 0),
                                           F.expand_dims(x, 0), transpose_b=True),
                  (X @ X.T)[None]),
    "take": (lambda F, x: F.take(x, F.array([1.0, 0.0, 1.0])), X[[1, 0, 1]]),
    "FullyConnected": (lambda F, x: F.FullyConnected(x, F.ones((3, 4)), None,
                                                     num_hidden=3, no_bias=True),
                       X @ onp.ones((3, 4), onp.float32).T),
    "Activation": (lambda F, x: F.Activation(x, act_type="tanh"), onp.tanh(X)),
    "LeakyReLU": (lambda F, x: F.LeakyReLU(x, slope=0.1),
                  onp.where(X > 0, X, 0.1 * X)),
    "Dropout-predict": (lambda F, x: F.Dropout(x, p=0.5), X),
    "BlockGrad": (lambda F, x: F.BlockGrad(x) * 2, X * 2),
    "stop_gradient": (lambda F, x: F.stop_gradient(x), X),
    "cast": (lambda F, x: F.cast(x, dtype="float64"), X.astype(onp.float64)),
    "squeeze": (lambda F, x: F.squeeze(F.expand_dims(x, 0), axis=0), X),
    "swapaxes": (lambda F, x: F.swapaxes(x, dim1=0, dim2=1), X.T),
    "tile": (lambda F, x: F.tile(x, reps=(1, 2)), onp.tile(X, (1, 2))),
    "repeat": (lambda F, x: F.repeat(x, repeats=2, axis=0), onp.repeat(X, 2, 0)),
    "split": (lambda F, x: F.split(x, num_outputs=2, axis=1)[1], X[:, 2:]),
    "split-squeeze": (lambda F, x: F.split(x, 2, axis=0, squeeze_axis=True)[0], X[0]),
    "sort": (lambda F, x: F.sort(x, axis=1, is_ascend=False), -onp.sort(-X, 1)),
    "argsort": (lambda F, x: F.argsort(x), onp.argsort(X).astype(onp.float32)),
    "topk": (lambda F, x: F.topk(x, k=2), onp.argsort(-X)[:, :2].astype(onp.float32)),
    "norm": (lambda F, x: F.norm(x), onp.linalg.norm(X)),
    "L2Normalization": (lambda F, x: F.L2Normalization(x),
                        X / onp.sqrt((X ** 2).sum(1, keepdims=True) + 1e-10)),
    "softmax": (lambda F, x: F.softmax(x), onp.exp(X) / onp.exp(X).sum(
        1, keepdims=True)),
    "log_softmax": (lambda F, x: F.log_softmax(x, axis=0),
                    X - onp.log(onp.exp(X).sum(0, keepdims=True))),
    "relu": (lambda F, x: F.relu(x), onp.maximum(X, 0)),
    "sigmoid": (lambda F, x: F.sigmoid(x), 1 / (1 + onp.exp(-X))),
    "tanh": (lambda F, x: F.tanh(x), onp.tanh(X)),
    "sum-exclude": (lambda F, x: F.sum(x, axis=1, exclude=True), X.sum(0)),
    "mean-empty-axis": (lambda F, x: F.mean(x, axis=()), X.mean()),
    "argmax-float": (lambda F, x: F.argmax(x, axis=1), X.argmax(1).astype(
        onp.float32)),
    "reshape-codes": (lambda F, x: F.reshape(x, shape=(0, -4, 2, -1)),
                      X.reshape(2, 2, 2)),
    "transpose": (lambda F, x: F.transpose(x, axes=(1, 0)), X.T),
    "dot-transpose": (lambda F, x: F.dot(x, x, transpose_b=True), X @ X.T),
    "concat": (lambda F, x: F.concat(x, x, dim=1), onp.concatenate([X, X], 1)),
    "full": (lambda F, x: x + F.full((2, 4), 3.0), X + 3),
    "add_n": (lambda F, x: F.add_n(x, x, x), 3 * X),
    "ones_like": (lambda F, x: F.ones_like(x), onp.ones_like(X)),
    "clip": (lambda F, x: F.clip(x, -1, 1), onp.clip(X, -1, 1)),
}


class Legacy(HybridBlock):
    def __init__(self, fn):
        super().__init__()
        self._fn = fn

    def hybrid_forward(self, F, x):
        return self._fn(F, x)


@pytest.mark.parametrize("name", sorted(CASES))
def test_eager_and_hybridized_match_numpy(name):
    fn, expected = CASES[name]
    eager = fn(nd, nd.array(X))
    onp.testing.assert_allclose(eager.asnumpy(), expected, rtol=1e-5, atol=1e-6)
    net = Legacy(fn)
    net.hybridize()
    for _ in range(2):
        out = net(nd.array(X))
        onp.testing.assert_allclose(out.asnumpy(), eager.asnumpy(), rtol=1e-6)
        assert out.dtype == eager.dtype


def test_split_returns_a_list_and_one_piece_an_array():
    pieces = nd.split(nd.array(X), num_outputs=4)
    assert isinstance(pieces, list) and len(pieces) == 4
    assert nd.split(nd.array(X), num_outputs=1).shape == X.shape


def test_broadcast_add_gradient_unbroadcasts():
    x, b = nd.array(X), nd.array(ROW)
    b.attach_grad()
    with autograd.record():
        y = nd.broadcast_add(x, b).sum()
    y.backward()
    onp.testing.assert_array_equal(b.grad.asnumpy(), [[2.0] * 4])


def test_missing_names_name_module_and_replacement():
    with pytest.raises(AttributeError, match="d2lmini.nd has no attribute 'less'; "
                                             "use nd.lesser"):
        nd.less
    with pytest.raises(AttributeError, match=r"F \(looked in nd, npx and np\) has "
                                             "no attribute 'broadcast_ad'; use "
                                             "F.broadcast_add"):
        F.broadcast_ad
    assert F.np is np


def test_elemwise_ops_do_not_broadcast():
    with pytest.raises(ValueError, match="broadcast_add"):
        nd.elemwise_add(nd.array(X), nd.array(ROW))


def test_creation_takes_ctx_before_dtype():
    from d2lmini import cpu

    assert nd.zeros((2,), cpu()).dtype == onp.float32
    assert nd.ones((2,), cpu(), "int32").dtype == onp.int32
    onp.testing.assert_array_equal(nd.full((2,), 3, cpu()).asnumpy(), [3, 3])
    onp.testing.assert_array_equal(nd.arange(2, repeat=2).asnumpy(), [0, 0, 1, 1])
    assert nd.array([1, 2], cpu()).device == cpu()


def test_ndarray_methods_take_the_1x_reshape_codes_and_exclude():
    x = np.arange(24).reshape(2, 3, 4)
    assert x.reshape((0, -1)).shape == (2, 12)  # 0 copies a dimension
    assert x.reshape((-3, 4)).shape == (6, 4)   # -3 merges two
    assert x.reshape(6, 4).shape == (6, 4) and x.reshape(-1).shape == (24,)
    m = x.mean(axis=(1, 2), exclude=True)       # reduce all but axes 1 and 2
    onp.testing.assert_allclose(m.asnumpy(), x.asnumpy().mean(axis=0))
    assert x.sum(axis=0, exclude=True).shape == (2,)
