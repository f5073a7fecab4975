"""Layers: Sequential containers, Dense, Activation, Dropout, Flatten, Lambda.

Dense stores its weight as (units, in_units), as MXNet does, and infers in_units at
the first forward when it is not given. Shown in chapter05/01 and 04.
"""

import math

import numpy as onp

from .. import autograd
from .. import np as _np
from .. import npx as _npx
from ..errors import ShapeError
from ..ndarray import apply, ndarray
from ..ops import OPS
from .block import Block
from .hybrid import F, HybridBlock

_FC, _MASK = OPS["fully_connected"], OPS["dropout_mask"]


def _softrelu(x):
    # log(1 + e^x), written so that large |x| neither overflows nor loses digits
    return _np.maximum(x, 0) + _np.log(1 + _np.exp(-_np.abs(x)))


def _softsign(x):
    return x / (1 + _np.abs(x))


ACTIVATIONS = {
    "relu": lambda x: apply(OPS["relu"], x),
    "sigmoid": lambda x: apply(OPS["sigmoid"], x),
    "tanh": lambda x: apply(OPS["tanh"], x),
    "softrelu": _softrelu,
    "softsign": _softsign,
}


def _activation(name, where):
    if name not in ACTIVATIONS:
        raise ValueError(
            f"{where}: unknown activation {name!r}; expected one of "
            f"{', '.join(map(repr, ACTIVATIONS))} (or None for linear)"
        )
    return ACTIVATIONS[name]


class _SequentialMixin:
    """Children run one after the other; indexable like a list."""

    def add(self, *blocks):
        """Append blocks; they run in the order added."""
        for block in blocks:
            self.register_child(block)
        return self

    def forward(self, x, *args):
        for block in self._children.values():
            x = block(x, *args)
            args = ()
        return x

    def __getitem__(self, key):
        children = list(self._children.values())
        if isinstance(key, slice):
            part = type(self)()
            part.add(*children[key])
            return part
        return children[key]

    def __len__(self):
        return len(self._children)


class Sequential(_SequentialMixin, Block):
    """A stack of blocks: net = nn.Sequential(); net.add(nn.Dense(8), nn.Dense(1))."""


class HybridSequential(_SequentialMixin, HybridBlock):
    """Sequential whose children are HybridBlocks, so it can be hybridized."""


class Dense(HybridBlock):
    """Fully connected layer: activation(x @ weight.T + bias).

    weight has shape (units, in_units); in_units=0 leaves it to the first forward.
    flatten=True treats each example (axis 0) as one flat vector.
    """

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        flatten=True,
        dtype="float32",
        weight_initializer=None,
        bias_initializer="zeros",
        in_units=0,
        prefix=None,
        params=None,
    ):
        super().__init__(prefix, params)
        self._units, self._flatten, self._act_name = units, flatten, activation
        self._act = _activation(activation, "Dense") if activation else None
        self._fused = {"relu": True} if activation == "relu" else {}
        self.weight = self.params.get(
            "weight", shape=(units, in_units), dtype=dtype, init=weight_initializer
        )
        self.bias = (
            self.params.get("bias", shape=(units,), dtype=dtype, init=bias_initializer)
            if use_bias
            else None
        )

    def _in_units(self, x):
        shape = x.shape
        if not self._flatten or len(shape) == 2:
            return shape[-1]
        return math.prod(shape[1:])

    def infer_shape(self, x):
        self.weight.shape = (self._units, self._in_units(x))

    def forward(self, x):
        if type(x) is not ndarray:
            kind = type(x)  # module-qualified: numpy.ndarray, not just ndarray
            got = (kind.__qualname__ if kind.__module__ == "builtins"
                   else f"{kind.__module__}.{kind.__qualname__}")
            raise TypeError(
                f"{self._where()}: expected a d2lmini ndarray input, got {got}; "
                "wrap it with np.array(...)"
            )
        if x.dtype.kind in "biu":  # MXNet refuses these too (a dtype mismatch)
            raise TypeError(
                f"{self._where()}: expected floating-point inputs like its weight "
                f"({self.weight.dtype}), got {x.dtype}. Convert them first, e.g. "
                f"net(X.astype('{self.weight.dtype}')).")
        weight = self.weight._data
        if weight is None:
            weight = self.weight.data()  # raises the right error
        if autograd.STATE.tracer is None and (
                type(weight._data) is not type(x._data)
                or (type(x._data) is not onp.ndarray and weight.device != x.device)):
            self.weight.data(x.device)  # names the layer and says how to move it
        if self._in_units(x) != weight.shape[1]:
            last = ("last dimension" if not self._flatten or x.ndim <= 2
                    else "flattened example size (all but the first axis)")
            raise ShapeError(
                f"{self._where()}: expected inputs with {last} {weight.shape[1]}, got "
                f"shape {x.shape}. Check the previous layer's units or this layer's "
                "in_units."
            )
        bias = self.bias.data() if self.bias is not None else None
        out = apply(_FC, x, weight, bias, flatten=self._flatten, **self._fused)
        return out if self._act is None or self._fused else self._act(out)

    def __repr__(self):
        shape = self.weight.shape
        act = f"Activation({self._act_name})" if self._act_name else "linear"
        return f"Dense({shape[1]} -> {shape[0]}, {act})"


class Activation(HybridBlock):
    """An activation function as a layer: Activation('relu')."""

    def __init__(self, activation, prefix=None, params=None):
        super().__init__(prefix, params)
        self._act_name = activation
        self._act = _activation(activation, "Activation")

    def forward(self, x):
        return self._act(x)

    def __repr__(self):
        return f"Activation({self._act_name})"


class Dropout(HybridBlock):
    """Zero each value with probability `rate` while training (scaling the rest by
    1/(1-rate)); the identity in prediction mode, i.e. outside autograd.record()."""

    def __init__(self, rate, axes=(), prefix=None, params=None):
        super().__init__(prefix, params)
        if not 0 <= rate < 1:
            raise ValueError(f"Dropout: rate must be in [0, 1), got {rate}; it is the "
                             "fraction of values dropped, e.g. Dropout(0.5)")
        self._rate, self._axes = rate, tuple(axes)

    def forward(self, x):
        # The mask is a random op: a hybridized trace learns its shape without
        # drawing it, so seeded eager and hybridized runs drop the same entries.
        if not autograd.is_training() or self._rate == 0:
            return x
        if self._axes:  # entries along `axes` share one mask value
            return _npx.dropout(x, self._rate, axes=self._axes)
        return x * apply(_MASK, x, p=self._rate)

    def __repr__(self):
        return f"Dropout(p = {self._rate})"


class Flatten(HybridBlock):
    """Keep axis 0 (the batch), flatten the rest: (n, a, b) -> (n, a*b)."""

    def forward(self, x):
        return x.reshape(x.shape[0], -1)


def _resolve(function, where):
    if isinstance(function, str):
        for space in (_np, F.npx):
            if hasattr(space, function):
                return getattr(space, function)
        raise ValueError(
            f"{where}: expected the name of a function of np or npx (such as "
            f"'relu' or 'tanh'), got {function!r}, which neither has; check the "
            "spelling or pass the function itself")
    if not callable(function):
        raise TypeError(
            f"{where}: expected a function or its name, got {type(function).__name__}"
        )
    return function


class Lambda(Block):
    """Wrap a function as a block: nn.Lambda(lambda x: x * 2) or nn.Lambda('tanh')."""

    def __init__(self, function, prefix=None):
        super().__init__(prefix)
        self._function = _resolve(function, "Lambda")

    def forward(self, *args):
        return self._function(*args)

    def __repr__(self):
        return f"Lambda({getattr(self._function, '__name__', 'function')})"


class HybridLambda(HybridBlock):
    """Wrap a function of (F, x, ...) as a hybrid block, or a name such as 'tanh'."""

    def __init__(self, function, prefix=None):
        super().__init__(prefix)
        if isinstance(function, str):
            named = _resolve(function, "HybridLambda")
            self._function = lambda F, *args: named(*args)
        else:
            self._function = _resolve(function, "HybridLambda")

    def forward(self, *args):
        return self._function(F, *args)

    def __repr__(self):
        return f"HybridLambda({getattr(self._function, '__name__', 'function')})"
