"""MXNet 1.x `nd` spellings, as thin aliases over `np` and `npx`.

Older material writes nd.random.uniform(shape=...), nd.relu, nd.dot, x.asscalar();
they run here unchanged. New code should use np/npx.
"""

from . import np as _np
from . import npx as _npx
from .ndarray import ndarray as NDArray  # noqa: F401
from .np import (  # noqa: F401
    abs,
    arange,
    argmax,
    array,
    clip,
    dot,
    exp,
    log,
    max,
    maximum,
    mean,
    min,
    minimum,
    ones,
    ones_like,
    random,
    sqrt,
    sum,
    tanh,
    transpose,
    zeros,
    zeros_like,
)
from .npx import load, log_softmax, relu, save, sigmoid, softmax  # noqa: F401


def concat(*data, dim=1):
    """Join arrays along `dim` (1 by default, as in MXNet 1.x)."""
    return _np.concatenate(data, axis=dim)


def stack(*data, axis=0):
    return _np.stack(data, axis=axis)


def flatten(data):
    return _npx.batch_flatten(data)


def reshape(data, shape):
    return data.reshape(shape)
