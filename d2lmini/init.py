"""Initializers: how a parameter's first values are drawn.

A subclass overrides `_init_weight(name, data)` and writes into `data` in place, as in
the chapter's custom initializer. In a network every parameter without an
initializer of its own is drawn with the net's `_init_weight`, as in Gluon (Dense's
bias has its own: zeros); calling an initializer directly dispatches on the name.
Shown in chapter05/03_initialization.ipynb.
"""

import math

from . import np
from .autograd import pause


class Initializer:
    """Base class. Calling it fills `data` according to the parameter's name."""

    def __call__(self, name, data):
        with pause():
            if name.endswith("bias") or name.endswith("beta"):
                self._init_bias(name, data)
            elif name.endswith("gamma"):
                data[:] = 1
            else:  # Differs from MXNet: any other name is treated as a weight.
                self._init_weight(name, data)

    def _init_weight(self, name, data):
        raise NotImplementedError(
            f"{type(self).__name__} does not define _init_weight(self, name, data); "
            "override it to fill `data` in place, e.g. data[:] = ..."
        )

    def _init_bias(self, name, data):
        data[:] = 0

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


class Uniform(Initializer):
    """Weights uniform in [-scale, scale] (MXNet's default, scale=0.07)."""

    def __init__(self, scale=0.07):
        self.scale = scale

    def _init_weight(self, name, data):
        data[:] = np.random.uniform(-self.scale, self.scale, data.shape,
                                    device=data.device)


class Normal(Initializer):
    """Weights drawn from N(0, sigma^2)."""

    def __init__(self, sigma=0.01):
        self.sigma = sigma

    def _init_weight(self, name, data):
        data[:] = np.random.normal(0, self.sigma, data.shape, device=data.device)


class Constant(Initializer):
    """Every weight value set to `value` (biases stay zero, as in MXNet)."""

    def __init__(self, value):
        self.value = value

    def _init_weight(self, name, data):
        data[:] = self.value


class Zero(Constant):
    def __init__(self):
        super().__init__(0)


class One(Constant):
    def __init__(self):
        super().__init__(1)


class Xavier(Initializer):
    """Glorot/Xavier: variance scaled by fan-in and fan-out.

    rnd_type 'uniform' or 'gaussian'; factor_type 'avg', 'in' or 'out';
    scale = sqrt(magnitude / factor).
    """

    def __init__(self, rnd_type="uniform", factor_type="avg", magnitude=3):
        if rnd_type not in ("uniform", "gaussian"):
            raise ValueError(
                f"Xavier: rnd_type must be 'uniform' or 'gaussian', got {rnd_type!r}"
            )
        if factor_type not in ("avg", "in", "out"):
            raise ValueError(
                f"Xavier: factor_type must be 'avg', 'in' or 'out', got {factor_type!r}"
            )
        self.rnd_type, self.factor_type, self.magnitude = (
            rnd_type,
            factor_type,
            magnitude,
        )

    def _init_weight(self, name, data):
        shape = data.shape
        if len(shape) < 2:
            raise ValueError(
                f"Xavier needs a weight with at least 2 dimensions; "
                f"{name!r} has shape {shape}. As in Gluon, a parameter without "
                "an initializer of its own gets the network's: give it one, e.g. "
                "self.params.get('bias', shape=..., init=init.Zero()) or "
                "gluon.Parameter('bias', shape=..., init=init.Zero())."
            )
        receptive = math.prod(shape[2:])
        fan_in, fan_out = shape[1] * receptive, shape[0] * receptive
        factor = {"avg": (fan_in + fan_out) / 2, "in": fan_in, "out": fan_out}
        scale = math.sqrt(self.magnitude / factor[self.factor_type])
        if self.rnd_type == "uniform":
            data[:] = np.random.uniform(-scale, scale, shape, device=data.device)
        else:
            data[:] = np.random.normal(0, scale, shape, device=data.device)


_BY_NAME = {
    "zeros": Zero,
    "zero": Zero,
    "ones": One,
    "one": One,
    "uniform": Uniform,
    "normal": Normal,
    "xavier": Xavier,
}


def create(spec):
    """An Initializer from an instance, a name ('zeros', 'xavier', ...) or None."""
    if spec is None or isinstance(spec, Initializer):
        return spec
    if isinstance(spec, str) and spec.lower() in _BY_NAME:
        return _BY_NAME[spec.lower()]()
    raise ValueError(
        f"unknown initializer {spec!r}: expected an init.Initializer or "
        f"one of {sorted(_BY_NAME)}"
    )
