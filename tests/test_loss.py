"""Losses against NumPy formulas (eager, hybridized), labels, sample_weight, errors."""

import numpy as onp
import pytest

import d2lmini
from d2lmini import autograd, gluon, np

L = gluon.loss
LOGITS = onp.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0], [0.3, 0.3, -2.0],
                    [2.0, -0.5, 0.1]], dtype=onp.float32)
CLASSES = onp.array([1, 2, 0, 2])


def log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - onp.log(onp.exp(z).sum(axis=-1, keepdims=True))


def run(loss, *args, hybrid):
    if hybrid:
        loss.hybridize()
    return loss(*[np.array(a) for a in args]).asnumpy()


both = pytest.mark.parametrize("hybrid", [False, True], ids=["eager", "hybridized"])


@both
def test_regression_losses_match_formulas(hybrid):
    pred = onp.array([[1.0, 2.0], [3.0, 5.0], [0.0, -0.4]], dtype=onp.float32)
    label = onp.array([[1.5, 2.0], [2.0, 1.0], [0.5, 0.0]], dtype=onp.float32)
    d = pred - label
    cases = [
        (L.L2Loss(), 0.5 * d**2),
        (L.L2Loss(weight=2.0), d**2),
        (L.L1Loss(), onp.abs(d)),
        (L.HuberLoss(), onp.where(onp.abs(d) > 1, onp.abs(d) - 0.5, 0.5 * d**2)),
        (L.HuberLoss(rho=0.3), onp.where(onp.abs(d) > 0.3, onp.abs(d) - 0.15,
                                         d**2 / 0.6)),
    ]
    for loss, want in cases:
        onp.testing.assert_allclose(run(loss, pred, label, hybrid=hybrid),
                                    want.mean(axis=1), rtol=1e-6, atol=1e-7)
    flat = run(L.L2Loss(), pred, label.reshape(-1), hybrid=hybrid)  # same size
    onp.testing.assert_allclose(flat, (0.5 * d**2).mean(axis=1), rtol=1e-6)


@both
def test_classification_losses_match_formulas(hybrid):
    x = LOGITS
    z01 = onp.array([[0, 1, 1], [1, 0, 1], [0, 0, 1], [1, 1, 0]], dtype=onp.float32)
    zpm = 2 * z01 - 1
    p = 1 / (1 + onp.exp(-x))
    bce = -(z01 * onp.log(p) + (1 - z01) * onp.log(1 - p))
    pos = onp.array([2.0, 1.0, 0.5], dtype=onp.float32)
    bce_pos = -(pos * z01 * onp.log(p) + (1 - z01) * onp.log(1 - p))
    probs = onp.exp(log_softmax(x))
    cases = [
        (L.SigmoidBCELoss(), (x, z01), bce.mean(axis=1)),
        (L.SigmoidBinaryCrossEntropyLoss(from_sigmoid=True), (p, z01),
         bce.mean(axis=1)),
        (L.SigmoidBCELoss(), (x, z01, onp.ones((4, 1)), pos), bce_pos.mean(axis=1)),
        (L.SigmoidBCELoss(from_sigmoid=True), (p, z01, onp.ones((4, 1)), pos),
         bce_pos.mean(axis=1)),
        (L.HingeLoss(), (x, zpm), onp.maximum(0, 1 - x * zpm).mean(axis=1)),
        (L.SquaredHingeLoss(margin=2), (x, zpm),
         (onp.maximum(0, 2 - x * zpm) ** 2).mean(axis=1)),
        (L.LogisticLoss(), (x, zpm), onp.log1p(onp.exp(-x * zpm)).mean(axis=1)),
        (L.LogisticLoss(label_format="binary"), (x, z01),
         onp.log1p(onp.exp(-x * zpm)).mean(axis=1)),
        # KLDivLoss sums over the classes (MXNet 1.9.1 does), the others average.
        (L.KLDivLoss(), (log_softmax(x), probs[::-1]),
         (probs[::-1] * (onp.log(probs[::-1]) - log_softmax(x))).sum(axis=1)),
        (L.KLDivLoss(from_logits=False), (x, probs[::-1]),
         (probs[::-1] * (onp.log(probs[::-1]) - log_softmax(x))).sum(axis=1)),
    ]
    for loss, args, want in cases:
        got = run(loss, *args, hybrid=hybrid)
        onp.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6,
                                    err_msg=type(loss).__name__)
    with pytest.raises(ValueError, match="label_format must be 'signed'"):
        L.LogisticLoss(label_format="pm1")


def test_sigmoid_bce_is_stable_and_its_gradient_is_sigmoid_minus_label():
    # Not at x = 0, where the stable formula's relu and abs kinks give MXNet's
    # (and d2lmini's) -label there instead of sigmoid(0) - label.
    x = np.array([[-50.0, -2.0, 0.5, 3.0, 60.0]])
    z = onp.array([[1.0, 0.0, 1.0, 1.0, 0.0]], dtype=onp.float32)
    x.attach_grad()
    with autograd.record():
        loss = L.SigmoidBCELoss()(x, np.array(z))
    loss.backward()
    assert onp.isfinite(loss.asnumpy()).all()
    sig = 1 / (1 + onp.exp(-x.asnumpy().astype(onp.float64)))
    onp.testing.assert_allclose(x.grad.asnumpy(), (sig - z) / 5, rtol=1e-5, atol=1e-7)


# ---- SoftmaxCrossEntropyLoss: labels ---------------------------------------------


@both
def test_softmax_ce_labels_of_shape_n_and_n1_and_float_give_the_same(hybrid):
    want = -log_softmax(LOGITS)[onp.arange(4), CLASSES]
    for label in (CLASSES, CLASSES.reshape(4, 1), CLASSES.astype(onp.float32)):
        ce = L.SoftmaxCrossEntropyLoss()
        onp.testing.assert_allclose(run(ce, LOGITS, label, hybrid=hybrid), want,
                                    rtol=1e-6)
    dense = onp.eye(3, dtype=onp.float32)[CLASSES]
    ce = L.SoftmaxCELoss(sparse_label=False)
    onp.testing.assert_allclose(run(ce, LOGITS, dense, hybrid=hybrid), want,
                                rtol=1e-6)
    ce = L.SoftmaxCrossEntropyLoss(from_logits=True)
    onp.testing.assert_allclose(run(ce, log_softmax(LOGITS), CLASSES, hybrid=hybrid),
                                want, rtol=1e-5)


@both
def test_softmax_ce_gradient_is_softmax_minus_one_hot(hybrid):
    ce = L.SoftmaxCrossEntropyLoss()
    if hybrid:
        ce.hybridize()
    x = np.array(LOGITS)
    x.attach_grad()
    with autograd.record():
        loss = ce(x, np.array(CLASSES.reshape(4, 1)))
    loss.backward()
    want = onp.exp(log_softmax(LOGITS)) - onp.eye(3)[CLASSES]
    onp.testing.assert_allclose(x.grad.asnumpy(), want, rtol=1e-5, atol=1e-6)


@both
@pytest.mark.parametrize("bad, where", [(3, "1"), (-1, "1"), (7.0, "1")])
def test_out_of_range_labels_are_an_error_not_a_wrapped_index(hybrid, bad, where):
    ce = L.SoftmaxCrossEntropyLoss()
    if hybrid:
        ce.hybridize()
        ce(np.array(LOGITS), np.array(CLASSES))  # traced with good labels first
    label = CLASSES.astype(onp.float32).copy()
    label[1] = bad
    with pytest.raises(d2lmini.LabelError,
                       match=rf"label {bad:g} at position {where} is not a class "
                             r"index: predictions of shape \(4, 3\) have 3 classes "
                             r"along axis -1.*from 0 to 2.*y - 1"):
        ce(np.array(LOGITS), np.array(label))
    assert issubclass(d2lmini.LabelError, ValueError)


def test_out_of_range_label_message_counts_and_locates_in_2d_labels():
    label = onp.array([[0], [5], [9], [1]])
    with pytest.raises(d2lmini.LabelError,
                       match=r"label 5 at position \(1, 0\).*"
                             r"\(1 more label\(s\) too\)"):
        L.SoftmaxCrossEntropyLoss()(np.array(LOGITS), np.array(label))


def test_label_shape_mismatch_is_a_shape_error():
    with pytest.raises(d2lmini.ShapeError, match=r"labels of shape \(4,\).*got labels "
                                                 r"of shape \(3,\)"):
        L.SoftmaxCrossEntropyLoss()(np.array(LOGITS), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="do not match: expected 4 labels"):
        L.L2Loss()(np.ones((2, 2)), np.ones(3))


# ---- sample_weight and weight ------------------------------------------------------


@both
def test_sample_weight_scales_each_element_before_averaging(hybrid):
    pred = onp.array([[1.0, 2.0, 0.0], [3.0, 5.0, 1.0]], dtype=onp.float32)
    label = onp.array([[1.5, 2.0, 1.0], [2.0, 1.0, 1.0]], dtype=onp.float32)
    per_example = onp.array([[2.0], [0.5]], dtype=onp.float32)
    per_element = onp.array([[1.0, 0.0, 3.0], [1.0, 2.0, 0.0]], dtype=onp.float32)
    d = pred - label
    for sw in (per_example, per_element):
        got = run(L.L2Loss(), pred, label, sw, hybrid=hybrid)
        onp.testing.assert_allclose(got, (0.5 * d**2 * sw).mean(axis=1), rtol=1e-6)
        got = run(L.L1Loss(weight=0.5), pred, label, sw, hybrid=hybrid)
        onp.testing.assert_allclose(got, (0.5 * onp.abs(d) * sw).mean(axis=1),
                                    rtol=1e-6)
    sw = onp.array([[1.0], [2.0], [0.0], [0.5]], dtype=onp.float32)
    want = -log_softmax(LOGITS)[onp.arange(4), CLASSES] * sw[:, 0]
    got = run(L.SoftmaxCrossEntropyLoss(), LOGITS, CLASSES, sw, hybrid=hybrid)
    onp.testing.assert_allclose(got, want, rtol=1e-6)


def test_sample_weight_that_would_grow_the_loss_is_an_error():
    # MXNet would broadcast (4, 1) * (4,) to (4, 4) and average that, silently.
    with pytest.raises(d2lmini.ShapeError,
                       match=r"sample_weight of shape \(4,\) does not broadcast to the "
                             r"per-element loss, of shape \(4, 1\).*w.reshape\(4, 1\)"):
        L.SoftmaxCrossEntropyLoss()(np.array(LOGITS), np.array(CLASSES), np.ones(4))


@both
def test_batch_axis_is_the_axis_kept(hybrid):
    pred = onp.arange(6, dtype=onp.float32).reshape(2, 3)
    got = run(L.L1Loss(batch_axis=1), pred, onp.zeros((2, 3)), hybrid=hybrid)
    onp.testing.assert_allclose(got, pred.mean(axis=0))
