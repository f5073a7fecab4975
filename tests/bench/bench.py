"""Benchmark d2lmini against hand-written NumPy: the workloads of BENCHMARKS.md.

Every figure is a ratio, d2lmini time / NumPy floor time, from the same run; the
workloads and their floors are in workloads.py. With --device gpu everything runs
on npx.gpu(0), the floor is the same code in CuPy and a PyTorch row is added. A
plain script, not a test:

    .venv/bin/python tests/bench/bench.py [--quick] [--repeats 5] [--workloads W1,W3]
        [--variants eager|all|NAME,...] [--device cpu|gpu] [--no-import] [--json PATH]
"""

import os

# One BLAS/OpenMP thread, set before NumPy is imported (BENCHMARKS.md defaults).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from types import SimpleNamespace  # noqa: E402

import numpy as onp  # noqa: E402
from workloads import TORCH, VARIANTS, WORKLOADS  # noqa: E402  (this folder)

# The timing core that d2lmini.benchmark() and the timing widget use too.
from d2lmini.text import format_time as fmt_time  # noqa: E402
from d2lmini.timing import time_per_call  # noqa: E402

REPO = Path(__file__).resolve().parents[2]

# (workload, variant) -> (limit, unit); unit "x" is a ratio to the floor, "us" an
# absolute time per iteration. The hybridized limits apply to the best setting.
TARGETS = {
    ("W1", "eager"): (2.5, "x"), ("W2", "eager"): (1.3, "x"),
    ("W3", "eager"): (2.5, "x"), ("W4", "eager"): (1.05, "x"),
    ("W5", "eager outside record"): (1.5, "us"),
    ("W5", "eager inside record"): (3.0, "us"),
}
for _name in ("hybridized", "hybridized static_alloc"):
    TARGETS.update({("W1", _name): (1.3, "x"), ("W2", _name): (1.15, "x"),
                    ("W3", _name): (1.0, "x"), ("W4", _name): (1.05, "x")})
HYBRID_SPEEDUP = {"W1": 2.0, "W3": 2.0}   # hybridized must beat eager by this much
IMPORT_TARGET_S = 0.15
# d2lmini's own share: `import d2lmini` after `import numpy` in one interpreter.
OWN_IMPORT_TARGET_S = 0.060
# On a GPU (issue 4): hybridized replay at least 5x faster than eager on W1 and W3,
# and within 1.5x of plain CuPy on W4. W5 is reported per add, without a target.
GPU_TARGETS = {("W4", name): (1.5, "x")
               for name in ("hybridized", "hybridized static_alloc")}
GPU_HYBRID_SPEEDUP = {"W1": 5.0, "W3": 5.0}
NO_GPU = ("bench.py: --device gpu: no GPU found (npx.num_gpus() is 0); it needs an "
          "NVIDIA GPU and CuPy: pip install -e '.[gpu]'")


# ---------------------------------------------------------------- timing
def time_case(case, iters, repeats, waitall):
    """Warm up, then time floor and variants in turn within each repeat.

    Interleaving lets a slow spell of a shared machine hit all of them alike. Each
    reading waits for its run's device work: waitall (npx.waitall) for d2lmini, the
    case's own sync for the floor (none on the CPU) and for PyTorch.
    Returns name -> {"median", "min", "max"} in seconds per iteration."""
    runs = {"floor": (case.floor, case.syncs.get("floor", lambda: None))}
    runs.update({k: (v, case.syncs.get(k, waitall))
                 for k, v in case.variants.items() if callable(v)})
    for run, sync in runs.values():
        run(max(1, iters // 10))
        sync()
    times = {k: [] for k in runs}
    for _ in range(repeats):
        for name, (run, sync) in runs.items():
            gc.collect()
            times[name].append(time_per_call(run, iters, sync))
    return {k: {"median": statistics.median(v), "min": min(v), "max": max(v)}
            for k, v in times.items()}


def import_time(module, runs=5, after=None):
    """Median seconds of `import module` in fresh interpreters, after one warm-up;
    `after`: a module imported first, outside the clock (its share left out)."""
    first = f"import {after}; " if after else ""
    code = (f"import time; {first}t = time.perf_counter(); import {module}; "
            "print(time.perf_counter() - t)")
    out = []
    for i in range(runs + 1):
        res = subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True,
                             capture_output=True, text=True)
        if i:   # the first run may still be writing .pyc files
            out.append(float(res.stdout.split()[-1]))
    return statistics.median(out)


# ---------------------------------------------------------------- report
def spread(t):
    """(max - min) / median over the repeats."""
    return f"{100 * (t['max'] - t['min']) / t['median']:.0f}%"


def make_rows(wid, name, case, timed, targets=TARGETS):
    rows = []
    for vname, run in case.variants.items():
        row = {"id": wid, "workload": f"{wid} {name}", "variant": vname}
        rows.append(row)
        if not callable(run):
            row["error"] = run
            continue
        t, floor = timed[vname], timed["floor"]
        row.update(floor=floor, time=t, ratio=t["median"] / floor["median"],
                   first_call_s=case.first_call.get(vname))
        limit, unit = targets.get((wid, vname), (None, None))
        if limit is not None:
            value = row["ratio"] if unit == "x" else t["median"] * 1e6
            row["target"] = f"≤ {limit:g}" + (" µs" if unit == "us" else "")
            row["met"] = value <= limit
    return rows


def print_table(rows, speedup_goals=HYBRID_SPEEDUP):
    head = ("workload", "variant", "floor/iter", "spread", "d2lmini/iter", "spread",
            "ratio", "target", "result")
    lines = []
    for r in rows:
        if "error" in r:
            status = "skipped" if r["error"].startswith("skipped") else "ERROR"
            lines.append((r["workload"], r["variant"], "", "", "", "", "", "", status))
        else:
            lines.append((r["workload"], r["variant"], fmt_time(r["floor"]["median"]),
                          spread(r["floor"]), fmt_time(r["time"]["median"]),
                          spread(r["time"]), f"{r['ratio']:.2f}", r.get("target", ""),
                          {True: "met", False: "MISSED"}.get(r.get("met"), "")))
    widths = [max(len(c) for c in col) for col in zip(head, *lines)]
    for line in [head, tuple("-" * w for w in widths)] + lines:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip())
    for r in rows:
        if "error" in r:
            print(f"{r['id']} {r['variant']}: {r['error']}")
    timed = {(r["id"], r["variant"]): r for r in rows if "time" in r}
    for (wid, vname), r in timed.items():
        if vname.startswith("hybridized") and (wid, "eager") in timed:
            speedup = timed[wid, "eager"]["time"]["median"] / r["time"]["median"]
            goal = speedup_goals.get(wid)
            verdict = f", target ≥ {goal:g}x: " + (
                "met" if speedup >= goal else "MISSED") if goal else ""
            print(f"{wid} {vname}: {speedup:.2f}x faster than eager{verdict}; "
                  f"first call (traces) {fmt_time(r['first_call_s'])}")


def print_import(import_s, numpy_s, own_s):
    met = "met" if import_s <= IMPORT_TARGET_S else "MISSED"
    own_met = "met" if own_s <= OWN_IMPORT_TARGET_S else "MISSED"
    print(f"\nimport d2lmini: {import_s:.3f} s (median of 5 fresh interpreters, "
          f"NumPy's own import included), target ≤ {IMPORT_TARGET_S:g} s: {met}\n"
          f"import numpy alone: {numpy_s:.3f} s\n"
          f"import d2lmini after import numpy (d2lmini's own share): "
          f"{own_s * 1e3:.0f} ms, target ≤ {OWN_IMPORT_TARGET_S * 1e3:.0f} ms: "
          f"{own_met}")


# ---------------------------------------------------------------- main
def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: iterations divided by 10")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--workloads", default=",".join(WORKLOADS),
                    help="comma-separated ids, e.g. W1,W3 (default: all)")
    ap.add_argument("--variants", default="eager",
                    help=f"'all' or comma-separated names from {list(VARIANTS)}, "
                    f"and {TORCH!r} with --device gpu")
    ap.add_argument("--device", choices=("cpu", "gpu"), default="cpu",
                    help="where inputs and parameters live: the CPU (floor: NumPy) "
                    "or npx.gpu(0) (floor: CuPy, plus a PyTorch row)")
    ap.add_argument("--no-import", action="store_true",
                    help="skip the import-time measurement")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = ap.parse_args(argv)
    args.workloads = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    known = list(VARIANTS) + ([TORCH] if args.device == "gpu" else [])
    args.variants = (known if args.variants == "all" else
                     [v.strip() for v in args.variants.split(",") if v.strip()])
    for w in args.workloads:
        if w not in WORKLOADS:
            ap.error(f"unknown workload {w!r}; choose from {', '.join(WORKLOADS)}")
    for v in args.variants:
        if v == TORCH and args.device != "gpu":
            ap.error(f"variant {TORCH!r} runs only with --device gpu")
        if v not in known:
            ap.error(f"unknown variant {v!r}; choose from {known} or 'all'")
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    return args


def gpu_setup(npx):
    """(device, CuPy, floor sync, facts for the report) for --device gpu, or None
    when this machine has no GPU."""
    if npx.num_gpus() == 0:
        return None
    import cupy
    device = npx.gpu(0)
    facts = {"device": str(device), "cupy": cupy.__version__}
    try:
        name = cupy.cuda.runtime.getDeviceProperties(device.device_id)["name"]
        facts["gpu"] = name.decode() if isinstance(name, bytes) else str(name)
        version = cupy.cuda.runtime.runtimeGetVersion()
        facts["cuda_runtime"] = f"{version // 1000}.{version % 1000 // 10}"
    except Exception as exc:  # the report still runs without these facts
        facts["gpu"] = f"unknown ({type(exc).__name__})"
    try:
        import torch
        facts["torch"] = torch.__version__
    except ImportError:
        facts["torch"] = None
    except Exception as exc:  # installed but broken: its row will say why
        facts["torch"] = f"unusable ({type(exc).__name__})"

    def sync():
        cupy.cuda.Device(device.device_id).synchronize()
    return device, cupy, sync, facts


def main(argv=None):
    args = parse_args(argv)
    import d2lmini
    from d2lmini import autograd, gluon, init, np, npx
    from d2lmini.gluon import nn
    device, xp, floor_sync, gpu = npx.cpu(), onp, None, None
    targets, speedup_goals = TARGETS, HYBRID_SPEEDUP
    if args.device == "gpu":
        setup = gpu_setup(npx)
        if setup is None:
            print(NO_GPU, file=sys.stderr)
            return 2
        device, xp, floor_sync, gpu = setup
        targets, speedup_goals = GPU_TARGETS, GPU_HYBRID_SPEEDUP
    lib = SimpleNamespace(np=np, npx=npx, autograd=autograd, gluon=gluon, init=init,
                          nn=nn, device=device, xp=xp, floor_sync=floor_sync)
    threads = "/".join(os.environ[v] for v in
                       ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"))
    print(f"d2lmini bench: Python {platform.python_version()}, NumPy "
          f"{onp.__version__}, {os.cpu_count()} CPUs, OMP/OPENBLAS/MKL threads "
          f"{threads}, {args.repeats} repeats"
          f"{', --quick (iterations / 10)' if args.quick else ''}", flush=True)
    if gpu is not None:
        print(f"device {gpu['device']}: {gpu['gpu']}, CUDA runtime "
              f"{gpu.get('cuda_runtime', '?')}, CuPy {gpu['cupy']} (the floor), "
              f"PyTorch {gpu['torch'] or 'not installed'}; ratios are to plain CuPy",
              flush=True)
    rows = []
    for wid in args.workloads:
        name, iters, build = WORKLOADS[wid]
        iters = max(1, iters // 10) if args.quick else iters
        case = build(lib, args.variants)
        timed = time_case(case, iters, args.repeats, npx.waitall) if case.floor else {}
        rows += make_rows(wid, name, case, timed, targets)
        print(f"  {wid} {name}: {iters} iterations x {args.repeats} repeats",
              flush=True)
    print()
    print_table(rows, speedup_goals)
    import_s = numpy_s = own_s = None
    if not args.no_import:
        import_s, numpy_s = import_time("d2lmini"), import_time("numpy")
        own_s = import_time("d2lmini", runs=9, after="numpy")
        print_import(import_s, numpy_s, own_s)
    if args.json:
        report = {
            "python": platform.python_version(), "numpy": onp.__version__,
            "cpus": os.cpu_count(), "threads": threads, "quick": args.quick,
            "repeats": args.repeats, "d2lmini_file": d2lmini.__file__,
            "import_d2lmini_s": import_s, "import_numpy_s": numpy_s,
            "import_target_s": IMPORT_TARGET_S, "import_own_s": own_s,
            "import_own_target_s": OWN_IMPORT_TARGET_S, "rows": rows}
        if gpu is not None:
            report["gpu"] = gpu
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 1 if any("error" in r and not r["error"].startswith("skipped")
                    for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
