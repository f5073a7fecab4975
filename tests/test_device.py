"""Devices on a machine without a GPU: objects, fallbacks, and clear errors."""

from types import SimpleNamespace

import numpy as onp
import pytest

import d2lmini
from d2lmini import device as device_module
from d2lmini import np, npx
from d2lmini.gluon import nn

no_gpu = pytest.mark.skipif(npx.num_gpus() > 0, reason="checks the CPU-only fallback")


def test_device_objects():
    assert npx.cpu() == d2lmini.cpu(0) and repr(npx.cpu()) == "cpu(0)"
    assert repr(npx.gpu(1)) == "gpu(1)" and npx.gpu(1) != npx.gpu(0)
    assert npx.current_device() == npx.cpu()
    assert {npx.gpu(0): 1}[d2lmini.Device("gpu", 0)] == 1
    with pytest.raises(d2lmini.DeviceError, match="'cpu' or 'gpu'"):
        d2lmini.Device("tpu")


def test_arrays_know_their_device():
    x = np.ones((2, 3), ctx=npx.cpu())
    assert x.device == npx.cpu() and x.ctx == npx.cpu() and x.context == npx.cpu()
    assert x.as_in_ctx(npx.cpu()) is x
    y = x.copyto(npx.cpu())
    assert y is not x and (y == x).all()
    y[0, 0] = 5
    assert x[0, 0].item() == 1
    z = np.zeros((2, 3))
    x.copyto(z)
    assert (z == 1).all()


@no_gpu
def test_fallbacks_without_gpu():
    assert npx.num_gpus() == 0
    assert d2lmini.try_gpu() == npx.cpu() and d2lmini.try_gpu(3) == npx.cpu()
    assert d2lmini.try_all_gpus() == [npx.cpu()]


@no_gpu
def test_data_on_missing_gpu_is_a_clear_error():
    with pytest.raises(
        d2lmini.DeviceError, match=r"gpu\(0\) is not .*try_gpu"
    ):
        np.ones(3, ctx=npx.gpu(0))
    with pytest.raises(d2lmini.DeviceError, match="not available"):
        np.ones(3).copyto(npx.gpu(0))
    net = nn.Dense(2, in_units=3)
    with pytest.raises(d2lmini.DeviceError, match="not available"):
        net.initialize(ctx=npx.gpu(0))


def test_network_on_try_gpu_runs():
    net = nn.Sequential()
    net.add(nn.Dense(4, activation="relu"), nn.Dense(1))
    net.initialize(ctx=d2lmini.try_gpu())
    X = np.ones((2, 3), ctx=d2lmini.try_gpu())
    assert net(X).device == d2lmini.try_gpu()
    assert net[0].weight.data().ctx == d2lmini.try_gpu()
    net.reset_device(npx.cpu())
    assert net[0].weight.list_ctx() == [npx.cpu()]


def test_device_scope_sets_default_device():
    with npx.cpu():
        assert npx.current_device() == npx.cpu()
        assert np.zeros(2).device == npx.cpu()


def test_waitall_and_wait_to_read():
    x = np.ones(2)
    npx.waitall()
    assert x.wait_to_read() is x
    onp.testing.assert_array_equal(x.asnumpy(), [1, 1])


def test_waitall_synchronises_every_gpu_once_cupy_is_used(monkeypatch):
    synced = []

    class FakeDevice:  # stands in for cupy.cuda.Device
        def __init__(self, i):
            self.i = i

        def synchronize(self):
            synced.append(self.i)

    runtime = SimpleNamespace(getDeviceCount=lambda: 2)
    cupy = SimpleNamespace(cuda=SimpleNamespace(runtime=runtime, Device=FakeDevice))
    monkeypatch.setattr(device_module, "_cupy", cupy)
    npx.waitall()
    assert synced == [0, 1]


class _ElsewhereArray(onp.ndarray):
    """Stands in for an array on another device (no GPU is needed to test the check)."""


def test_mixing_devices_names_both_devices(monkeypatch):
    from d2lmini import device as dev

    real = dev.device_of
    monkeypatch.setattr(
        dev, "device_of",
        lambda raw: npx.gpu(0) if type(raw) is _ElsewhereArray else real(raw))
    here, there = np.ones(2), np.ones(2)
    there._data = there._data.view(_ElsewhereArray)
    with pytest.raises(d2lmini.DeviceError, match=r"cpu\(0\) and gpu\(0\).*as_in_ctx"):
        here + there
    with pytest.raises(d2lmini.DeviceError, match="different devices"):
        np.dot(here, there)
