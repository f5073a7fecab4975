"""Property tests: a hybridized net computes exactly what the eager net computes.

Hypothesis draws random compositions (depth 1-5, widths 1-16, batch 1-8, training
mode on or off) of Dense layers (with or without bias, flatten on or off, every
activation), Activation, Dropout (rate 0, or p > 0 in predict mode), nested
HybridSequentials, custom HybridBlocks (tied weights, one value with two consumers,
MXNet 1.x hybrid_forward with own parameters) and HybridLambdas whose elementwise
chains stress an executor that fuses elementwise runs in place, reuses buffers and
drops dead values: a value used twice, a value both consumed and returned, a dead
value, the input used several times, outputs that are constants or the input.

Each example runs one net, with the same weights, eagerly and hybridized (plain,
and static_alloc=True with static_shape=True; the whole net, or only its children
under an eager parent) and checks outputs, every parameter gradient and the input
gradient, that an array returned by one call is never overwritten by a later call,
that inputs and parameters are never written, and that a new batch size retraces.
"""

from dataclasses import dataclass

import pytest
from hybrid_checks import (
    case_for,
    check_inference,
    check_new_batch_size,
    check_record,
    check_results_survive,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from d2lmini import gluon, init, np
from d2lmini.gluon import nn

ACTS = ["relu", "sigmoid", "tanh", "softrelu", "softsign", None]
PROPERTY = settings(max_examples=50, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


# --- HybridLambda bodies: elementwise chains (F is the hybrid namespace) ------------


def scale_shift(F, x):
    return x * 2 + 1


def floor_at(F, x):
    return F.np.maximum(x, 0.1)


def exp_neg(F, x):
    return F.np.exp(-F.np.clip(x, -4, 4))


def tanh(F, x):
    return F.np.tanh(x)


def centered_rows(F, x):
    return x - x.mean(axis=-1, keepdims=True)


def centered_batch(F, x):
    return x - x.mean(axis=0)


def used_twice(F, x):
    y = F.np.tanh(x) * 2  # bounded, so deep stacks stay finite
    return y + y * y


def input_used_thrice(F, x):
    return x * F.np.tanh(x) + x


def consumed_then_returned(F, x):
    y = F.np.tanh(x) + 1
    z = y * y  # reads y after y has another consumer
    return z - y


def dead_value(F, x):
    y = F.np.tanh(x)
    _ = y * 3 + 1  # computed and never used: may be dropped, must not clobber y
    return y


def view_outlives_base(F, x):
    a = F.np.tanh(x)
    flat, turned = a.reshape(-1), a.transpose()  # views of a's buffer
    b = a * 2  # a's last direct use: writing b into a's buffer would change them
    return b + flat.reshape(a.shape) + turned.transpose()


def view_of_view_outlives_base(F, x):
    a = F.np.tanh(x)
    v = a.reshape(-1).reshape(a.shape)  # a view of a view of a's buffer
    b = a * 2
    return b + v


def returns_view_of_view(F, x):
    return F.np.tanh(x).reshape(-1).reshape(x.shape)


def constant(F, x):
    return F.np.full(x.shape, 0.5)  # depends on neither input nor parameters


def constant_by_ops(F, x):
    return F.np.ones(x.shape) * 2 - 1.5


def identity(F, x):
    return x


LAMBDAS = {f.__name__: f for f in (
    scale_shift, floor_at, exp_neg, tanh, centered_rows, centered_batch, used_twice,
    input_used_thrice, consumed_then_returned, dead_value, view_outlives_base,
    view_of_view_outlives_base, returns_view_of_view, constant, constant_by_ops,
    identity)}
# Eager returns a new array from these (all but `identity`): editing it in place
# cannot change a later call.
FRESH_LAMBDAS = set(LAMBDAS) - {"identity"}


# --- custom blocks ------------------------------------------------------------------


class TiedTwice(gluon.HybridBlock):
    """One Dense applied twice (tied weights), plus a residual."""

    def __init__(self, units):
        super().__init__()
        self.pre = nn.Dense(units)
        self.tied = nn.Dense(units, in_units=units, activation="tanh")

    def forward(self, x):
        h = self.pre(x)
        return h + self.tied(self.tied(h))


class Gate(gluon.HybridBlock):
    """The input and one intermediate each have two consumers."""

    def __init__(self, units):
        super().__init__()
        self.a = nn.Dense(units, activation="sigmoid")
        self.b = nn.Dense(units, use_bias=False)

    def forward(self, x):
        a = self.a(x)
        return a * self.b(x) + a


class ScaleShift(gluon.HybridBlock):
    """MXNet 1.x hybrid_forward with its own parameters, after a child Dense."""

    def __init__(self, units):
        super().__init__()
        self.pre = nn.Dense(units)
        self.scale = gluon.Parameter("scale", shape=(units,), init=init.Normal(1.0))
        self.shift = gluon.Parameter("shift", shape=(units,), init=init.Normal(1.0))

    def hybrid_forward(self, F, x, scale, shift):
        h = self.pre(x)
        return F.np.tanh(h * scale) + shift * h


CUSTOM = {c.__name__: c for c in (TiedTwice, Gate, ScaleShift)}


# --- drawing nets -------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    spec: tuple  # layer specs, see make_layers
    training: bool
    batch: int
    other_batch: int
    features: tuple
    seed: int


@st.composite
def layers(draw, training, nesting):
    kinds = ["dense", "dense", "act", "lambda", "lambda", "dropout", "custom",
             "flatten", "shared"]
    kind = draw(st.sampled_from(kinds + ["nested"] * (nesting > 0)))
    if kind == "dense":
        return ("dense", draw(st.integers(1, 16)), draw(st.sampled_from(ACTS)),
                draw(st.booleans()), draw(st.booleans()))
    if kind == "act":
        return ("act", draw(st.sampled_from(ACTS[:-1])))
    if kind == "lambda":
        return ("lambda", draw(st.sampled_from(sorted(LAMBDAS))))
    if kind in ("flatten", "shared"):
        return (kind,) + (() if kind == "flatten" else (draw(st.integers(1, 8)),))
    if kind == "dropout":  # random masks differ between runs: p > 0 only predicting
        return ("dropout", draw(st.sampled_from([0.0] if training else [0.0, 0.5])))
    if kind == "custom":
        return ("custom", draw(st.sampled_from(sorted(CUSTOM))),
                draw(st.integers(1, 8)))
    return ("nested", tuple(draw(st.lists(layers(training, nesting - 1),
                                          min_size=1, max_size=3))))


@st.composite
def examples(draw):
    training = draw(st.booleans())
    spec = tuple(draw(st.lists(layers(training, 2), min_size=1, max_size=5)))
    batch = draw(st.integers(1, 8))
    other = draw(st.integers(1, 8).filter(lambda b: b != batch))
    features = draw(st.one_of(st.tuples(st.integers(1, 6)),
                              st.tuples(st.just(2), st.integers(1, 4))))
    return Example(spec, training, batch, other, features, draw(st.integers(0, 9999)))


def make_layers(layer):
    """The blocks for one layer spec (a "shared" spec gives three siblings)."""
    kind, *args = layer
    if kind == "dense":
        units, act, use_bias, flatten = args
        return [nn.Dense(units, activation=act, use_bias=use_bias, flatten=flatten)]
    if kind == "act":
        return [nn.Activation(args[0])]
    if kind == "lambda":
        return [nn.HybridLambda(LAMBDAS[args[0]])]
    if kind == "dropout":
        return [nn.Dropout(args[0])]
    if kind == "flatten":
        return [nn.Flatten()]
    if kind == "shared":  # one block at two places of its parent: tied weights
        shared = nn.Dense(args[0], in_units=args[0], activation="tanh")
        return [nn.Dense(args[0]), shared, shared]
    if kind == "custom":
        return [CUSTOM[args[0]](args[1])]
    return [build(args[0])]


def build(spec):
    net = nn.HybridSequential()
    for layer in spec:
        net.add(*make_layers(layer))
    return net


def fresh_output(spec):
    """Does eager return an array that nothing else holds (safe to edit in place)?"""
    kind, *args = spec[-1]
    if kind == "nested":
        return fresh_output(args[0])
    if kind == "lambda":
        return args[0] in FRESH_LAMBDAS
    return kind in ("dense", "custom", "shared")


def make_case(ex):
    np.random.seed(ex.seed)
    return case_for(build(ex.spec), (ex.batch,) + ex.features, ex.other_batch,
                    ex.training)


@PROPERTY
@given(examples())
def test_inference_matches_eager(ex):
    check_inference(make_case(ex))


@PROPERTY
@given(examples())
def test_record_outputs_and_gradients_match_eager(ex):
    check_record(make_case(ex))


@PROPERTY
@given(examples())
def test_results_are_never_overwritten_by_later_calls(ex):
    check_results_survive(make_case(ex), fresh_output(ex.spec))


@PROPERTY
@given(examples())
def test_new_batch_size_retraces_and_stays_correct(ex):
    check_new_batch_size(make_case(ex))


# --- every elementwise chain and custom block alone (its output is the graph's) -----

ALONE = [("lambda", name) for name in LAMBDAS] + [
    ("custom", name, 3) for name in CUSTOM] + [("dropout", 0.5)]


@pytest.mark.parametrize("layer, training", [
    (layer, training) for training in (False, True) for layer in ALONE
    if not (training and layer[0] == "dropout")],  # random masks would differ
    ids=lambda v: v[1] if isinstance(v, tuple) else ["predict", "train"][v])
def test_each_block_alone_matches_eager(layer, training):
    spec = (layer,)
    case = make_case(Example(spec, training, 3, 5, (4,), 7))
    check_inference(case)
    check_record(case)
    check_results_survive(case, fresh_output(spec))
    check_new_batch_size(case)


@pytest.mark.parametrize("layer", ALONE, ids=lambda layer: layer[1])
def test_each_block_inside_a_composition_matches_eager(layer):
    """The block between Dense layers (one without bias, one not flattening a 3-D
    input), twice, once inside a nested HybridSequential."""
    spec = (("dense", 6, "relu", True, False), layer,
            ("nested", (("dense", 5, None, False, True), layer, ("act", "tanh"))),
            ("dense", 4, "sigmoid", True, True))
    case = make_case(Example(spec, False, 3, 2, (2, 4), 11))
    check_inference(case)
    check_record(case)
    check_results_survive(case, fresh_output(spec))
    check_new_batch_size(case)
