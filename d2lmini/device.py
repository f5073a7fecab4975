"""Devices: where arrays live, and the one place that picks the array module.

CPU arrays are NumPy arrays; GPU arrays will be CuPy arrays, imported lazily the first
time a GPU device is really used. Shown in chapter05/07_gpus.ipynb.
"""

import importlib.util

import numpy as onp

from .errors import DeviceError

_ND = onp.ndarray
_cupy = None  # the CuPy module once a GPU has been used


class Device:
    """A device such as ``cpu(0)`` or ``gpu(1)``; also a context manager.

    ``with npx.gpu(0): ...`` makes creation functions default to that device.
    """

    __slots__ = ("device_type", "device_id")

    def __init__(self, device_type="cpu", device_id=0):
        if device_type not in ("cpu", "gpu"):
            raise DeviceError(
                f"unknown device type {device_type!r}: expected 'cpu' or 'gpu'"
            )
        self.device_type = device_type
        self.device_id = int(device_id)

    def __eq__(self, other):
        return (
            isinstance(other, Device)
            and other.device_type == self.device_type
            and other.device_id == self.device_id
        )

    def __hash__(self):
        return hash((self.device_type, self.device_id))

    def __repr__(self):
        return f"{self.device_type}({self.device_id})"

    def __enter__(self):
        _DEFAULT.append(self)
        return self

    def __exit__(self, *exc):
        _DEFAULT.pop()


CPU = Device("cpu", 0)
_DEFAULT = [CPU]


def cpu(device_id=0):
    """The CPU device. The id is accepted for MXNet compatibility and ignored."""
    return CPU if device_id == 0 else Device("cpu", device_id)


def gpu(device_id=0):
    """The GPU device number `device_id`; creating it never fails, using it may."""
    return Device("gpu", device_id)


def current_device():
    """The device that creation functions use when none is given."""
    return _DEFAULT[-1]


def num_gpus():
    """How many GPUs CuPy can see (0 when CuPy is not installed)."""
    if _cupy is None and importlib.util.find_spec("cupy") is None:
        return 0
    try:
        return _load_cupy().cuda.runtime.getDeviceCount()
    except Exception:  # CuPy present but no driver or no device
        return 0


def _load_cupy():
    global _cupy
    if _cupy is None:
        import cupy

        _cupy = cupy
    return _cupy


def array_module(device):
    """NumPy for the CPU, CuPy for a GPU; a clear error when the GPU is missing."""
    if device.device_type == "cpu":
        return onp
    available = num_gpus()
    if device.device_id >= available:
        raise DeviceError(
            f"device {device} is not available: this machine has {available} "
            "GPU(s) usable by d2lmini (GPU support needs an NVIDIA GPU and the "
            "'gpu' extra, i.e. CuPy). Use d2lmini.try_gpu(), which falls back "
            "to npx.cpu(), or create the data on npx.cpu()."
        )
    return _load_cupy()


def xp_of(raw):
    """The array module of a raw array (rules call this, never `onp` directly)."""
    return onp if type(raw) is _ND or _cupy is None else _cupy.get_array_module(raw)


def device_of(raw):
    """The Device a raw array lives on."""
    if type(raw) is _ND or _cupy is None or not isinstance(raw, _cupy.ndarray):
        return CPU
    return Device("gpu", raw.device.id)


def to_device(raw, device):
    """A raw array moved (copied) to `device`; the same object when already there."""
    if device_of(raw) == device:
        return raw
    if device.device_type == "cpu":
        return raw.get()
    xp = array_module(device)
    with xp.cuda.Device(device.device_id):
        return xp.asarray(raw)


def as_device(device):
    """Accept a Device, a list of Devices (first one) or None (the current device)."""
    if device is None:
        return current_device()
    if isinstance(device, (list, tuple)):
        if not device:
            raise DeviceError("got an empty list of devices; pass e.g. npx.cpu()")
        device = device[0]
    if not isinstance(device, Device):
        raise TypeError(
            f"expected a device such as npx.cpu() or npx.gpu(0), got {device!r}"
        )
    return device
