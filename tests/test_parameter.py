"""Parameters (d2lmini.gluon.parameter, paramdict): the life cycle of deferred
initialization, Constant, get/get_constant, data and grad access, set_data and
zero_grad, devices, and the ParameterDict table. Shown in chapter05/02 and 04.
"""

import numpy as onp
import pytest
from nets import small_mlp

import d2lmini
from d2lmini import autograd, gluon, init, np, npx
from d2lmini.gluon import nn


def test_forward_before_initialize_names_the_parameter():
    net = small_mlp()
    with pytest.raises(RuntimeError, match=r"'0.weight' of Dense '0'.*net.initialize"):
        net(np.ones((2, 5)))
    # The refused forward leaves nothing half done: the shape is still unknown.
    assert net[0].weight.shape[1] == -1
    assert net[0].weight.state == "uninitialized"


def test_parameter_state_follows_its_life_cycle():
    net = small_mlp()
    weight = net[0].weight
    assert weight.state == "uninitialized"
    net.initialize()
    assert weight.state == "deferred"
    net(np.ones((2, 5)))
    assert weight.state == "initialized"
    assert nn.Dense(3, in_units=2).weight.state == "uninitialized"


def test_initialize_twice_warns_and_keeps_values():
    net = small_mlp()
    net.initialize()
    net(np.ones((1, 5)))
    before = net[0].weight.data().asnumpy()
    with pytest.warns(UserWarning, match="force_reinit=True"):
        net.initialize()
    onp.testing.assert_array_equal(net[0].weight.data().asnumpy(), before)
    net.initialize(init.Constant(2), force_reinit=True)
    onp.testing.assert_array_equal(net[0].weight.data().asnumpy(), 2)


def test_params_get_and_get_constant():
    class Custom(nn.Block):
        def __init__(self):
            super().__init__()
            self.weight = self.params.get("weight", shape=(2, 3))
            self.c = self.params.get_constant("c", np.ones((3,)))

        def forward(self, x):
            return np.dot(x, self.weight.data()) + self.c.data()[:2]

    net = Custom()
    assert list(net.collect_params()) == ["weight", "c"]
    assert net.params.get("weight") is net.weight
    net.initialize()
    assert net.c.grad_req == "null"
    onp.testing.assert_array_equal(net.c.data().asnumpy(), onp.ones(3))
    with pytest.raises(RuntimeError, match="grad_req='null'"):
        net.c.grad()


def test_constant_is_not_trained():
    const = gluon.Constant(np.array([1.0, 2.0]))
    const.initialize()
    trainer = gluon.Trainer([const], "sgd", {"learning_rate": 1.0})
    trainer.step(1)
    onp.testing.assert_array_equal(const.data().asnumpy(), [1, 2])


def test_parameter_dict_prints_a_table():
    # grad_req (what backward does) and state (deferred init) are two columns:
    # a learner filters on p.grad_req != 'null' and the table shows 'null'.
    net = small_mlp()
    text = repr(net.collect_params())  # before initialize(): nothing is deferred
    assert "name      shape    dtype    grad_req  state" in text
    assert "0.weight  (8, -1)  float32  write     uninitialized" in text
    assert "0.bias    (8,)     float32  write     uninitialized" in text
    net.initialize()
    text = repr(net.collect_params())
    assert "0.weight  (8, -1)  float32  write     deferred" in text
    assert "0.bias    (8,)     float32  write     initialized" in text
    net.collect_params()["0.bias"].grad_req = "null"
    assert "0.bias    (8,)     float32  null      initialized" in repr(
        net.collect_params())


def test_parameter_dict_marks_constants_with_grad_req_null():
    block = nn.Block()
    block.c = gluon.Constant(np.ones(2))
    block.initialize()
    text = repr(block.collect_params())
    assert "c     (2,)   float32  null      initialized (Constant)" in text
    assert [k for k, p in block.collect_params().items()
            if p.grad_req != "null"] == []


def test_zero_grad_and_set_data():
    net = small_mlp()
    net.initialize()
    with autograd.record():
        y = net(np.ones((2, 5))).sum()
    y.backward()
    assert onp.abs(net[1].bias.grad().asnumpy()).sum() > 0
    net.zero_grad()
    assert onp.abs(net[1].bias.grad().asnumpy()).sum() == 0
    net[1].bias.set_data(np.ones(3))
    onp.testing.assert_array_equal(net[1].bias.data().asnumpy(), 1)
    with pytest.raises(d2lmini.ShapeError, match="expected shape"):
        net[1].bias.set_data(np.ones(4))


def test_device_of_parameters_is_checked():
    layer = nn.Dense(2, in_units=2)
    layer.initialize()
    with pytest.raises(d2lmini.DeviceError, match="reset_device"):
        layer.weight.data(ctx=npx.gpu(0))


def test_standalone_parameter_needs_initialize_then_gives_its_init():
    weight = gluon.Parameter("w", shape=(2, 3), init=init.One())
    assert repr(weight) == "Parameter w (shape=(2, 3), dtype=float32)"
    with pytest.raises(d2lmini.NotInitializedError, match=r"'w'.*initialize\(\)"):
        weight.data()
    weight.initialize()
    assert weight.state == "initialized"
    onp.testing.assert_array_equal(weight.data().asnumpy(), onp.ones((2, 3)))


def test_a_bad_grad_req_names_the_parameter_and_the_choices():
    net = nn.Dense(2, in_units=3)
    net.initialize()
    with pytest.raises(ValueError, match=r"Parameter 'weight' .*grad_req must be "
                       r"'write', 'add' or 'null', got 'sometimes'; 'write' keeps"):
        net.weight.grad_req = "sometimes"
