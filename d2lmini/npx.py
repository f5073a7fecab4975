"""npx: the operators and utilities MXNet keeps outside NumPy's namespace.

Activation functions, devices, and saving/loading arrays. Shown across chapter05.
"""

from . import arrayfuncs as _af
from . import device as _dev
from .arrayfuncs import one_hot, topk  # noqa: F401
from .autograd import STATE
from .device import cpu, current_device, gpu, num_gpus  # noqa: F401
from .missing import no_attribute
from .ndarray import _wrap, apply, ndarray
from .np.random import seed  # noqa: F401  (npx.seed is np.random.seed)
from .ops import OPS
from .serialization import load_arrays, save_arrays


def relu(x):
    return apply(OPS["relu"], x)


def sigmoid(x):
    return apply(OPS["sigmoid"], x)


def _softmax_family(name, data, axis, length, temperature, use_length, dtype):
    """softmax or log_softmax of data / temperature, as MXNet's npx has them."""
    if use_length or length is not None:
        raise NotImplementedError(
            f"npx.{name}: length/use_length is not supported; mask the padded "
            "entries first, e.g. with npx.sequence_mask(..., value=-1e6)")
    if temperature is not None and temperature != 1:
        data = data / temperature
    out = apply(OPS[name], data, axis=axis)
    return out if dtype is None else out.astype(dtype)


def softmax(data, axis=-1, length=None, temperature=None, use_length=False,
            dtype=None):
    """exp(x / temperature), normalized to sum to one along `axis`."""
    return _softmax_family("softmax", data, axis, length, temperature, use_length,
                           dtype)


def log_softmax(data, axis=-1, length=None, temperature=None, use_length=False,
                dtype=None):
    """The logarithm of softmax, computed without overflow."""
    return _softmax_family("log_softmax", data, axis, length, temperature,
                           use_length, dtype)


def norm(x, ord=None, axis=None, keepdims=False):
    """The Euclidean norm (Frobenius for a matrix), as np.linalg.norm.

    The chapter's FancyMLP loops `while npx.norm(x).item() > 1: x /= 2`.
    """
    return _af.norm(x, ord, axis, keepdims)


def stop_gradient(data):
    """The same values, with no gradient flowing back through them."""
    return apply(OPS["stop_gradient"], data)


def batch_dot(a, b, transpose_a=False, transpose_b=False):
    """Matrix products of matching batches: (n, i, k) and (n, k, j) -> (n, i, j)."""
    if transpose_a:
        a = _af.swapaxes(a, -1, -2)
    if transpose_b:
        b = _af.swapaxes(b, -1, -2)
    return apply(OPS["matmul"], a, b)


reshape = _af.reshape_v2


def sequence_mask(data, sequence_length=None, use_sequence_length=False, value=0.0,
                  axis=0):
    """Replace the steps at or after each sequence's length with `value`.

    data has time along `axis` (0: (T, batch, ...), 1: (batch, T, ...)) and
    sequence_length one length per batch entry.
    """
    if not use_sequence_length or sequence_length is None:
        return data
    if axis not in (0, 1):
        raise ValueError(f"sequence_mask: axis must be 0 or 1, got {axis}")
    steps = data.shape[axis]
    time = _af.asnd(range(steps), data)
    if axis == 0:  # (T, 1) against (1, batch)
        keep = time.reshape(-1, 1) < sequence_length.reshape(1, -1)
    else:          # (1, T) against (batch, 1)
        keep = time.reshape(1, -1) < sequence_length.reshape(-1, 1)
    keep = keep.reshape(keep.shape + (1,) * (data.ndim - 2))
    return apply(OPS["where"], keep, data, float(value))


def _softsign(x):
    return x / (abs(x) + 1)


_ACTIVATIONS = {
    "relu": relu, "sigmoid": sigmoid, "tanh": lambda x: apply(OPS["tanh"], x),
    "softrelu": lambda x: apply(OPS["softrelu"], x), "softsign": _softsign,
    "log_sigmoid": lambda x: -apply(OPS["softrelu"], -x),
    "mish": lambda x: x * apply(OPS["tanh"], apply(OPS["softrelu"], x)),
}


def activation(data, act_type="relu"):
    """One of MXNet's activations by name: relu, sigmoid, tanh, softrelu, softsign,
    log_sigmoid, mish."""
    if act_type not in _ACTIVATIONS:
        raise ValueError(f"activation: act_type must be one of "
                         f"{sorted(_ACTIVATIONS)}, got {act_type!r}")
    return _ACTIVATIONS[act_type](data)


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772, 1.0507009873554805


def _negative_part(x):  # exp(x) - 1 for x <= 0, never overflowing elsewhere
    return apply(OPS["expm1"], apply(OPS["minimum"], x, 0.0))


def leaky_relu(data, gamma=None, act_type="leaky", slope=0.25, lower_bound=0.125,
               upper_bound=0.334):
    """x for x > 0, else: slope * x ('leaky'), gamma * x ('prelu'), slope * (e^x - 1)
    ('elu'), or SELU's scaled form ('selu'). 'rrelu' uses the mean slope of its
    bounds, which is what MXNet does in prediction mode."""
    positive = data > 0
    if act_type == "leaky":
        negative = data * slope
    elif act_type == "prelu":
        if gamma is None:
            raise ValueError("leaky_relu: act_type='prelu' needs gamma (the slopes)")
        negative = data * gamma
    elif act_type == "elu":
        negative = _negative_part(data) * slope
    elif act_type == "selu":
        return apply(OPS["where"], positive, data,
                     _negative_part(data) * _SELU_ALPHA) * _SELU_SCALE
    elif act_type == "rrelu":
        if STATE.training:
            raise NotImplementedError(
                "leaky_relu: act_type='rrelu' draws random slopes in training, "
                "which d2lmini does not do; use act_type='leaky'")
        negative = data * ((lower_bound + upper_bound) / 2)
    else:
        raise ValueError("leaky_relu: act_type must be 'leaky', 'prelu', 'elu', "
                         f"'selu' or 'rrelu', got {act_type!r} (gelu is not offered)")
    return apply(OPS["where"], positive, data, negative)


def dropout(data, p=0.5, mode="training", axes=(), cudnn_off=True):
    """Zero each entry with probability p and scale the rest by 1/(1-p), in
    training mode (autograd.record()) or always with mode='always'. Axes listed in
    `axes` share one mask value (the mask has length 1 there)."""
    if mode not in ("training", "always"):
        raise ValueError(f"dropout: mode must be 'training' or 'always', got {mode!r}")
    if p == 0 or (mode == "training" and not STATE.training):
        return data
    if not 0 <= p < 1:
        raise ValueError(f"dropout: p must be in [0, 1), got {p}")
    like = data
    if axes:  # a slice of length 1 along the shared axes sets the mask's shape
        key = [slice(None)] * data.ndim
        for ax in (axes if isinstance(axes, (tuple, list)) else (axes,)):
            key[ax] = slice(0, 1)
        like = data[tuple(key)]
    return data * apply(OPS["dropout_mask"], like, p=p)


def pick(data, index, axis=-1, keepdims=False):
    """Pick one entry per row: data[i, index[i]] along `axis`."""
    # An ndarray index stays one, so that a hybridized block traces it as an input.
    return apply(OPS["pick"], data, index, axis=axis, keepdims=keepdims)


def batch_flatten(x):
    """Keep the first axis, flatten the rest: shape (n, ...) -> (n, -1)."""
    return x.reshape(x.shape[0], -1)


def fully_connected(x, weight, bias=None, num_hidden=None, no_bias=False, flatten=True):
    """x @ weight.T + bias, with weight of shape (units, in_units) as in Dense."""
    return apply(
        OPS["fully_connected"], x, weight, None if no_bias else bias, flatten=flatten
    )


def set_np(shape=True, array=True, dtype=False):
    """Accepted for MXNet compatibility; d2lmini always has NumPy semantics."""


def reset_np():
    """Accepted for MXNet compatibility."""


def is_np_array():
    return True


current_context = current_device


def waitall():
    """Wait until all pending device work is done (CPU work is never pending).

    GPU kernels run asynchronously, so a timer must call this before it stops.
    It waits for every GPU, and does nothing while CuPy has never been used.
    """
    cupy = _dev._cupy
    if cupy is not None:
        for i in range(cupy.cuda.runtime.getDeviceCount()):
            cupy.cuda.Device(i).synchronize()


def save(file, arr):
    """Save an ndarray, a list of ndarrays or a dict of ndarrays to `file`.

    The file is a NumPy .npz archive, written to a temporary file beside `file`,
    synced to disk and renamed over it, so a crash never leaves half a file.
    """
    if isinstance(arr, ndarray):
        kind, arrays = "list", {"0": arr}
    elif isinstance(arr, (list, tuple)):
        kind, arrays = "list", {str(i): a for i, a in enumerate(arr)}
    elif isinstance(arr, dict):
        kind, arrays = "dict", dict(arr)
    else:
        raise TypeError(
            f"npx.save: expected an ndarray, a list or a dict of ndarrays, "
            f"got {type(arr).__name__}"
        )
    for name, a in arrays.items():
        if not isinstance(a, ndarray):
            raise TypeError(
                f"npx.save: entry {name!r} is a {type(a).__name__}, "
                "expected an ndarray (wrap values with np.array first)"
            )
    save_arrays(file, {k: a.asnumpy() for k, a in arrays.items()}, kind)


def load(file, device=None, ctx=None):
    """Load what npx.save wrote: a list (also for one array) or a dict of ndarrays.

    Also reads NumPy's .npz (a dict) and .npy (a one-element list) files. Dtypes are
    kept (float64 stays float64; big-endian becomes native). The whole file is
    checked before any array is read: a damaged, hostile or foreign file raises
    FileFormatError naming the file, the member and what to do, and nothing in a
    file can run code (pickle is never used).
    """
    kind, arrays = load_arrays(file)
    dev = _dev.as_device(device if device is not None else ctx)
    values = {k: _wrap(_dev.to_device(v, dev)) for k, v in arrays.items()}
    if kind == "list":
        return [values[str(i)] for i in range(len(values))]
    return values


# Names that npx spells another way (or that live in np).
_SPELLINGS = {
    "tanh": "np.tanh", "exp": "np.exp", "log": "np.log", "sum": "np.sum",
    "dot": "np.dot", "concat": "np.concatenate", "seed_": "npx.seed",
    "Activation": "npx.activation", "LeakyReLU": "npx.leaky_relu",
    "Dropout": "npx.dropout", "FullyConnected": "npx.fully_connected",
    "BlockGrad": "npx.stop_gradient", "broadcast_add": "np.add (it broadcasts)",
    "softplus": "npx.activation(x, 'softrelu')", "gelu": "npx.leaky_relu is "
    "without gelu; write 0.5 * x * (1 + np.tanh(0.7978845608 * (x + 0.044715 * x**3)))",
}


def __getattr__(name):
    raise no_attribute("d2lmini.npx", name, lambda: list(globals()), _SPELLINGS,
                       "npx.")
