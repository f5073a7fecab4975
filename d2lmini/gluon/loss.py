"""Losses: one value per example (averaged over all other axes), as in MXNet.

Reduce them yourself, e.g. loss(y_hat, y).mean().backward().
"""

from .. import npx
from .hybrid import HybridBlock


class Loss(HybridBlock):
    """Base class: `weight` scales the loss; axis `batch_axis` is kept."""

    def __init__(self, weight=None, batch_axis=0, prefix=None):
        super().__init__(prefix)
        self._weight, self._batch_axis = weight, batch_axis

    def _finish(self, loss):
        if self._weight is not None:
            loss = loss * self._weight
        axes = tuple(a for a in range(loss.ndim) if a != self._batch_axis)
        return loss.mean(axis=axes) if axes else loss

    def _check(self, pred, label):
        if pred.size != label.size:
            raise ValueError(
                f"{type(self).__name__}: predictions of shape {pred.shape} "
                f"and labels of shape {label.shape} do not match"
            )
        return label.reshape(pred.shape)


class L2Loss(Loss):
    """0.5 * (pred - label)^2 per example."""

    def forward(self, pred, label):
        diff = pred - self._check(pred, label)
        return self._finish(0.5 * diff * diff)


class L1Loss(Loss):
    """|pred - label| per example."""

    def forward(self, pred, label):
        return self._finish(abs(pred - self._check(pred, label)))


class SoftmaxCrossEntropyLoss(Loss):
    """Cross-entropy of softmax(pred) against class indices (sparse_label=True) or
    against probability rows (sparse_label=False)."""

    def __init__(
        self,
        axis=-1,
        sparse_label=True,
        from_logits=False,
        weight=None,
        batch_axis=0,
        prefix=None,
    ):
        super().__init__(weight, batch_axis, prefix)
        self._axis, self._sparse, self._from_logits = axis, sparse_label, from_logits

    def forward(self, pred, label):
        logp = pred if self._from_logits else npx.log_softmax(pred, axis=self._axis)
        if self._sparse:
            loss = -npx.pick(logp, label, axis=self._axis, keepdims=True)
        else:
            loss = -(logp * label.reshape(logp.shape)).sum(
                axis=self._axis, keepdims=True
            )
        return self._finish(loss)


SoftmaxCELoss = SoftmaxCrossEntropyLoss
