"""The chapter's example blocks, hybridized: the same outputs and gradients as eager.

Blocks of CHAPTER.md written as HybridBlocks (nets.EXAMPLES: most are the chapter's
classes with HybridBlock mixed in, so the code is the chapter's own), each checked
eagerly and hybridized (plain and static_alloc/static_shape; the whole net and only
its children) with the checks of hybrid_checks.py:
inference outputs, record + backward outputs and every gradient, results that
survive later calls, and a new batch size. The FancyMLP with its `while` loop on a
value must be refused with a clear error. A forward returning a tuple works too.
"""

import numpy as onp
import pytest
from hybrid_checks import (
    MODES,
    Case,
    check_block,
    close,
    close_record,
    eager,
    hybridize,
)
from nets import (
    EXAMPLES,
    FancyMLP,
    HybridCenteredLayer,
    HybridMySequential1x,
    HybridMySequential2x,
    HybridNestMLP,
    check_tied_gradient,
    chimera,
    fixed_hidden_ref,
    hybrid_sequential,
    my_sequential,
    tied,
)

import d2lmini
from d2lmini import autograd, gluon, init, np
from d2lmini.gluon import nn


@pytest.mark.parametrize("name", EXAMPLES)
def test_chapter_block_hybridized_matches_eager(name):
    make, shape = EXAMPLES[name]
    np.random.seed(42)
    check_block(make(), shape)


def test_chimera_in_training_mode_matches_eager():
    np.random.seed(1)
    check_block(chimera(), (2, 20), training=True)


@pytest.mark.parametrize("cls", [HybridMySequential1x, HybridMySequential2x])
def test_my_sequential_add_after_hybridize_traces_again(cls):
    net = my_sequential(cls)
    net.initialize()
    net.hybridize(static_alloc=True, static_shape=True)
    X = np.random.uniform(size=(2, 20))
    assert net(X).shape == (2, 10)
    last = nn.Dense(3)
    net.add(last)
    last.initialize()
    out = net(X)
    net.hybridize(active=False)
    close(out, net(X).asnumpy(), "after add")


def test_centered_layer_output_is_centered_when_hybridized():
    layer = HybridCenteredLayer()
    layer.hybridize()
    onp.testing.assert_allclose(layer(np.array([1, 2, 3, 4, 5])).asnumpy(),
                                [-2, -1, 0, 1, 2], rtol=1e-6)


@pytest.mark.parametrize("how", ["params", "same block"])
@pytest.mark.parametrize("kw", [{}, {"static_alloc": True, "static_shape": True}])
def test_tied_gradient_is_the_sum_of_both_uses_when_hybridized(how, kw):
    np.random.seed(0)
    net = tied(how)
    net.initialize()
    X = np.random.uniform(size=(2, 4))
    net(X)
    net.hybridize(**kw)
    for _ in range(2):  # the tracing call, then the compiled plan
        check_tied_gradient(net, net[1], X)
    assert net[2].weight is net[1].weight


# --- value-dependent control flow: refused, with the block and the fix named --------


def test_fancy_mlp_while_loop_is_refused_with_advice():
    np.random.seed(42)
    net = FancyMLP()
    net.initialize()
    X = np.random.uniform(size=(2, 20))
    expected = net(X).item()  # eager: the chapter's result
    net.hybridize()
    with pytest.raises(d2lmini.HybridizationError) as info:
        net(X)
    message = str(info.value)
    assert "FancyMLP" in message  # the block
    assert "bool()" in message and "while" in message  # the operation
    assert "hybridize(active=False)" in message and "np.where" in message  # fixes
    net.hybridize(active=False)
    assert net(X).item() == pytest.approx(expected, rel=1e-6)
    assert net(X).item() == pytest.approx(fixed_hidden_ref(X.asnumpy(), net),
                                          rel=1e-4)


def test_chimera_with_the_loop_names_the_block_that_has_it():
    """Exercise: hybridize the chimera. The error must point at FancyMLP (the block
    with the `while`), not only at the outer container that was hybridized."""
    np.random.seed(42)
    net = hybrid_sequential(HybridNestMLP(), nn.Dense(20), FancyMLP())
    net.initialize()
    X = np.random.uniform(size=(2, 20))
    want = net(X).item()
    net.hybridize()
    with pytest.raises(d2lmini.HybridizationError,
                       match=r"(?s)FancyMLP '2'.*hybridize\(active=False\)"):
        net(X)
    net.hybridize(active=False)  # the fix: compile only the loop-free blocks
    net[0].hybridize()
    net[1].hybridize()
    assert net(X).item() == pytest.approx(want, rel=1e-6)


# --- multiple outputs ---------------------------------------------------------------


class TwoOutputs(gluon.HybridBlock):
    """forward returns a tuple (y, z); `which` picks how the two are related."""

    def __init__(self, which):
        super().__init__()
        self.which = which
        self.body = nn.Dense(6, activation="tanh")
        self.head = nn.Dense(3)

    def forward(self, x):
        y = self.body(x)
        if self.which == "intermediate":  # y is returned and also feeds z
            return y, self.head(y)
        if self.which == "same value":
            z = self.head(y)
            return z, z
        if self.which == "input":
            return x, self.head(y)
        if self.which == "constant":
            return self.head(y), np.ones((2, 2))
        return self.head(y), y * 2 + 1  # "elementwise": z may be fused in place


WHICH = ["intermediate", "same value", "input", "constant", "elementwise"]


def two_output_case(which):
    np.random.seed(7)
    net = TwoOutputs(which)
    net.initialize(init.Xavier())
    xs = [np.random.normal(size=(4, 5)) for _ in range(2)]
    net(xs[0])
    return Case(net, xs, [], False)


def run_two(case, x, use):
    """Outputs and gradients of loss = y.sum() + (z*z).sum() (or one of the two)."""
    case.net.zero_grad()
    x = x.copy()
    x.attach_grad()
    with autograd.record():
        y, z = case.net(x)
        loss = (x * 0).sum()
        if use in ("both", "y"):
            loss = loss + y.sum()
        if use in ("both", "z"):
            loss = loss + (z * z).sum()
    loss.backward()
    grads = {k: p.grad().asnumpy().copy()
             for k, p in case.net.collect_params().items()}
    return [y.asnumpy().copy(), z.asnumpy().copy()], grads, [x.grad.asnumpy().copy()]


@pytest.mark.parametrize("which", WHICH)
def test_tuple_output_matches_eager(which):
    case = two_output_case(which)
    x1, x2 = case.xs[:2]
    eager(case.net)
    want = [[o.asnumpy().copy() for o in case.net(x)] for x in (x1, x2)]
    want_rec = {use: run_two(case, x1, use) for use in ("both", "y", "z")}
    for how, kw in MODES:
        hybridize(case.net, how, kw)
        for call in ("tracing call", "compiled call"):
            what = f"{which}, {how} {kw}, {call}"
            out1 = case.net(x1)
            assert isinstance(out1, tuple) and len(out1) == 2, what
            out2 = case.net(x2)
            for got, exp in ((out1, want[0]), (out2, want[1])):
                for i in range(2):
                    close(got[i], exp[i], f"{what}: output {i}")
            for use in ("both", "y", "z"):
                close_record(run_two(case, x1, use), want_rec[use],
                             f"{what}, loss from {use}")


def test_tuple_output_checks_of_the_property_file():
    """A tuple-returning child inside a hybridized parent (traced inline), and
    hybridized on its own under an eager parent: every property-file check."""

    class Summed(gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            self.two = TwoOutputs("intermediate")

        def forward(self, x):
            y, z = self.two(x)
            return np.concatenate([y, z * z], axis=1)

    np.random.seed(3)
    check_block(Summed(), (4, 5))
