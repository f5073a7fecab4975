"""Trainer: applies an optimizer step to a set of parameters after backward().

Only SGD (with weight decay and momentum), which is what the chapter needs.
Constants and parameters with grad_req='null' are never touched.
"""

import warnings

from .. import device as _dev
from .parameter import Parameter

_OPTIMIZERS = ("sgd",)


class Trainer:
    """trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1})

    step(batch_size) rescales gradients by 1/batch_size, then updates in place:
    w -= lr * (grad / batch_size + wd * w), with momentum if given.
    """

    def __init__(self, params, optimizer="sgd", optimizer_params=None, kvstore=None):
        if isinstance(params, dict):
            params = list(params.values())
        params = list(params)
        for p in params:
            if not isinstance(p, Parameter):
                raise TypeError(
                    f"Trainer expects Parameters (e.g. "
                    f"net.collect_params()), got {type(p).__name__}"
                )
        if not params:
            warnings.warn(
                "Trainer got no parameters, so step() will change nothing. If the "
                "network keeps its layers in a plain Python list, they are not "
                "registered: use nn.Sequential or self.register_child(block).",
                stacklevel=2)
        if not isinstance(optimizer, str) or optimizer.lower() not in _OPTIMIZERS:
            raise ValueError(
                f"Trainer: unknown optimizer {optimizer!r}; d2lmini "
                f"supports {', '.join(_OPTIMIZERS)}"
            )
        options = dict(optimizer_params or {})
        self.learning_rate = options.pop("learning_rate", options.pop("lr", 0.01))
        self.wd = options.pop("wd", 0.0)
        self.momentum = options.pop("momentum", 0.0)
        options.pop("rescale_grad", None)
        if options:
            raise ValueError(
                f"Trainer: unknown SGD option(s) {sorted(options)}; use "
                "learning_rate, wd and momentum"
            )
        self._params = params
        self._states = {}   # momentum per parameter
        self._scratch = {}  # a reusable buffer per parameter for the update

    def set_learning_rate(self, lr):
        self.learning_rate = lr

    def step(self, batch_size, ignore_stale_grad=False):
        """One update of every trainable parameter, gradients divided by batch_size."""
        scale = 1.0 / batch_size
        for p in self._params:
            if p.grad_req == "null":
                continue
            data = p.data()
            w, g = data._data, data._grad._data
            lr, wd = self.learning_rate * p.lr_mult, self.wd * p.wd_mult
            if not self.momentum and not wd:  # the common case, without temporaries
                scratch = self._scratch.get(id(p))
                if scratch is None or scratch.shape != w.shape:
                    scratch = self._scratch[id(p)] = _dev.xp_of(w).empty_like(w)
                _dev.xp_of(w).multiply(g, lr * scale, out=scratch)
                w -= scratch
                continue
            update = g * scale + wd * w if wd else g * scale
            if self.momentum:
                state = self._states.get(id(p))
                if state is None or state.shape != w.shape:
                    state = _dev.xp_of(w).zeros_like(w)
                state *= self.momentum
                state -= lr * update
                self._states[id(p)] = state
                w += state
            else:
                w -= lr * update

    def zero_grad(self):
        for p in self._params:
            p.zero_grad()
