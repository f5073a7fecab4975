"""Networks shared by several test modules, which import from here and never from
each other: the chapter's blocks as the book writes them and their NumPy references
(test_chapter_examples.py), the same blocks as HybridBlocks in EXAMPLES
(test_hybrid_chapter.py, test_gpu.py), a small exportable MLP and a block capturing
constants (test_export.py, test_gpu.py). tests/ has no __init__.py, so pytest puts
it on sys.path and `from nets import MLP` works from any test module.
"""

import numpy as onp

from d2lmini import autograd, gluon, np, npx
from d2lmini.gluon import nn

# --- plain NumPy references ---------------------------------------------------


def relu(a):
    return onp.maximum(a, 0)


def fixed_hidden_ref(x, block):
    """FixedHiddenMLP.forward in float32 NumPy."""
    x = relu(x @ block.dense.weight.data().asnumpy().T
             + block.dense.bias.data().asnumpy())
    x = relu(x @ block.rand_weight.data().asnumpy() + 1)
    x = relu(x @ block.dense.weight.data().asnumpy().T
             + block.dense.bias.data().asnumpy())
    while onp.abs(x).sum() > 1:
        x = x / onp.float32(2)
    return x.sum()


# --- the chapter's blocks, as the book writes them -----------------------------


class MLP(nn.Block):
    # Layers are declared in __init__, used in forward.
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = nn.Dense(256, activation='relu')
        self.output = nn.Dense(10)

    def forward(self, X):
        return self.output(self.hidden(X))


class MySequential1x(nn.Block):
    # MXNet 1.x idiom: store children under their name, call them directly.
    def add(self, block):
        self._children[block.name] = block

    def forward(self, X):
        for block in self._children.values():
            X = block(X)
        return X


class MySequential2x(nn.Block):
    # Gluon 2.0 idiom: register_child, and call block() to get the child.
    def add(self, block):
        self.register_child(block)

    def forward(self, X):
        for block in self._children.values():
            X = block()(X)
        return X


class FixedHiddenMLP(nn.Block):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # A constant parameter: never updated by training.
        self.rand_weight = self.params.get_constant(
            'rand_weight', np.random.uniform(size=(20, 20)))
        self.dense = nn.Dense(20, activation='relu')

    def forward(self, X):
        X = self.dense(X)
        X = npx.relu(np.dot(X, self.rand_weight.data()) + 1)
        X = self.dense(X)  # the same Dense again: shared parameters
        while np.abs(X).sum() > 1:
            X /= 2
        return X.sum()


class NestMLP(nn.Block):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.net = nn.Sequential()
        self.net.add(nn.Dense(64, activation='relu'),
                     nn.Dense(32, activation='relu'))
        self.dense = nn.Dense(16, activation='relu')

    def forward(self, X):
        return self.dense(self.net(X))


def block1():
    net = nn.Sequential()
    net.add(nn.Dense(32, activation='relu'))
    net.add(nn.Dense(16, activation='relu'))
    return net


class CenteredLayer(nn.Block):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def forward(self, X):
        return X - X.mean()


class MyDense(nn.Block):
    # MXNet 1.x style: parameters from the block's params dict.
    def __init__(self, units, in_units, **kwargs):
        super().__init__(**kwargs)
        self.weight = self.params.get('weight', shape=(in_units, units))
        self.bias = self.params.get('bias', shape=(units,))

    def forward(self, x):
        linear = (np.dot(x, self.weight.data(ctx=x.ctx))
                  + self.bias.data(ctx=x.ctx))
        return npx.relu(linear)


# --- tied parameters: the gradient is the sum of both uses ----------------------


def check_tied_gradient(net, shared_layer, X):
    """Gradient of the shared weight = sum of its two uses (hand backprop)."""
    with autograd.record():
        out = net(X)
        loss = out.sum()
    loss.backward()
    x = X.asnumpy().astype(onp.float64)
    w0, b0 = (net[0].weight.data().asnumpy(), net[0].bias.data().asnumpy())
    ws, bs = (shared_layer.weight.data().asnumpy(),
              shared_layer.bias.data().asnumpy())
    w3, b3 = (net[3].weight.data().asnumpy(), net[3].bias.data().asnumpy())
    h0 = relu(x @ w0.T + b0)
    z1 = h0 @ ws.T + bs
    h1 = relu(z1)
    z2 = h1 @ ws.T + bs
    h2 = relu(z2)
    onp.testing.assert_allclose(out.asnumpy(), h2 @ w3.T + b3, rtol=1e-4,
                                atol=1e-6)
    g_h2 = onp.ones((x.shape[0], w3.shape[0])) @ w3
    g_z2 = g_h2 * (z2 > 0)
    second_use = g_z2.T @ h1
    g_z1 = (g_z2 @ ws) * (z1 > 0)
    first_use = g_z1.T @ h0
    assert onp.abs(first_use).sum() > 0 and onp.abs(second_use).sum() > 0
    onp.testing.assert_allclose(shared_layer.weight.grad().asnumpy(),
                                first_use + second_use, rtol=1e-4, atol=1e-6)


# --- the chapter's classes with HybridBlock mixed in (their own code runs) ----------


class HybridMLP(MLP, gluon.HybridBlock):
    pass


class HybridMySequential1x(MySequential1x, gluon.HybridBlock):
    pass


class HybridMySequential2x(MySequential2x, gluon.HybridBlock):
    pass


class HybridCenteredLayer(CenteredLayer, gluon.HybridBlock):
    pass


class HybridMyDense(MyDense, gluon.HybridBlock):
    pass


class FancyMLP(FixedHiddenMLP, gluon.HybridBlock):
    """The chapter's FixedHiddenMLP, `while` loop on a value included."""


# --- hybridizable versions where the chapter's code cannot be reused as it is -------


class FixedHiddenNoLoop(gluon.HybridBlock):
    """FixedHiddenMLP without the value-dependent loop: a Constant, a reused Dense."""

    def __init__(self, constant_2x=False):
        super().__init__()
        weight = np.random.uniform(size=(20, 20))
        self.rand_weight = (gluon.Constant(weight) if constant_2x
                            else self.params.get_constant("rand_weight", weight))
        self.dense = nn.Dense(20, activation="relu")

    def forward(self, X):
        X = self.dense(X)
        X = npx.relu(np.dot(X, self.rand_weight.data()) + 1)
        X = self.dense(X)  # the same Dense again: shared parameters
        return X.sum()


class HybridNestMLP(gluon.HybridBlock):
    def __init__(self):
        super().__init__()
        self.net = nn.HybridSequential()
        self.net.add(nn.Dense(64, activation="relu"), nn.Dense(32, activation="relu"))
        self.dense = nn.Dense(16, activation="relu")

    def forward(self, X):
        return self.dense(self.net(X))


class HybridMyDense2x(gluon.HybridBlock):
    """MyDense in the 2.x spelling (Parameter attributes), as hybrid_forward."""

    def __init__(self, units, in_units):
        super().__init__()
        self.weight = gluon.Parameter("weight", shape=(in_units, units))
        self.bias = gluon.Parameter("bias", shape=(units,))

    def hybrid_forward(self, F, x, weight, bias):
        return F.npx.relu(F.np.dot(x, weight) + bias)


class ParallelBlock(gluon.HybridBlock):
    """Exercise: run two nets on one input and concatenate."""

    def __init__(self, net1, net2):
        super().__init__()
        self.net1, self.net2 = net1, net2

    def forward(self, X):
        return np.concatenate([self.net1(X), self.net2(X)], axis=1)


class TensorReduction(gluon.HybridBlock):
    """Exercise: y_k = sum_ij W_ijk x_i x_j."""

    def __init__(self, in_units, units):
        super().__init__()
        self.weight = self.params.get("weight", shape=(in_units, in_units, units))

    def forward(self, x):
        n, d = x.shape
        outer = (x.reshape(n, d, 1) * x.reshape(n, 1, d)).reshape(n, d * d)
        return np.dot(outer, self.weight.data().reshape(d * d, -1))


def hybrid_sequential(*blocks):
    net = nn.HybridSequential()
    net.add(*blocks)
    return net


def hybrid_block2():
    net = nn.HybridSequential()
    for _ in range(4):
        net.add(hybrid_sequential(*block1()._children.values()))
    return net


def tied(how):
    shared = nn.Dense(8, activation="relu")
    third = {"params": nn.Dense(8, activation="relu", params=shared.params),
             "share_parameters": nn.Dense(8, activation="relu").share_parameters(
                 shared.params),
             "same block": shared}[how]
    return hybrid_sequential(nn.Dense(8, activation="relu"), shared, third,
                             nn.Dense(10))


def sequential_mlp():
    return hybrid_sequential(nn.Dense(256, activation="relu"), nn.Dense(10))


def my_sequential(cls):
    net = cls()
    net.add(nn.Dense(256, activation="relu"))
    net.add(nn.Dense(10))
    return net


def chimera():
    return hybrid_sequential(HybridNestMLP(), nn.Dense(20), FixedHiddenNoLoop())


def hybridize_section_net():
    """The hybridization section's net (BENCHMARKS.md W1)."""
    return hybrid_sequential(nn.Dense(256, activation="relu"),
                             nn.Dense(128, activation="relu"), nn.Dense(2))


EXAMPLES = {  # name -> (factory, input shape)
    "sequential Dense(256, relu), Dense(10)": (sequential_mlp, (2, 20)),
    "MLP": (HybridMLP, (2, 20)),
    "MySequential 1.x (_children[name])": (
        lambda: my_sequential(HybridMySequential1x), (2, 20)),
    "MySequential 2.x (register_child, block())": (
        lambda: my_sequential(HybridMySequential2x), (2, 20)),
    "FixedHiddenMLP without the loop": (FixedHiddenNoLoop, (2, 20)),
    "FixedHiddenMLP without the loop, gluon.Constant": (
        lambda: FixedHiddenNoLoop(constant_2x=True), (2, 20)),
    "NestMLP": (HybridNestMLP, (2, 20)),
    "chimera": (chimera, (2, 20)),
    "nested block factories": (
        lambda: hybrid_sequential(hybrid_block2(), nn.Dense(10)), (2, 20)),
    "tied via params=": (lambda: tied("params"), (2, 20)),
    "tied via share_parameters": (lambda: tied("share_parameters"), (2, 20)),
    "tied: one block used twice": (lambda: tied("same block"), (2, 4)),
    "CenteredLayer": (HybridCenteredLayer, (5,)),
    "CenteredLayer after Dense(128)": (
        lambda: hybrid_sequential(nn.Dense(128), HybridCenteredLayer()), (4, 8)),
    "MyDense (params.get)": (lambda: HybridMyDense(units=3, in_units=5), (2, 5)),
    "MyDense (Parameter, hybrid_forward)": (
        lambda: HybridMyDense2x(units=3, in_units=5), (2, 5)),
    "MyDense in a HybridSequential": (
        lambda: hybrid_sequential(HybridMyDense(8, in_units=64),
                                  HybridMyDense(1, in_units=8)), (2, 64)),
    "ParallelBlock exercise": (
        lambda: ParallelBlock(nn.Dense(10), nn.Dense(5)), (2, 20)),
    "TensorReduction exercise": (lambda: TensorReduction(4, 3), (2, 4)),
    "hybridize section net": (hybridize_section_net, (1, 512)),
}


# --- small blocks for export, listings and devices --------------------------------


def dense_stack(*acts):
    """Dense(8), Dense(6), Dense(3) in a HybridSequential, with the given activations
    on the first layers (test_hybrid.py, test_graph.py)."""
    net = nn.HybridSequential()
    for units, act in zip((8, 6, 3), acts + (None,)):
        net.add(nn.Dense(units, activation=act))
    return net


def small_mlp():
    """Dense(8, relu), Dense(3) in a HybridSequential: the smallest exportable net."""
    net = nn.HybridSequential()
    net.add(nn.Dense(8, activation="relu"), nn.Dense(3))
    return net


class Captured(gluon.HybridBlock):
    """Constant arrays captured by the trace, a dtype keyword, non-finite floats."""

    def __init__(self):
        super().__init__()
        self.dense = nn.Dense(3)
        self.offset = np.array([1.0, -2.0, 3.0])
        self.index = np.array([0, 2])
        self.scale = gluon.Constant(np.array([2.0, 2.0, 2.0]))

    def forward(self, x):
        h = self.dense(x).astype("float64").astype("float32") + self.offset
        h = np.clip(h * self.scale.data(), -np.inf, np.inf)
        return npx.pick(h, self.index) + np.maximum(h, -1.5).sum()
