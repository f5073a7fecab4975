"""Trainer (stale gradients, optimizers) and data loading against hand-written NumPy.

Losses are in test_loss.py, the optimizers' update rules in test_optimizer.py."""
import numpy as onp
import pytest

import d2lmini
from d2lmini import autograd, gluon, np
from d2lmini.gluon import nn


def sgd_setup(**options):
    layer = nn.Dense(2, in_units=3)
    layer.initialize()
    trainer = gluon.Trainer(layer.collect_params(), "sgd", options)
    X = np.random.uniform(size=(4, 3))
    return layer, trainer, X


def test_sgd_step_matches_formula_with_wd_and_momentum():
    layer, trainer, X = sgd_setup(learning_rate=0.1, wd=0.01, momentum=0.9)
    w = layer.weight.data().asnumpy().copy()
    velocity = onp.zeros_like(w)
    for _ in range(3):
        with autograd.record():
            loss = layer(X).sum()
        loss.backward()
        g = layer.weight.grad().asnumpy()
        velocity = 0.9 * velocity - 0.1 * (g / 4 + 0.01 * w)
        w = w + velocity
        trainer.step(4)
        onp.testing.assert_allclose(layer.weight.data().asnumpy(), w, rtol=1e-5)


def test_plain_sgd_and_learning_rate_changes():
    layer, trainer, X = sgd_setup(learning_rate=0.5)
    w = layer.weight.data().asnumpy().copy()
    with autograd.record():
        loss = layer(X).sum()
    loss.backward()
    trainer.set_learning_rate(0.25)
    trainer.step(2)
    g = layer.weight.grad().asnumpy()
    onp.testing.assert_allclose(layer.weight.data().asnumpy(), w - 0.25 * g / 2,
                                rtol=1e-6)
    assert trainer.learning_rate == 0.25


def test_trainer_rejects_unknown_things():
    layer = nn.Dense(2, in_units=3)
    with pytest.raises(ValueError, match="unknown optimizer 'adamw'"):
        gluon.Trainer(layer.collect_params(), "adamw")
    with pytest.raises(ValueError, match=r"SGD: unknown option\(s\) \['beta1'\]"):
        gluon.Trainer(layer.collect_params(), "sgd", {"beta1": 0.9})
    with pytest.raises(TypeError, match="expects Parameters"):
        gluon.Trainer([np.ones(2)], "sgd")


def test_dataloader_batches_shuffle_and_last_batch():
    X, y = np.arange(10).reshape(10, 1), np.arange(10)
    data = gluon.data.ArrayDataset(X, y)
    assert len(data) == 10 and data[3][1].item() == 3
    sizes = [len(b[1]) for b in gluon.data.DataLoader(data, batch_size=4)]
    assert sizes == [4, 4, 2]
    dropped = gluon.data.DataLoader(data, batch_size=4, last_batch="discard")
    assert [len(b[1]) for b in dropped] == [4, 4] and len(dropped) == 2
    np.random.seed(3)
    first = onp.concatenate([b[1].asnumpy() for b in
                             gluon.data.DataLoader(data, 3, shuffle=True)])
    np.random.seed(3)
    again = onp.concatenate([b[1].asnumpy() for b in
                             gluon.data.DataLoader(data, 3, shuffle=True)])
    assert sorted(first) == list(range(10)) and list(first) == list(again)
    assert list(first) != list(range(10))
    roll = gluon.data.DataLoader(data, batch_size=4, last_batch="rollover")
    assert [len(b[1]) for b in roll] == [4, 4]
    assert [b[1].asnumpy().tolist() for b in roll][0] == [8, 9, 0, 1]


def test_dataloader_on_a_plain_dataset_and_bad_options():
    pairs = [(onp.array([i, i]), i) for i in range(5)]
    batches = list(gluon.data.DataLoader(pairs, batch_size=2))
    assert batches[0][0].shape == (2, 2) and batches[-1][1].asnumpy().tolist() == [4]
    with pytest.raises(ValueError, match="batch_size"):
        gluon.data.DataLoader(pairs, batch_size=0)
    with pytest.raises(ValueError, match="last_batch"):
        gluon.data.DataLoader(pairs, batch_size=2, last_batch="sometimes")
    with pytest.raises(ValueError, match="same length"):
        gluon.data.ArrayDataset(np.ones(3), np.ones(4))


def test_trainer_without_parameters_warns_about_unregistered_layers():
    class ListNet(gluon.Block):
        def __init__(self):
            super().__init__()
            self.layers = []

    with pytest.warns(UserWarning, match="no parameters, so step\\(\\) will change "
                                         "nothing.*plain Python list"):
        gluon.Trainer(ListNet().collect_params(), "sgd")


# ---- stale gradients: step() only applies a gradient backward() renewed -----------


def forward_backward(net, X):
    with autograd.record():
        loss = net(X).sum()
    loss.backward()


def values(net):
    return {k: p.data().asnumpy().copy() for k, p in net.collect_params().items()}


def assert_values(net, expected, changed=()):
    for k, p in net.collect_params().items():
        same = onp.array_equal(p.data().asnumpy(), expected[k])
        assert same != (k in changed), f"{k}: expected {'a' if k in changed else 'no'}"\
                                       " change"


def mlp(hybrid):
    net = nn.HybridSequential()
    net.add(nn.Dense(3, in_units=4, activation="relu"), nn.Dense(2, in_units=3))
    net.initialize()
    if hybrid:
        net.hybridize()
    return net


@pytest.mark.parametrize("hybrid", [False, True], ids=["eager", "hybridized"])
def test_step_without_a_new_backward_is_an_error(hybrid):
    net, X = mlp(hybrid), np.random.uniform(size=(5, 4))
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    forward_backward(net, X)
    trainer.step(5)
    before = values(net)
    with pytest.raises(d2lmini.StaleGradientError,
                       match=r"gradients of Parameters '0.weight', '0.bias', "
                             r"'1.weight', '1.bias' have not been renewed by "
                             r"backward\(\).*ignore_stale_grad=True"):
        trainer.step(5)
    assert_values(net, before)  # an error changes nothing
    forward_backward(net, X)
    trainer.step(5)  # a new backward makes them fresh again
    assert_values(net, before, changed=set(before))


def test_stale_gradient_error_is_the_userwarning_mxnet_raises():
    net = mlp(False)
    trainer = gluon.Trainer(net.collect_params(), "sgd")
    with pytest.raises(UserWarning, match="'0.weight'"):  # never a backward at all
        trainer.step(1)
    assert issubclass(d2lmini.StaleGradientError, RuntimeError)


def test_zero_grad_does_not_make_a_gradient_fresh():
    net, X = mlp(False), np.random.uniform(size=(5, 4))
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    forward_backward(net, X)
    trainer.step(5)
    net.zero_grad()
    with pytest.raises(d2lmini.StaleGradientError):
        trainer.step(5)
    forward_backward(net, X)
    net.zero_grad()  # fresh, but zero: plain SGD leaves the weights alone
    before = values(net)
    trainer.step(5)
    assert_values(net, before)


def test_grad_req_add_accumulates_until_the_step():
    net, X = mlp(False), np.random.uniform(size=(5, 4))
    for p in net.collect_params().values():
        p.grad_req = "add"
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    w = net[1].weight.data().asnumpy().copy()
    forward_backward(net, X)
    forward_backward(net, X)
    g = net[1].weight.grad().asnumpy().copy()
    trainer.step(1)
    onp.testing.assert_allclose(net[1].weight.data().asnumpy(), w - 0.1 * g, rtol=1e-6)
    with pytest.raises(d2lmini.StaleGradientError):
        trainer.step(1)


class TwoBranches(gluon.Block):
    """A net whose forward uses one of two children, chosen by `self.use`."""

    def __init__(self, hybrid, in_units=4):
        super().__init__()
        self.left = nn.Dense(2, in_units=in_units)
        self.right = nn.Dense(2, in_units=in_units)
        self.use = "left"
        if hybrid:
            self.left.hybridize()
            self.right.hybridize()

    def forward(self, x):
        return getattr(self, self.use)(x)


@pytest.mark.parametrize("hybrid", [False, True], ids=["eager", "hybridized"])
def test_ignore_stale_grad_skips_the_branch_that_did_not_run(hybrid):
    net, X = TwoBranches(hybrid), np.random.uniform(size=(3, 4))
    net.initialize()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    forward_backward(net, X)
    with pytest.raises(d2lmini.StaleGradientError,
                       match=r"Parameters 'right.weight', 'right.bias' have"):
        trainer.step(3)
    before = values(net)
    trainer.step(3, ignore_stale_grad=True)
    assert_values(net, before, changed={"left.weight", "left.bias"})
    net.use = "right"
    forward_backward(net, X)
    before = values(net)
    trainer.step(3, ignore_stale_grad=True)  # 'left' is stale now: skipped
    assert_values(net, before, changed={"right.weight", "right.bias"})
    before = values(net)
    trainer.step(3, ignore_stale_grad=True)  # nothing fresh: nothing changes
    assert_values(net, before)


def test_a_branch_never_run_keeps_deferred_parameters():
    # MXNet raises DeferredInitializationError here even with ignore_stale_grad.
    net, X = TwoBranches(False, in_units=0), np.random.uniform(size=(3, 4))
    net.initialize()
    forward_backward(net, X)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    with pytest.raises(d2lmini.DeferredInitializationError,
                       match=r"'right.weight' has no values yet: no forward pass has "
                             r"used it.*ignore_stale_grad=True"):
        trainer.step(3)
    w, b = (p.data().asnumpy().copy() for p in (net.left.weight, net.right.bias))
    trainer.step(3, ignore_stale_grad=True)
    assert not onp.array_equal(net.left.weight.data().asnumpy(), w)
    onp.testing.assert_array_equal(net.right.bias.data().asnumpy(), b)
    assert net.right.weight.state == "deferred"


def test_symbol_block_gradients_are_fresh_once(tmp_path):
    net, X = mlp(True), np.random.uniform(size=(5, 4))
    net(X)
    net.export(str(tmp_path / "mlp"))
    imported = gluon.SymbolBlock.imports(str(tmp_path / "mlp-symbol.json"), ["data"],
                                         str(tmp_path / "mlp-0000.params"))
    trainer = gluon.Trainer(imported.collect_params(), "sgd", {"learning_rate": 0.1})
    forward_backward(imported, X)
    before = values(imported)
    trainer.step(5)
    assert_values(imported, before, changed=set(before))
    with pytest.raises(d2lmini.StaleGradientError):
        trainer.step(5)


def test_autograd_grad_does_not_make_gradients_fresh():
    net, X = mlp(False), np.random.uniform(size=(5, 4))
    trainer = gluon.Trainer(net.collect_params(), "sgd")
    with autograd.record():
        loss = net(X).sum()
    autograd.grad(loss, [p.data() for p in net.collect_params().values()])
    with pytest.raises(d2lmini.StaleGradientError):
        trainer.step(5)


# ---- optimizers given to the Trainer ----------------------------------------------


def train_three_steps(make_trainer):
    np.random.seed(1)
    net, X = mlp(False), np.random.uniform(size=(6, 4))
    trainer = make_trainer(net.collect_params())
    for _ in range(3):
        forward_backward(net, X)
        trainer.step(6)
    return values(net), trainer


def test_trainer_with_an_sgd_object_equals_trainer_with_sgd_options():
    options = {"learning_rate": 0.2, "momentum": 0.9, "wd": 0.01, "clip_gradient": 0.3}
    by_name, _ = train_three_steps(lambda ps: gluon.Trainer(ps, "sgd", options))
    by_object, trainer = train_three_steps(
        lambda ps: gluon.Trainer(ps, d2lmini.optimizer.SGD(**options)))
    assert isinstance(trainer.optimizer, d2lmini.optimizer.SGD)
    assert trainer.learning_rate == 0.2
    for k in by_name:
        onp.testing.assert_array_equal(by_object[k], by_name[k])
    with pytest.raises(ValueError, match="optimizer_params must be empty"):
        gluon.Trainer(mlp(False).collect_params(), d2lmini.optimizer.SGD(), options)


def test_trainer_update_and_allreduce_grads_are_step_in_two_parts():
    by_step, _ = train_three_steps(lambda ps: gluon.Trainer(ps, "sgd"))
    np.random.seed(1)
    net, X = mlp(False), np.random.uniform(size=(6, 4))
    trainer = gluon.Trainer(net.collect_params(), "sgd")
    for _ in range(3):
        forward_backward(net, X)
        trainer.allreduce_grads()
        trainer.update(6)
    for k, v in values(net).items():
        onp.testing.assert_array_equal(v, by_step[k])


def test_trainer_accepts_mxnet_kvstore_arguments_and_updates_shared_once():
    layer = nn.Dense(2, in_units=3)
    layer.initialize()
    params = [layer.weight, layer.bias, layer.weight]  # listed twice, updated once
    trainer = gluon.Trainer(params, "sgd", {"learning_rate": 1.0}, kvstore="device",
                            update_on_kvstore=False, compression_params=None)
    w = layer.weight.data().asnumpy().copy()
    with autograd.record():
        loss = layer(np.ones((1, 3))).sum()
    loss.backward()
    trainer.step(1)
    onp.testing.assert_allclose(layer.weight.data().asnumpy(), w - 1.0, rtol=1e-6)


def test_lr_mult_and_wd_mult_of_a_parameter_count():
    layer, trainer, X = sgd_setup(learning_rate=0.1, wd=0.5)
    layer.weight.lr_mult, layer.bias.wd_mult = 0.0, 0.0
    w, b = layer.weight.data().asnumpy().copy(), layer.bias.data().asnumpy().copy()
    with autograd.record():
        loss = layer(X).sum()
    loss.backward()
    g = layer.bias.grad().asnumpy()
    trainer.step(4)
    onp.testing.assert_array_equal(layer.weight.data().asnumpy(), w)
    onp.testing.assert_allclose(layer.bias.data().asnumpy(), b - 0.1 * g / 4,
                                rtol=1e-6)


def test_new_arrays_for_a_parameter_start_a_new_momentum():
    layer, trainer, X = sgd_setup(learning_rate=0.1, momentum=0.9)
    for _ in range(2):
        with autograd.record():
            loss = layer(X).sum()
        loss.backward()
        trainer.step(4)
    layer.initialize(force_reinit=True)
    w = layer.weight.data().asnumpy().copy()
    with autograd.record():
        loss = layer(X).sum()
    loss.backward()
    trainer.step(4)  # no momentum left from before: one plain step
    g = layer.weight.grad().asnumpy()
    onp.testing.assert_allclose(layer.weight.data().asnumpy(), w - 0.1 * g / 4,
                                rtol=1e-6)
