"""d2lmini.optimizer: SGD and Adam against hand-written NumPy updates (MXNet 1.x's
order: rescale, clip, weight decay), options, registry and learning rates."""

import numpy as onp
import pytest

import d2lmini as mx
from d2lmini import autograd, gluon, np
from d2lmini.gluon import nn


def numpy_sgd(w, g, mom, lr, wd, momentum, rescale, clip):
    g = g * rescale
    if clip:
        g = onp.clip(g, -clip, clip)
    if momentum:
        mom = momentum * mom - lr * (g + wd * w)
        return w + mom, mom
    return w - lr * (g + wd * w), mom


def numpy_adam(w, g, mean, var, t, lr, wd, rescale, clip, b1=0.9, b2=0.999,
               eps=1e-8):
    g = g * rescale + wd * w  # Adam adds weight decay before clipping
    if clip:
        g = onp.clip(g, -clip, clip)
    mean = b1 * mean + (1 - b1) * g
    var = b2 * var + (1 - b2) * g * g
    lr_t = lr * onp.sqrt(1 - b2**t) / (1 - b1**t)
    return w - lr_t * mean / (onp.sqrt(var) + eps), mean, var


def train(optimizer, options=None, steps=4, batch_size=4):
    """A Dense layer trained `steps` times; returns the weights and gradients seen."""
    np.random.seed(2)
    layer = nn.Dense(3, in_units=5)
    layer.initialize()
    trainer = gluon.Trainer(layer.collect_params(), optimizer, options)
    X = np.random.normal(size=(batch_size, 5))
    start = layer.weight.data().asnumpy().astype(onp.float64)
    grads = []
    for _ in range(steps):
        with autograd.record():
            loss = (layer(X) ** 2).sum()
        loss.backward()
        grads.append(layer.weight.grad().asnumpy().astype(onp.float64))
        trainer.step(batch_size)
    return start, grads, layer.weight.data().asnumpy()


@pytest.mark.parametrize("momentum, wd, clip", [
    (0.0, 0.0, None), (0.0, 0.1, None), (0.9, 0.0, None), (0.9, 0.05, None),
    (0.0, 0.0, 0.05), (0.5, 0.1, 0.05)])
def test_sgd_matches_numpy(momentum, wd, clip):
    options = {"learning_rate": 0.3, "momentum": momentum, "wd": wd,
               "clip_gradient": clip}
    w, grads, got = train("sgd", options)
    mom = onp.zeros_like(w)
    for g in grads:
        w, mom = numpy_sgd(w, g, mom, 0.3, wd, momentum, 1 / 4, clip)
    onp.testing.assert_allclose(got, w, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("wd, clip", [(0.0, None), (0.1, None), (0.01, 0.2)])
def test_adam_matches_numpy_with_bias_correction(wd, clip):
    opt = mx.optimizer.Adam(learning_rate=0.05, wd=wd, clip_gradient=clip)
    w, grads, got = train(opt)
    mean, var = onp.zeros_like(w), onp.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        w, mean, var = numpy_adam(w, g, mean, var, t, 0.05, wd, 1 / 4, clip)
    onp.testing.assert_allclose(got, w, rtol=1e-5, atol=1e-6)
    _, _, by_name = train("Adam", {"learning_rate": 0.05, "wd": wd,
                                   "clip_gradient": clip})
    onp.testing.assert_array_equal(by_name, got)


def test_defaults_and_rescale_grad_of_an_optimizer_object():
    sgd, adam = mx.optimizer.SGD(), mx.optimizer.create("adam")
    assert (sgd.learning_rate, sgd.momentum, sgd.wd) == (0.01, 0.0, 0.0)
    assert (adam.learning_rate, adam.beta1, adam.beta2, adam.epsilon) == (
        0.001, 0.9, 0.999, 1e-8)
    assert mx.optimizer.SGD(0.9).momentum == 0.9  # MXNet 1.x: momentum comes first
    # The Trainer keeps the optimizer's own rescale_grad and divides it by batch_size.
    w, grads, got = train(mx.optimizer.SGD(learning_rate=0.3, rescale_grad=0.5),
                          steps=1)
    onp.testing.assert_allclose(got, w - 0.3 * grads[0] * 0.5 / 4, rtol=1e-5)


def test_learning_rate_schedule_and_set_learning_rate():
    def schedule(num_update):
        return 1.0 / (1 + num_update)

    opt = mx.optimizer.SGD(lr_scheduler=schedule)
    w, grads, got = train(opt, steps=2, batch_size=1)
    for t, g in enumerate(grads, start=1):  # the count is updated before the step
        w = w - g / (1 + t)
    onp.testing.assert_allclose(got, w, rtol=1e-5)
    assert opt.num_update == 2 and opt.learning_rate == 1 / 3
    with pytest.raises(mx.TrainerError, match="has an lr_scheduler"):
        opt.set_learning_rate(0.1)
    plain = mx.optimizer.SGD(learning_rate=0.1)
    plain.set_learning_rate(0.2)
    assert plain.learning_rate == 0.2


def test_lr_mult_and_wd_mult_by_index_without_a_trainer():
    opt = mx.optimizer.SGD(learning_rate=1.0, wd=0.5)
    opt.set_lr_mult({0: 0.5})
    opt.set_wd_mult({0: 0.0})
    w, g = np.array([1.0, 2.0]), np.array([1.0, 1.0])
    opt.update(0, w, g, opt.create_state(0, w))
    onp.testing.assert_allclose(w.asnumpy(), [0.5, 1.5])
    opt.update(1, w, g, None)  # index 1: multipliers 1, weight decay 0.5
    onp.testing.assert_allclose(w.asnumpy(), [0.5 - 1.25, 1.5 - 1.75])


def test_unknown_names_and_options_say_what_exists():
    with pytest.raises(ValueError, match=r"unknown optimizer 'rmsprop'; d2lmini has "
                                         r"adam, sgd"):
        mx.optimizer.create("rmsprop")
    with pytest.raises(ValueError, match=r"Adam: unknown option\(s\) \['momentum'\]; "
                                         r"Adam takes beta1"):
        mx.optimizer.Adam(momentum=0.9)
    sgd = mx.optimizer.SGD(multi_precision=False, lazy_update=True, param_idx2name={})
    assert repr(sgd) == "SGD(learning_rate=0.01, wd=0.0)"


def test_a_registered_optimizer_is_usable_by_name():
    @mx.optimizer.register
    class HalfStep(mx.optimizer.Optimizer):
        def update(self, index, weight, grad, state):
            weight[:] = weight - 0.5 * self._get_lr(index) * grad * self.rescale_grad

    try:
        w, grads, got = train("halfstep", {"learning_rate": 0.2}, steps=1)
        onp.testing.assert_allclose(got, w - 0.1 * grads[0] / 4, rtol=1e-5)
    finally:
        mx.optimizer._REGISTRY.pop("halfstep")
    assert mx.optimizer.Optimizer.register is mx.optimizer.register
    assert type(mx.optimizer.Optimizer.create_optimizer("SGD")) is mx.optimizer.SGD
    with pytest.raises(NotImplementedError, match="must define update"):
        mx.optimizer.Optimizer().update(0, None, None, None)
