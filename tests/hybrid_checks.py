"""Eager against hybridized: the checks every hybridized net in the tests must pass.

A Case is one initialized net with its inputs and head gradients. check_inference,
check_record, check_results_survive and check_new_batch_size run the net eagerly,
then hybridized in each of MODES (the whole net or only its children; plain, and
static_alloc with static_shape), and compare outputs, parameter and input gradients;
results of one call must survive later calls. check_block runs all four on a net.
Used by test_hybrid_property.py, test_hybrid_chapter.py and test_gpu.py.
"""

from dataclasses import dataclass

import numpy as onp

from d2lmini import autograd, gluon, init, np

RTOL, ATOL = 1e-5, 1e-5
# (how, hybridize keywords): the whole net, or each child with the parent eager.
MODES = [(how, kw) for how in ("whole", "children")
         for kw in ({}, {"static_alloc": True, "static_shape": True})]


# --- running eager and hybridized ---------------------------------------------------


@dataclass
class Case:
    net: gluon.HybridBlock
    xs: list      # two inputs of one shape, then one with another batch size
    heads: list   # a random head gradient per input (every element counts)
    training: bool


class XavierMatrices(init.Xavier):
    """Xavier for matrices; a vector (a bias without an initializer of its own,
    which takes the net's as in Gluon) gets zeros, then random values below."""

    def _init_weight(self, name, data):
        if data.ndim < 2:
            data[:] = 0
        else:
            super()._init_weight(name, data)


def case_for(net, shape, other_batch, training=False):
    """Initialize `net` (Xavier, random biases) and draw its inputs and heads."""
    net.initialize(XavierMatrices())
    xs = [np.random.normal(size=s) for s in (shape, shape, (other_batch,)
                                              + tuple(shape[1:]))]
    case = Case(net, xs, [], training)
    outs = [infer(case, x) for x in xs]  # eager: draws the deferred parameters
    for p in net.collect_params().values():  # non-zero biases
        if p.name.endswith("bias"):
            p.set_data(np.random.normal(0, 0.3, size=p.shape))
    case.heads = [np.random.normal(size=o.shape) for o in outs]
    return case


def infer(case, x):
    """Inference path: outside autograd.record(), in the example's mode."""
    with autograd.train_mode() if case.training else autograd.predict_mode():
        return case.net(x)


def hybridize(net, how, kw):
    net.hybridize(active=False)
    if how == "whole":
        net.hybridize(**kw)
    else:  # hybridized children called by an eager parent
        for child in net._children.values():
            child.hybridize(**kw)


def eager(net):
    net.hybridize(active=False)


def values(arrays):
    return [a.asnumpy().copy() for a in arrays]


def params_of(net):
    return {k: p.data().asnumpy().copy() for k, p in net.collect_params().items()}


def grads_of(net):
    return {k: p.grad().asnumpy().copy() for k, p in net.collect_params().items()
            if p.grad_req != "null"}


def recorded(case, idx, between=None):
    """Forward (inside record) on inputs xs[i] for i in idx, then backward of
    sum(out_i * head_i). `between` runs after the forwards, before backward.
    Returns outputs, parameter gradients and input gradients as NumPy arrays."""
    case.net.zero_grad()
    leaves = [case.xs[i].copy() for i in idx]
    for leaf in leaves:
        leaf.attach_grad()
    with autograd.record(train_mode=case.training):
        outs = [case.net(leaf) for leaf in leaves]
        loss = (leaves[0] * 0).sum()  # so that backward() is valid for any net
        for out, i in zip(outs, idx):
            loss = loss + (out * case.heads[i]).sum()
    if between is not None:
        between()
    loss.backward()
    return values(outs), grads_of(case.net), values(leaf.grad for leaf in leaves)


def close(got, want, what):
    got = got.asnumpy() if hasattr(got, "asnumpy") else got
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    onp.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=what)


def close_record(got, want, what):
    (outs, grads, xgrads), (outs_e, grads_e, xgrads_e) = got, want
    for i, (o, e) in enumerate(zip(outs, outs_e)):
        close(o, e, f"{what}: output {i}")
    assert grads.keys() == grads_e.keys()
    for k in grads_e:
        close(grads[k], grads_e[k], f"{what}: gradient of {k}")
    for i, (g, e) in enumerate(zip(xgrads, xgrads_e)):
        close(g, e, f"{what}: gradient of input {i}")


def untouched(case, xs_before, params_before, what):
    for i, (x, before) in enumerate(zip(case.xs, xs_before)):
        onp.testing.assert_array_equal(x.asnumpy(), before,
                                       err_msg=f"{what}: input {i} was written")
    for k, v in params_of(case.net).items():
        onp.testing.assert_array_equal(v, params_before[k],
                                       err_msg=f"{what}: parameter {k} was written")


# --- the properties -----------------------------------------------------------------


def check_inference(case):
    """(a) Outside record: hybridized == eager, at the tracing call and after."""
    eager(case.net)
    want = [infer(case, x).asnumpy().copy() for x in case.xs[:2]]
    xs_before, params_before = values(case.xs), params_of(case.net)
    for how, kw in MODES:
        what = f"{how} {kw}"
        hybridize(case.net, how, kw)
        for call in ("tracing call", "compiled call"):
            for i in range(2):
                close(infer(case, case.xs[i]), want[i], f"{what}, {call}, input {i}")
        untouched(case, xs_before, params_before, what)


def check_record(case):
    """(b) Under record + backward: outputs, parameter and input gradients."""
    eager(case.net)
    want = recorded(case, [0])
    for how, kw in MODES:
        hybridize(case.net, how, kw)
        for call in ("tracing call", "compiled call"):
            close_record(recorded(case, [0]), want, f"{how} {kw}, {call}")


def check_results_survive(case, fresh):
    """(c) A result is never overwritten by a later call (buffers reused across
    calls must not alias returned arrays, nor values saved for backward)."""
    eager(case.net)
    want = [infer(case, x).asnumpy().copy() for x in case.xs[:2]]
    want_two = recorded(case, [0, 1])
    want_between = recorded(case, [0])
    xs_before, params_before = values(case.xs), params_of(case.net)
    for how, kw in MODES:
        what = f"{how} {kw}"
        hybridize(case.net, how, kw)
        for call in ("tracing call", "compiled call"):
            out1 = infer(case, case.xs[0])
            out2 = infer(case, case.xs[1])
            close(out1, want[0], f"{what}, {call}: first result after a second call")
            close(out2, want[1], f"{what}, {call}: second result")
        # Two forwards recorded before one backward: the first one's saved values
        # must survive the second run of the same plan.
        close_record(recorded(case, [0, 1]), want_two, f"{what}, two forwards")

        # An inference call between a recorded forward and its backward.
        def between():
            with autograd.pause(train_mode=case.training):
                close(case.net(case.xs[1]), want[1], f"{what}, call in between")

        close_record(recorded(case, [0], between), want_between,
                     f"{what}, backward after another call")
        if fresh:  # the caller owns a fresh result: editing it changes nothing else
            out1 = infer(case, case.xs[0])
            out1 *= 0
            out1 -= 7
            close(infer(case, case.xs[0]), want[0], f"{what}: after editing a result")
        untouched(case, xs_before, params_before, what)


class Counting(gluon.HybridBlock):
    """Wraps a net; counts the Python runs of forward (that is, the traces)."""

    def __init__(self, body):
        super().__init__()
        self.body = body
        self.log = []

    def forward(self, x):
        self.log.append(x.shape)
        return self.body(x)


def check_new_batch_size(case):
    """(d) A call with a new batch size traces again and is still correct; the
    plan of the first batch size keeps working, and its results survive."""
    eager(case.net)
    want = [infer(case, x).asnumpy().copy() for x in case.xs]
    wrapped = Counting(case.net)
    rec = Case(wrapped, case.xs, case.heads, case.training)
    want_rec = recorded(rec, [2])
    for _, kw in MODES[:2]:
        wrapped.hybridize(**kw)
        wrapped.log.clear()
        with autograd.train_mode() if case.training else autograd.predict_mode():
            first = wrapped(case.xs[0])
            other = wrapped(case.xs[2])
            close(first, want[0], f"{kw}: first batch size, after a new one")
            close(other, want[2], f"{kw}: new batch size")
            close(wrapped(case.xs[0]), want[0], f"{kw}: first batch size again")
            close(other, want[2], f"{kw}: new batch size result kept")
            close(wrapped(case.xs[1]), want[1], f"{kw}: same shape, new values")
        assert wrapped.log == [case.xs[0].shape, case.xs[2].shape], \
            "one trace per input shape"
        close_record(recorded(rec, [2]), want_rec, f"{kw}: record, new batch size")


def check_block(net, shape, other_batch=3, training=False):
    """All four checks above, for one chapter block."""
    case = case_for(net, shape, other_batch, training)
    check_inference(case)
    check_record(case)
    check_results_survive(case, fresh=True)
    check_new_batch_size(case)
    return case
