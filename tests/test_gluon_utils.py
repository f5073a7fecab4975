"""gluon.utils: split_data, split_and_load and clip_global_norm."""

import numpy as onp
import pytest

import d2lmini
from d2lmini import gluon, np, npx


def test_split_data_even_and_uneven():
    x = np.arange(10).reshape(5, 2)
    parts = gluon.utils.split_data(x, 2, even_split=False)
    assert [p.shape for p in parts] == [(3, 2), (2, 2)]
    onp.testing.assert_array_equal(
        onp.concatenate([p.asnumpy() for p in parts]), x.asnumpy())
    with pytest.raises(d2lmini.ShapeError, match="does not divide into 2 equal"):
        gluon.utils.split_data(x, 2)
    cols = gluon.utils.split_data(np.ones((2, 4)), 2, batch_axis=1)
    assert [p.shape for p in cols] == [(2, 2), (2, 2)]


def test_split_and_load_on_one_device_keeps_the_batch():
    x = np.arange(8).reshape(4, 2)
    parts = gluon.utils.split_and_load(x, [npx.cpu()])
    assert len(parts) == 1 and parts[0].shape == (4, 2)
    parts = gluon.utils.split_and_load(x, [npx.cpu(), npx.cpu()])
    assert [p.shape for p in parts] == [(2, 2), (2, 2)]


def test_clip_global_norm_scales_in_place_and_returns_the_norm():
    arrays = [np.array([3.0, 4.0]), np.array([12.0])]
    norm = gluon.utils.clip_global_norm(arrays, 6.5)
    assert norm == pytest.approx(13.0)
    onp.testing.assert_allclose(arrays[0].asnumpy(), [1.5, 2.0], rtol=1e-6)
    onp.testing.assert_allclose(arrays[1].asnumpy(), [6.0], rtol=1e-6)
    small = [np.array([0.3, 0.4])]
    assert gluon.utils.clip_global_norm(small, 1.0) == pytest.approx(0.5)
    onp.testing.assert_allclose(small[0].asnumpy(), [0.3, 0.4])  # untouched


def test_clip_global_norm_warns_on_nan():
    arrays = [np.array([onp.nan, 1.0])]
    with pytest.warns(UserWarning, match="nothing was scaled"):
        gluon.utils.clip_global_norm(arrays, 1.0)
