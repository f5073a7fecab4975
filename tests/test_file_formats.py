"""Hostile and malformed files: each gives FileFormatError naming file, member and
fix, checked before anything large is decompressed or allocated (issue 13)."""

import os
import time

import numpy as onp
import pytest
import zipcraft as zc

from d2lmini import np, npx
from d2lmini.errors import FileFormatError
from d2lmini.npzread import MAX_MEMBERS


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def refused(data, phrase, name="bad.npz"):
    with open(name, "wb") as f:
        f.write(data)
    with pytest.raises(FileFormatError, match=phrase) as info:
        npx.load(name)
    assert repr(name) in str(info.value)  # the file is named
    return str(info.value)


W = zc.npy(onp.arange(6, dtype="float32").reshape(2, 3))


# ---- the zip container ---------------------------------------------------------------
@pytest.mark.parametrize("entry, phrase", [
    (zc.member("w.npy", W, flags=0x1), "encrypted"),
    (zc.member("w.npy", W, method=12), "zip method 12"),
    (zc.member("w.npy", W, method=14), "zip method 14"),
    (zc.member("w.npy", W, method=99), "zip method 99"),
    (zc.member("w.npy", W, needed=99), "needs zip version 9.9"),
    (zc.member("w.npy", W, flags=0x20), "flag bits 0x0020"),
    (zc.member("w.npy", W, flags=0x40), "flag bits"),
    (zc.member("w", W), "expected a member named '<array name>.npy'"),
    (zc.member(".npy", W), "expected a member named"),
    (zc.member("../w.npy", W), "path parts"),
    (zc.member("a/w.npy", W), "path parts"),
    (zc.member("w.npy", W, crc=1), "CRC-32"),
    (zc.member("w.npy", W, usize=len(W) + 1), "stored uncompressed but declares"),
    (zc.member(b"w\xff.npy", W, flags=0x800), "not UTF-8"),
])
def test_bad_members(entry, phrase):
    message = refused(zc.archive([entry]), phrase)
    assert "save" in message  # and says what to do


def test_corrupt_deflate_data():
    entry = zc.member("w.npy", W, method=8)
    packed = bytearray(entry["packed"])
    packed[len(packed) // 2:] = b"\xff" * (len(packed) - len(packed) // 2)
    entry["packed"] = bytes(packed)
    refused(zc.archive([entry]), "corrupt|truncated|CRC|more data|holds")


def test_end_record_alone_and_hidden_members():
    refused(zc.archive([]), "empty archive")
    good = zc.archive([zc.member("w.npy", W)])
    refused(good[:-2] + b"\x05\x00", "zip end record")  # a comment length that lies
    refused(good + b"trailing", "zip end record")


def test_duplicates_and_overlaps():
    one = zc.member("w.npy", W)
    refused(zc.archive([one] * 1000), "two members of this name")
    twin = dict(zc.member("v.npy", W), offset=0)
    refused(zc.archive([zc.member("w.npy", W), twin]), "disagrees")
    inner = zc.archive([zc.member("v.npy", W)])  # a whole member hidden inside w
    outer = zc.member("w.npy", W + inner)
    v = dict(zc.member("v.npy", W), offset=30 + 5 + len(W))
    refused(zc.archive([outer, v]), "overlaps member 'w'")


def test_many_members_are_refused_quickly():
    data = zc.archive([zc.member(f"{i}.npy", b"") for i in range(100_000)])
    start = time.process_time()  # CPU time: a busy machine does not change it
    refused(data, f"more than the {MAX_MEMBERS}")
    assert time.process_time() - start < 5


def bomb(size, declared=None):
    """A member of `size` zero bytes (a uint8 .npy) that packs about 1000:1."""
    text = f"{{'descr': '|u1', 'fortran_order': False, 'shape': ({size},), }}"
    head = zc.npy(header=text + " " * (117 - len(text)) + "\n")
    over = {} if declared is None else {"usize": declared}
    return zc.zeros_member("w.npy", head, size, **over)


def test_deflate_bomb_is_refused_before_decompressing():
    entry = bomb(50_000_000)  # 50 MB of zeros in about 50 KB
    assert entry["csize"] < 100_000
    data = zc.archive([entry])
    start = time.process_time()
    refused(data, "decompression bomb")
    assert time.process_time() - start < 1


def test_sizes_that_lie_stop_the_inflater():
    lying = zc.archive([bomb(20_000_000, declared=1000)])  # holds 20 MB, says 1000
    small = zc.npy(onp.zeros(10, dtype="uint8"))
    longer = zc.archive([zc.zeros_member("w.npy", small, 20_000_000,
                                         usize=len(small))])
    start = time.process_time()
    refused(lying, "declares uint8 .20000000,.")
    refused(longer, "more data than its header declares")
    assert time.process_time() - start < 1


# ---- the .npy header and dtypes ------------------------------------------------
def one(body):
    """An archive holding `body` as its only member."""
    return zc.archive([zc.member("w.npy", body)])


def header(text, data=b""):
    return one(zc.npy(header=text, data=data))


@pytest.mark.parametrize("text, phrase", [
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), ", "dict literal"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\x00", "dict literal"),
    ("  {'descr': '<f4',\n 'fortran_order': False,\n  'shape': ((((", "dict literal"),
    ("[1, 2, 3]", "expected a .npy header"),
    ("{'descr': '<f4', 'fortran_order': False}", "expected a .npy header"),
    ("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", "fortran_order"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': [2]}", "'shape' must be"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", "'shape' must be"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (True,)}", "'shape' must be"),
    ("{'descr': __import__('os'), 'fortran_order': False, 'shape': ()}",
     "not a plain numeric dtype"),
    ("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}",
     "structured"),
    ("{'descr': '|O', 'fortran_order': False, 'shape': (1,)}", "refuses to unpickle"),
    ("{'descr': '<U4', 'fortran_order': False, 'shape': (1,)}", "'<U4' is not one"),
    ("{'descr': '|S4', 'fortran_order': False, 'shape': (1,)}", "'|S4' is not one"),
    ("{'descr': '<c8', 'fortran_order': False, 'shape': (1,)}", "'<c8' is not one"),
    ("{'descr': '<M8[s]', 'fortran_order': False, 'shape': (1,)}", "is not one"),
    ("{'descr': '|V0', 'fortran_order': False, 'shape': (10**18,)}", "is not one"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (10**18,)}", "'shape' must"),
    ("{'descr': '|V0', 'fortran_order': False, 'shape': (1000000000000000000,)}",
     "'|V0' is not one"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,)}",
     r"declares float32 \(1000000000000,\)"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}" + " " * 5000,
     "header is 5.* bytes long"),
])
def test_bad_npy_headers(text, phrase):
    refused(header(text, b"\0" * 8), phrase)


def test_deep_header_and_bad_version():
    refused(header("(" * 2000 + ")" * 2000), "dict literal|expected a .npy header")
    body = bytearray(W)
    body[6] = 9
    refused(one(bytes(body)), "version 9.0")


def test_shape_of_a_trillion_in_a_small_file_is_refused_without_allocating():
    text = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,)}"
    data = zc.npy(header=text + " " * (118 - len(text)) + "\n", data=b"\0" * 500)
    assert len(one(data)) < 800
    refused(one(data), "bytes after the header")


def test_big_endian_and_fortran_arrays_come_back_native_and_equal():
    values = onp.arange(12, dtype=">f8").reshape(3, 4)
    with open("be.npz", "wb") as f:
        f.write(zc.npz({"a": values, "f": onp.asfortranarray(values.astype("<i4"))}))
    loaded = npx.load("be.npz")
    assert loaded["a"].dtype == onp.float64 and loaded["a"].asnumpy().dtype.isnative
    onp.testing.assert_array_equal(loaded["a"].asnumpy(), values)
    onp.testing.assert_array_equal(loaded["f"].asnumpy(), values.astype("int32"))


def test_plain_npy_file_loads_as_a_one_element_list():
    onp.save("x.npy", onp.arange(5, dtype="float64"))
    (x,) = npx.load("x.npy")
    assert x.dtype == onp.float64 and x.asnumpy().tolist() == [0, 1, 2, 3, 4]
    onp.save("f.npy", onp.asfortranarray(onp.arange(6).reshape(2, 3)))
    onp.testing.assert_array_equal(npx.load("f.npy")[0].asnumpy(),
                                   onp.arange(6).reshape(2, 3))
    data = open("x.npy", "rb").read()
    refused(data[:-3], "holds 37", name="cut.npy")
    refused(data + b"junk", "bytes of data", name="long.npy")
    onp.save("s.npy", onp.array(["a", "b"]))
    with pytest.raises(FileFormatError, match="'<U1' is not one"):
        npx.load("s.npy")


def test_numpy_compressed_and_plain_archives_load():
    onp.savez_compressed("c.npz", w=onp.ones((30, 30)), b=onp.zeros(3, "int8"))
    onp.savez("p.npz", onp.arange(3), x=onp.eye(2, dtype=bool))
    c, p = npx.load("c.npz"), npx.load("p.npz")
    assert c["w"].dtype == onp.float64 and c["b"].dtype == onp.int8
    assert sorted(p) == ["arr_0", "x"] and p["x"].dtype == bool


# ---- the d2lmini header member -------------------------------------------------------
@pytest.mark.parametrize("text, phrase", [
    ("not json", "not valid JSON"),
    ('{"kind": 5, "version": 1}', "expected the d2lmini header"),
    ('{"kind": "list"}', "expected the d2lmini header"),
    ('["kind", "version"]', "expected the d2lmini header"),
    ("[" * 3000 + "]" * 3000, "JSON|header"),
    ('{"kind": "dict", "version": 7}', "another version of d2lmini"),
])
def test_bad_metadata(text, phrase):
    members = [zc.member("__d2lmini__.npy", zc.npy(onp.array(text))),
               zc.member("0.npy", W)]
    refused(zc.archive(members), phrase)


def test_list_file_with_a_missing_member():
    meta = zc.npy(onp.array('{"kind": "list", "version": 1}'))
    members = [zc.member("__d2lmini__.npy", meta), zc.member("0.npy", W),
               zc.member("2.npy", W)]
    refused(zc.archive(members), "list file but its members are 0, 2, not 0, 1")


def test_metadata_of_another_shape_or_type():
    text = zc.npy(onp.array(['{"kind": "list", "version": 1}'] * 2))
    refused(zc.archive([zc.member("__d2lmini__.npy", text)]), "must be one string")
    wide = zc.npy(onp.array("x" * 20000))
    refused(zc.archive([zc.member("__d2lmini__.npy", wide)]), "is not one")


def test_save_refuses_names_a_file_cannot_hold():
    for name in ("a/b", "..", "", "tab\there"):
        with pytest.raises(ValueError, match="without '/'"):
            npx.save("bad", {name: np.zeros(1)})
    assert not os.path.exists("bad")
