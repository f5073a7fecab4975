"""Layers (d2lmini.gluon.nn): Dense (in_units, shape errors, activations),
Activation, Dropout, Flatten, Lambda/HybridLambda and Sequential, eagerly, against
NumPy formulas; hybridized layers are compared with eager ones in test_hybrid.py.
"""

import numpy as onp
import pytest
from nets import small_mlp

import d2lmini
from d2lmini import autograd, gluon, init, np
from d2lmini.gluon import nn


def test_in_units_initializes_immediately():
    layer = nn.Dense(4, in_units=3)
    layer.initialize()
    assert layer.weight.data().shape == (4, 3)
    assert onp.abs(layer.weight.data().asnumpy()).max() <= 0.07
    onp.testing.assert_array_equal(layer.bias.data().asnumpy(), onp.zeros(4))


def test_dense_shape_mismatch_names_block_and_shapes():
    net = nn.Sequential()
    net.add(nn.Dense(8, in_units=4), nn.Dense(2, in_units=6))
    net.initialize()
    with pytest.raises(d2lmini.ShapeError, match=r"Dense '1' \(in Sequential\).*6"):
        net(np.ones((2, 4)))
    net = small_mlp()
    net.initialize()
    net(np.ones((2, 5)))
    with pytest.raises(d2lmini.ShapeError,
                       match=r"last dimension 5, got shape \(2, 7\)"):
        net(np.ones((2, 7)))
    # More than two axes: Dense flattens, and the message says so.
    with pytest.raises(d2lmini.ShapeError, match=r"flattened example size \(all but "
                       r"the first axis\) 5, got shape \(2, 2, 3\)"):
        net(np.ones((2, 2, 3)))


def test_dense_rejects_non_arrays():
    layer = nn.Dense(2, in_units=2)
    layer.initialize()
    with pytest.raises(TypeError, match="np.array"):
        layer([[1.0, 2.0]])


def test_unknown_activation():
    with pytest.raises(ValueError, match="unknown activation 'rleu'.*'relu'"):
        nn.Dense(3, activation="rleu")
    with pytest.raises(ValueError, match="unknown activation"):
        nn.Activation("swishy")


def test_sequential_indexing_and_len():
    net = small_mlp()
    assert len(net) == 2 and isinstance(net[-1], nn.Dense)
    part = net[:1]
    assert len(part) == 1 and part[0] is net[0]


def test_dropout_only_in_training():
    layer = nn.Dropout(0.5)
    x = np.ones((100, 100))
    assert layer(x) is x
    with autograd.record():
        y = layer(x)
    kept = y.asnumpy()
    assert set(onp.unique(kept)) <= {0.0, 2.0}
    assert 0.4 < (kept == 0).mean() < 0.6
    with pytest.raises(ValueError, match="rate"):
        nn.Dropout(1.5)


def test_flatten_and_lambdas():
    x = np.arange(24).reshape(2, 3, 4)
    assert nn.Flatten()(x).shape == (2, 12)
    onp.testing.assert_allclose(
        nn.Lambda("tanh")(x).asnumpy(), onp.tanh(x.asnumpy()), rtol=1e-6
    )
    doubled = nn.HybridLambda(lambda F, v: F.np.maximum(v, 5))(x)
    assert doubled.asnumpy().min() == 5
    with pytest.raises(ValueError, match="the name of a function of np or npx"):
        nn.Lambda("nonsense")


def test_every_activation_matches_its_formula():
    formulas = {"relu": lambda v: onp.maximum(v, 0),
                "sigmoid": lambda v: 1 / (1 + onp.exp(-v)), "tanh": onp.tanh,
                "softrelu": lambda v: onp.logaddexp(0, v),
                "softsign": lambda v: v / (1 + onp.abs(v))}
    x = np.array([-50.0, -1.0, 0.5, 60.0])
    v = x.asnumpy().astype(onp.float64)
    for name, formula in formulas.items():
        got = nn.Activation(name)(x).asnumpy()
        onp.testing.assert_allclose(got, formula(v), rtol=1e-6, atol=1e-7,
                                    err_msg=name)
        layer = nn.Dense(2, in_units=4, activation=name)  # each unit sums the input
        layer.initialize(init.One())
        dense = layer(np.array([[-1.0, 0.25, 0.5, -2.0]])).asnumpy()
        onp.testing.assert_allclose(dense, formula(onp.full((1, 2), -2.25)),
                                    rtol=1e-6, err_msg=name)


def test_dense_without_flatten_or_bias_acts_on_the_last_axis():
    layer = nn.Dense(3, flatten=False, use_bias=False, in_units=4)
    layer.initialize()
    assert list(layer.collect_params()) == ["weight"] and layer.bias is None
    x = np.random.normal(size=(2, 5, 4))
    want = x.asnumpy() @ layer.weight.data().asnumpy().T
    onp.testing.assert_allclose(layer(x).asnumpy(), want, rtol=1e-5, atol=1e-6)


def test_bad_block_arguments_say_what_to_pass_instead():
    with pytest.raises(ValueError, match=r"Dropout: rate must be in \[0, 1\), got 1.5;"
                       r" .*Dropout\(0.5\)"):
        nn.Dropout(1.5)
    net = nn.Sequential()
    with pytest.raises(TypeError, match=r"register_child expects a Block, got "
                       r"function; wrap a function in nn.Lambda"):
        net.register_child(lambda x: x)
    with pytest.raises(ValueError, match=r"ArrayDataset: expected at least one "
                       r"array, got none"):
        gluon.data.ArrayDataset()
