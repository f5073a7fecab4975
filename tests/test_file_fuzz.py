"""A seeded mutation fuzzer over the four readers (issue 13): npx.load,
Block.load_parameters, SymbolBlock.imports (graph file and parameter file).

Each case mutates one file of a small corpus (bytes, zip fields, .npy headers, graph
JSON) and reads it. Allowed outcomes: it loads, or it raises one of d2lmini's own
exceptions (errors.py); a failed load_parameters leaves the network exactly as it
was. Everything else (a NumPy, zipfile, zlib or json exception, MemoryError, a
changed network) fails the test. D2LMINI_FUZZ_CASES scales the number of cases,
D2LMINI_FUZZ_SEED picks other ones.
"""

import copy
import json
import os
import random
import re
import time
import traceback

import numpy as onp
import pytest

import d2lmini.errors
from d2lmini import gluon, np, npx
from d2lmini.gluon import nn
from d2lmini.serialization import file_sha256

OURS = tuple(c for c in vars(d2lmini.errors).values()
             if isinstance(c, type) and issubclass(c, Exception))
SCALE = float(os.environ.get("D2LMINI_FUZZ_CASES", "1"))  # more: 10 (ten times)
SEED = int(os.environ.get("D2LMINI_FUZZ_SEED", "20261204"))
CASES = {"npx.load": 1200, "load_parameters": 700, "imports (graph)": 700,
         "imports (params)": 400}
INTS = [0, 1, 2, 7, 8, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 10**9]
DESCRS = ["'<c8'", "'|O'", "'>f4'", "'<U3'", "'|V0'", "'<M8[s]'", "'|S2'", "'<f2'",
          "[('a', '<f4')]", "'|b1'", "'>i8'", "'x'", "1", "None"]
SHAPES = ["(10**12,)", "(1000000000000,)", "()", "(0,)", "(-1,)",
          "(4611686018427387904,)", "(" + "2, " * 34 + ")", "(1, 1, 1)", "[3]",
          "(3.0,)", "(True,)"]
JSON_VALUES = [None, True, False, 0, -1, 1, 2**31, 2**63, 10**30, 1e308, -0.0, 0.5,
               "", "x", "add", "float64", "object", [], [0], [[[[[]]]]], {},
               {"tuple": [1, 2]}, {"dtype": "object"}, {"dtype": "float64"},
               {"str": "fro"}, {"slice": [0, 99, None]}, {"float": "nan"},
               {"ellipsis": True}, [10**6, 10**6], [2**40], [-3], "const:0"]


def make_net():
    net = nn.HybridSequential()
    net.add(nn.Dense(4, activation="relu"), nn.Dense(3, dtype="float64"))
    return net


class Graphy(gluon.HybridBlock):
    """Ops with keywords: reshape, getitem, sum over axes, softmax, a constant."""

    def __init__(self):
        super().__init__()
        self.dense = nn.Dense(6)
        self.offset = np.array([1.0, -1.0, 0.5])

    def forward(self, x):
        h = self.dense(x).reshape(2, 2, 3)[:, 1:, ...] + self.offset
        return npx.softmax(h.sum(axis=1), axis=-1)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """name -> bytes of every seed file, plus the export pair of Graphy."""
    folder = tmp_path_factory.mktemp("corpus")
    back = os.getcwd()
    os.chdir(folder)  # restored below: later tests use relative paths
    try:
        return _make_corpus()
    finally:
        os.chdir(back)


def _make_corpus():
    net = make_net()
    net.initialize()
    net(np.ones((2, 5)))
    net.save_parameters("net.params")
    npx.save("list", [np.arange(6).reshape(2, 3), np.zeros(3, dtype="int32"),
                      np.ones((2, 2), dtype="bool")])
    npx.save("dict", {"a": np.ones(3, dtype="float64"), "b": np.arange(4)})
    onp.savez_compressed("zipped.npz", w=onp.arange(40.0).reshape(5, 8),
                         b=onp.ones(3, "uint8"))
    onp.save("one.npy", onp.arange(6, dtype=">i4").reshape(2, 3))
    graphy = Graphy()
    graphy.initialize()
    graphy.hybridize()
    graphy(np.ones((2, 5)))
    graphy.export("g")
    names = ["net.params", "list", "dict", "zipped.npz", "one.npy", "g-0000.params"]
    files = {n: open(n, "rb").read() for n in names}
    files["g-symbol.json"] = open("g-symbol.json", "rb").read()
    return files


# ---- mutations ----------------------------------------------------------------------
def mutate_bytes(rng, data, others):
    data = bytearray(data)
    for _ in range(rng.choice([1, 1, 1, 2, 3, 8])):
        how = rng.randrange(9)
        at = rng.randrange(len(data) + 1) if data else 0
        if how == 0 and data:  # flip bits
            data[min(at, len(data) - 1)] ^= 1 << rng.randrange(8)
        elif how == 1 and data:  # an interesting byte
            data[min(at, len(data) - 1)] = rng.choice([0, 1, 0x7F, 0x80, 0xFF])
        elif how == 2:  # truncate
            del data[at:]
        elif how == 3:  # insert junk
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))
        elif how == 4:  # delete a chunk
            del data[at:at + rng.randrange(1, 64)]
        elif how == 5 and len(data) > 4:  # a 16- or 32-bit field
            width = rng.choice([2, 4])
            at = min(at, len(data) - width)
            data[at:at + width] = (rng.choice(INTS) & (2**(8 * width) - 1)).to_bytes(
                width, "little")
        elif how == 6:  # duplicate a chunk
            chunk = data[at:at + rng.randrange(1, 200)]
            data[at:at] = chunk
        elif how == 7:  # splice another file in
            other = rng.choice(others)
            cut = rng.randrange(len(other) + 1)
            data[at:] = other[cut:]
        else:
            data += bytes(rng.randrange(4))
    return bytes(data)


ZIP_FIELDS = {  # signature -> (offset, width) of the fields worth changing
    b"PK\x03\x04": [(4, 2), (6, 2), (8, 2), (14, 4), (18, 4), (22, 4), (26, 2),
                    (28, 2)],
    b"PK\x01\x02": [(6, 2), (8, 2), (10, 2), (16, 4), (20, 4), (24, 4), (28, 2),
                    (30, 2), (32, 2), (34, 2), (42, 4)],
    b"PK\x05\x06": [(4, 2), (8, 2), (10, 2), (12, 4), (16, 4), (20, 2)],
}


def mutate_zip(rng, data):
    data = bytearray(data)
    spots = [(m.start(), sig) for sig in ZIP_FIELDS
             for m in re.finditer(re.escape(sig), bytes(data))]
    if not spots:
        return bytes(data)
    for _ in range(rng.choice([1, 1, 2])):
        at, sig = rng.choice(spots)
        offset, width = rng.choice(ZIP_FIELDS[sig])
        value = rng.choice(INTS + [rng.randrange(2**(8 * width))])
        value &= 2**(8 * width) - 1
        if sig == b"PK\x01\x02" and offset == 8 and rng.random() < 0.5:
            value = rng.choice([1, 0x20, 0x40, 0x2000, 0x0008])  # flag bits
        if offset == 10 and rng.random() < 0.5:
            value = rng.choice([1, 6, 9, 12, 14, 93, 95, 98, 99])  # methods
        data[at + offset:at + offset + width] = value.to_bytes(width, "little")
    return bytes(data)


def mutate_header(rng, data):
    """Rewrite the descr or shape of one .npy header, keeping its length."""
    text = data.decode("latin-1")
    heads = [m for m in re.finditer(r"\{'descr': (.*?), 'fortran_order': (\w+), "
                                    r"'shape': (\(.*?\)), \}( *)\n", text)]
    if not heads:
        return data
    m = rng.choice(heads)
    descr, order, shape = m.group(1), m.group(2), m.group(3)
    pick = rng.randrange(3)
    if pick == 0:
        descr = rng.choice(DESCRS)
    elif pick == 1:
        shape = rng.choice(SHAPES)
    else:
        order = rng.choice(["True", "1", "None", "False"])
    body = f"{{'descr': {descr}, 'fortran_order': {order}, 'shape': {shape}, }}"
    width = m.end() - m.start() - 1
    body = body + " " * (width - len(body)) + "\n" if len(body) <= width else \
        body[:width] + "\n"
    return (text[:m.start()] + body + text[m.end():]).encode("latin-1")


def fresh(rng):
    """A JSON value from the pool, never shared with an earlier case."""
    return copy.deepcopy(rng.choice(JSON_VALUES))


def mutate_json(rng, text):
    doc = json.loads(text)
    for _ in range(rng.choice([1, 1, 2])):
        path, node = [], doc
        while isinstance(node, (dict, list)) and node and rng.random() < 0.8:
            key = rng.choice(list(node) if isinstance(node, dict) else
                             range(len(node)))
            path.append((node, key))
            node = node[key]
        if not path:
            continue
        parent, key = path[-1]
        how = rng.randrange(5)
        if how == 0 and isinstance(parent, dict):
            del parent[key]
        elif how == 1 and isinstance(parent, dict):
            parent[rng.choice(["x", "axis", "colour", "__class__", "keepdims"])] = \
                fresh(rng)
        elif how == 2 and isinstance(node, int) and not isinstance(node, bool):
            parent[key] = node + rng.choice([-1, 1, 2, -7, 1000, 10**12])
        else:
            parent[key] = fresh(rng)
    out = json.dumps(doc)
    if rng.random() < 0.1:  # a number json's int() refuses, or deep nesting
        out = out.replace("1", "1" + "0" * 4300, 1) if rng.random() < 0.5 else \
            out.replace("[]", "[" * 5000 + "]" * 5000, 1)
    return out.encode()


def mutated(rng, data, others):
    pick = rng.random()
    if pick < 0.45:
        return mutate_bytes(rng, data, others)
    if pick < 0.75:
        return mutate_zip(rng, data)
    return mutate_header(rng, data)


# ---- readers and their invariants -----------------------------------------------
def snapshot(net):
    return {k: (p.shape, p.dtype, p.state, None if p._data is None
                else p._data.asnumpy().copy()) for k, p in net.collect_params().items()}


def unchanged(net, before):
    after = snapshot(net)
    return after.keys() == before.keys() and all(
        a[:3] == b[:3] and (a[3] is None) == (b[3] is None)
        and (a[3] is None or onp.array_equal(a[3], b[3]))
        for a, b in ((after[k], before[k]) for k in before))


def run_case(reader, rng, corpus, counts, problems):
    others = list(corpus.values())
    if reader == "npx.load":
        seed = rng.choice(["net.params", "list", "dict", "zipped.npz", "one.npy",
                           "g-0000.params"])
        with open("case", "wb") as f:
            f.write(mutated(rng, corpus[seed], others))
        call, net = (lambda: npx.load("case")), None
    elif reader == "load_parameters":
        with open("case", "wb") as f:
            f.write(mutated(rng, corpus["net.params"], others))
        net = make_net()
        net.initialize()
        if rng.random() < 0.5:
            net(np.ones((2, 5)))  # else deferred shapes stay (4, -1)
        call = lambda: net.load_parameters("case", allow_missing=rng.random() < 0.3)  # noqa: E731
    elif reader == "imports (graph)":
        with open("case-symbol.json", "wb") as f:
            f.write(mutate_json(rng, corpus["g-symbol.json"].decode())
                    if rng.random() < 0.8 else
                    mutate_bytes(rng, corpus["g-symbol.json"], others))
        with open("case.params", "wb") as f:
            f.write(corpus["g-0000.params"])
        call, net = _imports, None
    else:
        with open("case.params", "wb") as f:
            f.write(mutated(rng, corpus["g-0000.params"], others))
        doc = json.loads(corpus["g-symbol.json"])
        doc["params_sha256"] = file_sha256("case.params")  # reach the reader
        with open("case-symbol.json", "w") as f:
            json.dump(doc, f)
        call, net = _imports, None
    before = snapshot(net) if net is not None else None
    start = time.process_time()  # CPU time: a busy machine does not change it
    try:
        call()
        outcome = "loaded"
    except d2lmini.errors.FileFormatError:
        outcome = "FileFormatError"
    except OURS as exc:
        outcome = f"other library error ({type(exc).__name__})"
    except Exception as exc:  # noqa: BLE001 - what the fuzzer is looking for
        outcome = "foreign"
        where = traceback.extract_tb(exc.__traceback__)[-1]
        problems.append(f"{reader}: {type(exc).__name__}: {str(exc)[:200]} at "
                        f"{os.path.basename(where.filename)}:{where.lineno}")
    took = time.process_time() - start
    if took > 2:
        problems.append(f"{reader}: one case took {took:.1f} s")
    if outcome != "loaded" and net is not None and not unchanged(net, before):
        problems.append(f"{reader}: a failed load ({outcome}) changed the network")
    key = outcome.split(" (")[0]
    counts[reader][key] = counts[reader].get(key, 0) + 1


def _imports():
    block = gluon.SymbolBlock.imports("case-symbol.json", "x", "case.params")
    block(np.ones((2, 5)))  # what imports accepted runs
    return block


def test_mutated_files_fail_cleanly(corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = random.Random(SEED)
    counts = {reader: {} for reader in CASES}
    problems = []
    start, cpu = time.perf_counter(), time.process_time()
    for reader, n in CASES.items():
        for _ in range(int(n * SCALE)):
            run_case(reader, rng, corpus, counts, problems)
    total = sum(sum(c.values()) for c in counts.values())
    print(f"\nfuzz: {total} cases in {time.perf_counter() - start:.1f} s "
          f"({time.process_time() - cpu:.1f} s of CPU)")
    for reader, c in counts.items():
        print(f"  {reader}: {c}")
    assert not problems, "\n".join(problems[:20])
    for reader, c in counts.items():  # the corpus and mutations reach every outcome
        assert c.get("loaded", 0) and c.get("FileFormatError", 0), (reader, c)
