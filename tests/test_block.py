"""Blocks (d2lmini.gluon.block): registration, names, lazy init, sharing, hooks, errors.

Parameters on their own are in test_parameter.py, the layers in test_nn.py.
"""

import warnings

import numpy as onp
import pytest

import d2lmini
from d2lmini import autograd, gluon, init, np
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
