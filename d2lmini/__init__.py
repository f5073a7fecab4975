"""d2lmini: a small NumPy-backed deep learning library for teaching Layers and Blocks.

    from d2lmini import np, npx, autograd, gluon, init
    from d2lmini.gluon import nn

mirrors `from mxnet import ...`; `import d2lmini as mx` gives mx.cpu(), mx.nd, ...
"""

import importlib

from . import (  # noqa: F401
    autograd,
    gluon,  # noqa: F401
    init,
    nd,
    np,
    npx,
    optimizer,
)
from .device import Device, cpu, current_device, gpu, num_gpus  # noqa: F401
from .errors import (  # noqa: F401
    AutogradError,
    BlockInitError,
    DeferredInitializationError,
    DeviceError,
    FileFormatError,
    HybridizationError,
    LabelError,
    NotSupportedError,
    ParameterLoadError,
    ShapeError,
    StaleGradientError,
    TrainerError,
)
from .ndarray import ndarray  # noqa: F401
from .np import random  # noqa: F401  (mx.random.seed, mx.random.uniform, ...)

# The book's helpers and the timing harness live in d2lmini.utils, imported on
# first use: it needs dataclasses (and so inspect), which `import d2lmini` skips.
_FROM_UTILS = ("BenchmarkResult", "Timing", "benchmark", "try_all_gpus", "try_gpu")


def __getattr__(name):
    if name in _FROM_UTILS or name == "utils":
        utils = importlib.import_module(".utils", __name__)
        return utils if name == "utils" else getattr(utils, name)
    raise AttributeError(f"module 'd2lmini' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_FROM_UTILS) + ["utils"])

Context = Device  # MXNet 1.x name
context = Device
__version__ = "0.1.0"
