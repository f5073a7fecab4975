"""Trainer, losses and data loading against hand-written NumPy."""
import numpy as onp
import pytest

from d2lmini import autograd, gluon, np
from d2lmini.gluon import nn


def test_losses_match_formulas():
    pred = np.array([[1.0, 2.0], [3.0, 5.0]])
    label = np.array([[1.5, 2.0], [2.0, 1.0]])
    p, y = pred.asnumpy(), label.asnumpy()
    onp.testing.assert_allclose(gluon.loss.L2Loss()(pred, label).asnumpy(),
                                (0.5 * (p - y) ** 2).mean(axis=1))
    onp.testing.assert_allclose(gluon.loss.L1Loss()(pred, label).asnumpy(),
                                onp.abs(p - y).mean(axis=1))
    logits = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    classes = np.array([1, 2])
    z = logits.asnumpy()
    logp = z - onp.log(onp.exp(z).sum(axis=1, keepdims=True))
    expected = -logp[[0, 1], [1, 2]]
    ce = gluon.loss.SoftmaxCrossEntropyLoss()
    onp.testing.assert_allclose(ce(logits, classes).asnumpy(), expected, rtol=1e-6)
    dense = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    ce_dense = gluon.loss.SoftmaxCrossEntropyLoss(sparse_label=False)
    onp.testing.assert_allclose(ce_dense(logits, dense).asnumpy(), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="do not match"):
        gluon.loss.L2Loss()(pred, np.ones(3))


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
    with pytest.raises(ValueError, match="unknown SGD option"):
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
