"""Blocks and parameters: registration, names, lazy init, sharing, hooks, errors."""

import warnings

import numpy as onp
import pytest

import d2lmini
from d2lmini import autograd, gluon, init, np, npx
from d2lmini.gluon import nn


def mlp():
    net = nn.Sequential()
    net.add(nn.Dense(8, activation="relu"), nn.Dense(3))
    return net


class Two(nn.Block):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Dense(4, activation="relu")
        self.body = mlp()
        self.scale = gluon.Parameter("scale", shape=(3,), init=init.One())

    def forward(self, x):
        return self.body(self.hidden(x)) * self.scale.data()


def test_structural_names_are_stable_across_instances():
    names = [list(Two().collect_params()) for _ in range(2)]
    assert (
        names[0]
        == names[1]
        == [
            "scale",
            "hidden.weight",
            "hidden.bias",
            "body.0.weight",
            "body.0.bias",
            "body.1.weight",
            "body.1.bias",
        ]
    )


def test_collect_params_regex_and_legacy_names():
    net = mlp()
    assert list(net.collect_params(".*weight")) == ["0.weight", "1.weight"]
    assert list(net.collect_params("1")) == ["1.weight", "1.bias"]
    legacy = f"{net[1].name}_bias"
    assert net.collect_params()[legacy] is net[1].bias
    with pytest.raises(KeyError, match="the names here are"):
        net.collect_params()["2.weight"]
    assert net.collect_params().get("0.weight") is net[0].weight
    assert net.collect_params().get("2.weight", "none") == "none"


def test_registration_order_and_replacement():
    net = Two()
    assert list(net._children) == ["hidden", "body"]
    net.hidden = nn.Dense(5)
    assert list(net._children) == ["hidden", "body"] and net.hidden._units == 5
    net.body = None
    assert list(net._children) == ["hidden"]


def test_lazy_initialization_fills_shapes_at_first_forward():
    net = mlp()
    net.initialize()
    assert net[0].weight.shape == (8, -1)
    with pytest.raises(d2lmini.DeferredInitializationError, match=r"net\(X\)"):
        net[0].weight.data()
    net(np.ones((2, 5)))
    assert net[0].weight.shape == (8, 5) and net[1].weight.shape == (3, 8)
    assert net[0].weight.data().shape == (8, 5)


def test_in_units_initializes_immediately():
    layer = nn.Dense(4, in_units=3)
    layer.initialize()
    assert layer.weight.data().shape == (4, 3)
    assert onp.abs(layer.weight.data().asnumpy()).max() <= 0.07
    onp.testing.assert_array_equal(layer.bias.data().asnumpy(), onp.zeros(4))


def test_forward_before_initialize_names_the_parameter():
    net = mlp()
    with pytest.raises(RuntimeError, match=r"'0.weight' of Dense '0'.*net.initialize"):
        net(np.ones((2, 5)))
    # The refused forward leaves nothing half done: the shape is still unknown.
    assert net[0].weight.shape[1] == -1
    assert net[0].weight.state == "uninitialized"


def test_parameter_state_follows_its_life_cycle():
    net = mlp()
    weight = net[0].weight
    assert weight.state == "uninitialized"
    net.initialize()
    assert weight.state == "deferred"
    net(np.ones((2, 5)))
    assert weight.state == "initialized"
    assert nn.Dense(3, in_units=2).weight.state == "uninitialized"


def test_named_children_and_named_blocks_with_a_block_added_twice():
    shared = nn.Dense(4)
    inner = nn.Sequential()
    inner.add(nn.Dense(4))
    net = nn.Sequential()
    net.add(shared, inner, shared)
    assert [k for k, _ in net.named_children()] == ["0", "1", "2"]
    assert [b for _, b in net.named_children()][2] is shared
    assert [p for p, _ in net.named_blocks()] == ["", "0", "1", "1.0"]
    every = list(net.named_blocks(remove_duplicate=False))
    assert [p for p, _ in every] == ["", "0", "1", "1.0", "2"]
    assert every[4][1] is shared


def test_a_block_cannot_contain_itself():
    outer, inner = nn.Sequential(), nn.Sequential()
    outer.add(inner)
    with pytest.raises(ValueError, match="cannot add Sequential inside itself"):
        inner.add(outer)
    with pytest.raises(ValueError, match="Add a new instance instead"):
        outer.add(outer)
    assert len(inner) == 0 and len(outer) == 1


def test_hybrid_settings_reports_the_flags():
    net = nn.HybridSequential()
    net.add(nn.Dense(2))
    assert net.hybrid_settings is None
    net.hybridize(static_alloc=True)
    assert net.hybrid_settings == {"static_alloc": True, "static_shape": False}
    assert net[0].hybrid_settings == {"static_alloc": True, "static_shape": False}
    net.hybrid_settings["static_alloc"] = False  # a copy: the block is unchanged
    assert net.hybrid_settings["static_alloc"] is True
    net.hybridize(active=False)
    assert net.hybrid_settings is None


def test_dense_shape_mismatch_names_block_and_shapes():
    net = nn.Sequential()
    net.add(nn.Dense(8, in_units=4), nn.Dense(2, in_units=6))
    net.initialize()
    with pytest.raises(d2lmini.ShapeError, match=r"Dense '1' \(in Sequential\).*6"):
        net(np.ones((2, 4)))
    net = mlp()
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


def test_missing_super_init_is_explained():
    class Bad(nn.Block):
        def __init__(self):
            self.dense = nn.Dense(3)

    with pytest.raises(d2lmini.BlockInitError, match=r"super\(\).__init__\(\)"):
        Bad()


def test_blocks_in_a_plain_list_are_not_registered():
    class ListNet(nn.Block):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Dense(4), nn.Dense(2)]

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    net = ListNet()
    with pytest.warns(UserWarning, match="plain Python list"):
        net.initialize()
    assert len(net.collect_params()) == 0
    with pytest.raises(RuntimeError, match="ListNet.layers is a plain Python list"):
        net(np.ones((1, 3)))


def test_a_list_filled_after_assignment_gets_the_hint_too():
    class AppendNet(nn.Block):
        def __init__(self):
            super().__init__()
            self.blocks = []  # empty when assigned, filled by add()

        def add(self, block):
            self.blocks.append(block)

        def forward(self, x):
            for block in self.blocks:
                x = block(x)
            return x

    net = AppendNet()
    net.add(nn.Dense(4))
    with pytest.warns(UserWarning, match="AppendNet.blocks is a plain Python list"):
        net.initialize()
    with pytest.raises(RuntimeError, match="AppendNet.blocks is a plain Python list"):
        net(np.ones((2, 3)))


def test_unknown_activation():
    with pytest.raises(ValueError, match="unknown activation 'rleu'.*'relu'"):
        nn.Dense(3, activation="rleu")
    with pytest.raises(ValueError, match="unknown activation"):
        nn.Activation("swishy")


def test_initialize_twice_warns_and_keeps_values():
    net = mlp()
    net.initialize()
    net(np.ones((1, 5)))
    before = net[0].weight.data().asnumpy()
    with pytest.warns(UserWarning, match="force_reinit=True"):
        net.initialize()
    onp.testing.assert_array_equal(net[0].weight.data().asnumpy(), before)
    net.initialize(init.Constant(2), force_reinit=True)
    onp.testing.assert_array_equal(net[0].weight.data().asnumpy(), 2)


def test_tied_dense_shares_objects_and_sums_gradients():
    shared = nn.Dense(3, in_units=3)
    net = nn.Sequential()
    net.add(shared, nn.Dense(3, params=shared.params))
    net.initialize()
    assert net[0].weight is net[1].weight
    assert list(net.collect_params()) == ["0.weight", "0.bias"]
    x = np.random.uniform(size=(2, 3))
    with autograd.record():
        y = net(x).sum()
    y.backward()
    w = net[0].weight.data().asnumpy()
    xs = x.asnumpy()
    h = xs @ w.T
    g_second = onp.ones((2, 3)).T @ h  # gradient through the second use
    g_first = (onp.ones((2, 3)) @ w).T @ xs  # through the first use
    onp.testing.assert_allclose(
        net[0].weight.grad().asnumpy(), g_first + g_second, rtol=1e-5
    )


def test_params_sharing_checks_shapes():
    shared = nn.Dense(3, in_units=4)
    with pytest.raises(d2lmini.ShapeError, match="does not fit"):
        nn.Dense(5, params=shared.params)


def test_share_parameters_by_structural_name():
    a, b = mlp(), mlp()
    a.initialize()
    a(np.ones((1, 5)))
    b.share_parameters(a.collect_params())
    assert b[0].weight is a[0].weight and b[1].bias is a[1].bias
    onp.testing.assert_array_equal(
        b(np.ones((1, 5))).asnumpy(), a(np.ones((1, 5))).asnumpy()
    )


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


def test_hooks_run_and_detach():
    net = mlp()
    net.initialize()
    seen = []
    pre = net[0].register_forward_pre_hook(lambda blk, args: seen.append("pre"))
    post = net[0].register_forward_hook(lambda blk, args, out: seen.append(out.shape))
    net(np.ones((2, 5)))
    assert seen == ["pre", (2, 8)]
    pre.detach()
    post.detach()
    net(np.ones((2, 5)))
    assert seen == ["pre", (2, 8)]


def test_apply_visits_children_before_parent():
    order = []
    Two().apply(lambda blk: order.append(type(blk).__name__))
    assert order == ["Dense", "Dense", "Dense", "Sequential", "Two"]


def test_repr_shows_the_tree():
    net = Two()
    net.initialize()
    net(np.ones((2, 6)))
    assert repr(net) == (
        "Two(\n  (hidden): Dense(6 -> 4, Activation(relu))\n  (body): Sequential(\n"
        "    (0): Dense(4 -> 8, Activation(relu))\n    (1): Dense(8 -> 3, linear)\n"
        "  )\n)"
    )
    assert "Parameter body.0.weight (shape=(8, 4), dtype=float32)" == repr(
        net.body[0].weight
    )


def test_parameter_dict_prints_a_table():
    # grad_req (what backward does) and state (deferred init) are two columns:
    # a learner filters on p.grad_req != 'null' and the table shows 'null'.
    net = mlp()
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


def test_summary_counts_shared_parameters_once(capsys):
    shared = nn.Dense(4, in_units=4)
    net = nn.Sequential()
    net.add(shared, shared, nn.Dense(2))
    net.initialize()
    net.summary(np.ones((3, 4)))
    out = capsys.readouterr().out
    assert "(3, 2)" in out and "Sequential" in out
    assert "Parameters: 30 (30 trainable, 0 with grad_req='null')" in out
    # The second place of the block added twice has its own row, counted 0.
    rows = [line.split() for line in out.splitlines()]
    assert ["1", "Dense", "(same", "block", "as", "0)", "(3,", "4)", "0"] in rows
    assert ["0", "Dense", "(3,", "4)", "20"] in rows


def test_zero_grad_and_set_data():
    net = mlp()
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


def test_sequential_indexing_and_len():
    net = mlp()
    assert len(net) == 2 and isinstance(net[-1], nn.Dense)
    part = net[:1]
    assert len(part) == 1 and part[0] is net[0]


def test_children_mapping_accepts_1x_and_2x_spellings():
    class MySequential(nn.Block):
        def add(self, block):
            self._children[block.name] = block

        def forward(self, x):
            for block in self._children.values():
                x = block()(x)
            return x

    net = MySequential()
    first = nn.Dense(4)
    net.add(first)
    net.add(nn.Dense(2))
    assert list(net._children) == ["0", "1"]
    assert net._children[first.name] is first
    net.initialize()
    assert net(np.ones((1, 3))).shape == (1, 2)


def test_hybrid_forward_and_eager_hybridize():
    class Scale(gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            self.w = gluon.Parameter("w", shape=(1,), init=init.Constant(3))

        def hybrid_forward(self, F, x, w):
            return F.npx.relu(x) * w + F.np.ones_like(x)

    blk = Scale()
    blk.initialize()
    blk.hybridize()
    onp.testing.assert_allclose(blk(np.array([-1.0, 2.0])).asnumpy(), [1, 7])


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
    with pytest.raises(ValueError, match="no function named"):
        nn.Lambda("nonsense")


def test_device_of_parameters_is_checked():
    layer = nn.Dense(2, in_units=2)
    layer.initialize()
    with pytest.raises(d2lmini.DeviceError, match="reset_device"):
        layer.weight.data(ctx=npx.gpu(0))


def test_summary_of_custom_block_without_infer_shape():
    class NeedsShape(nn.Block):
        def __init__(self):
            super().__init__()
            self.w = gluon.Parameter("w", shape=(-1,))

        def forward(self, x):
            return x * self.w.data()

    blk = NeedsShape()
    blk.initialize()
    with pytest.raises(NotImplementedError, match="infer_shape"):
        blk(np.ones(3))


def test_no_unexpected_warnings_on_the_happy_path():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net = Two()
        net.initialize(init.Xavier())
        net(np.ones((2, 6)))


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


def test_infer_shape_that_leaves_a_dimension_unknown_says_so():
    # The learner's infer_shape ran on a real batch: the message must not tell
    # them to "run one batch first", but what infer_shape left undone.
    class Lazy(nn.Block):
        def __init__(self):
            super().__init__()
            self.weight = gluon.Parameter("weight", shape=(-1, 3))

        def infer_shape(self, x):
            pass  # forgot to set self.weight.shape

        def forward(self, x):
            return np.dot(x, self.weight.data())

    layer = Lazy()
    layer.initialize()
    with pytest.raises(d2lmini.DeferredInitializationError,
                       match=r"infer_shape ran on the first input \(shape \(2, 5\)\) "
                             r"but left 'weight' \(-1, 3\)"):
        layer(np.ones((2, 5)))
