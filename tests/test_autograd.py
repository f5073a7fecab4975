"""The tape: recording scopes, grad_req semantics, tied uses, and misuse errors."""

import numpy as onp
import pytest

import d2lmini
from d2lmini import autograd, np


def test_scopes_set_recording_and_training():
    assert not autograd.is_recording() and not autograd.is_training()
    with autograd.record():
        assert autograd.is_recording() and autograd.is_training()
        with autograd.pause():
            assert not autograd.is_recording() and not autograd.is_training()
        with autograd.predict_mode():
            assert autograd.is_recording() and not autograd.is_training()
    with autograd.record(train_mode=False):
        assert not autograd.is_training()
    with autograd.train_mode():
        assert autograd.is_training() and not autograd.is_recording()
    assert not autograd.is_recording() and not autograd.is_training()


def test_scope_restored_after_exception():
    with pytest.raises(KeyError):
        with autograd.record():
            raise KeyError("boom")
    assert not autograd.is_recording()


def test_gradient_of_simple_function():
    x = np.arange(4)
    x.attach_grad()
    with autograd.record():
        y = 2 * np.dot(x, x)
    y.backward()
    onp.testing.assert_allclose(x.grad.asnumpy(), 4 * onp.arange(4))


def test_nothing_recorded_outside_record():
    x = np.ones(3)
    x.attach_grad()
    y = (x * 2).sum()
    with pytest.raises(d2lmini.AutogradError, match="not computed from anything"):
        y.backward()


def test_reused_array_gets_summed_gradient():
    x = np.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with autograd.record():
        y = (x * x + x * 3).sum()  # x used three times
    y.backward()
    onp.testing.assert_allclose(x.grad.asnumpy(), 2 * onp.array([1, 2, 3]) + 3)


def test_grad_req_write_overwrites_and_add_accumulates():
    x = np.ones(2)
    x.attach_grad()
    for _ in range(2):
        with autograd.record():
            y = (3 * x).sum()
        y.backward()
    onp.testing.assert_allclose(x.grad.asnumpy(), [3, 3])
    x.attach_grad(grad_req="add")
    for _ in range(2):
        with autograd.record():
            y = (3 * x).sum()
        y.backward()
    onp.testing.assert_allclose(x.grad.asnumpy(), [6, 6])


def test_grad_req_null_gives_no_gradient():
    x, w = np.ones(2), np.ones(2)
    x.attach_grad(grad_req="null")
    w.attach_grad()
    with autograd.record():
        y = (x * w).sum()
    y.backward()
    assert x.grad is None
    onp.testing.assert_allclose(w.grad.asnumpy(), [1, 1])
    with pytest.raises(ValueError, match="grad_req must be"):
        x.attach_grad(grad_req="sometimes")


def test_grad_object_keeps_identity_across_backwards():
    x = np.ones(2)
    x.attach_grad()
    grad = x.grad
    with autograd.record():
        y = (5 * x).sum()
    y.backward()
    assert x.grad is grad
    onp.testing.assert_allclose(grad.asnumpy(), [5, 5])


def test_gradients_of_two_leaves_do_not_alias():
    a, b = np.ones(2), np.ones(2)
    a.attach_grad()
    b.attach_grad()
    with autograd.record():
        y = (a + b).sum()
    y.backward()
    a.grad[:] = 0
    onp.testing.assert_allclose(b.grad.asnumpy(), [1, 1])


def test_head_gradient_and_autograd_backward_with_several_heads():
    x = np.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = x * x
    y.backward(np.array([1.0, 10.0]))
    onp.testing.assert_allclose(x.grad.asnumpy(), [2, 40])
    with autograd.record():
        y1, y2 = (x * 2).sum(), (x * x).sum()
    autograd.backward([y1, y2])
    onp.testing.assert_allclose(x.grad.asnumpy(), [4, 6])


def test_head_gradient_shape_is_checked():
    x = np.ones(2)
    x.attach_grad()
    with autograd.record():
        y = x * 2
    with pytest.raises(d2lmini.AutogradError, match="head gradient has shape"):
        y.backward(np.ones(3))


def test_non_scalar_backward_uses_ones_as_in_mxnet():
    # The book's loop: per-example losses, l.backward() = gradient of their sum.
    x = np.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with autograd.record():
        y = x * x
    y.backward()
    onp.testing.assert_allclose(x.grad.asnumpy(), [2, 4, 6])
    with autograd.record():
        z = (x * x).sum()
    z.backward()
    onp.testing.assert_allclose(x.grad.asnumpy(), [2, 4, 6])


def test_book_training_loop_with_per_example_loss():
    from d2lmini import gluon
    from d2lmini.gluon import nn
    np.random.seed(0)
    net = nn.Sequential()
    net.add(nn.Dense(4, activation="relu"), nn.Dense(1))
    net.initialize()
    loss = gluon.loss.L2Loss()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.05})
    X, y = np.random.normal(size=(8, 3)), np.random.normal(size=(8,))
    losses = []
    for _ in range(20):
        with autograd.record():
            l = loss(net(X), y)  # noqa: E741  (the book's name)
        assert l.shape == (8,)
        l.backward()
        trainer.step(8)
        losses.append(float(l.mean()))
    assert losses[-1] < losses[0]
    net.hybridize()  # the same loop, hybridized: the plan's node takes ones too
    with autograd.record():
        l = loss(net(X), y)  # noqa: E741
    l.backward()
    w = net[0].weight
    g_hybrid = w.grad().asnumpy()
    net.hybridize(active=False)
    with autograd.record():
        l = loss(net(X), y)  # noqa: E741
    l.backward()
    onp.testing.assert_allclose(g_hybrid, w.grad().asnumpy(), rtol=1e-5, atol=1e-6)


def test_backward_twice_is_an_error_unless_graph_retained():
    x = np.ones(3)
    x.attach_grad()
    with autograd.record():
        y = (x * x).sum()
    y.backward()
    with pytest.raises(d2lmini.AutogradError, match="second time"):
        y.backward()
    with autograd.record():
        y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    onp.testing.assert_allclose(x.grad.asnumpy(), [2, 2, 2])


def test_in_place_on_recorded_array_is_an_error():
    x = np.ones(3)
    x.attach_grad()
    with autograd.record():
        y = x * 2
        with pytest.raises(d2lmini.AutogradError, match="x = x \\+ y"):
            y += 1
        with pytest.raises(d2lmini.AutogradError, match="in-place"):
            x *= 2
        with pytest.raises(d2lmini.AutogradError, match="item assignment"):
            y[0] = 5


def test_in_place_outside_recording_is_allowed():
    x = np.ones(3)
    x.attach_grad()
    x /= 2
    x[0] = 7
    onp.testing.assert_allclose(x.asnumpy(), [7, 0.5, 0.5])


def test_detach_cuts_the_graph():
    x = np.ones(2)
    x.attach_grad()
    with autograd.record():
        y = x * 3
        z = (y.detach() * x).sum()
    z.backward()
    onp.testing.assert_allclose(x.grad.asnumpy(), [3, 3])


def test_pause_stops_recording():
    x = np.ones(2)
    x.attach_grad()
    with autograd.record():
        y = x * 2
        with autograd.pause():
            c = y * 10  # a constant for the tape
        z = (y * c.detach()).sum()
    z.backward()
    onp.testing.assert_allclose(x.grad.asnumpy(), [40, 40])


def test_leaf_as_its_own_head():
    x = np.array(3.0)
    x.attach_grad()
    x.backward()
    assert x.grad.item() == 1.0


def test_deep_chain_does_not_hit_recursion_limit():
    x = np.ones(1)
    x.attach_grad()
    with autograd.record():
        y = x
        for _ in range(3000):
            y = y * 1.0
        y = y.sum()
    y.backward()
    assert x.grad.item() == 1.0


# ---- autograd.grad and mark_variables ----------------------------------------------


def test_grad_returns_new_arrays_and_leaves_dot_grad_alone():
    x, w = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.0])
    x.attach_grad()
    w.attach_grad(grad_req="add")
    x.grad[:] = 7
    with autograd.record():
        y = (x * x * w).sum()
    gx, gw = autograd.grad(y, [x, w], retain_graph=True)
    onp.testing.assert_allclose(gx.asnumpy(), 2 * x.asnumpy() * w.asnumpy())
    onp.testing.assert_allclose(gw.asnumpy(), x.asnumpy() ** 2)
    onp.testing.assert_allclose(x.grad.asnumpy(), [7, 7, 7])  # untouched
    onp.testing.assert_allclose(w.grad.asnumpy(), [0, 0, 0])
    assert gx is not x.grad and gx._node is None
    y.backward()  # the same numbers as backward() stores
    onp.testing.assert_allclose(x.grad.asnumpy(), gx.asnumpy())
    onp.testing.assert_allclose(w.grad.asnumpy(), gw.asnumpy())


def test_grad_takes_head_grads_and_returns_a_list_for_one_variable():
    x = np.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = x * x
    result = autograd.grad(y, x, head_grads=np.array([1.0, 10.0]))
    assert isinstance(result, list) and len(result) == 1  # as MXNet 1.x
    onp.testing.assert_allclose(result[0].asnumpy(), [2, 40])


def test_grad_of_a_variable_the_heads_do_not_use_is_zero():
    x, unused = np.ones(2), np.ones((2, 3))
    x.attach_grad()
    unused.attach_grad()
    with autograd.record():
        y = (3 * x).sum()
    gx, gu = autograd.grad(y, [x, unused])
    onp.testing.assert_allclose(gx.asnumpy(), [3, 3])
    onp.testing.assert_array_equal(gu.asnumpy(), onp.zeros((2, 3)))


def test_grad_frees_the_graph_unless_retained():
    x = np.ones(2)
    x.attach_grad()
    with autograd.record():
        y = (x * x).sum()
    autograd.grad(y, [x])
    with pytest.raises(d2lmini.AutogradError, match="a second time"):
        y.backward()


def test_grad_through_a_hybridized_network_matches_backward():
    from d2lmini import gluon
    from d2lmini.gluon import nn

    net = nn.HybridSequential()
    net.add(nn.Dense(4, in_units=3, activation="tanh"), nn.Dense(1, in_units=4))
    net.initialize()
    net.hybridize()
    X = np.random.normal(size=(5, 3))
    params = list(net.collect_params().values())
    with autograd.record():
        loss = gluon.loss.L2Loss()(net(X), np.zeros((5, 1)))
    grads = autograd.grad(loss, [p.data() for p in params], retain_graph=True)
    assert all(not p.grad().asnumpy().any() for p in params)
    loss.backward()
    for p, g in zip(params, grads):
        onp.testing.assert_allclose(g.asnumpy(), p.grad().asnumpy(), rtol=1e-6)


def test_grad_refuses_higher_order_and_arrays_without_attach_grad():
    x = np.ones(2)
    x.attach_grad()
    with autograd.record():
        h = x * 2
        y = (h * h).sum()
    with pytest.raises(NotImplementedError, match="higher-order gradients .* are not "
                                                  "supported"):
        autograd.grad(y, [x], create_graph=True)
    assert issubclass(d2lmini.NotSupportedError, NotImplementedError)
    with pytest.raises(d2lmini.AutogradError, match="variable 0 .* does not require a "
                                                    "gradient.*attach_grad"):
        autograd.grad(y, [h])
    with pytest.raises(d2lmini.AutogradError, match="empty list"):
        autograd.grad(y, [])


def test_mark_variables_uses_the_given_gradient_arrays():
    x, w = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    gx, gw = np.zeros(2), np.ones(2)
    autograd.mark_variables([x, w], [gx, gw], grad_reqs=["write", "add"])
    assert x.grad is gx and w.grad is gw
    with autograd.record():
        y = (x * w).sum()
    y.backward()
    onp.testing.assert_allclose(gx.asnumpy(), [3, 4])
    onp.testing.assert_allclose(gw.asnumpy(), [2, 3])  # 'add': 1 + x
    with pytest.raises(d2lmini.AutogradError, match=r"gradient 0 has shape \(3,\), "
                                                    r"expected \(2,\)"):
        autograd.mark_variables(x, np.zeros(3))
    with pytest.raises(ValueError, match="grad_reqs\\[0\\] must be"):
        autograd.mark_variables(x, gx, "sometimes")


def test_head_gradients_one_per_head():
    x = np.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y1, y2 = x * 2, x * x
    autograd.backward([y1, y2], [None, np.array([1.0, 10.0])], retain_graph=True)
    onp.testing.assert_allclose(x.grad.asnumpy(), [2 + 2, 2 + 40])
    with pytest.raises(d2lmini.AutogradError, match="got 2 heads but 1 head gradients"):
        autograd.backward([y1, y2], np.ones(2))


def test_a_parameter_behind_an_unused_output_gets_a_zero_gradient():
    # One hybridized call, two outputs, the loss uses only the first: as in MXNet,
    # backward() writes a zero gradient for what only the second output needed.
    from d2lmini import gluon
    from d2lmini.gluon import nn

    class TwoHeads(gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Dense(2, in_units=3), nn.Dense(2, in_units=3)

        def forward(self, x):
            return self.a(x), self.b(x)

    net = TwoHeads()
    net.initialize()
    net.hybridize()
    net.b.weight.grad()[:] = 5
    with autograd.record():
        first, _ = net(np.ones((2, 3)))
        loss = first.sum()
    loss.backward()
    onp.testing.assert_array_equal(net.b.weight.grad().asnumpy(), onp.zeros((2, 3)))
    onp.testing.assert_allclose(net.a.weight.grad().asnumpy(), 2 * onp.ones((2, 3)))
    trainer = gluon.Trainer(net.collect_params(), "sgd")
    trainer.step(1)  # every parameter was in the backward: none is stale
