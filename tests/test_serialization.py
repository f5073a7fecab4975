"""Files: npx.save/load, parameter files, atomic writes, no pickle, clear mismatches."""

import os
import pickle
import time
import zipfile

import numpy as onp
import pytest

import d2lmini
from d2lmini import gluon, np, npx
from d2lmini.gluon import nn


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def net_3():
    net = nn.Sequential()
    net.add(nn.Dense(4, activation="relu"), nn.Dense(2))
    net.initialize()
    net(np.ones((1, 3)))
    return net


def test_save_one_array_loads_as_one_element_list():
    x = np.arange(4)
    npx.save("x-file", x)
    assert os.path.exists("x-file")  # no extension added
    (x2,) = npx.load("x-file")
    onp.testing.assert_array_equal(x2.asnumpy(), x.asnumpy())
    assert x2.dtype == onp.float32


def test_save_list_and_dict():
    x, y = np.arange(4), np.zeros(4, dtype="int32")
    npx.save("xy", [x, y])
    x2, y2 = npx.load("xy")
    assert (x2 == x).all() and y2.dtype == onp.int32
    npx.save("mydict", {"x": x, "y": y})
    loaded = npx.load("mydict")
    assert list(loaded) == ["x", "y"] and (loaded["x"] == x).all()


def test_save_rejects_non_arrays():
    with pytest.raises(TypeError, match="expected an ndarray"):
        npx.save("bad", [np.ones(2), [1, 2]])
    with pytest.raises(TypeError, match="a list or a dict"):
        npx.save("bad", 3)
    assert not os.path.exists("bad")


def test_parameter_round_trip_gives_identical_outputs():
    net = net_3()
    X = np.random.uniform(size=(2, 3))
    net.save_parameters("mlp.params")
    clone = nn.Sequential()
    clone.add(nn.Dense(4, activation="relu"), nn.Dense(2))
    clone.load_parameters("mlp.params")  # deferred shapes come from the file
    assert (clone(X) == net(X)).all()


def test_save_before_shapes_are_known_is_explained():
    net = nn.Sequential()
    net.add(nn.Dense(4))
    net.initialize()
    with pytest.raises(RuntimeError, match=r"run one batch.*net\(X\)"):
        net.save_parameters("early.params")


def test_load_reports_every_problem_and_assigns_nothing():
    net_3().save_parameters("mlp.params")
    other = nn.Sequential()
    other.add(nn.Dense(5, in_units=3), nn.Dense(2, in_units=5), nn.Dense(1, in_units=2))
    other.initialize()
    before = {k: p.data().asnumpy() for k, p in other.collect_params().items()}
    with pytest.raises(d2lmini.ParameterLoadError) as info:
        other.load_parameters("mlp.params")
    text = str(info.value)
    assert "nothing was loaded" in text and "5 problem(s)" in text
    assert "missing in file: 2.weight" in text and "missing in file: 2.bias" in text
    assert "shape mismatch for 0.weight: file has (4, 3), network has (5, 3)" in text
    assert "shape mismatch for 0.bias: file has (4,), network has (5,)" in text
    assert "allow_missing=True" in text
    for k, p in other.collect_params().items():
        onp.testing.assert_array_equal(p.data().asnumpy(), before[k])


def test_allow_missing_and_ignore_extra():
    net = net_3()
    net.save_parameters("mlp.params")
    small = nn.Sequential()
    small.add(nn.Dense(4, activation="relu"))
    with pytest.raises(
        d2lmini.ParameterLoadError, match="network: 1.weight"
    ):
        small.load_parameters("mlp.params")
    small.load_parameters("mlp.params", ignore_extra=True)
    assert (small[0].weight.data() == net[0].weight.data()).all()
    big = nn.Sequential()
    big.add(nn.Dense(4, in_units=3), nn.Dense(2, in_units=4), nn.Dense(1, in_units=2))
    big.initialize()
    kept = big[2].weight.data().asnumpy()
    big.load_parameters("mlp.params", allow_missing=True)
    assert (big[1].bias.data() == net[1].bias.data()).all()
    onp.testing.assert_array_equal(big[2].weight.data().asnumpy(), kept)


def test_list_file_is_not_a_parameter_file():
    npx.save("arrays", [np.ones(2)])
    with pytest.raises(d2lmini.ParameterLoadError, match="npx.load"):
        net_3().load_parameters("arrays")


def test_truncated_file_is_reported():
    net_3().save_parameters("mlp.params")
    data = open("mlp.params", "rb").read()
    open("cut.params", "wb").write(data[: len(data) // 2])
    with pytest.raises(d2lmini.FileFormatError, match="cut.params.*truncated"):
        net_3().load_parameters("cut.params")
    open("text.params", "w").write("hello, not an archive")
    with pytest.raises(d2lmini.FileFormatError, match="expected a .npz"):
        npx.load("text.params")


def test_pickle_is_refused_and_never_executed(tmp_path):
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    with open("evil.pkl", "wb") as f:
        pickle.dump(Evil(), f)
    with pytest.raises(d2lmini.FileFormatError, match="refuses to unpickle"):
        npx.load("evil.pkl")
    onp.savez("objects.npz", a=onp.array([Evil()], dtype=object))
    with pytest.raises(d2lmini.FileFormatError, match="refuses to unpickle"):
        npx.load("objects.npz")
    assert not marker.exists()


def test_missing_file_names_the_path():
    with pytest.raises(FileNotFoundError, match="no-such-file"):
        npx.load("no-such-file")


def test_failed_save_leaves_old_file_and_no_temporary(monkeypatch):
    npx.save("keep", [np.ones(2)])
    before = open("keep", "rb").read()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(onp.lib.format, "write_array", broken)
    with pytest.raises(OSError, match="disk full"):
        npx.save("keep", [np.zeros(2)])
    assert open("keep", "rb").read() == before
    assert sorted(os.listdir(".")) == ["keep"]


def test_file_is_a_plain_npz_archive():
    npx.save("plain", {"w": np.ones((2, 2))})
    names = zipfile.ZipFile("plain").namelist()
    assert "w.npy" in names
    with onp.load("plain", allow_pickle=False) as archive:
        onp.testing.assert_array_equal(archive["w"], onp.ones((2, 2)))


def test_plain_numpy_npz_loads_as_dict():
    onp.savez("theirs.npz", w=onp.arange(3.0))
    loaded = npx.load("theirs.npz")
    onp.testing.assert_array_equal(loaded["w"].asnumpy(), [0, 1, 2])


def test_saving_a_net_without_parameters_warns(tmp_path):
    class ListNet(gluon.Block):
        def __init__(self):
            super().__init__()
            self.layers = []

    with pytest.warns(UserWarning, match="ListNet has no parameters, so the file "
                                         "holds nothing.*plain Python list"):
        ListNet().save_parameters(str(tmp_path / "empty.params"))


# ---- all or nothing, dtypes, temporaries (issue 13) ----------------------------------
def snapshot(net):
    return {k: (p.shape, p.dtype, p.state, None if p._data is None
                else p._data.asnumpy().copy()) for k, p in net.collect_params().items()}


def same_state(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert a[k][:3] == b[k][:3], k
        assert (a[k][3] is None) == (b[k][3] is None), k
        if a[k][3] is not None:
            onp.testing.assert_array_equal(a[k][3], b[k][3])


def test_a_bad_second_array_changes_nothing():
    import zipcraft as zc

    net = net_3()
    before = snapshot(net)
    good = zc.npy(onp.ones((4, 3), "float32"))
    text = zc.npy(header="{'descr': '<U1', 'fortran_order': False, 'shape': (4,)}",
                  data=b"\0" * 16)
    with open("mixed.params", "wb") as f:
        f.write(zc.archive([zc.member("0.weight.npy", good),
                            zc.member("0.bias.npy", text)]))
    with pytest.raises(d2lmini.FileFormatError, match="'0.bias'"):
        net.load_parameters("mixed.params", allow_missing=True)
    same_state(snapshot(net), before)


def test_a_failed_load_keeps_deferred_shapes():
    net_3().save_parameters("mlp.params")
    deferred = nn.Sequential()
    deferred.add(nn.Dense(4, activation="relu"), nn.Dense(3))
    deferred.initialize()
    before = snapshot(deferred)
    assert before["0.weight"][0] == (4, -1)
    with pytest.raises(d2lmini.ParameterLoadError):
        deferred.load_parameters("mlp.params")
    same_state(snapshot(deferred), before)


def test_float64_parameters_stay_float64():
    net = nn.Sequential()
    net.add(nn.Dense(2, in_units=3, dtype="float64"))
    net.initialize()
    net.save_parameters("d.params")
    assert npx.load("d.params")["0.weight"].dtype == onp.float64
    clone = nn.Sequential()
    clone.add(nn.Dense(2, in_units=3, dtype="float64"))
    clone.load_parameters("d.params")
    assert clone[0].weight.data().dtype == onp.float64
    onp.testing.assert_array_equal(clone[0].weight.data().asnumpy(),
                                   net[0].weight.data().asnumpy())
    small = nn.Sequential()
    small.add(nn.Dense(2, in_units=3))  # float32: converted like astype
    small.load_parameters("d.params")
    assert small[0].weight.data().dtype == onp.float32
    kept = nn.Sequential()
    kept.add(nn.Dense(2, in_units=3))
    kept.load_parameters("d.params", cast_dtype=True, dtype_source="saved")
    assert kept[0].weight.data().dtype == onp.float64 == kept[0].weight.dtype


def test_later_saves_remove_stale_temporaries_of_the_same_file():
    from d2lmini import serialization

    old = time.time() - 3600
    stale = [".d2lmini-x.params-abcd1234.tmp", ".d2lmini-zyxw9876.tmp"]
    kept = [".d2lmini-other.params-abcd1234.tmp", ".d2lmini-x.params-notmine.tmp",
            "x.params-abcd1234.tmp"]
    for name in stale + kept:
        open(name, "w").close()
        os.utime(name, (old, old))
    open(".d2lmini-x.params-newer123.tmp", "w").close()  # a save running now
    kept.append(".d2lmini-x.params-newer123.tmp")
    synced = []
    real = serialization._sync_folder
    serialization._sync_folder = lambda folder: synced.append(folder) or real(folder)
    try:
        npx.save("x.params", [np.ones(2)])
    finally:
        serialization._sync_folder = real
    assert sorted(os.listdir(".")) == sorted(kept + ["x.params"])
    assert synced == [os.getcwd()]
