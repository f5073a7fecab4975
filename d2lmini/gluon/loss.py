"""Losses: one value per example (averaged over the other axes), as in MXNet.

Each takes (pred, label) and MXNet's optional third argument `sample_weight`, which
multiplies the per-element loss before the averaging. Reduce the result yourself,
e.g. loss(y_hat, y).mean().backward(), or call backward() on it (a sum).
"""

import numpy as onp

from .. import np, npx
from ..autograd import STATE
from ..errors import LabelError, ShapeError
from ..ndarray import ndarray
from .hybrid import HybridBlock


class Loss(HybridBlock):
    """Base class: `weight` scales the loss; axis `batch_axis` is kept."""

    def __init__(self, weight=None, batch_axis=0, prefix=None, params=None):
        super().__init__(prefix, params)
        self._weight, self._batch_axis = weight, batch_axis

    def _finish(self, loss, sample_weight=None, reduce="mean"):
        if sample_weight is not None:
            loss = loss * self._sample_weight(loss, sample_weight)
        if self._weight is not None:
            loss = loss * self._weight
        # Differs from MXNet 1.9.1's NumPy-interface L1, L2, SoftmaxCE and SigmoidBCE
        # losses, which ignore batch_axis and always keep axis 0; its 1.x (nd) losses
        # and MXNet 2 keep batch_axis, as d2lmini does.
        keep = self._batch_axis % max(loss.ndim, 1)
        axes = tuple(a for a in range(loss.ndim) if a != keep)
        if not axes:
            return loss
        return loss.mean(axis=axes) if reduce == "mean" else loss.sum(axis=axes)

    def _sample_weight(self, loss, sample_weight):
        # Differs from MXNet, which broadcasts to a larger array without a word (a
        # weight of shape (N,) against a loss of shape (N, 1) averages N x N values).
        shape = tuple(getattr(sample_weight, "shape", ()))
        try:
            fits = onp.broadcast_shapes(loss.shape, shape) == loss.shape
        except ValueError:
            fits = False
        if not fits:
            keep = self._batch_axis % max(loss.ndim, 1)
            hint = tuple(d if a == keep else 1 for a, d in enumerate(loss.shape))
            raise ShapeError(
                f"{type(self).__name__}: sample_weight of shape {shape} does not "
                f"broadcast to the per-element loss, of shape {loss.shape}. Give one "
                f"weight per example with shape {hint} (e.g. "
                f"w.reshape({', '.join(map(str, hint)) or '()'})), or one per element."
            )
        return sample_weight

    def _check(self, pred, label):
        """The label reshaped to the prediction's shape (their sizes must agree)."""
        if pred.size != label.size:
            raise ShapeError(
                f"{type(self).__name__}: predictions of shape {pred.shape} and labels "
                f"of shape {label.shape} do not match: expected {pred.size} labels, "
                f"one per prediction. Check the batch, or the units of the last layer."
            )
        return label.reshape(pred.shape)


class L2Loss(Loss):
    """0.5 * (pred - label)^2 per example (times `weight`)."""

    def forward(self, pred, label, sample_weight=None):
        diff = pred - self._check(pred, label)
        return self._finish(0.5 * diff * diff, sample_weight)


class L1Loss(Loss):
    """|pred - label| per example."""

    def forward(self, pred, label, sample_weight=None):
        return self._finish(abs(pred - self._check(pred, label)), sample_weight)


class SoftmaxCrossEntropyLoss(Loss):
    """Cross-entropy of softmax(pred) against class indices (sparse_label=True) or
    against probability rows (sparse_label=False).

    Class-index labels may have shape (N,) or (N, 1), integer or float. A label
    outside [0, classes) raises LabelError.
    """

    def __init__(self, axis=-1, sparse_label=True, from_logits=False, weight=None,
                 batch_axis=0, prefix=None, params=None):
        super().__init__(weight, batch_axis, prefix, params)
        self._axis, self._sparse, self._from_logits = axis, sparse_label, from_logits

    def __call__(self, *args, **kwargs):
        # Label values are checked here, on the real arrays, because a hybridized
        # call runs a compiled plan and traces with symbolic arrays that hold no
        # values. Inside a hybridized parent (traced, then replayed) no check runs.
        if self._sparse and STATE.tracer is None:
            pred = args[0] if args else kwargs.get("pred")
            label = args[1] if len(args) > 1 else kwargs.get("label")
            if type(pred) is ndarray and type(label) is ndarray:
                self._check_range(pred, label)
        return super().__call__(*args, **kwargs)

    def _check_range(self, pred, label):
        # Differs from MXNet, whose pick() clips a label of -1 to 0 and one of
        # `classes` to classes - 1: a wrong loss without an error.
        classes = pred.shape[self._axis]
        raw = label._data
        bad = raw.astype(onp.int64)  # float labels are truncated, as pick() does
        bad = (bad < 0) | (bad >= classes)
        if not bool(bad.any()):
            return
        bad = bad if type(bad) is onp.ndarray else bad.get()
        where = tuple(int(i) for i in onp.argwhere(bad)[0])
        value = raw[where].item()
        count = int(bad.sum())
        at = where[0] if len(where) == 1 else where
        others = f" ({count - 1} more label(s) too)" if count > 1 else ""
        raise LabelError(
            f"{type(self).__name__}: label {value:g} at position {at} is not a class "
            f"index{others}: predictions of shape {pred.shape} have {classes} classes "
            f"along axis {self._axis}, so labels must be integers from 0 to "
            f"{classes - 1}. Check how the labels were made (1-based labels need "
            "y - 1) and that the last layer has one output per class."
        )

    def _class_indices(self, pred, label):
        want = tuple(d for a, d in enumerate(pred.shape)
                     if a != self._axis % pred.ndim)
        if tuple(label.shape) == want:
            return label
        if label.size != int(onp.prod(want)):
            raise ShapeError(
                f"{type(self).__name__}: predictions of shape {pred.shape} need one "
                f"class index per example, labels of shape {want} (or with a 1 "
                f"appended); got labels of shape {label.shape}. Pass "
                "sparse_label=False for labels that are rows of probabilities."
            )
        return label.reshape(want)

    def forward(self, pred, label, sample_weight=None):
        logp = pred if self._from_logits else npx.log_softmax(pred, axis=self._axis)
        if self._sparse:
            index = self._class_indices(pred, label)
            loss = -npx.pick(logp, index, axis=self._axis, keepdims=True)
        else:
            loss = -(logp * self._check(pred, label)).sum(axis=self._axis,
                                                          keepdims=True)
        return self._finish(loss, sample_weight)


SoftmaxCELoss = SoftmaxCrossEntropyLoss


def _softrelu_of_minus_abs(x):
    """log(1 + exp(-|x|)): never overflows, since exp(-|x|) <= 1."""
    return np.log(1 + np.exp(-abs(x)))


class SigmoidBinaryCrossEntropyLoss(Loss):
    """Binary cross-entropy of sigmoid(pred) (or of pred, with from_sigmoid=True)
    against labels in [0, 1]; `pos_weight` scales the loss of positive labels."""

    def __init__(self, from_sigmoid=False, weight=None, batch_axis=0, prefix=None,
                 params=None):
        super().__init__(weight, batch_axis, prefix, params)
        self._from_sigmoid = from_sigmoid

    def forward(self, pred, label, sample_weight=None, pos_weight=None):
        z = self._check(pred, label)
        if not self._from_sigmoid:  # the stable form of -log sigmoid, as MXNet
            if pos_weight is None:
                loss = npx.relu(pred) - pred * z + _softrelu_of_minus_abs(pred)
            else:
                scale = 1 + (pos_weight - 1) * z
                loss = pred - pred * z + scale * (
                    _softrelu_of_minus_abs(pred) + npx.relu(-pred))
        else:
            eps = 1e-12
            positive = np.log(pred + eps) * z
            if pos_weight is not None:
                positive = positive * pos_weight
            loss = -(positive + np.log(1.0 - pred + eps) * (1.0 - z))
        return self._finish(loss, sample_weight)


SigmoidBCELoss = SigmoidBinaryCrossEntropyLoss


class KLDivLoss(Loss):
    """label * (log(label) - pred), summed per example (as MXNet 1.9.1 does; other
    losses average): pred holds log-probabilities (from_logits=True, the default)
    or raw scores that get a log_softmax along `axis`."""

    def __init__(self, from_logits=True, axis=-1, weight=None, batch_axis=0,
                 prefix=None, params=None):
        super().__init__(weight, batch_axis, prefix, params)
        self._from_logits, self._axis = from_logits, axis

    def forward(self, pred, label, sample_weight=None):
        if not self._from_logits:
            pred = npx.log_softmax(pred, axis=self._axis)
        loss = label * (np.log(label + 1e-12) - pred)
        return self._finish(loss, sample_weight, reduce="sum")


class HuberLoss(Loss):
    """0.5 / rho * d^2 where |d| <= rho, |d| - rho / 2 elsewhere (d = pred - label)."""

    def __init__(self, rho=1, weight=None, batch_axis=0, prefix=None, params=None):
        super().__init__(weight, batch_axis, prefix, params)
        self._rho = rho

    def forward(self, pred, label, sample_weight=None):
        d = abs(pred - self._check(pred, label))
        loss = np.where(d > self._rho, d - 0.5 * self._rho, (0.5 / self._rho) * d * d)
        return self._finish(loss, sample_weight)


class HingeLoss(Loss):
    """max(0, margin - pred * label), for labels -1 and 1."""

    def __init__(self, margin=1, weight=None, batch_axis=0, prefix=None, params=None):
        super().__init__(weight, batch_axis, prefix, params)
        self._margin = margin

    def forward(self, pred, label, sample_weight=None):
        loss = npx.relu(self._margin - pred * self._check(pred, label))
        return self._finish(loss, sample_weight)


class SquaredHingeLoss(HingeLoss):
    """max(0, margin - pred * label)^2, for labels -1 and 1."""

    def forward(self, pred, label, sample_weight=None):
        hinge = npx.relu(self._margin - pred * self._check(pred, label))
        return self._finish(hinge * hinge, sample_weight)


class LogisticLoss(Loss):
    """log(1 + exp(-pred * label)) for labels -1/1 (label_format='signed') or 0/1
    ('binary')."""

    def __init__(self, weight=None, batch_axis=0, label_format="signed", prefix=None,
                 params=None):
        super().__init__(weight, batch_axis, prefix, params)
        if label_format not in ("signed", "binary"):
            raise ValueError(
                f"LogisticLoss: label_format must be 'signed' (labels -1 and 1) or "
                f"'binary' (labels 0 and 1), got {label_format!r}"
            )
        self._label_format = label_format

    def forward(self, pred, label, sample_weight=None):
        z = self._check(pred, label)
        if self._label_format == "signed":
            z = (z + 1.0) / 2.0  # -1/1 -> 0/1
        loss = npx.relu(pred) - pred * z + _softrelu_of_minus_abs(pred)
        return self._finish(loss, sample_weight)
