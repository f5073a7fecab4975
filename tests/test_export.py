"""export() and SymbolBlock.imports(): round trips, file contents, validation errors."""
import json
import os

import numpy as onp
import pytest
from nets import Captured, small_mlp

from d2lmini import autograd, gluon, init, np, npx
from d2lmini.errors import (
    FileFormatError,
    HybridizationError,
    ParameterLoadError,
    ShapeError,
)
from d2lmini.gluon import nn


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


class Tied(gluon.HybridBlock):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Dense(4, in_units=4), nn.Dense(4, in_units=4)
        self.b.share_parameters(self.a.collect_params())

    def forward(self, x):
        return self.b(npx.sigmoid(self.a(x)))


class OldStyle(gluon.HybridBlock):
    def __init__(self):
        super().__init__()
        self.w = gluon.Parameter("w", shape=(4, 4), init=init.Normal(1.0))

    def hybrid_forward(self, F, x, w):
        return F.npx.sigmoid(F.np.dot(x, w)) - x.mean()


class Shapes(gluon.HybridBlock):
    """reshape, getitem with slices/Ellipsis/None, sum over axes, softmax."""

    def __init__(self):
        super().__init__()
        self.dense = nn.Dense(12, use_bias=False)  # bias None: a null literal

    def forward(self, x):
        h = self.dense(x).reshape(2, 3, 4)
        h = h[:, 1:, ...][..., None] * 0.5
        s = h.sum(axis=(1, 3)) + h[0, -1].sum()
        return npx.softmax(s, axis=-1)


class TwoOutputs(gluon.HybridBlock):
    def __init__(self):
        super().__init__()
        self.dense = nn.Dense(3)

    def forward(self, x, y):
        h = self.dense(x)
        return h * y, np.tanh(h).mean(axis=0)


def grads(net):
    return {k: p.grad().asnumpy() for k, p in net.collect_params().items()
            if p.grad_req != "null"}


def outputs_and_grads(net, xs):
    with autograd.record():
        out = net(*xs)
        outs = out if isinstance(out, tuple) else (out,)
        loss = sum((o * o).sum() for o in outs)
    loss.backward()
    return [o.asnumpy() for o in outs], grads(net)


def round_trip(make, *xs, name="net"):
    """Export a hybridized net; its import gives the same outputs and gradients,
    eagerly and hybridized."""
    net = make()
    net.initialize(init.Xavier())
    net.hybridize()
    want_out, want_grads = outputs_and_grads(net, xs)
    files = net.export(name)
    assert files == (f"{name}-symbol.json", f"{name}-0000.params")
    names = [f"x{i}" for i in range(len(xs))]
    clone = gluon.SymbolBlock.imports(files[0], names, files[1])
    assert sorted(clone.collect_params()) == sorted(net.collect_params())
    for active in (False, True):
        clone.hybridize(active=active)
        got_out, got_grads = outputs_and_grads(clone, xs)
        for got, want in zip(got_out, want_out, strict=True):
            onp.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        assert got_grads.keys() == want_grads.keys()
        for k in want_grads:
            onp.testing.assert_allclose(got_grads[k], want_grads[k], rtol=1e-5,
                                        atol=1e-6, err_msg=k)
    return net, clone, files


def test_mlp_round_trip_and_equal_graph():
    net, clone, files = round_trip(small_mlp, np.random.normal(size=(2, 5)))
    assert all(os.path.exists(f) for f in files)
    mine, theirs = str(clone.traced_graph), str(net.traced_graph)
    assert mine.splitlines()[1:] == theirs.splitlines()[1:]
    assert mine.startswith("graph SymbolBlock(%0: float32[2, 5]):")


def test_tied_parameters_round_trip():
    net, clone, _ = round_trip(Tied, np.random.normal(size=(3, 4)))
    assert list(clone.collect_params()) == ["a.weight", "a.bias"]


def test_hybrid_forward_block_round_trip():
    round_trip(OldStyle, np.random.normal(size=(2, 4)))


def test_reshape_getitem_sum_softmax_round_trip():
    round_trip(Shapes, np.random.normal(size=(2, 5)))


def test_captured_constants_go_to_the_params_file():
    _, clone, files = round_trip(Captured, np.random.normal(size=(2, 4)))
    stored = npx.load(files[1])
    consts = sorted(k for k in stored if k.startswith("const:"))
    assert len(consts) == 2  # offset and the pick index; scale is a parameter
    assert "scale" in stored and clone.collect_params()["scale"].grad_req == "null"
    text = open(files[0]).read()
    assert '{"float": "-inf"}' in text and '{"dtype": "float64"}' in text
    again = clone.export("again")  # the imported block's own trace: the same graph
    assert open(again[0]).read() == text.replace('"Captured"', '"SymbolBlock"')


def test_tuple_outputs_round_trip():
    xs = np.random.normal(size=(2, 4)), np.random.normal(size=(2, 3))
    _, clone, _ = round_trip(TwoOutputs, *xs)
    assert isinstance(clone(*xs), tuple) and len(clone(*xs)) == 2


def test_file_names_and_plain_contents():
    net = small_mlp()
    net.initialize()
    net.hybridize()
    net(np.ones((1, 3)))
    symbol_file, param_file = net.export("model", epoch=7)
    assert (symbol_file, param_file) == ("model-symbol.json", "model-0007.params")
    with open(symbol_file) as f:
        doc = json.load(f)
    assert doc["format"] == "d2lmini-graph" and doc["version"] == 1
    assert [n["op"] for n in doc["nodes"]] == ["fully_connected"] * 2
    raw = open(symbol_file, "rb").read()
    assert raw.isascii() and b"\x80" not in raw  # no pickle opcodes
    with onp.load(param_file, allow_pickle=False) as archive:  # no pickled members
        assert {k for k in archive.files if not k.startswith("__")} == {
            "0.weight", "0.bias", "1.weight", "1.bias"}
    assert not [p for p in os.listdir() if p.endswith(".tmp")]


def test_export_needs_a_traced_graph():
    net = small_mlp()
    net.initialize()
    net(np.ones((1, 3)))  # eager: nothing traced
    with pytest.raises(HybridizationError, match="no traced graph"):
        net.export("net")
    net.hybridize()
    with pytest.raises(HybridizationError, match="net.hybridize"):
        net.export("net")
    assert not os.listdir()


def test_export_warns_about_unused_parameters():
    net = small_mlp()
    net.unused = gluon.Parameter("unused", shape=(2,))
    net.initialize()
    net.hybridize()
    net(np.ones((1, 3)))
    with pytest.warns(UserWarning, match="does not use unused"):
        net.export("net")


def test_export_refuses_keywords_json_cannot_hold():
    class ArrayKey(gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            self.rows = np.array([0, 1], dtype="int64")

        def forward(self, x):
            return x[self.rows]

    net = ArrayKey()
    net.hybridize()
    net(np.ones((3, 2)))
    with pytest.raises(HybridizationError, match="cannot store"):
        net.export("net")
    assert not os.listdir()


# ---- validation of the graph file --------------------------------------------------
@pytest.fixture
def exported():
    net = small_mlp()
    net.initialize()
    net.hybridize()
    net(np.ones((2, 5)))
    return net.export("net")


def pair_with(symbol_file, param_file):
    """Record `param_file`'s checksum in the graph, as export would have."""
    from d2lmini.serialization import file_sha256

    edit(symbol_file, set_in("params_sha256", file_sha256(param_file)))


def edit(path, change):
    with open(path) as f:
        doc = json.load(f)
    change(doc)
    with open(path, "w") as f:
        json.dump(doc, f)


def set_in(*keys_and_value):
    *keys, value = keys_and_value

    def change(doc):
        for k in keys[:-1]:
            doc = doc[k]
        doc[keys[-1]] = value

    return change


EVIL = "__import__('os').system('touch X')"


@pytest.mark.parametrize("change, phrase", [
    (set_in("nodes", 0, "op", "conv9"), "unknown op 'conv9'"),
    (set_in("nodes", 0, "op", EVIL), "unknown op"),
    (set_in("nodes", 0, "op", ["add"]), "unknown op"),
    (set_in("nodes", 0, "args", 0, 6), "defined before this node"),
    (set_in("nodes", 1, "args", 0, 99), "defined before this node"),
    (set_in("nodes", 0, "out", 1), "field 'out'"),
    (set_in("values", 1, "shape", [8, -5]), "non-negative integers"),
    (set_in("values", 1, "shape", "8, 5"), "non-negative integers"),
    (set_in("values", 0, "dtype", "object"), "field 'dtype'"),
    (set_in("values", 0, "kind", "code"), "field 'kind'"),
    (set_in("values", 1, "name", "const:1"), "structural parameter name"),
    (set_in("nodes", 0, "kwargs", "flatten", {"pickle": "cos\nsystem"}),
     "keyword 'flatten'"),
    (set_in("nodes", 0, "kwargs", "flatten", {"slice": [0, "1", None]}),
     "keyword 'flatten'"),
    (set_in("nodes", 0, "kwargs", "flatten", {"str": "rm -rf"}), "keyword 'flatten'"),
    (set_in("nodes", 0, "kwargs", {"__class__": 1}), "field 'kwargs'"),
    (set_in("version", 2), "another version of d2lmini"),
    (set_in("version", "1"), "field 'version'"),
    (set_in("format", "mxnet"), "field 'format'"),
    (set_in("inputs", [0, 0]), "field 'inputs'"),
    (set_in("outputs", []), "field 'outputs'"),
    (set_in("single", "yes"), "field 'single'"),
    (lambda doc: doc["nodes"].pop(), "value 6"),
])
def test_bad_graph_files_are_rejected(exported, change, phrase):
    edit(exported[0], change)
    with pytest.raises(FileFormatError, match="export the model again") as info:
        gluon.SymbolBlock.imports(exported[0], "data", exported[1])
    assert phrase in str(info.value) and "'net-symbol.json'" in str(info.value)
    assert not os.path.exists("X")


def test_truncated_and_non_json_files(exported):
    text = open(exported[0]).read()
    for bad in (text[: len(text) // 2], "", "\x00\x01garbage"):
        with open(exported[0], "w") as f:
            f.write(bad)
        with pytest.raises(FileFormatError, match="not valid JSON"):
            gluon.SymbolBlock.imports(exported[0], "data")
    for bad in ("[1, 2]", '"d2lmini-graph"', "null"):
        with open(exported[0], "w") as f:
            f.write(bad)
        with pytest.raises(FileFormatError, match="field 'format'"):
            gluon.SymbolBlock.imports(exported[0], "data")
    with open(exported[0], "w") as f:
        f.write(text.replace('"flatten": true', '"flatten": NaN', 1))
    with pytest.raises(FileFormatError, match="finite numbers"):
        gluon.SymbolBlock.imports(exported[0], "data")
    with open(exported[0], "wb") as f:
        f.write(b"\x80\x04\x95")  # the start of a pickle
    with pytest.raises(FileFormatError, match="not UTF-8"):
        gluon.SymbolBlock.imports(exported[0], "data")


def test_tagged_values_round_trip_exactly():
    from d2lmini.graphfile import _decode, _encode

    values = [None, True, 3, -0.5, (1, (2, None)), [0, 2], slice(1, None, -1),
              Ellipsis, (Ellipsis, None, slice(None)), onp.dtype("int32"),
              onp.float16, onp.int64(4), onp.float32(0.25), onp.bool_(False), "fro"]
    for value in values:
        text = json.dumps(_encode(value, "test"), allow_nan=False)
        back = _decode(json.loads(text), "test", "field")
        assert back == (onp.dtype(value) if value is onp.float16 else value)
        assert type(back) is not tuple or type(value) is tuple
    for value in (float("inf"), -float("inf")):
        assert _decode(_encode(value, "test"), "test", "field") == value
    assert onp.isnan(_decode(_encode(float("nan"), "test"), "test", "field"))


# ---- the parameter file and the inputs ---------------------------------------------
def test_parameter_file_problems_are_listed_together(exported):
    good = npx.load(exported[1])
    del good["0.bias"]
    good["1.weight"] = np.zeros((4, 8))
    good["extra"] = np.zeros(2)
    npx.save("bad.params", good)
    with pytest.raises(FileFormatError, match="not the parameter file exported"):
        gluon.SymbolBlock.imports(exported[0], "data", "bad.params")
    pair_with(exported[0], "bad.params")  # a hand-made pair that checks out
    with pytest.raises(ParameterLoadError, match="found 3 problem") as info:
        gluon.SymbolBlock.imports(exported[0], "data", "bad.params")
    message = str(info.value)
    assert "missing in file: 0.bias" in message
    assert "shape mismatch for 1.weight: file has (4, 8), graph has (3, 8)" in message
    assert "not in the graph: extra" in message
    npx.save("list.params", [np.zeros(2)])
    pair_with(exported[0], "list.params")
    with pytest.raises(ParameterLoadError, match="list saved by npx.save"):
        gluon.SymbolBlock.imports(exported[0], "data", "list.params")


def test_input_names_must_match_the_graph(exported):
    with pytest.raises(ValueError, match=r"takes 1 input\(s\), but 2 input name"):
        gluon.SymbolBlock.imports(exported[0], ["data", "label"], exported[1])


def test_inputs_are_checked_at_call_time(exported):
    clone = gluon.SymbolBlock.imports(exported[0], ["data"], exported[1])
    with pytest.raises(ShapeError, match=r"input 'data' should have shape \(2, 5\), "
                       r"got \(3, 5\)"):
        clone(np.ones((3, 5)))
    clone.hybridize()
    with pytest.raises(ShapeError, match="shapes it was traced with"):
        clone(np.ones((2, 4)))
    with pytest.raises(TypeError, match=r"expected 1 input\(s\) \(data\), got 2"):
        clone(np.ones((2, 5)), np.ones((2, 5)))


def test_without_param_file_parameters_wait_for_initialize(exported):
    clone = gluon.SymbolBlock.imports(exported[0], "data", device=npx.cpu())
    with pytest.raises(RuntimeError, match="initialize"):
        clone(np.ones((2, 5)))
    clone.initialize()
    assert clone(np.ones((2, 5))).shape == (2, 3)


def test_constants_need_the_param_file():
    net = Captured()
    net.initialize()
    net.hybridize()
    net(np.ones((2, 4)))
    symbol_file, _ = net.export("c")
    with pytest.raises(ParameterLoadError, match="pass param_file="):
        gluon.SymbolBlock.imports(symbol_file, "data")


@pytest.mark.gpu
@pytest.mark.skipif(npx.num_gpus() == 0, reason="needs a CUDA GPU and CuPy")
def test_import_onto_a_gpu():
    net = Captured()
    net.initialize()
    net.hybridize()
    x = np.random.normal(size=(2, 4))
    want = net(x).asnumpy()
    files = net.export("c")
    clone = gluon.SymbolBlock.imports(files[0], "data", files[1], device=npx.gpu(0))
    got = clone(x.copyto(npx.gpu(0)))
    assert got.device == npx.gpu(0)
    onp.testing.assert_allclose(got.asnumpy(), want, rtol=1e-5, atol=1e-6)
    clone.reset_device(npx.cpu())
    onp.testing.assert_allclose(clone(x).asnumpy(), want, rtol=1e-5, atol=1e-6)


# ---- hostile graph files (issue 13) -------------------------------------------------
def rewrite(path, old, new):
    text = open(path).read()
    assert old in text
    with open(path, "w") as f:
        f.write(text.replace(old, new, 1))


@pytest.mark.parametrize("change, phrase", [
    (set_in("nodes", 0, "kwargs", "flatten", 1), "keyword 'flatten': expected true"),
    (set_in("nodes", 0, "kwargs", "colour", True), "does not take these arguments"),
    (set_in("nodes", 0, "kwargs", "x", True), "does not take these arguments"),
    # `out` is the compiled plan's output buffer: a file may never choose one.
    (set_in("nodes", 0, "kwargs", "out", 0), "keyword 'out': expected no 'out'"),
    (set_in("nodes", 0, "kwargs", "out", None), "keyword 'out': expected no 'out'"),
    (set_in("nodes", 0, "kwargs", "out", [1, 2]), "keyword 'out': expected no 'out'"),
    (set_in("nodes", 0, "args", [0, 1, 2, 2]), "does not take these arguments"),
    (set_in("nodes", 0, "args", []), "does not take these arguments"),
    (set_in("nodes", 0, "op", "softmax"), "does not take these arguments"),
    (set_in("nodes", 0, "kwargs", "relu", {"str": "yes"}), "keyword 'relu'"),
    (set_in("nodes", 0, "kwargs", "flatten", {"tuple": [1, 2]}), "keyword 'flatten'"),
    (set_in("nodes", 0, "kwargs", "flatten", [[[[[[1]]]]]]), "keyword 'flatten'"),
    (set_in("nodes", 0, "kwargs", "flatten", 1e308), "keyword 'flatten'"),
    (set_in("nodes", 0, "kwargs", {"": True}), "field 'kwargs'"),
    (set_in("nodes", 0, "kwargs", "flatten", "yes"), "keyword 'flatten'"),
    (set_in("nodes", 0, "kwargs", "flatten", None), "keyword 'flatten'"),
    (set_in("nodes", 0, "kwargs", "flatten", {"ellipsis": True}), "keyword 'flatten'"),
    (set_in("values", 1, "shape", [10**12]), "at most 134217728 elements"),
    (set_in("values", 1, "shape", [2**20, 2**20]), "at most 134217728 elements"),
    (set_in("values", 1, "shape", [1] * 40), "in 32 dimensions"),
    (lambda doc: [doc["values"][i].update(shape=[2**27], dtype="float64")
                  for i in (1, 2, 4)], r"need 3221225\d+ bytes together"),
    (set_in("values", 3, "shape", [2, 9]), "file declares"),
    (set_in("values", 3, "dtype", "float64"), "file declares float64"),
    (set_in("nodes", 0, "op", "copy"), "does not take these arguments"),
    (set_in("nodes", 0, "add"), "export"),
    (set_in("nodes", 1, "fully_connected"), "export"),
    (set_in("nodes", 0, "not a node"), "export"),
    (set_in("params_sha256", 5), "field 'params_sha256'"),
    (lambda doc: doc["nodes"].__setitem__(0, "add"), "an object such as"),
    (lambda doc: doc["values"].__setitem__(2, "param"), "an object such as"),
    (lambda doc: doc.__setitem__("nodes", "fully_connected"), "field 'nodes'"),
])
def test_hostile_graph_files(exported, change, phrase):
    edit(exported[0], change)
    with pytest.raises(FileFormatError, match=phrase) as info:
        gluon.SymbolBlock.imports(exported[0], "data", exported[1])
    assert "'net-symbol.json'" in str(info.value) and "export" in str(info.value)


def test_number_with_4300_digits(exported):
    rewrite(exported[0], '"version": 1', '"version": 1' + "0" * 4300)
    with pytest.raises(FileFormatError, match="at most 20 digits"):
        gluon.SymbolBlock.imports(exported[0], "data", exported[1])
    rewrite(exported[0], '"version": 1' + "0" * 4300, '"version": 1e999999')
    with pytest.raises(FileFormatError, match="field 'version'"):
        gluon.SymbolBlock.imports(exported[0], "data", exported[1])


def test_graph_file_size_is_capped(exported, monkeypatch):
    from d2lmini.gluon import symbol

    monkeypatch.setattr(symbol, "MAX_GRAPH_FILE", 100)
    with pytest.raises(FileFormatError, match="larger than 100 bytes"):
        gluon.SymbolBlock.imports(exported[0], "data", exported[1])


class Broadcast(gluon.HybridBlock):
    def forward(self, x, y):
        return x + y


def test_broadcast_blow_up_is_refused_before_running():
    net = Broadcast()
    net.hybridize()
    net(np.ones((4, 1)), np.ones((1, 4)))
    files = net.export("b")
    edit(files[0], lambda doc: (doc["values"][0].update(shape=[100000, 1]),
                                doc["values"][1].update(shape=[1, 100000])))
    with pytest.raises(FileFormatError, match=r"it gives \(100000, 100000\), but "
                       r"the file declares \(4, 4\)"):
        gluon.SymbolBlock.imports(files[0], ["x", "y"], files[1])


class Axis(gluon.HybridBlock):
    def forward(self, x):
        return npx.softmax(x, axis=1).sum(axis=0)


def test_op_keyword_out_of_range_is_refused_at_import():
    net = Axis()
    net.hybridize()
    net(np.ones((2, 3)))
    files = net.export("a")
    edit(files[0], set_in("nodes", 0, "kwargs", "axis", 7))
    with pytest.raises(FileFormatError, match=r"node 0 \(softmax\): it fails on "
                       r"inputs.*AxisError"):
        gluon.SymbolBlock.imports(files[0], "x", files[1])
    edit(files[0], set_in("nodes", 0, "kwargs", "axis", "1"))
    with pytest.raises(FileFormatError, match="keyword 'axis': expected a number"):
        gluon.SymbolBlock.imports(files[0], "x", files[1])
    edit(files[0], set_in("nodes", 0, "kwargs", "axis", {"str": "1"}))
    with pytest.raises(FileFormatError, match="keyword 'axis': expected an axis"):
        gluon.SymbolBlock.imports(files[0], "x", files[1])


def test_a_mismatched_pair_is_refused_with_a_re_export_hint():
    net = small_mlp()
    net.initialize()
    net.hybridize()
    net(np.ones((2, 5)))
    first = net.export("net")
    old_graph = open(first[0]).read()
    net[0].weight.set_data(net[0].weight.data() + 1)
    net.export("net")  # new parameters ...
    with open(first[0], "w") as f:
        f.write(old_graph)  # ... beside the old graph, as a killed export leaves
    with pytest.raises(FileFormatError, match="not the parameter file exported with "
                       "'net-symbol.json'.*net.export"):
        gluon.SymbolBlock.imports(*first[:1], "data", first[1])
    edit(first[0], lambda doc: doc.pop("params_sha256"))
    with pytest.raises(FileFormatError, match="does not record which parameter"):
        gluon.SymbolBlock.imports(first[0], "data", first[1])
    gluon.SymbolBlock.imports(first[0], "data")  # without parameters: no check


def test_export_is_deterministic():
    net = small_mlp()
    net.initialize()
    net.hybridize()
    net(np.ones((2, 5)))
    a = [open(f, "rb").read() for f in net.export("a")]
    b = [open(f, "rb").read() for f in net.export("b")]
    assert a == b


def test_float64_stays_float64_through_export_and_save():
    net = nn.HybridSequential()
    net.add(nn.Dense(3, in_units=4, dtype="float64"))
    net.initialize()
    net.hybridize()
    x = np.ones((2, 4), dtype="float64")
    want = net(x).asnumpy()
    files = net.export("d")
    clone = gluon.SymbolBlock.imports(files[0], "x", files[1])
    assert clone.collect_params()["0.weight"].data().dtype == onp.float64
    got = clone(x).asnumpy()
    assert got.dtype == onp.float64
    onp.testing.assert_array_equal(got, want)


def test_import_leaves_the_random_stream_alone():
    class Drop(gluon.HybridBlock):
        def forward(self, x):
            return npx.dropout(x, p=0.5) if hasattr(npx, "dropout") else x * 2

    net = Drop()
    net.hybridize()
    with autograd.train_mode():
        net(np.ones((3, 3)))
    files = net.export("r")
    np.random.seed(5)
    want = np.random.uniform(size=4).asnumpy()
    np.random.seed(5)
    gluon.SymbolBlock.imports(files[0], "x", files[1])
    onp.testing.assert_array_equal(np.random.uniform(size=4).asnumpy(), want)


class Tiled(gluon.HybridBlock):
    def forward(self, x):
        return np.tile(x, (2, 1)).sum(axis=0)


def test_keyword_that_would_replicate_beyond_the_cap_is_refused():
    net = Tiled()
    net.hybridize()
    net(np.ones((2, 3)))
    files = net.export("t")
    edit(files[0], set_in("nodes", 0, "kwargs", "reps", {"tuple": [40000, 40000]}))
    with pytest.raises(FileFormatError, match=r"node 0 \(tile\): with these keywords "
                       r"it can give up to 9600000000 elements"):
        gluon.SymbolBlock.imports(files[0], "x", files[1])
    edit(files[0], set_in("nodes", 0, "kwargs", "reps", {"tuple": [3, 1]}))
    with pytest.raises(FileFormatError, match=r"gives float32 \(6, 3\), but the file "
                       r"declares float32 \(4, 3\)"):
        gluon.SymbolBlock.imports(files[0], "x", files[1])


class Twice(gluon.HybridBlock):
    def __init__(self):
        super().__init__()
        self.dense = nn.Dense(3)

    def forward(self, x):
        h = self.dense(x)
        return h * h  # one value read twice by one op (found by the fuzzer)


def test_a_value_read_twice_by_one_op_round_trips():
    round_trip(Twice, np.random.normal(size=(2, 4)))


class Joined(gluon.HybridBlock):
    def forward(self, x):
        return np.concatenate([x, x], axis=0)


def test_joining_many_copies_is_bounded_before_running():
    net = Joined()
    net.hybridize()
    net(np.ones((2, 3)))
    files = net.export("j")
    edit(files[0], lambda doc: (doc["values"][0].update(shape=[2**26, 2]),
                                doc["nodes"][0].update(args=[0] * 3)))
    with pytest.raises(FileFormatError, match="can give up to 402653184 elements"):
        gluon.SymbolBlock.imports(files[0], "x", files[1])
