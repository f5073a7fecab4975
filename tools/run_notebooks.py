"""Re-execute the chapter's notebooks and store their outputs.

    .venv/bin/python tools/run_notebooks.py              # every chapter05/NN_*.ipynb
    .venv/bin/python tools/run_notebooks.py chapter05/04_lazy_initialization.ipynb

Each notebook runs top to bottom on a fresh kernel (the interpreter running this
script), in chapter05/, with PYTHONHASHSEED=0, as nbval runs it in the tests. Its
outputs are written back only when every cell ran; cells tagged `raises-exception`
may raise. Widget state is not stored, so exported HTML and a notebook opened
without a kernel show the views' static HTML. Execution timings and counts are
normalised, and the widget views' model ids (which name no stored state) made
stable, so that re-running an unchanged notebook changes nothing but the
volatile outputs (cells tagged `nbval-ignore-output`).

Prints one line per notebook: seconds on the wall clock and the kernel's peak
memory (VmHWM), then the totals.
"""

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "chapter05"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
CELL_TIMEOUT = 120  # seconds; a cell that takes this long is a bug in the lesson
KERNEL_SPEC = {"display_name": "Python 3 (ipykernel)", "language": "python",
               "name": "python3"}


def chapter_notebooks():
    return sorted(CHAPTER.glob("[0-9][0-9]_*.ipynb"))


def peak_memory_mib(pid):
    """The kernel's peak resident memory, read from /proc (None elsewhere)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def normalise(nb):
    """Drop what changes from run to run but says nothing to a reader."""
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = dict(KERNEL_SPEC)
    count = 0
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        count += 1
        cell.execution_count = count if cell.outputs or cell.source.strip() else None
        for number, output in enumerate(cell.outputs):
            if "execution_count" in output:
                output["execution_count"] = count
            output.get("metadata", {}).pop("execution", None)
            view = output.get("data", {}).get(WIDGET_MIME)
            if view:  # no state is stored, so the id names nothing: make it stable
                key = f"{cell.get('id', count)}-{number}".encode()
                view["model_id"] = hashlib.sha1(key).hexdigest()[:32]


def execute(path):
    """Run one notebook; return (notebook, seconds, peak MiB). Raises on failure."""
    nb = nbformat.read(path, as_version=4)
    env = dict(os.environ, PYTHONHASHSEED="0")
    peaks = []

    def record_peak(**_):
        peak = peak_memory_mib(client.km.provisioner.pid)
        if peak is not None:
            peaks.append(peak)

    client = NotebookClient(
        nb, timeout=CELL_TIMEOUT, kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=False, record_timing=False,
        on_cell_executed=record_peak,
    )
    start = time.perf_counter()
    client.execute(env=env, cwd=str(path.parent))
    seconds = time.perf_counter() - start
    normalise(nb)
    return nb, seconds, max(peaks, default=None)


def write_atomically(nb, path):
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        nbformat.write(nb, f)
    os.replace(tmp, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to run (default: every chapter05/NN_*.ipynb)")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or chapter_notebooks()
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    total, peaks, failed = 0.0, [], []
    for number, path in enumerate(paths, 1):
        name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        head = f"[{number}/{len(paths)}] {name}:"
        try:
            nb, seconds, peak = execute(path)
        except CellExecutionError as exc:
            print(f"{head} FAILED (the file is left as it was)", flush=True)
            print(str(exc).strip(), file=sys.stderr)
            failed.append(str(name))
            continue
        write_atomically(nb, path)
        total += seconds
        if peak is not None:
            peaks.append(peak)
        shown = f"{peak:.0f} MiB" if peak is not None else "peak memory unknown"
        print(f"{head} {seconds:.1f} s, {shown}", flush=True)
    if peaks:
        print(f"total {total:.1f} s; largest kernel peak {max(peaks):.0f} MiB")
    if failed:
        print(f"{len(failed)} notebook(s) failed and were not rewritten: "
              f"{', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
