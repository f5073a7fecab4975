"""Acceptance tests: the chapter 5 examples (CHAPTER.md sections 1-7).

Each test is one example as the MXNet edition of the book writes it, with
``mxnet`` replaced by ``d2lmini``; numbers are checked against plain NumPy
formulas (real NumPy is ``onp``).
"""

import importlib.util
import os
import warnings

import numpy as onp
import pytest
from nets import (
    MLP,
    CenteredLayer,
    FixedHiddenMLP,
    MyDense,
    MySequential1x,
    MySequential2x,
    NestMLP,
    block1,
    check_tied_gradient,
    fixed_hidden_ref,
    relu,
)

import d2lmini
from d2lmini import autograd, gluon, init, np, npx
from d2lmini.gluon import nn

RTOL, ATOL = 1e-5, 1e-6


@pytest.fixture(autouse=True)
def seeded():
    np.random.seed(42)
    onp.random.seed(42)


@pytest.fixture
def X():
    return np.random.uniform(size=(2, 20))


# --- plain NumPy references -------------------------------------------------


def dense_ref(x, layer, act=False):
    """What a Dense layer computes: x @ W.T + b (weight shape is (units, in))."""
    w = layer.weight.data().asnumpy()
    b = layer.bias.data().asnumpy()
    out = x @ w.T + b
    return relu(out) if act else out


# --- section 1: layers and blocks -------------------------------------------


def make_sequential_mlp():
    net = nn.Sequential()
    net.add(nn.Dense(256, activation='relu'))
    net.add(nn.Dense(10))
    return net


def test_sequential_dense256_relu_dense10(X):
    net = make_sequential_mlp()
    net.initialize()
    Y = net(X)
    assert Y.shape == (2, 10)
    expected = dense_ref(dense_ref(X.asnumpy(), net[0], act=True), net[1])
    onp.testing.assert_allclose(Y.asnumpy(), expected, rtol=RTOL, atol=ATOL)
    assert len(net) == 2
    assert net[0].weight.shape == (256, 20)
    assert net[1].weight.shape == (10, 256)


def test_call_is_shorthand_for_forward(X):
    net = make_sequential_mlp()
    net.initialize()
    onp.testing.assert_allclose(net(X).asnumpy(), net.forward(X).asnumpy(),
                                rtol=RTOL, atol=ATOL)


def test_custom_mlp_block(X):
    net = MLP()
    net.initialize()
    Y = net(X)
    expected = dense_ref(dense_ref(X.asnumpy(), net.hidden, act=True), net.output)
    onp.testing.assert_allclose(Y.asnumpy(), expected, rtol=RTOL, atol=ATOL)
    assert list(net.collect_params().keys()) == [
        'hidden.weight', 'hidden.bias', 'output.weight', 'output.bias']


@pytest.mark.parametrize('cls', [MySequential1x, MySequential2x])
def test_my_sequential(cls, X):
    net = cls()
    net.add(nn.Dense(256, activation='relu'))
    net.add(nn.Dense(10))
    params = net.collect_params()
    assert len(params) == 4
    net.initialize()
    Y = net(X)
    assert Y.shape == (2, 10)
    first, second = [child for child in net._children.values()]
    first, second = first(), second()  # strong refs; calling with no args
    expected = dense_ref(dense_ref(X.asnumpy(), first, act=True), second)
    onp.testing.assert_allclose(Y.asnumpy(), expected, rtol=RTOL, atol=ATOL)
    shapes = sorted(p.shape for p in net.collect_params().values())
    assert shapes == sorted([(256, 20), (256,), (10, 256), (10,)])


def test_my_sequential_register_child_keys_are_positions():
    net = MySequential2x()
    net.add(nn.Dense(256, activation='relu'))
    net.add(nn.Dense(10))
    assert list(net.collect_params().keys()) == [
        '0.weight', '0.bias', '1.weight', '1.bias']


def test_child_called_without_arguments_returns_itself():
    layer = nn.Dense(3)
    assert layer() is layer


class FixedHiddenMLPConstant(FixedHiddenMLP):
    # The same block with the 2.x spelling gluon.Constant(value).
    def __init__(self, **kwargs):
        nn.Block.__init__(self, **kwargs)
        self.rand_weight = gluon.Constant(np.random.uniform(size=(20, 20)))
        self.dense = nn.Dense(20, activation='relu')


@pytest.mark.parametrize('cls', [FixedHiddenMLP, FixedHiddenMLPConstant])
def test_fixed_hidden_mlp(cls, X):
    net = cls()
    net.initialize()
    out = net(X)
    assert out.shape == ()
    expected = fixed_hidden_ref(X.asnumpy(), net)
    onp.testing.assert_allclose(out.item(), expected, rtol=1e-4)
    # The loop halves until the sum of |X| is at most 1 (all entries >= 0).
    assert 0.5 < out.item() <= 1.0
    assert list(net.collect_params().keys()) == [
        'rand_weight', 'dense.weight', 'dense.bias']
    assert net.rand_weight.grad_req == 'null'
    assert net.dense.weight.shape == (20, 20)


def test_fixed_hidden_mlp_constant_is_not_trained():
    class ConstantThenDense(nn.Block):
        def __init__(self):
            super().__init__()
            self.rand_weight = self.params.get_constant(
                'rand_weight', np.random.uniform(size=(20, 20)))
            self.dense = nn.Dense(20, activation='relu')

        def forward(self, X):
            return npx.relu(np.dot(self.dense(X), self.rand_weight.data()) + 1)

    net = ConstantThenDense()
    net.initialize()
    X = np.random.uniform(size=(2, 20))
    net(X)
    const_before = net.rand_weight.data().asnumpy().copy()
    weight_before = net.dense.weight.data().asnumpy().copy()
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1})
    with autograd.record():
        loss = net(X).sum()
    loss.backward()
    trainer.step(1)
    onp.testing.assert_array_equal(net.rand_weight.data().asnumpy(), const_before)
    assert not onp.allclose(net.dense.weight.data().asnumpy(), weight_before)


def test_nest_mlp(X):
    net = NestMLP()
    net.initialize()
    Y = net(X)
    h = dense_ref(X.asnumpy(), net.net[0], act=True)
    h = dense_ref(h, net.net[1], act=True)
    expected = dense_ref(h, net.dense, act=True)
    onp.testing.assert_allclose(Y.asnumpy(), expected, rtol=RTOL, atol=ATOL)
    assert list(net.collect_params().keys()) == [
        'net.0.weight', 'net.0.bias', 'net.1.weight', 'net.1.bias',
        'dense.weight', 'dense.bias']


def make_chimera():
    chimera = nn.Sequential()
    chimera.add(NestMLP(), nn.Dense(20), FixedHiddenMLP())
    return chimera


def test_chimera(X):
    chimera = make_chimera()
    chimera.initialize()
    out = chimera(X)
    assert out.shape == ()
    nest = chimera[0]
    h = dense_ref(X.asnumpy(), nest.net[0], act=True)
    h = dense_ref(h, nest.net[1], act=True)
    h = dense_ref(h, nest.dense, act=True)
    h = dense_ref(h, chimera[1])
    expected = fixed_hidden_ref(h.astype(onp.float32), chimera[2])
    onp.testing.assert_allclose(out.item(), expected, rtol=1e-4)
    keys = list(chimera.collect_params().keys())
    assert keys[0] == '0.net.0.weight'
    assert '1.weight' in keys and '2.rand_weight' in keys
    assert '2.dense.weight' in keys
    assert len(keys) == 6 + 2 + 3


def test_exercise_blocks_in_a_python_list_are_not_registered(X):
    class ListSequential(nn.Block):
        def __init__(self, *blocks):
            super().__init__()
            self.blocks = list(blocks)  # a plain list: not registered

        def forward(self, X):
            for block in self.blocks:
                X = block(X)
            return X

    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        net = ListSequential(nn.Dense(256, activation='relu'), nn.Dense(10))
        assert len(net.collect_params()) == 0
        net.initialize()
        with pytest.raises(Exception, match=r'register_child|Sequential'):
            net(X)


def test_exercise_parallel_block(X):
    class ParallelBlock(nn.Block):
        def __init__(self, net1, net2):
            super().__init__()
            self.net1 = net1
            self.net2 = net2

        def forward(self, X):
            return np.concatenate([self.net1(X), self.net2(X)], axis=1)

    net = ParallelBlock(nn.Dense(10), nn.Dense(5))
    net.initialize()
    Y = net(X)
    assert Y.shape == (2, 15)
    onp.testing.assert_allclose(Y.asnumpy()[:, :10],
                                dense_ref(X.asnumpy(), net.net1), rtol=RTOL,
                                atol=ATOL)
    onp.testing.assert_allclose(Y.asnumpy()[:, 10:],
                                dense_ref(X.asnumpy(), net.net2), rtol=RTOL,
                                atol=ATOL)


def test_exercise_block_skipping_super_init_gives_clear_error(X):
    class Forgetful(nn.Block):
        def __init__(self):
            self.hidden = nn.Dense(4)  # no super().__init__()

        def forward(self, X):
            return self.hidden(X)

    with pytest.raises(Exception, match=r'super\(\)\.__init__'):
        net = Forgetful()
        net.initialize()
        net(X)


# --- section 2: parameter management ----------------------------------------


@pytest.fixture
def small_net():
    net = nn.Sequential()
    net.add(nn.Dense(8, activation='relu'))
    net.add(nn.Dense(1))
    net.initialize()
    X = np.random.uniform(size=(2, 4))
    assert net(X).shape == (2, 1)
    return net


def test_parameter_access_params_of_one_layer(small_net):
    params = small_net[1].params
    assert list(params.keys()) == ['weight', 'bias']
    assert params['weight'] is small_net[1].weight
    text = str(params)
    assert 'weight' in text and 'bias' in text and '(1, 8)' in text


def test_parameter_access_bias_data(small_net):
    assert type(small_net[1].bias) is gluon.Parameter
    bias = small_net[1].bias.data()
    assert isinstance(bias, np.ndarray)
    assert bias.shape == (1,)
    onp.testing.assert_array_equal(bias.asnumpy(), [0.0])


def test_parameter_access_weight_grad_is_zero_before_backward(small_net):
    grad = small_net[1].weight.grad()
    assert grad.shape == (1, 8)
    onp.testing.assert_array_equal(grad.asnumpy(), onp.zeros((1, 8)))


def test_parameter_access_weight_grad_after_backward(small_net):
    X = np.random.uniform(size=(2, 4))
    with autograd.record():
        loss = small_net(X).sum()
    loss.backward()
    # d(sum(h @ W1.T + b1))/dW1 = column sums of the hidden activations.
    h = dense_ref(X.asnumpy(), small_net[0], act=True)
    onp.testing.assert_allclose(small_net[1].weight.grad().asnumpy(),
                                h.sum(axis=0, keepdims=True), rtol=RTOL, atol=ATOL)
    onp.testing.assert_allclose(small_net[1].bias.grad().asnumpy(), [2.0],
                                rtol=RTOL)


def test_parameter_access_collect_params(small_net):
    params = small_net.collect_params()
    assert list(params.keys()) == ['0.weight', '0.bias', '1.weight', '1.bias']
    assert params['1.bias'] is small_net[1].bias
    onp.testing.assert_array_equal(params['1.bias'].data().asnumpy(), [0.0])
    assert list(small_net[0].collect_params().keys()) == ['weight', 'bias']
    text = str(params)
    for key in params.keys():
        assert key in text
    assert '(8, 4)' in text


def test_parameter_access_collect_params_regex(small_net):
    assert list(small_net.collect_params('.*weight').keys()) == [
        '0.weight', '1.weight']
    assert list(small_net.collect_params('.*bias').keys()) == ['0.bias', '1.bias']


def block2():
    net = nn.Sequential()
    for _ in range(4):
        net.add(block1())  # nested here
    return net


def test_nested_block_factories(X):
    rgnet = nn.Sequential()
    rgnet.add(block2())
    rgnet.add(nn.Dense(10))
    rgnet.initialize()
    Y = rgnet(X)
    assert Y.shape == (2, 10)
    h = X.asnumpy()
    for i in range(4):
        h = dense_ref(h, rgnet[0][i][0], act=True)
        h = dense_ref(h, rgnet[0][i][1], act=True)
    onp.testing.assert_allclose(Y.asnumpy(), dense_ref(h, rgnet[1]), rtol=1e-4,
                                atol=ATOL)
    params = rgnet.collect_params()
    assert len(params) == 4 * 2 * 2 + 2
    assert params['0.1.0.bias'] is rgnet[0][1][0].bias
    onp.testing.assert_array_equal(rgnet[0][1][0].bias.data().asnumpy(),
                                   onp.zeros(32))
    assert list(params.keys())[:4] == [
        '0.0.0.weight', '0.0.0.bias', '0.0.1.weight', '0.0.1.bias']
    assert len(rgnet.collect_params('.*bias')) == 9


def test_nested_block_printing():
    rgnet = nn.Sequential()
    rgnet.add(block2())
    rgnet.add(nn.Dense(10))
    text = repr(rgnet)
    lines = text.splitlines()
    assert lines[0].startswith('Sequential')
    assert text.count('Sequential') >= 2 and 'Dense' in text
    for units in ('32', '16', '10'):
        assert units in text
    # Nesting shows as deeper indentation than the top level.
    indents = {len(line) - len(line.lstrip()) for line in lines if line.strip()}
    assert len(indents) >= 3


def test_tied_parameters_via_params_argument():
    net = nn.Sequential()
    shared = nn.Dense(8, activation='relu')
    net.add(nn.Dense(8, activation='relu'),
            shared,
            nn.Dense(8, activation='relu', params=shared.params),
            nn.Dense(10))
    net.initialize()
    X = np.random.uniform(size=(2, 20))
    net(X)
    assert net[2].weight is net[1].weight
    assert (net[1].weight.data()[0] == net[2].weight.data()[0]).asnumpy().all()
    net[1].weight.data()[0, 0] = 100
    assert net[2].weight.data()[0, 0].item() == 100
    assert (net[1].weight.data()[0] == net[2].weight.data()[0]).asnumpy().all()


def test_tied_parameters_via_share_parameters():
    net = nn.Sequential()
    shared = nn.Dense(8, activation='relu')
    net.add(nn.Dense(8, activation='relu'),
            shared,
            nn.Dense(8, activation='relu').share_parameters(shared.params),
            nn.Dense(10))
    net.initialize()
    net(np.random.uniform(size=(2, 20)))
    assert net[2].weight is net[1].weight
    net[1].weight.data()[0, 0] = 100
    assert net[2].weight.data()[0, 0].item() == 100


def test_tied_parameters_gradient_is_sum_params_argument():
    net = nn.Sequential()
    shared = nn.Dense(8, activation='relu')
    net.add(nn.Dense(8, activation='relu'),
            shared,
            nn.Dense(8, activation='relu', params=shared.params),
            nn.Dense(1))
    net.initialize()
    X = np.random.uniform(size=(2, 4))
    net(X)
    check_tied_gradient(net, shared, X)


def test_tied_parameters_same_block_used_twice():
    net = nn.Sequential()
    shared = nn.Dense(8, activation='relu')
    net.add(nn.Dense(8, activation='relu'), shared, shared, nn.Dense(1))
    net.initialize()
    X = np.random.uniform(size=(2, 4))
    net(X)
    assert net[1] is net[2]
    assert net[1].weight is net[2].weight
    check_tied_gradient(net, shared, X)


# --- section 3: parameter initialization ------------------------------------


def test_init_normal_sigma(X):
    net = make_sequential_mlp()
    net.initialize()
    net(X)
    net.initialize(init=init.Normal(sigma=0.01), force_reinit=True)
    w = net[0].weight.data().asnumpy()
    assert w.shape == (256, 20)
    assert abs(w.mean()) < 0.001
    assert 0.009 < w.std() < 0.011


def test_init_dense_bias_keeps_its_zero_initializer(X):
    # As in MXNet: Dense's own bias_initializer='zeros' wins over a global init.
    net = make_sequential_mlp()
    net.initialize(init=init.Normal(sigma=0.01))
    net(X)
    onp.testing.assert_array_equal(net[0].bias.data().asnumpy(), onp.zeros(256))


def test_init_constant_one(X):
    net = make_sequential_mlp()
    net.initialize()
    net(X)
    net.initialize(init=init.Constant(1), force_reinit=True)
    onp.testing.assert_array_equal(net[0].weight.data().asnumpy(),
                                   onp.ones((256, 20)))
    onp.testing.assert_array_equal(net[1].weight.data().asnumpy(),
                                   onp.ones((10, 256)))


def test_init_xavier_on_one_block_constant_on_another(small_net):
    w1_before = small_net[1].weight.data().asnumpy().copy()
    small_net[0].weight.initialize(init=init.Xavier(), force_reinit=True)
    w0 = small_net[0].weight.data().asnumpy()
    # Xavier uniform, magnitude 3, factor avg: bound sqrt(3 / ((4 + 8) / 2)).
    bound = onp.sqrt(3.0 / ((4 + 8) / 2))
    assert onp.all(onp.abs(w0) <= bound + 1e-6)
    assert w0.std() > 0.1
    onp.testing.assert_array_equal(small_net[1].weight.data().asnumpy(), w1_before)
    small_net[1].initialize(init=init.Constant(42), force_reinit=True)
    onp.testing.assert_array_equal(small_net[1].weight.data().asnumpy(),
                                   onp.full((1, 8), 42.0))
    onp.testing.assert_array_equal(small_net[0].weight.data().asnumpy(), w0)


class MyInit(init.Initializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = []

    def _init_weight(self, name, data):
        self.calls.append((name, data.shape))
        data[:] = np.random.uniform(-10, 10, data.shape)
        data *= np.abs(data) >= 5


def test_custom_initializer(small_net):
    my_init = MyInit()
    small_net.initialize(my_init, force_reinit=True)
    # Called once per weight (biases keep their own zero initializer).
    assert [shape for _, shape in my_init.calls] == [(8, 4), (1, 8)]
    assert all(str(name).endswith('weight') for name, _ in my_init.calls)
    w = small_net[0].weight.data().asnumpy()
    assert onp.all((w == 0) | ((onp.abs(w) >= 5) & (onp.abs(w) <= 10)))
    assert onp.any(w == 0) and onp.any(w != 0)


def test_custom_initializer_runs_at_deferred_materialization(X):
    net = make_sequential_mlp()
    my_init = MyInit()
    net.initialize(my_init)
    assert my_init.calls == []
    net(X)
    assert [shape for _, shape in my_init.calls] == [(256, 20), (10, 256)]
    w = net[1].weight.data().asnumpy()
    assert onp.all((w == 0) | (onp.abs(w) >= 5))


def test_direct_set_data_and_in_place_edit(small_net):
    w = small_net[0].weight.data().asnumpy().copy()
    small_net[0].weight.data()[:] += 1
    onp.testing.assert_allclose(small_net[0].weight.data().asnumpy(), w + 1,
                                rtol=RTOL)
    small_net[0].weight.data()[0, 0] = 42
    assert small_net[0].weight.data()[0, 0].item() == 42
    small_net[0].weight.set_data(small_net[0].weight.data() + 1)
    expected = w + 2
    expected[0, 0] = 43
    onp.testing.assert_allclose(small_net[0].weight.data().asnumpy(), expected,
                                rtol=RTOL)
    small_net[1].bias.set_data(np.array([3.0]))
    onp.testing.assert_array_equal(small_net[1].bias.data().asnumpy(), [3.0])


# --- section 4: lazy initialization -----------------------------------------


def test_lazy_init_shapes_unknown_until_first_forward(X):
    net = make_sequential_mlp()
    assert [net[i].weight.shape for i in range(len(net))] == [(256, -1), (10, -1)]
    net.initialize()
    assert [net[i].weight.shape for i in range(len(net))] == [(256, -1), (10, -1)]
    net(X)
    assert [net[i].weight.shape for i in range(len(net))] == [(256, 20), (10, 256)]
    assert [p.shape for p in net.collect_params().values()] == [
        (256, 20), (256,), (10, 256), (10,)]


def test_lazy_init_data_before_forward_raises():
    net = make_sequential_mlp()
    net.initialize()
    with pytest.raises(d2lmini.gluon.DeferredInitializationError,
                       match=r'(?s)weight.*(in_units|forward|net\(X\))'):
        net[0].weight.data()
    with pytest.raises(d2lmini.DeferredInitializationError):
        net[0].weight.grad()


def test_deferred_initialization_error_is_one_class():
    assert d2lmini.DeferredInitializationError is \
        d2lmini.gluon.DeferredInitializationError
    assert issubclass(d2lmini.DeferredInitializationError, Exception)


def test_lazy_init_in_units_initializes_immediately():
    net = nn.Sequential()
    net.add(nn.Dense(256, in_units=20, activation='relu'))
    net.add(nn.Dense(10, in_units=256))
    net.initialize()
    assert net[0].weight.data().shape == (256, 20)
    assert net[1].weight.data().shape == (10, 256)
    w = net[0].weight.data().asnumpy()
    assert onp.all(onp.abs(w) <= 0.07) and w.std() > 0  # default Uniform(0.07)


def test_lazy_init_exercise_in_units_on_first_layer_only(X):
    net = nn.Sequential()
    net.add(nn.Dense(256, in_units=20, activation='relu'))
    net.add(nn.Dense(10))
    net.initialize()
    assert net[0].weight.data().shape == (256, 20)
    with pytest.raises(d2lmini.DeferredInitializationError):
        net[1].weight.data()
    net(X)
    assert net[1].weight.data().shape == (10, 256)


def test_lazy_init_exercise_mismatched_input_on_second_call(X):
    net = make_sequential_mlp()
    net.initialize()
    net(X)
    with pytest.raises(ValueError) as excinfo:
        net(np.ones((2, 30)))
    message = str(excinfo.value)
    assert '20' in message and '30' in message


# --- section 5: custom layers -----------------------------------------------


def test_centered_layer():
    layer = CenteredLayer()
    Y = layer(np.array([1, 2, 3, 4, 5]))
    onp.testing.assert_allclose(Y.asnumpy(), [-2, -1, 0, 1, 2], rtol=RTOL)


def test_centered_layer_in_sequential():
    net = nn.Sequential()
    net.add(nn.Dense(128), CenteredLayer())
    net.initialize()
    X = np.random.uniform(size=(4, 8))
    Y = net(X)
    assert Y.shape == (4, 128)
    assert abs(Y.mean().item()) < 1e-5
    expected = dense_ref(X.asnumpy(), net[0])
    onp.testing.assert_allclose(Y.asnumpy(), expected - expected.mean(),
                                rtol=1e-4, atol=1e-6)


class MyDense2x(MyDense):
    # Gluon 2.x style: Parameter objects assigned as attributes.
    def __init__(self, units, in_units, **kwargs):
        nn.Block.__init__(self, **kwargs)
        self.weight = gluon.Parameter('weight', shape=(in_units, units))
        self.bias = gluon.Parameter('bias', shape=(units,))


def my_dense_ref(x, layer):
    return relu(x @ layer.weight.data().asnumpy() + layer.bias.data().asnumpy())


@pytest.mark.parametrize('cls', [MyDense, MyDense2x])
def test_my_dense_used_directly(cls):
    dense = cls(units=3, in_units=5)
    assert list(dense.params.keys()) == ['weight', 'bias']
    assert dense.params['weight'] is dense.weight
    assert dense.weight.shape == (5, 3)
    assert list(dense.collect_params().keys()) == ['weight', 'bias']
    dense.initialize()
    assert dense.weight.data().shape == (5, 3)  # known shape: no deferral
    X = np.random.uniform(size=(2, 5))
    Y = dense(X)
    assert Y.shape == (2, 3)
    onp.testing.assert_allclose(Y.asnumpy(), my_dense_ref(X.asnumpy(), dense),
                                rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize('cls', [MyDense, MyDense2x])
def test_my_dense_in_sequential(cls):
    net = nn.Sequential()
    net.add(cls(8, in_units=64), cls(1, in_units=8))
    net.initialize()
    X = np.random.uniform(size=(2, 64))
    Y = net(X)
    assert Y.shape == (2, 1)
    expected = my_dense_ref(my_dense_ref(X.asnumpy(), net[0]), net[1])
    onp.testing.assert_allclose(Y.asnumpy(), expected, rtol=RTOL, atol=ATOL)
    assert list(net.collect_params().keys()) == [
        '0.weight', '0.bias', '1.weight', '1.bias']


def test_exercise_tensor_reduction_layer():
    # y_k = sum_ij W_ijk x_i x_j
    class TensorReduction(nn.Block):
        def __init__(self, in_units, units):
            super().__init__()
            self.weight = self.params.get('weight',
                                          shape=(in_units, in_units, units))

        def forward(self, x):
            n, d = x.shape
            outer = (x.reshape(n, d, 1) * x.reshape(n, 1, d)).reshape(n, d * d)
            return np.dot(outer, self.weight.data().reshape(d * d, -1))

    layer = TensorReduction(4, 3)
    layer.initialize()
    X = np.random.uniform(size=(2, 4))
    Y = layer(X)
    x, w = X.asnumpy(), layer.weight.data().asnumpy()
    expected = onp.einsum('ijk,ni,nj->nk', w, x, x)
    onp.testing.assert_allclose(Y.asnumpy(), expected, rtol=1e-4, atol=1e-6)


# --- section 6: file I/O ----------------------------------------------------


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_save_load_one_array(in_tmp):
    x = np.arange(4)
    npx.save('x-file', x)
    x2 = npx.load('x-file')
    assert isinstance(x2, list) and len(x2) == 1
    assert isinstance(x2[0], np.ndarray)
    onp.testing.assert_array_equal(x2[0].asnumpy(), [0, 1, 2, 3])


def test_npx_save_writes_the_given_file_name(in_tmp):
    npx.save('x-file', np.arange(4))
    assert os.listdir(in_tmp) == ['x-file']


def test_save_load_list_of_arrays(in_tmp):
    x = np.arange(4)
    y = np.zeros(4)
    npx.save('x-files', [x, y])
    x2, y2 = npx.load('x-files')
    onp.testing.assert_array_equal(x2.asnumpy(), [0, 1, 2, 3])
    onp.testing.assert_array_equal(y2.asnumpy(), [0, 0, 0, 0])


def test_save_load_dict_of_arrays(in_tmp):
    mydict = {'x': np.arange(4), 'y': np.zeros(4)}
    npx.save('mydict', mydict)
    mydict2 = npx.load('mydict')
    assert isinstance(mydict2, dict)
    assert sorted(mydict2) == ['x', 'y']
    onp.testing.assert_array_equal(mydict2['x'].asnumpy(), [0, 1, 2, 3])
    onp.testing.assert_array_equal(mydict2['y'].asnumpy(), [0, 0, 0, 0])


def test_save_load_parameters_clone_gives_same_output(in_tmp):
    net = MLP()
    net.initialize()
    X = np.random.uniform(size=(2, 20))
    Y = net(X)
    net.save_parameters('mlp.params')
    clone = MLP()
    clone.load_parameters('mlp.params')
    Y_clone = clone(X)
    assert (Y_clone == Y).asnumpy().all()
    assert clone.hidden.weight.shape == (256, 20)


def test_parameter_file_is_plain_npz_without_pickle(in_tmp):
    net = MLP()
    net.initialize()
    net(np.random.uniform(size=(2, 20)))
    net.save_parameters('mlp.params')
    with onp.load('mlp.params', allow_pickle=False) as data:
        # Other entries (format metadata) may be there; the parameters must be.
        for key in ('hidden.weight', 'hidden.bias', 'output.weight',
                    'output.bias'):
            assert key in data.files
        onp.testing.assert_array_equal(data['hidden.weight'],
                                       net.hidden.weight.data().asnumpy())


def test_save_load_chimera_with_constant(in_tmp, X):
    chimera = make_chimera()
    chimera.initialize()
    Y = chimera(X)
    chimera.save_parameters('chimera.params')
    clone = make_chimera()  # fresh random constant, overwritten by the load
    clone.load_parameters('chimera.params')
    onp.testing.assert_array_equal(clone[2].rand_weight.data().asnumpy(),
                                   chimera[2].rand_weight.data().asnumpy())
    assert clone(X).item() == Y.item()


def test_load_mismatched_file_reports_and_loads_nothing(in_tmp):
    small = nn.Sequential()
    small.add(nn.Dense(4, in_units=3), nn.Dense(2, in_units=4))
    small.initialize()
    small.save_parameters('small.params')
    bigger = nn.Sequential()
    bigger.add(nn.Dense(4, in_units=3), nn.Dense(2, in_units=4),
               nn.Dense(1, in_units=2))
    bigger.initialize()
    before = bigger[0].weight.data().asnumpy().copy()
    with pytest.raises(Exception, match=r'2\.weight'):
        bigger.load_parameters('small.params')
    onp.testing.assert_array_equal(bigger[0].weight.data().asnumpy(), before)


def test_exercise_reuse_first_layer_of_saved_net(in_tmp, X):
    net = MLP()
    net.initialize()
    net(X)
    net.hidden.save_parameters('hidden.params')
    other = MLP()
    other.hidden.load_parameters('hidden.params')
    onp.testing.assert_array_equal(other.hidden.weight.data().asnumpy(),
                                   net.hidden.weight.data().asnumpy())
    onp.testing.assert_array_equal(other.hidden(X).asnumpy(),
                                   net.hidden(X).asnumpy())


# --- section 7: GPUs (and the CPU fallback) ---------------------------------


def no_gpu():
    return npx.num_gpus() == 0


def test_devices_cpu_gpu_num_gpus():
    assert repr(npx.cpu()) == 'cpu(0)'
    assert repr(npx.gpu()) == 'gpu(0)'
    assert repr(npx.gpu(1)) == 'gpu(1)'
    assert npx.gpu() == npx.gpu(0)
    assert npx.cpu() != npx.gpu(0)
    assert isinstance(npx.num_gpus(), int) and npx.num_gpus() >= 0
    if importlib.util.find_spec('cupy') is None:
        assert npx.num_gpus() == 0


def test_try_gpu_and_try_all_gpus_fall_back_to_cpu():
    n = npx.num_gpus()
    assert d2lmini.try_gpu() == (npx.gpu(0) if n >= 1 else npx.cpu())
    assert d2lmini.try_gpu(10) == npx.cpu()
    expected = [npx.gpu(i) for i in range(n)] or [npx.cpu()]
    assert d2lmini.try_all_gpus() == expected


def test_array_lives_on_cpu_by_default():
    x = np.array([1, 2, 3])
    assert x.ctx == npx.cpu()
    assert x.device == x.ctx
    assert npx.current_device() == npx.cpu()


def test_create_on_device_with_ctx():
    X = np.ones((2, 3), ctx=npx.cpu())
    assert X.ctx == npx.cpu()
    onp.testing.assert_array_equal(X.asnumpy(), onp.ones((2, 3)))
    Y = np.random.uniform(size=(2, 3), ctx=d2lmini.try_gpu(1))
    assert Y.ctx == d2lmini.try_gpu(1)


def test_copyto_makes_a_copy():
    X = np.ones((2, 3), ctx=npx.cpu())
    Z = X.copyto(npx.cpu())
    assert Z is not X
    assert Z.ctx == npx.cpu()
    Z[0, 0] = 5
    assert X[0, 0].item() == 1
    Y = np.random.uniform(size=(2, 3))
    onp.testing.assert_allclose((Y + X).asnumpy(), Y.asnumpy() + 1, rtol=RTOL)


def test_as_in_ctx_no_copy_when_already_there():
    X = np.ones((2, 3), ctx=d2lmini.try_gpu())
    assert X.as_in_ctx(X.ctx) is X
    if no_gpu():
        assert X.as_in_ctx(npx.cpu()) is X


def test_network_on_device():
    net = nn.Sequential()
    net.add(nn.Dense(1))
    net.initialize(ctx=d2lmini.try_gpu())
    X = np.ones((2, 3), ctx=d2lmini.try_gpu())
    Y = net(X)
    assert Y.ctx == d2lmini.try_gpu()
    assert net[0].weight.data().ctx == d2lmini.try_gpu()
    onp.testing.assert_allclose(Y.asnumpy(), dense_ref(onp.ones((2, 3)), net[0]),
                                rtol=RTOL, atol=ATOL)


@pytest.mark.skipif(npx.num_gpus() > 0, reason='only meaningful without a GPU')
def test_gpu_data_without_gpu_raises_clear_error():
    with pytest.raises((ValueError, RuntimeError)) as excinfo:
        np.ones((2, 3), ctx=npx.gpu(0))
    message = str(excinfo.value)
    assert 'gpu' in message.lower()
    assert 'try_gpu' in message or 'cpu' in message.lower()


@pytest.mark.skipif(npx.num_gpus() > 0, reason='only meaningful without a GPU')
def test_copy_to_gpu_without_gpu_raises_clear_error():
    X = np.ones((2, 3))
    with pytest.raises((ValueError, RuntimeError), match=r'(?i)gpu'):
        X.copyto(npx.gpu(0))


@pytest.mark.gpu
@pytest.mark.skipif(npx.num_gpus() == 0, reason='needs a GPU and CuPy')
def test_network_on_gpu_matches_cpu():
    X = np.random.uniform(size=(2, 20))
    net = MLP()
    net.initialize(ctx=npx.gpu(0))
    Y = net(X.as_in_ctx(npx.gpu(0)))
    assert Y.ctx == npx.gpu(0)
    expected = dense_ref(dense_ref(X.asnumpy(), net.hidden, act=True), net.output)
    onp.testing.assert_allclose(Y.asnumpy(), expected, rtol=1e-4, atol=1e-5)
