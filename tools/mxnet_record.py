"""Record what MXNet 1.9.1 does on the programs of tests/diff_programs.py.

Run by hand, with MXNet in a virtual environment OUTSIDE the repository:

    python3.11 -m venv ../mxnet-venv
    ../mxnet-venv/bin/pip install mxnet==1.9.1 'numpy<1.24'
    ../mxnet-venv/bin/python tools/mxnet_record.py

It writes tests/fixtures/mxnet_1.9.1.json (one entry per program: its style and
either the encoded results or the exception class it raised). CI never runs this;
tests/test_mxnet_diff.py only reads the fixture. Options: `--only NAME...` records
just those programs into the existing fixture; `--out PATH` writes elsewhere.
"""

import argparse
import importlib.util
import json
import logging
import os
import re
import sys
import types
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "mxnet_1.9.1.json"


def load_programs():
    spec = importlib.util.spec_from_file_location(
        "diff_programs", ROOT / "tests" / "diff_programs.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def namespace():
    import mxnet as mx
    import numpy as onp
    from mxnet import autograd, gluon, init, nd, np, npx
    from mxnet.gluon import nn

    return types.SimpleNamespace(
        np=np,
        npx=npx,
        autograd=autograd,
        gluon=gluon,
        nn=nn,
        init=init,
        nd=nd,
        mx=mx,
        onp=onp,
        framework="mxnet",
    )


def message(exc):
    """One short, stable line: MXNet's own error line, without temporary paths or
    the global name counters (dense12_weight)."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    useful = [ln for ln in lines if "MXNetError" in ln or "Check failed" in ln]
    line = (useful or lines or [""])[-1 if useful else 0]
    line = re.sub(r"/tmp/[^\s',]+", "<tmp>", line)
    line = re.sub(r"\b([a-z]+)\d+_", r"\1N_", line)
    return line[:160]


def run_one(fn, m):
    """Run one program in its style; return the fixture entry."""
    if fn.style == "np":
        m.npx.set_np()
    else:
        m.npx.reset_np()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = fn(m)
        m.nd.waitall()
        entry = {"style": fn.style, "result": programs.encode(result)}
    except Exception as exc:  # recorded: the program raises under MXNet
        try:
            m.nd.waitall()
        except Exception:
            pass
        entry = {
            "style": fn.style,
            "error": type(exc).__name__,
            "message": message(exc),
        }
    finally:
        m.npx.reset_np()
    return entry


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--out", default=str(FIXTURE))
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    os.environ.setdefault("MXNET_ENGINE_TYPE", "NaiveEngine")  # errors surface at once
    m = namespace()
    out = Path(args.out)
    entries = {}
    if args.only is not None and out.exists():
        entries = json.loads(out.read_text())["programs"]
    names = args.only if args.only is not None else list(programs.PROGRAMS)
    for name in names:
        fn = programs.PROGRAMS[name]
        m.mx.random.seed(0)
        entries[name] = run_one(fn, m)
    ordered = {n: entries[n] for n in programs.PROGRAMS if n in entries}
    data = {
        "mxnet": m.mx.__version__,
        "numpy": m.onp.__version__,
        "python": sys.version.split()[0],
        "regenerate": "../mxnet-venv/bin/python tools/mxnet_record.py",
        "programs": ordered,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=0, separators=(",", ":")) + "\n")
    tmp.replace(out)
    errors = sum("error" in e for e in ordered.values())
    print(
        f"{len(ordered)} programs recorded ({errors} raise under MXNet) -> {out} "
        f"({out.stat().st_size // 1024} KiB)"
    )


programs = load_programs()

if __name__ == "__main__":
    main()
