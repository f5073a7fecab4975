"""np.random: seeded random arrays, float32 by default (MXNet's mx.np.random).

Numbers are drawn on the CPU by one generator (RNG, here; dropout and DataLoader use
it too) and then moved to the device, so a seed gives the same values on every
device. The random op rows (dropout_mask, random_uniform, random_normal) live here.
Both `size=` and the book's positional forms work: uniform(-10, 10, shape),
randn(2, 3), normal(0, 1, size=(2, 3)).
"""

import numpy as onp

from .. import device as _dev
from ..ndarray import _wrap, apply, ndarray
from ..ops import OPS, Rows, register

# The generator behind np.random, dropout and DataLoader's shuffling; seed()
# replaces it. Made on first use: NumPy imports its random module lazily, so do we.
RNG = [None]


def rng():
    if RNG[0] is None:
        RNG[0] = onp.random.default_rng()
    return RNG[0]


def _dropout_mask(x, p):
    keep = rng().random(x.shape, dtype=onp.float32) >= p
    mask = keep.astype(x.dtype) / (1 - p)
    return mask if type(x) is onp.ndarray else _dev.xp_of(x).asarray(mask)


# The draws as ops, so that a hybridized forward draws anew at every call (a plan
# replays the op) instead of freezing one draw as a constant. Drawn on the CPU in
# float32, then cast: a seed gives the same numbers everywhere.
def _uniform(low=0.0, high=1.0, size=(), dtype="float32"):
    raw = low + (high - low) * rng().random(size, dtype=onp.float32)
    return onp.asarray(raw).astype(dtype, copy=False)


def _normal(loc=0.0, scale=1.0, size=(), dtype="float32"):
    raw = loc + scale * rng().standard_normal(size, dtype=onp.float32)
    return onp.asarray(raw).astype(dtype, copy=False)


ROWS = Rows()
ROWS.add("dropout_mask", _dropout_mask, random=True)  # Dropout multiplies it in
ROWS.add("random_uniform", _uniform, random=True)
ROWS.add("random_normal", _normal, random=True)
register(ROWS)


def seed(seed, ctx="all", device=None):
    """Reset the generator so that the following draws repeat exactly.

    `ctx`/`device` are accepted as in mx.random.seed; one generator serves all
    devices here.
    """
    RNG[0] = onp.random.default_rng(seed)


def _size(size, shape):
    size = shape if size is None else size
    return () if size is None else size


def _place(raw, dtype, device, ctx):
    raw = raw.astype(dtype or onp.float32, copy=False)
    dev = _dev.as_device(device if device is not None else ctx)
    return _wrap(_dev.to_device(raw, dev))


def _value(x):
    return x.asnumpy() if isinstance(x, ndarray) else x


def uniform(
    low=0.0, high=1.0, size=None, dtype=None, device=None, ctx=None, shape=None
):
    """Uniform samples in [low, high)."""
    return _draw("random_uniform", low, high, _size(size, shape), dtype, device, ctx)


def normal(
    loc=0.0, scale=1.0, size=None, dtype=None, device=None, ctx=None, shape=None
):
    """Gaussian samples with mean `loc` and standard deviation `scale`."""
    return _draw("random_normal", loc, scale, _size(size, shape), dtype, device, ctx)


def _draw(name, a, b, size, dtype, device, ctx):
    """Draw through the op `name`, so a hybridized forward draws at every call.
    An ndarray `a`/`b` (e.g. one mean per row) is read as values: eager only."""
    a, b = _value(a), _value(b)
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        unit = rng().random if name == "random_uniform" else rng().standard_normal
        raw = unit(size, dtype=onp.float32)
        raw = a + (b - a) * raw if name == "random_uniform" else a + b * raw
        return _place(onp.asarray(raw), dtype, device, ctx)
    first, second = ("low", "high") if name == "random_uniform" else ("loc", "scale")
    size = (size,) if isinstance(size, int) else tuple(size)
    out = apply(OPS[name], **{first: a, second: b}, size=size,
                dtype=onp.dtype(dtype or onp.float32).name)
    dev = _dev.as_device(device if device is not None else ctx)
    return out if dev == out.device else out.as_in_ctx(dev)


def randn(*size, dtype=None, device=None, ctx=None):
    """Standard normal samples of shape `size` (given as separate integers)."""
    return normal(0.0, 1.0, size, dtype, device, ctx)


def rand(*size, dtype=None, device=None, ctx=None):
    return uniform(0.0, 1.0, size, dtype, device, ctx)


def randint(low, high=None, size=None, dtype=None, device=None, ctx=None):
    """Random integers in [low, high) (or [0, low) when high is None)."""
    raw = onp.asarray(rng().integers(low, high, _size(size, None)))
    return _place(raw, dtype or onp.int64, device, ctx)


def shuffle(x):
    """Shuffle an ndarray in place along its first axis."""
    order = rng().permutation(x.shape[0])
    x[...] = x.asnumpy()[order]


def choice(a, size=None, replace=True, p=None, device=None, ctx=None):
    """Samples from the values of `a` (or from range(a) for an integer)."""
    raw = onp.asarray(rng().choice(_value(a), size=size, replace=replace, p=_value(p)))
    return _place(raw, onp.float32 if raw.dtype.kind == "f" else raw.dtype, device, ctx)
