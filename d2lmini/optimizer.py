"""Optimizers: how gluon.Trainer turns gradients into new weights (MXNet's
mx.optimizer).

SGD (momentum, weight decay) and Adam, each one update() on the raw arrays, in MXNet
1.x's order: rescale the gradient (Trainer.step sets rescale_grad = 1/batch_size),
clip it, add weight decay, step. The Trainer in chapter05/01_layers_and_blocks.ipynb
runs SGD from here.
"""

import math

from .device import xp_of
from .errors import TrainerError

_REGISTRY = {}


def register(klass):
    """Make an Optimizer subclass known by its lower-case class name, so that
    Trainer(params, 'name') and create('name') find it (a decorator, as in MXNet)."""
    _REGISTRY[klass.__name__.lower()] = klass
    return klass


def create(name, **kwargs):
    """An optimizer by name: create('sgd', learning_rate=0.1)."""
    klass = _REGISTRY.get(name.lower()) if isinstance(name, str) else None
    if klass is None:
        raise ValueError(
            f"unknown optimizer {name!r}; d2lmini has {', '.join(sorted(_REGISTRY))}. "
            "Pass one of these names, or an Optimizer such as "
            "d2lmini.optimizer.SGD(learning_rate=0.1)."
        )
    return klass(**kwargs)


class Optimizer:
    """Base class: learning rate (or lr_scheduler), wd, rescale_grad, clip_gradient.

    A subclass implements create_state(index, weight) and update(index, weight, grad,
    state); weight and grad are ndarrays, updated in place. Per-parameter lr_mult and
    wd_mult come from `param_dict` (the Trainer fills it) or set_lr_mult/set_wd_mult.
    """

    _OPTIONS = ("learning_rate", "wd", "rescale_grad", "clip_gradient", "lr_scheduler",
                "begin_num_update", "multi_precision")
    # MXNet's spellings: @mx.optimizer.Optimizer.register, Optimizer.create_optimizer
    register = staticmethod(register)
    create_optimizer = staticmethod(create)

    def __init__(self, rescale_grad=1.0, param_idx2name=None, wd=0.0,
                 clip_gradient=None, learning_rate=None, lr_scheduler=None, sym=None,
                 begin_num_update=0, multi_precision=False, param_dict=None,
                 aggregate_num=None, **unknown):
        if unknown:
            options = ", ".join(self._OPTIONS)
            raise ValueError(
                f"{type(self).__name__}: unknown option(s) {sorted(unknown)}; "
                f"{type(self).__name__} takes {options}"
            )
        self.lr_scheduler = lr_scheduler
        if lr_scheduler is None and learning_rate is None:
            learning_rate = 0.01
        if learning_rate is not None and hasattr(lr_scheduler, "base_lr"):
            lr_scheduler.base_lr = learning_rate  # as MXNet: the option wins
        self.lr = learning_rate
        self.wd, self.rescale_grad = wd, rescale_grad
        self.clip_gradient = clip_gradient
        # Accepted for MXNet code; d2lmini updates in the parameter's own dtype.
        self.multi_precision = multi_precision
        self.begin_num_update = self.num_update = begin_num_update
        self._index_update_count = {}
        self.param_dict = param_dict if param_dict else {}
        self.lr_mult, self.wd_mult = {}, {}

    @property
    def learning_rate(self):
        """The learning rate now: the schedule's value at num_update, if any."""
        if self.lr_scheduler is not None:
            return self.lr_scheduler(self.num_update)
        return self.lr

    def set_learning_rate(self, lr):
        if self.lr_scheduler is not None:
            raise TrainerError(
                "set_learning_rate: this optimizer has an lr_scheduler, which sets the "
                "learning rate at every update, so a fixed value would be ignored. "
                "Change the schedule instead, or create the optimizer without one."
            )
        self.lr = lr

    def set_lr_mult(self, args_lr_mult):
        """Learning-rate multipliers by parameter index (param_dict's lr_mult wins)."""
        self.lr_mult = dict(args_lr_mult)

    def set_wd_mult(self, args_wd_mult):
        """Weight-decay multipliers by parameter index (param_dict's wd_mult wins)."""
        self.wd_mult = dict(args_wd_mult)

    def _update_count(self, index):
        count = self._index_update_count.get(index, self.begin_num_update) + 1
        self._index_update_count[index] = count
        self.num_update = max(count, self.num_update)

    def _get_lr(self, index):
        param = self.param_dict.get(index)
        mult = param.lr_mult if param is not None else self.lr_mult.get(index, 1.0)
        return self.learning_rate * mult

    def _get_wd(self, index):
        param = self.param_dict.get(index)
        mult = param.wd_mult if param is not None else self.wd_mult.get(index, 1.0)
        return self.wd * mult

    def _count_lr_wd(self, index):
        """_update_count, _get_lr and _get_wd in one call (the update's fast path)."""
        count = self._index_update_count.get(index, self.begin_num_update) + 1
        self._index_update_count[index] = count
        if count > self.num_update:
            self.num_update = count
        lr = self.lr
        if self.lr_scheduler is not None:
            lr = self.lr_scheduler(self.num_update)
        param = self.param_dict.get(index)
        if param is not None:
            return lr * param.lr_mult, self.wd * param.wd_mult
        return lr * self.lr_mult.get(index, 1.0), self.wd * self.wd_mult.get(index, 1.0)

    def _gradient(self, xp, g, w, wd_first):
        """rescale_grad * g, clipped to +-clip_gradient; with wd * w added before the
        clipping when `wd_first` (Adam), or left to the caller (SGD: after it)."""
        g = g * self.rescale_grad
        if wd_first:
            g += wd_first * w
        if self.clip_gradient:
            xp.clip(g, -self.clip_gradient, self.clip_gradient, out=g)
        return g

    def create_state(self, index, weight):
        return None

    def update(self, index, weight, grad, state):
        raise NotImplementedError(
            f"{type(self).__name__} must define update(index, weight, grad, state)"
        )

    def __repr__(self):
        name = type(self).__name__
        return f"{name}(learning_rate={self.learning_rate}, wd={self.wd})"


@register
class SGD(Optimizer):
    """Stochastic gradient descent, with momentum and weight decay as in MXNet:

        mom = momentum * mom - lr * (clip(rescale_grad * grad) + wd * weight)
        weight += mom                      (weight -= lr * (...) without momentum)
    """

    _OPTIONS = ("momentum", "lazy_update") + Optimizer._OPTIONS

    def __init__(self, momentum=0.0, lazy_update=True, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.lazy_update = lazy_update  # accepted: matters only for sparse gradients
        self._scratch = {}  # a reusable buffer per parameter for the plain update

    def create_state(self, index, weight):
        if not self.momentum:
            return None
        return xp_of(weight._data).zeros_like(weight._data)

    def update(self, index, weight, grad, state):
        lr, wd = self._count_lr_wd(index)
        w, g = weight._data, grad._data
        xp = xp_of(w)
        if self.clip_gradient:
            g, scale = self._gradient(xp, g, w, 0.0), 1.0
        else:
            scale = self.rescale_grad
        if state is None:  # plain SGD, without temporaries in the common case
            if wd:
                w *= 1.0 - lr * wd
            step = self._scratch.get(index)
            if (step is None or type(step) is not type(w) or step.shape != w.shape
                    or step.dtype != w.dtype):
                step = self._scratch[index] = xp.empty_like(w)
            xp.multiply(g, lr * scale, out=step)
            w -= step
            return
        state *= self.momentum
        state -= (lr * scale) * g
        if wd:
            state -= (lr * wd) * w
        w += state


@register
class Adam(Optimizer):
    """Adam (Kingma and Ba), as MXNet 1.x computes it:

        g = clip(rescale_grad * grad + wd * weight)
        mean = beta1 * mean + (1 - beta1) * g;  var = beta2 * var + (1 - beta2) * g**2
        weight -= lr * sqrt(1 - beta2**t) / (1 - beta1**t) * mean / (sqrt(var) + eps)
    """

    _OPTIONS = ("beta1", "beta2", "epsilon", "lazy_update") + Optimizer._OPTIONS

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 lazy_update=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self.lazy_update = lazy_update  # accepted: matters only for sparse gradients

    def create_state(self, index, weight):
        xp = xp_of(weight._data)
        return xp.zeros_like(weight._data), xp.zeros_like(weight._data)  # mean, var

    def update(self, index, weight, grad, state):
        lr, wd = self._count_lr_wd(index)
        t = self._index_update_count[index]
        lr *= math.sqrt(1.0 - self.beta2**t) / (1.0 - self.beta1**t)
        w = weight._data
        xp = xp_of(w)
        g = self._gradient(xp, grad._data, w, wd)
        mean, var = state
        mean *= self.beta1
        mean += (1.0 - self.beta1) * g
        var *= self.beta2
        var += (1.0 - self.beta2) * g * g
        w -= lr * mean / (xp.sqrt(var) + self.epsilon)
