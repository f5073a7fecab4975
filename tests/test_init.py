"""Initializers: built-in distributions, the custom subclass, and who wins."""

import numpy as onp
import pytest

from d2lmini import init, np
from d2lmini.gluon import nn


def layer(**kwargs):
    blk = nn.Dense(200, in_units=300, **kwargs)
    return blk


def test_default_is_uniform_007_with_zero_bias():
    blk = layer()
    blk.initialize()
    w = blk.weight.data().asnumpy()
    assert onp.abs(w).max() <= 0.07 and onp.abs(w).max() > 0.06
    assert onp.all(blk.bias.data().asnumpy() == 0)


def test_normal_sigma():
    blk = layer()
    blk.initialize(init.Normal(sigma=0.01))
    w = blk.weight.data().asnumpy()
    assert abs(w.std() - 0.01) < 0.001 and abs(w.mean()) < 0.001


def test_constant_zero_one():
    for initializer, value in [
        (init.Constant(1), 1),
        (init.Zero(), 0),
        (init.One(), 1),
    ]:
        blk = layer()
        blk.initialize(initializer)
        assert onp.all(blk.weight.data().asnumpy() == value)
        assert onp.all(blk.bias.data().asnumpy() == 0)  # bias_initializer='zeros'


@pytest.mark.parametrize(
    "rnd_type,factor_type,fan",
    [("uniform", "avg", 250), ("uniform", "in", 300), ("gaussian", "out", 200)],
)
def test_xavier_scale(rnd_type, factor_type, fan):
    blk = layer()
    blk.initialize(init.Xavier(rnd_type=rnd_type, factor_type=factor_type, magnitude=3))
    w = blk.weight.data().asnumpy()
    scale = onp.sqrt(3 / fan)
    if rnd_type == "uniform":
        assert onp.abs(w).max() <= scale and onp.abs(w).max() > 0.95 * scale
    else:
        assert abs(w.std() - scale) < 0.05 * scale


def test_xavier_rejects_bad_options_and_1d_weights():
    with pytest.raises(ValueError, match="rnd_type"):
        init.Xavier(rnd_type="cauchy")
    with pytest.raises(ValueError, match="factor_type"):
        init.Xavier(factor_type="max")
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.Xavier()("weight", np.zeros(3))


def test_custom_initializer_called_once_per_weight():
    calls = []

    class MyInit(init.Initializer):
        def _init_weight(self, name, data):
            calls.append((name, data.shape))
            data[:] = np.random.uniform(-10, 10, data.shape)
            data *= np.abs(data) >= 5

    net = nn.Sequential()
    net.add(nn.Dense(8, activation="relu"), nn.Dense(1))
    net.initialize(MyInit())
    assert calls == []  # deferred: nothing drawn before the first forward
    net(np.ones((2, 4)))
    assert calls == [("0.weight", (8, 4)), ("1.weight", (1, 8))]
    w = net[0].weight.data().asnumpy()
    assert onp.all((w == 0) | (onp.abs(w) >= 5)) and onp.abs(w).max() <= 10


def test_own_initializer_wins_over_global():
    blk = nn.Dense(
        3, in_units=2, weight_initializer=init.Constant(7), bias_initializer="ones"
    )
    blk.initialize(init.Normal())
    assert onp.all(blk.weight.data().asnumpy() == 7)
    assert onp.all(blk.bias.data().asnumpy() == 1)


def test_xavier_on_one_sub_block_only():
    net = nn.Sequential()
    net.add(nn.Dense(8, in_units=4), nn.Dense(2, in_units=8))
    net[0].initialize(init.Xavier())
    net[1].initialize(init.Constant(42))
    assert onp.all(net[1].weight.data().asnumpy() == 42)
    assert onp.abs(net[0].weight.data().asnumpy()).max() <= onp.sqrt(3 / 6)


def test_unfinished_initializer_and_unknown_names():
    class Lazy(init.Initializer):
        pass

    with pytest.raises(NotImplementedError, match="_init_weight"):
        layer().initialize(Lazy())
    with pytest.raises(ValueError, match="unknown initializer"):
        nn.Dense(2, weight_initializer="magic")


def test_same_seed_same_weights():
    def weights():
        np.random.seed(7)
        net = nn.Sequential()
        net.add(nn.Dense(4), nn.Dense(2))
        net.initialize()
        net(np.ones((1, 3)))
        return [p.data().asnumpy() for p in net.collect_params().values()]

    for a, b in zip(weights(), weights()):
        onp.testing.assert_array_equal(a, b)
