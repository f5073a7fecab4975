"""Time and peak memory of reading hostile files (issue 13). A script, not a test.

    .venv/bin/python tests/bench/file_bombs.py

Builds each file in a temporary folder, then reads it in a fresh subprocess and
prints the outcome, the wall time of the read and the peak resident memory of that
process above what it held after importing d2lmini (VmHWM of /proc/self/status,
reset after the import; Linux only).
"""

import json
import os
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # tests/, for zipcraft
import numpy as onp  # noqa: E402
import zipcraft as zc  # noqa: E402

READ = """
import json, sys, time
import d2lmini
from d2lmini import gluon, np, npx


def rss(field):  # kB of resident memory (VmRSS now, VmHWM peak) from /proc
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field))


with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # restart the peak here (it would include the parent's, from fork)
base = rss("VmRSS")
start = time.perf_counter()
try:
    if sys.argv[1].endswith(".json"):
        block = gluon.SymbolBlock.imports(sys.argv[1], ["x", "y"])
    else:
        npx.load(sys.argv[1])
    outcome = "loaded"
except Exception as exc:
    outcome = f"{type(exc).__name__}: {str(exc)[:150]}"
took = time.perf_counter() - start
print(json.dumps({"outcome": outcome, "seconds": took, "base_mb": base / 1024,
                  "peak_mb": (rss("VmHWM") - base) / 1024}))
"""


def npy_header(dtype, shape):
    text = f"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {shape}, }}"
    return zc.npy(header=text + " " * (117 - len(text)) + "\n")


def cases(folder):
    """name -> path of each hostile file."""
    out = {}

    def put(name, data):
        out[name] = os.path.join(folder, name)
        with open(out[name], "wb") as f:
            f.write(data)

    size = 1_600_000_000  # 1.6 GB of zeros packed in about 1.5 MB
    put("deflate-bomb-1.6GB.npz",
        zc.archive([zc.zeros_member("w.npy", npy_header("|u1", (size,)), size)]))
    put("lying-size-1.6GB.npz", zc.archive([zc.zeros_member(
        "w.npy", npy_header("|u1", (10,)), size, usize=128 + 10)]))
    put("shape-10**12.npz", zc.archive([zc.member(
        "w.npy", npy_header("<f4", (10**12,)) + bytes(500))]))
    content = npy_header("|u1", (64 << 20,)) + bytes(64 << 20)

    def big(**over):  # archive() fills in the offset: a fresh entry for each file
        return dict(zc.member("w.npy", b""), content=content, packed=content,
                    crc=zlib.crc32(content), csize=len(content), usize=len(content),
                    **over)

    put("central-directory-1000x-64MB.npz", zc.archive([big()] + [
        big(offset=0) for _ in range(999)]))
    put("central-directory-1000-names-64MB.npz", zc.archive([big()] + [
        big(offset=0, name=f"{i}.npy".encode()) for i in range(999)]))
    put("valid-64MB.npz", zc.archive([big()]))
    put("members-100k.npz", zc.archive([zc.member(f"{i}.npy", zc.npy(onp.zeros(1)))
                                        for i in range(100_000)]))
    n = 40_000  # (n, 1) + (1, n) is 6.4 GB of float32
    graph = {"format": "d2lmini-graph", "version": 1, "name": "Bomb", "inputs": [0, 1],
             "outputs": [2], "single": True, "params_sha256": None,
             "values": [{"kind": "input", "shape": [n, 1], "dtype": "float32"},
                        {"kind": "input", "shape": [1, n], "dtype": "float32"},
                        {"kind": "node", "shape": [1, 1], "dtype": "float32"}],
             "nodes": [{"op": "add", "args": [0, 1], "kwargs": {}, "out": 2}]}
    put("graph-6.4GB-broadcast-symbol.json", json.dumps(graph).encode())
    return out


def main():
    with tempfile.TemporaryDirectory() as folder:
        for name, path in cases(folder).items():
            run = subprocess.run([sys.executable, "-c", READ, path],
                                 capture_output=True, text=True, timeout=600)
            result = json.loads(run.stdout.strip().splitlines()[-1])
            print(f"{name:36s} {os.path.getsize(path):>11,d} B  "
                  f"{result['seconds']:7.3f} s  +{result['peak_mb']:6.1f} MB "
                  f"(of {result['base_mb'] + result['peak_mb']:.0f})  "
                  f"{result['outcome'][:110]}")


if __name__ == "__main__":
    main()
