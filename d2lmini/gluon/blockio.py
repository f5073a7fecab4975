"""Block methods that look at a whole network: parameter files and summary().

Files hold values only (never code), keyed by structural names; loading checks
everything first and reports every problem at once before assigning anything.
Shown in chapter05/06_file_io.ipynb.
"""

import math
import warnings

from .. import device as _dev
from ..errors import ParameterLoadError
from ..serialization import load_arrays, save_arrays


def save_parameters(self, filename, deduplicate=False):
    """Write every parameter's values to `filename` (an .npz archive, atomically)."""
    params = self.collect_params()
    if not params:
        warnings.warn(
            f"save_parameters({filename!r}): {type(self).__name__} has no "
            "parameters, so the file holds nothing. If it keeps its layers in a "
            "plain Python list, they are not registered: use nn.Sequential or "
            "self.register_child(block).", stacklevel=2)
    missing = [k for k, p in params.items() if p._data is None]
    if missing:
        raise RuntimeError(
            f"save_parameters({filename!r}): {len(missing)} parameter(s) have no "
            f"values yet ({', '.join(missing)}). Call net.initialize() and run one "
            "batch through the network first, e.g. net(X)."
        )
    save_arrays(
        filename, {k: p._data.asnumpy() for k, p in params.items()}, "parameters"
    )  # atomic: a temporary beside the file, synced, then renamed


def load_parameters(
    self,
    filename,
    device=None,
    allow_missing=False,
    ignore_extra=False,
    cast_dtype=False,
    dtype_source="current",
    ctx=None,
):
    """Load values saved by save_parameters into this network's parameters.

    allow_missing: parameters absent from the file keep their values.
    ignore_extra: names in the file that this network lacks are skipped.
    cast_dtype=True, dtype_source='saved': parameters take the file's dtypes;
    otherwise values are converted to each parameter's dtype (float64 stays
    float64). Everything is read, checked and converted before anything is
    assigned, so a load that fails leaves the network exactly as it was.
    """
    if dtype_source not in ("current", "saved"):
        raise ValueError(f"load_parameters: dtype_source must be 'current' or "
                         f"'saved', got {dtype_source!r}")
    kind, arrays = load_arrays(filename)
    if kind == "list":
        raise ParameterLoadError(
            f"load_parameters({filename!r}): the file holds a list of arrays saved "
            "with npx.save, not named parameters. Use npx.load for it, or save the "
            "network with net.save_parameters."
        )
    params = self.collect_params()
    problems = []
    if not allow_missing:
        problems += [f"  missing in file: {k}" for k in params if k not in arrays]
    if not ignore_extra:
        problems += [f"  not in the network: {k}" for k in arrays if k not in params]
    for key in [k for k in params if k in arrays]:  # in the network's order
        want, got = params[key].shape, arrays[key].shape
        if (
            want is None
            or len(want) != len(got)
            or any(w > 0 and w != g for w, g in zip(want, got))
        ):
            problems.append(
                f"  shape mismatch for {key}: file has {got}, network has {want}"
            )
    if problems:
        hint = []
        if any("missing" in p for p in problems):
            hint.append("allow_missing=True keeps parameters the file lacks")
        if any("not in the network" in p for p in problems):
            hint.append("ignore_extra=True skips names the network lacks")
        raise ParameterLoadError(
            f"load_parameters({filename!r}) found {len(problems)} problem(s), nothing "
            "was loaded:\n"
            + "\n".join(problems)
            + (
                "\n" + "; ".join(hint) + "."
                if hint
                else "\nThe file was saved from a network of a different shape."
            )
        )
    target = (
        None
        if device is None and ctx is None
        else _dev.as_device(device if device is not None else ctx)
    )
    keep = cast_dtype and dtype_source == "saved"
    staged = [(param, param._loaded(arrays[key], target,
                                    arrays[key].dtype if keep else None))
              for key, param in params.items() if key in arrays]
    for param, data in staged:  # nothing below can fail: all or nothing
        param._install(data)
    for _, block in self._walk():
        block._structure_changed()


def summary(self, *inputs):
    """Print a table: each block's path, class, output shape and parameter count.

    Runs one forward pass on `inputs` (so deferred shapes are filled in).
    """
    calls, handles = {}, []  # id(block) -> output shapes, one per call
    for _, block in self.named_blocks():

        def record(blk, args, out):
            calls.setdefault(id(blk), []).append(
                getattr(out, "shape", type(out).__name__))

        handles.append(block.register_forward_hook(record))
    try:
        self(*inputs)
    finally:
        for handle in handles:
            handle.detach()
    places = {}  # id(block) -> its paths, for a block added at several places
    for path, block in self.named_blocks(remove_duplicate=False):
        places.setdefault(id(block), []).append(path)
    rows, seen, total, trainable = [], set(), 0, 0
    for key, block in self.named_blocks(remove_duplicate=False):
        count = 0
        for param in block._reg_params.values():
            if id(param) in seen:
                continue
            seen.add(id(param))
            size = math.prod(param.shape) if param.shape else 0
            count += size
            trainable += size if param.grad_req != "null" else 0
        total += count
        shapes, where = calls.get(id(block), []), places[id(block)]
        # The k-th place of a block added k times ran its k-th call (in a
        # Sequential); a block called more often than it sits shows its last.
        shape = (shapes[where.index(key)] if len(shapes) == len(where)
                 else shapes[-1] if shapes else "-")
        cls = type(block).__name__
        if where[0] != key:
            cls += f" (same block as {where[0]})"
        depth = key.count(".") + 1 if key else 0
        rows.append(
            (
                "  " * depth + (key or "(root)"),
                cls,
                str(shape),
                f"{count:,}",
            )
        )
    head = ("Block", "Class", "Output shape", "Params")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(4)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths[:3]) + f"  {{:>{widths[3]}}}"
    rule = "-" * (sum(widths) + 6)
    lines = [rule, fmt.format(*head), rule] + [fmt.format(*r) for r in rows]
    lines += [
        rule,
        f"Parameters: {total:,} ({trainable:,} trainable, "
        f"{total - trainable:,} with grad_req='null')",
        "Shared parameters are counted once.",
        rule,
    ]
    print("\n".join(lines))
