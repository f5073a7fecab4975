"""Trainer: applies an optimizer's update to a set of parameters after backward().

The update rules live in d2lmini/optimizer.py (SGD, Adam); the Trainer picks the
parameters to update. As in MXNet, step() refuses a gradient that backward() has not
renewed since the last step. Constants and grad_req='null' parameters are skipped.
"""

import warnings

from .. import optimizer as _opt
from ..errors import DeferredInitializationError, StaleGradientError
from .parameter import Parameter


class Trainer:
    """trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1})

    or Trainer(params, d2lmini.optimizer.SGD(learning_rate=0.1, momentum=0.9)).
    step(batch_size) sets the optimizer's rescale_grad to 1/batch_size and updates
    each parameter in place: w -= lr * (grad / batch_size + wd * w) for plain SGD.
    kvstore, compression_params and update_on_kvstore are accepted and ignored: one
    process on one device has nothing to synchronise.
    """

    def __init__(self, params, optimizer="sgd", optimizer_params=None, kvstore="device",
                 compression_params=None, update_on_kvstore=None):
        if isinstance(params, dict):
            params = list(params.values())
        unique = {}
        for p in params:
            if not isinstance(p, Parameter):
                raise TypeError(
                    f"Trainer expects Parameters (e.g. "
                    f"net.collect_params()), got {type(p).__name__}"
                )
            unique.setdefault(id(p), p)  # a shared parameter is updated once
        if not unique:
            warnings.warn(
                "Trainer got no parameters, so step() will change nothing. If the "
                "network keeps its layers in a plain Python list, they are not "
                "registered: use nn.Sequential or self.register_child(block).",
                stacklevel=2)
        self._params = list(unique.values())
        if isinstance(optimizer, _opt.Optimizer):
            if optimizer_params:
                raise ValueError(
                    "Trainer: optimizer_params must be empty when the optimizer is an "
                    f"Optimizer object, got {sorted(optimizer_params)}. Give those "
                    f"options to {type(optimizer).__name__}(...) instead."
                )
            self._optimizer = optimizer
        else:
            self._optimizer = _opt.create(optimizer, **dict(optimizer_params or {}))
        # Not a copy: lr_mult/wd_mult changed on a parameter later still count.
        self._optimizer.param_dict = dict(enumerate(self._params))
        self._scale = self._optimizer.rescale_grad
        # Per parameter index: (its array, the optimizer's state for it: momentum,
        # ...). A parameter given new arrays (initialize(force_reinit=True),
        # reset_device, load_parameters) starts again from a new state.
        self._states = {}

    @property
    def optimizer(self):
        return self._optimizer

    @property
    def learning_rate(self):
        return self._optimizer.learning_rate

    def set_learning_rate(self, lr):
        self._optimizer.set_learning_rate(lr)

    def step(self, batch_size, ignore_stale_grad=False):
        """One update of every trainable parameter, gradients divided by batch_size.

        Raises StaleGradientError if a parameter's gradient was not renewed by
        backward() since the last step (e.g. a part of the network the forward did
        not use); ignore_stale_grad=True skips those parameters instead.
        """
        self.update(batch_size, ignore_stale_grad)

    def update(self, batch_size, ignore_stale_grad=False):
        """step() without the gradient reduction across devices (none here)."""
        self._optimizer.rescale_grad = self._scale / batch_size
        fresh = self._fresh_parameters(ignore_stale_grad)
        optimizer, states = self._optimizer, self._states
        for i, data in fresh:
            entry = states.get(i)
            if entry is None or entry[0] is not data:  # new arrays: a new state
                entry = states[i] = (data, optimizer.create_state(i, data))
            optimizer.update(i, data, data._grad, entry[1])
            data._fresh = False

    def allreduce_grads(self):
        """Sum gradients across devices: nothing to do with one device per parameter."""

    def _fresh_parameters(self, ignore_stale_grad):
        """(index, data) of each parameter to update; checks all of them first, so
        that an error leaves every weight and gradient as it was."""
        fresh, stale, unused = [], [], []
        for i, p in enumerate(self._params):
            if p._grad_req == "null":
                continue
            data = p._data
            if data is None and p.state == "deferred":
                unused.append(p)  # never in a forward: its shape is still unknown
                continue
            if data is None:
                data = p.data()  # not initialized: raises and says what to do
            if getattr(data, "_fresh", False):
                fresh.append((i, data))
            else:
                stale.append(p)
        if ignore_stale_grad:
            return fresh
        if unused:
            raise DeferredInitializationError(_unused_message(unused))
        if stale:
            raise StaleGradientError(_stale_message(stale))
        return fresh

    def zero_grad(self):
        for p in self._params:
            p.zero_grad()


def _names(params):
    names = [f"'{p.path}'" for p in params]
    if len(names) > 6:
        names = names[:5] + [f"and {len(names) - 5} more"]
    return ", ".join(names)


def _stale_message(stale):
    one = len(stale) == 1
    return (
        f"Trainer.step: the gradient{'' if one else 's'} of Parameter"
        f"{'' if one else 's'} {_names(stale)} {'has' if one else 'have'} not been "
        "renewed by backward() "
        "since the last step (the same gradient would be applied twice). Either "
        "backward() was not called after the forward, or this forward did not use "
        f"{'this parameter' if one else 'these parameters'} (e.g. a branch of the "
        "network that did not run). If only part of the network is meant to learn "
        "in this step, call trainer.step(batch_size, ignore_stale_grad=True): it "
        "skips parameters without a fresh gradient."
    )


def _unused_message(unused):
    one = len(unused) == 1
    return (
        f"Trainer.step: Parameter{'' if one else 's'} {_names(unused)} "
        f"{'has' if one else 'have'} no values yet: no forward pass has used "
        f"{'it' if one else 'them'}, so the shape is still unknown (deferred "
        "initialization). Run a batch through every part of the network before "
        "training, or call trainer.step(batch_size, ignore_stale_grad=True) to skip "
        "parameters that were not used."
    )
