"""gluon.utils: splitting a batch across devices and clipping gradients by norm.

The book's training code (multi-device chapters, RNNs) calls these as
gluon.utils.split_and_load(X, devices) and gluon.utils.clip_global_norm(grads, c).
"""

import math
import warnings

from .. import device as _dev
from ..errors import ShapeError


def split_data(data, num_slice, batch_axis=0, even_split=True):
    """`data` cut into `num_slice` pieces along `batch_axis` (a list of ndarrays).

    even_split=True needs the axis length to be a multiple of num_slice; with
    False the last pieces are one shorter, as in MXNet.
    """
    size = data.shape[batch_axis]
    if num_slice < 1:
        raise ValueError(f"split_data: num_slice must be at least 1, got {num_slice}.")
    if even_split and size % num_slice:
        raise ShapeError(
            f"split_data: axis {batch_axis} has length {size}, which does not "
            f"divide into {num_slice} equal slices. Use a batch size that is a "
            "multiple of the number of devices, or pass even_split=False.")
    if size < num_slice:
        raise ShapeError(
            f"split_data: axis {batch_axis} has length {size}, fewer than the "
            f"{num_slice} slices asked for. Use a larger batch or fewer devices.")
    step, extra = divmod(size, num_slice)
    bounds, start = [], 0
    for i in range(num_slice):
        stop = start + step + (1 if i < extra else 0)
        bounds.append((start, stop))
        start = stop
    prefix = (slice(None),) * (batch_axis % data.ndim)
    return [data[prefix + (slice(lo, hi),)] for lo, hi in bounds]


def split_and_load(data, ctx_list, batch_axis=0, even_split=True):
    """One slice of `data` per device of `ctx_list`, each copied to its device."""
    devices = [_dev.as_device(d) for d in ctx_list]
    if len(devices) == 1:
        return [data.as_in_ctx(devices[0])]
    parts = split_data(data, len(devices), batch_axis, even_split)
    return [part.as_in_ctx(dev) for part, dev in zip(parts, devices)]


def clip_global_norm(arrays, max_norm, check_isfinite=True):
    """Scale `arrays` in place so that their joint L2 norm is at most `max_norm`.

    Returns the norm before scaling (a Python float). With check_isfinite, a
    norm that is nan or inf gives a warning and leaves the arrays unchanged.
    """
    if not arrays:
        raise ValueError("clip_global_norm: expected a list of arrays (e.g. the "
                         "gradients of the parameters), got an empty one.")
    total = math.sqrt(sum(float((a * a).sum()) for a in arrays))
    if check_isfinite and not math.isfinite(total):
        warnings.warn(
            f"clip_global_norm: the norm of the arrays is {total}, so nothing was "
            "scaled. Look for a nan or inf in the gradients (a learning rate "
            "that is too large, a log of 0).", UserWarning, stacklevel=2)
        return total
    scale = max_norm / (total + 1e-8)
    if scale < 1.0:
        for a in arrays:
            a *= scale
    return total
