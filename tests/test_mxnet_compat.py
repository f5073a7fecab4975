"""Acceptance tests: the MXNet 1.x spellings listed in DESIGN.md section 1.

Older teaching material writes ``import mxnet as mx``, ``nd``, ``ctx=``,
``hybrid_forward(self, F, x)`` and ``name_scope()``; with ``mxnet`` replaced
by ``d2lmini`` that code must run. Real NumPy is ``onp``.
"""

import numpy as onp
import pytest

import d2lmini
import d2lmini as mx
from d2lmini import autograd, gluon, init, nd, np, npx
from d2lmini.gluon import nn

RTOL, ATOL = 1e-5, 1e-6


@pytest.fixture(autouse=True)
def seeded():
    np.random.seed(7)
    onp.random.seed(7)


def dense_ref(x, layer):
    return x @ layer.weight.data().asnumpy().T + layer.bias.data().asnumpy()


# --- import d2lmini as mx ---------------------------------------------------


def test_mx_top_level_devices():
    assert mx.cpu() == npx.cpu()
    assert mx.gpu() == npx.gpu(0)
    assert mx.gpu(1) == npx.gpu(1)
    assert repr(mx.cpu()) == 'cpu(0)'


def test_mx_top_level_modules():
    assert mx.init is init
    assert mx.nd is nd
    assert mx.autograd is autograd
    assert mx.gluon is gluon
    assert mx.gluon.nn is nn


def test_mx_style_script_runs():
    net = mx.gluon.nn.Sequential()
    net.add(mx.gluon.nn.Dense(4, activation='relu'), mx.gluon.nn.Dense(2))
    net.initialize(mx.init.Normal(sigma=0.5), ctx=mx.cpu())
    X = mx.nd.random.uniform(shape=(3, 5))
    with mx.autograd.record():
        loss = net(X).sum()
    loss.backward()
    assert net(X).shape == (3, 2)
    assert net[0].weight.grad().shape == (4, 5)
    assert onp.abs(net[1].weight.grad().asnumpy()).sum() > 0


# --- nd ---------------------------------------------------------------------


def test_nd_random_uniform_shape():
    x = nd.random.uniform(shape=(2, 3))
    assert x.shape == (2, 3)
    values = x.asnumpy()
    assert onp.all((values >= 0) & (values < 1))
    assert values.std() > 0


def test_nd_random_uniform_low_high():
    x = nd.random.uniform(low=-1, high=1, shape=(1000,)).asnumpy()
    assert onp.all((x >= -1) & (x < 1))
    assert x.min() < -0.5 and x.max() > 0.5


def test_nd_relu_and_dot():
    a = np.array([[1.0, -2.0], [-3.0, 4.0]])
    onp.testing.assert_array_equal(nd.relu(a).asnumpy(), [[1, 0], [0, 4]])
    b = np.array([[1.0, 0.5], [2.0, -1.0]])
    onp.testing.assert_allclose(nd.dot(a, b).asnumpy(),
                                a.asnumpy() @ b.asnumpy(), rtol=RTOL)


def test_asscalar():
    x = np.array([1.0, 2.0, 3.0])
    total = nd.dot(x, x).asscalar()
    assert total == 14.0
    assert not hasattr(total, 'shape') or total.shape == ()
    assert np.array([3.5]).asscalar() == 3.5
    assert x.sum().asscalar() == 6.0


# --- ctx= wherever device= works --------------------------------------------


@pytest.mark.parametrize('kw', ['ctx', 'device'])
def test_creation_accepts_ctx_and_device(kw):
    cpu = mx.cpu()
    for x in (np.ones((2, 3), **{kw: cpu}),
              np.zeros((2, 3), **{kw: cpu}),
              np.array([1.0, 2.0], **{kw: cpu}),
              np.random.uniform(size=(2, 3), **{kw: cpu}),
              np.random.normal(size=(2, 3), **{kw: cpu}),
              np.arange(4, **{kw: cpu}),
              np.full((2, 3), 7.0, **{kw: cpu})):
        assert x.ctx == cpu
        assert x.device == cpu


@pytest.mark.parametrize('kw', ['ctx', 'device'])
def test_initialize_and_data_accept_ctx_and_device(kw):
    net = nn.Dense(3, in_units=4)
    net.initialize(**{kw: mx.cpu()})
    assert net.weight.data(**{kw: mx.cpu()}).ctx == mx.cpu()
    X = np.ones((2, 4), **{kw: mx.cpu()})
    onp.testing.assert_allclose(net(X).asnumpy(),
                                dense_ref(onp.ones((2, 4)), net), rtol=RTOL,
                                atol=ATOL)


@pytest.mark.parametrize('kw', ['ctx', 'device'])
def test_parameter_and_load_accept_ctx_and_device(kw, tmp_path):
    weight = gluon.Parameter('weight', shape=(2, 3))
    weight.initialize(init.Constant(3), **{kw: mx.cpu()})
    assert weight.data(**{kw: mx.cpu()}).ctx == mx.cpu()
    assert weight.grad(**{kw: mx.cpu()}).shape == (2, 3)
    onp.testing.assert_array_equal(weight.data().asnumpy(), onp.full((2, 3), 3.0))
    path = str(tmp_path / 'arrays')
    npx.save(path, [np.arange(3)])
    (loaded,) = npx.load(path, **{kw: mx.cpu()})
    assert loaded.ctx == mx.cpu()
    onp.testing.assert_array_equal(loaded.asnumpy(), [0, 1, 2])


def test_as_in_context_and_friends():
    x = np.arange(6).reshape(2, 3)
    assert x.as_in_context(mx.cpu()) is x
    assert x.as_in_ctx(mx.cpu()) is x
    y = x.to_device(mx.cpu())
    assert y.ctx == mx.cpu()
    onp.testing.assert_array_equal(y.asnumpy(), x.asnumpy())
    z = x.copyto(mx.cpu())
    assert z is not x
    onp.testing.assert_array_equal(z.asnumpy(), x.asnumpy())


# --- HybridBlock.hybrid_forward(self, F, x) ---------------------------------


class HybridMLP(nn.HybridBlock):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.hidden = nn.Dense(4)
            self.output = nn.Dense(2)

    def hybrid_forward(self, F, x):
        return self.output(F.npx.relu(self.hidden(x)))


def test_hybrid_forward_runs_eagerly():
    net = HybridMLP()
    net.initialize()
    X = np.random.uniform(size=(3, 5))
    Y = net(X)
    h = onp.maximum(dense_ref(X.asnumpy(), net.hidden), 0)
    onp.testing.assert_allclose(Y.asnumpy(), dense_ref(h, net.output), rtol=RTOL,
                                atol=ATOL)
    assert list(net.collect_params().keys()) == [
        'hidden.weight', 'hidden.bias', 'output.weight', 'output.bias']


def test_hybrid_forward_f_gives_np_and_npx():
    seen = {}

    class Probe(nn.HybridBlock):
        def hybrid_forward(self, F, x):
            seen['F'] = F
            return F.np.dot(x, x.T) + F.npx.sigmoid(x).sum()

    X = np.array([[1.0, 2.0], [0.0, -1.0]])
    Y = Probe()(X)
    x = X.asnumpy()
    expected = x @ x.T + (1 / (1 + onp.exp(-x))).sum()
    onp.testing.assert_allclose(Y.asnumpy(), expected, rtol=RTOL)
    assert hasattr(seen['F'], 'np') and hasattr(seen['F'], 'npx')


def test_hybrid_forward_gets_own_parameters_as_keywords():
    # MXNet 1.x passes a HybridBlock's own parameters to hybrid_forward.
    class ScaledDense(nn.HybridBlock):
        def __init__(self, units, in_units):
            super().__init__()
            with self.name_scope():
                self.weight = self.params.get('weight', shape=(units, in_units))
                self.scale = self.params.get_constant('scale', np.array([2.0]))

        def hybrid_forward(self, F, x, weight, scale):
            return F.np.dot(x, weight.T) * scale

    layer = ScaledDense(3, 4)
    layer.initialize()
    X = np.random.uniform(size=(2, 4))
    expected = X.asnumpy() @ layer.weight.data().asnumpy().T * 2
    onp.testing.assert_allclose(layer(X).asnumpy(), expected, rtol=RTOL)


def test_hybrid_forward_gradient():
    net = HybridMLP()
    net.initialize()
    X = np.random.uniform(size=(3, 5))
    with autograd.record():
        loss = net(X).sum()
    loss.backward()
    h = onp.maximum(dense_ref(X.asnumpy(), net.hidden), 0)
    onp.testing.assert_allclose(net.output.weight.grad().asnumpy(),
                                onp.tile(h.sum(axis=0), (2, 1)), rtol=1e-4,
                                atol=ATOL)


# --- name_scope, params.get / get_constant, ParameterDict methods -----------


def test_name_scope_is_a_no_op():
    plain = nn.Sequential()
    plain.add(nn.Dense(3), nn.Dense(1))
    scoped = nn.Sequential()
    with scoped.name_scope():
        scoped.add(nn.Dense(3), nn.Dense(1))
    assert list(scoped.collect_params().keys()) == \
        list(plain.collect_params().keys()) == \
        ['0.weight', '0.bias', '1.weight', '1.bias']


def test_params_get_and_get_constant():
    class Block(nn.Block):
        def __init__(self):
            super().__init__()
            self.weight = self.params.get('weight', shape=(2, 3))
            self.const = self.params.get_constant('const', np.array([[1.0, 2.0]]))

        def forward(self, x):
            return np.dot(self.const.data(), self.weight.data()) + x

    block = Block()
    assert block.weight.shape == (2, 3)
    assert block.const.grad_req == 'null'
    assert block.weight.grad_req == 'write'
    block.initialize(init.Constant(0.5))
    onp.testing.assert_array_equal(block.const.data().asnumpy(), [[1.0, 2.0]])
    onp.testing.assert_array_equal(block.weight.data().asnumpy(),
                                   onp.full((2, 3), 0.5))
    Y = block(np.zeros((1, 3)))
    onp.testing.assert_allclose(Y.asnumpy(), [[1.5, 1.5, 1.5]], rtol=RTOL)
    assert sorted(block.collect_params().keys()) == ['const', 'weight']


def test_collect_params_initialize():
    net = nn.Sequential()
    net.add(nn.Dense(3), nn.Dense(2))
    net.collect_params().initialize(init.Constant(0.5), ctx=mx.cpu())
    X = np.ones((1, 4))
    net(X)
    onp.testing.assert_array_equal(net[0].weight.data().asnumpy(),
                                   onp.full((3, 4), 0.5))
    onp.testing.assert_array_equal(net[1].weight.data().asnumpy(),
                                   onp.full((2, 3), 0.5))


def test_collect_params_setattr_grad_req():
    net = nn.Sequential()
    net.add(nn.Dense(3, in_units=2))
    net.initialize()
    net.collect_params().setattr('grad_req', 'null')
    assert all(p.grad_req == 'null' for p in net.collect_params().values())


def run_backward(net, X):
    with autograd.record():
        loss = net(X).sum()
    loss.backward()


def test_zero_grad_on_parameter_dict_block_and_parameter():
    net = nn.Sequential()
    net.add(nn.Dense(3, in_units=2), nn.Dense(1, in_units=3))
    net.initialize()
    X = np.ones((4, 2))
    run_backward(net, X)
    assert onp.abs(net[1].weight.grad().asnumpy()).sum() > 0
    net.collect_params().zero_grad()
    for p in net.collect_params().values():
        onp.testing.assert_array_equal(p.grad().asnumpy(), onp.zeros(p.shape))
    run_backward(net, X)
    net.zero_grad()
    for p in net.collect_params().values():
        onp.testing.assert_array_equal(p.grad().asnumpy(), onp.zeros(p.shape))
    run_backward(net, X)
    net[1].bias.zero_grad()
    onp.testing.assert_array_equal(net[1].bias.grad().asnumpy(), [0.0])
    assert net[1].weight.grad().asnumpy().any()


def test_reset_ctx_and_reset_device_keep_values():
    net = nn.Sequential()
    net.add(nn.Dense(3, in_units=2))
    net.initialize()
    before = net[0].weight.data().asnumpy().copy()
    net.collect_params().reset_ctx(mx.cpu())
    assert net[0].weight.data().ctx == mx.cpu()
    onp.testing.assert_array_equal(net[0].weight.data().asnumpy(), before)
    net.collect_params().reset_device(mx.cpu())
    net.reset_device(mx.cpu())
    assert net[0].bias.data().ctx == mx.cpu()
    onp.testing.assert_array_equal(net[0].weight.data().asnumpy(), before)


def test_npx_set_np_is_accepted():
    assert npx.set_np() is None
    x = np.ones((2, 2))
    assert (x + x).asnumpy().sum() == 8.0


# --- autograd ---------------------------------------------------------------


def test_autograd_record_attach_grad_backward():
    x = np.arange(4.0)
    x.attach_grad()
    with autograd.record():
        y = 2 * np.dot(x, x)
    y.backward()
    onp.testing.assert_allclose(x.grad.asnumpy(), 4 * onp.arange(4.0), rtol=RTOL)


def test_autograd_sum_backward_on_non_scalar():
    x = np.arange(4.0)
    x.attach_grad()
    with autograd.record():
        y = (x * x).sum()
    y.backward()
    onp.testing.assert_allclose(x.grad.asnumpy(), 2 * onp.arange(4.0), rtol=RTOL)


def test_autograd_head_gradient_on_non_scalar():
    x = np.arange(4.0)
    x.attach_grad()
    with autograd.record():
        y = x * x
    y.backward(np.array([1.0, 0.0, 2.0, 1.0]))
    onp.testing.assert_allclose(x.grad.asnumpy(),
                                2 * onp.arange(4.0) * [1, 0, 2, 1], rtol=RTOL)


def test_autograd_non_scalar_backward_uses_a_head_of_ones():
    # As MXNet: the book's l.backward() on per-example losses.
    x = np.arange(4.0)
    x.attach_grad()
    with autograd.record():
        y = x * x
    y.backward()
    onp.testing.assert_allclose(x.grad.asnumpy(), 2 * onp.arange(4.0), rtol=RTOL)


def test_autograd_backward_function():
    x = np.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        loss = (x ** 3).sum()
    autograd.backward([loss])
    onp.testing.assert_allclose(x.grad.asnumpy(), [3.0, 12.0], rtol=RTOL)


def test_autograd_scopes():
    assert not autograd.is_recording()
    assert not autograd.is_training()
    with autograd.record():
        assert autograd.is_recording()
        assert autograd.is_training()
        with autograd.pause():
            assert not autograd.is_recording()
        with autograd.predict_mode():
            assert not autograd.is_training()
    with autograd.train_mode():
        assert autograd.is_training()
    assert not autograd.is_recording()


def test_autograd_paused_ops_get_no_gradient():
    x = np.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = x * 3
        with autograd.pause():
            c = x * 100
        loss = (y + c).sum()
    loss.backward()
    onp.testing.assert_allclose(x.grad.asnumpy(), [3.0, 3.0], rtol=RTOL)


def test_grad_req_write_overwrites_and_add_accumulates():
    x = np.array([1.0, 2.0])
    x.attach_grad()
    for _ in range(2):
        with autograd.record():
            loss = (x * x).sum()
        loss.backward()
    onp.testing.assert_allclose(x.grad.asnumpy(), [2.0, 4.0], rtol=RTOL)
    z = np.array([1.0, 2.0])
    z.attach_grad(grad_req='add')
    for _ in range(2):
        with autograd.record():
            loss = (z * z).sum()
        loss.backward()
    onp.testing.assert_allclose(z.grad.asnumpy(), [4.0, 8.0], rtol=RTOL)


def test_in_place_on_recorded_array_is_an_error():
    x = np.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = x * 2
        with pytest.raises(Exception):
            y /= 2


def test_d2lmini_exposes_mx_names_at_top_level():
    for name in ('cpu', 'gpu', 'init', 'nd', 'autograd', 'gluon', 'np', 'npx'):
        assert hasattr(d2lmini, name), name


def test_a_parameter_without_its_own_initializer_takes_the_nets():
    # Gluon draws every such parameter with the net's initializer, whatever
    # its name; Dense's bias has its own initializer (zeros).
    class Block(gluon.Block):
        def __init__(self):
            super().__init__()
            self.weight = self.params.get("weight", shape=(2, 3))
            self.bias = self.params.get("bias", shape=(3,))

    net = Block()
    net.initialize(init.One())
    assert net.bias.data().asnumpy().tolist() == [1.0, 1.0, 1.0]
    dense = nn.Dense(3, in_units=2)
    dense.initialize(init.One())
    assert dense.bias.data().asnumpy().tolist() == [0.0, 0.0, 0.0]


def test_mx_random_seed_repeats_draws():
    mx.random.seed(3)
    a = mx.np.random.uniform(size=(3,))
    mx.random.seed(3, ctx="all")
    assert (a == mx.np.random.uniform(size=(3,))).all()


def test_dense_refuses_integer_inputs_with_the_fix():
    net = nn.Dense(2, in_units=2)
    net.initialize()
    with pytest.raises(TypeError, match=r"got int32. Convert them first, e.g. "
                                        r"net\(X.astype\('float32'\)\)"):
        net(np.array([[1, 2]], dtype="int32"))
