"""Hybridization (d2lmini.gluon.hybrid): hybridized nets equal eager ones, the plan
cache per signature and its invalidation, compiled_plan, errors. The graph itself is
in test_graph.py, the compiled plan's execution in test_executor.py.
"""

import numpy as onp
import pytest
from nets import dense_stack

import d2lmini
from d2lmini import autograd, gluon, init, np, npx
from d2lmini.gluon import nn


def grads(net):
    return {k: p.grad().asnumpy().copy() for k, p in net.collect_params().items()
            if p.grad_req != "null"}


def eager_vs_hybrid(make, x, rtol=1e-5):
    """Same net, same weights: outputs and every parameter gradient agree."""
    np.random.seed(3)
    net = make()
    net.initialize(init.Xavier())
    results = []
    for active in (False, True):
        net.hybridize(active=active)
        with autograd.record():
            out = net(x)
            loss = (out * out).sum()
        loss.backward()
        results.append((out.asnumpy(), grads(net)))
    (out_e, g_e), (out_h, g_h) = results
    onp.testing.assert_allclose(out_h, out_e, rtol=rtol, atol=1e-6)
    assert g_h.keys() == g_e.keys()
    for k in g_e:
        onp.testing.assert_allclose(g_h[k], g_e[k], rtol=rtol, atol=1e-6, err_msg=k)
    return net


@pytest.mark.parametrize("act", ["relu", "sigmoid", "tanh", "softrelu", "softsign"])
def test_dense_stacks_match_eager(act):
    eager_vs_hybrid(lambda: dense_stack(act, act), np.random.normal(size=(4, 5)))


def test_other_layers_match_eager():
    def make():
        net = nn.HybridSequential()
        net.add(nn.Flatten(), nn.Dense(4, flatten=False), nn.Activation("tanh"),
                nn.HybridLambda(lambda F, x: F.np.maximum(x, 0.1) * 2),
                nn.Dropout(0.0), nn.Dense(2))
        return net
    eager_vs_hybrid(make, np.random.normal(size=(3, 2, 3)))


class Parallel(gluon.HybridBlock):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Dense(3), nn.Dense(2)

    def forward(self, x):
        return np.concatenate([self.a(x), self.b(x)], axis=1).sum(axis=1)


class OldStyle(gluon.HybridBlock):
    def __init__(self):
        super().__init__()
        self.w = gluon.Parameter("w", shape=(3, 3), init=init.Normal(1.0))

    def hybrid_forward(self, F, x, w):
        return F.npx.sigmoid(F.np.dot(x, w)) - x.mean()


def test_custom_blocks_and_hybrid_forward_match_eager():
    eager_vs_hybrid(Parallel, np.random.normal(size=(4, 5)))
    eager_vs_hybrid(OldStyle, np.random.normal(size=(2, 3)))


def test_tied_parameters_sum_gradients_when_hybridized():
    def make():
        shared = nn.Dense(4, activation="relu", in_units=4)
        net = nn.HybridSequential()
        net.add(shared, shared, nn.Dense(4, params=shared.params))
        return net
    net = eager_vs_hybrid(make, np.random.normal(size=(2, 4)))
    assert "1.weight" not in net.collect_params()


def test_cache_per_signature_and_invalidation():
    net = dense_stack("relu", "relu")
    net.initialize()
    net.hybridize()
    net(np.ones((2, 5)))
    net(np.ones((3, 5)))
    assert len(net._plans) == 2
    with autograd.train_mode():
        net(np.ones((2, 5)))
    assert len(net._plans) == 3  # training mode is part of the signature
    net.add(nn.Dense(1))
    assert len(net._plans) == 0
    net[3].initialize()
    assert net(np.ones((2, 5))).shape == (2, 1)
    net.hybridize()
    assert len(net._plans) == 0
    net[0].weight.set_data(np.zeros((8, 5)))  # values are read at every call
    hybrid = net(np.ones((2, 5))).asnumpy()
    net.hybridize(active=False)
    onp.testing.assert_allclose(hybrid, net(np.ones((2, 5))).asnumpy(), rtol=1e-6)


def test_child_change_invalidates_the_parents_plan():
    class Outer(gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            self.body = nn.HybridSequential()
            self.body.add(nn.Dense(3))

        def forward(self, x):
            return self.body(x)

    net = Outer()
    net.initialize()
    net.hybridize()
    assert net(np.ones((1, 4))).shape == (1, 3)
    net.body.add(nn.Dense(7))
    net.body[1].initialize()
    assert net(np.ones((1, 4))).shape == (1, 7)


def test_lazy_initialization_on_a_hybridized_first_call():
    net = dense_stack("relu", "relu")
    net.initialize()
    net.hybridize()
    out = net(np.ones((2, 5)))
    assert out.shape == (2, 3) and net[0].weight.shape == (8, 5)
    assert "param 0.weight" in str(net.traced_graph)


def test_load_parameters_and_reinitialize_are_seen(tmp_path):
    net = dense_stack("relu", "relu")
    net.initialize()
    net.hybridize()
    x = np.ones((2, 5))
    before = net(x).asnumpy()
    net.save_parameters(str(tmp_path / "p.params"))
    net.initialize(init.Constant(0.5), force_reinit=True)
    assert not onp.allclose(net(x).asnumpy(), before)
    net.load_parameters(str(tmp_path / "p.params"))
    onp.testing.assert_allclose(net(x).asnumpy(), before, rtol=1e-6)


def test_compiled_plan_prints_the_listing_with_marks():
    net = dense_stack("relu", "relu")
    net.initialize()
    assert net.compiled_plan is None and net.traced_graph is None
    net.hybridize()
    net(np.ones((2, 5)))
    plan = net.compiled_plan
    assert plan.graph is net.traced_graph
    assert str(plan) == plan.listing() == net.traced_graph.listing(plan.notes)
    assert "  [fused]" in str(plan) and "  [fused]" not in str(net.traced_graph)
    assert all(isinstance(marks, tuple) for marks in plan.notes.values())
    net(np.ones((2, 5)))  # the same signature: no new trace, the same plan
    assert net.compiled_plan is plan
    net(np.ones((3, 5)))
    assert net.compiled_plan is not plan
    assert "float32[3, 5]" in str(net.compiled_plan)


def test_plain_block_child_is_refused_with_advice():
    class Plain(nn.Block):
        def forward(self, x):
            return x * 2

    class Holder(gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            self.inner = Plain()

        def forward(self, x):
            return self.inner(x)

    net = Holder()
    net.hybridize()
    with pytest.raises(d2lmini.HybridizationError, match=r"Plain 'inner'.*Hybrid"):
        net(np.ones(2))


def test_hybridized_training_gives_the_same_losses():
    def train(hybrid):
        np.random.seed(5)
        net = dense_stack("relu", "relu")
        net.initialize()
        if hybrid:
            net.hybridize()
        X, y = np.random.normal(size=(16, 5)), np.random.normal(size=(16, 3))
        trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
        losses = []
        for _ in range(5):
            with autograd.record():
                loss = gluon.loss.L2Loss()(net(X), y).mean()
            loss.backward()
            trainer.step(1)
            losses.append(loss.item())
        return losses

    onp.testing.assert_allclose(train(True), train(False), rtol=1e-5)


def test_output_that_ignores_the_input_and_identity_blocks():
    class Const(gluon.HybridBlock):
        def forward(self, x):
            return np.ones((2,))

    blk = Const()
    blk.hybridize()
    onp.testing.assert_array_equal(blk(np.zeros(5)).asnumpy(), [1, 1])
    drop = nn.Dropout(0.5)
    drop.hybridize()
    x = np.arange(3)
    x.attach_grad()
    with autograd.record(train_mode=False):
        y = (drop(x) * 2).sum()
    y.backward()
    onp.testing.assert_array_equal(x.grad.asnumpy(), [2, 2, 2])


def test_npx_functions_inside_a_trace():
    class Soft(gluon.HybridBlock):
        def forward(self, x):
            return npx.log_softmax(x, axis=-1)

    eager_vs_hybrid(lambda: _with_dense(Soft()), np.random.normal(size=(3, 4)))


def _with_dense(block):
    net = nn.HybridSequential()
    net.add(nn.Dense(4), block)
    return net


def test_multiple_outputs_are_returned_and_each_carries_gradients():
    class Two(gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            self.dense = nn.Dense(3)

        def forward(self, x):
            y = self.dense(x)
            return y, np.tanh(y) * 2

    net = Two()
    net.initialize()
    x = np.random.normal(size=(2, 4))
    x.attach_grad()
    results = []
    for active in (False, True):
        net.hybridize(active=active)
        y, z = net(x)
        with autograd.record():
            y2, z2 = net(x)
            loss = y2.sum() + (z2 * z2).sum()
        loss.backward()
        both = x.grad.asnumpy().copy(), net.dense.weight.grad().asnumpy().copy()
        with autograd.record():
            loss = (net(x)[1] ** 2).sum()  # only the second output is used
        loss.backward()
        results.append((y.asnumpy(), z.asnumpy(), *both, x.grad.asnumpy().copy()))
    for eager, hybrid in zip(*results):
        onp.testing.assert_allclose(hybrid, eager, rtol=1e-5, atol=1e-6)
    assert net.traced_graph.listing().splitlines()[-1].count("%") == 2


def test_pick_with_a_traced_index_and_the_hybridized_cross_entropy():
    class Pick(gluon.HybridBlock):
        def forward(self, x, y):
            return npx.pick(x, y)

    x, y = np.random.normal(size=(3, 4)), np.array([0, 3, 2])
    for blk in (Pick(), gluon.loss.SoftmaxCrossEntropyLoss()):
        want = blk(x, y).asnumpy()
        blk.hybridize()
        onp.testing.assert_allclose(blk(x, y).asnumpy(), want, rtol=1e-6)
    onp.testing.assert_array_equal(npx.pick(x, [0, 3, 2]).asnumpy(),
                                   Pick()(x, y).asnumpy())


# ---- tracing never draws random numbers ------------------------------------------
def _dropout_net():
    # in_units given: deferred initialization would draw the weights at a
    # different point among the masks in a trace than in an eager forward.
    net = nn.HybridSequential()
    net.add(nn.Dense(8, activation="relu", in_units=5), nn.Dropout(0.5),
            nn.Dense(8, in_units=8), nn.Dropout(0.3, axes=(1,)),
            nn.Dense(2, in_units=8))
    return net


def _two_training_calls(hybridize):
    np.random.seed(7)
    net = _dropout_net()
    net.initialize()
    if hybridize:
        net.hybridize()
    X = np.random.uniform(size=(4, 5))
    outs = []
    for _ in range(2):
        with autograd.record():
            outs.append(net(X).asnumpy())
    return outs


def test_seeded_dropout_gives_the_same_masks_eager_and_hybridized():
    eager, hybrid = _two_training_calls(False), _two_training_calls(True)
    for e, h in zip(eager, hybrid):
        onp.testing.assert_allclose(h, e, rtol=1e-6)
    assert not onp.allclose(eager[0], eager[1])  # a new mask on each call


def test_tracing_a_random_op_does_not_advance_the_generator():
    from d2lmini.np.random import rng

    net = nn.Dropout(0.5)
    net.hybridize()
    np.random.seed(3)
    state = rng().bit_generator.state
    with autograd.record():
        net._trace([np.ones((2, 3))])  # the trace alone
    assert rng().bit_generator.state == state


def test_np_random_in_a_hybridized_forward_draws_at_every_call():
    # The plan replays the draw (an op) instead of freezing one as a constant;
    # seeded, eager and hybridized give the same numbers, call after call.
    class Noisy(nn.HybridBlock):
        def forward(self, x):
            return x + np.random.normal(0, 1, size=x.shape) * np.random.uniform(
                size=x.shape)

    x = np.zeros((2, 3))
    np.random.seed(7)
    eager = [Noisy()(x).asnumpy() for _ in range(2)]
    net = Noisy()
    net.hybridize()
    np.random.seed(7)
    hybrid = [net(x).asnumpy() for _ in range(2)]
    assert not onp.allclose(hybrid[0], hybrid[1])
    onp.testing.assert_allclose(hybrid[0], eager[0])
    onp.testing.assert_allclose(hybrid[1], eager[1])
    assert "random_normal(loc=0, scale=1, size=(2, 3), dtype='float32')" in str(
        net.traced_graph)
