"""Parameter files: the save_parameters/load_parameters methods of every Block.

Files hold values only (never code), keyed by structural names, written atomically
by serialization.py; loading checks everything first and reports every problem at
once before assigning anything. Shown in chapter05/06_file_io.ipynb.
"""

import warnings

from .. import device as _dev
from ..errors import NotInitializedError, ParameterLoadError
from ..serialization import load_arrays, save_arrays


class ParameterFiles:
    """Block's file methods, defined here and inherited by Block (block.py): they
    use only collect_params() and the block tree."""

    def save_parameters(self, filename, deduplicate=False):
        """Write every parameter's values to `filename` (.npz), atomically."""
        params = self.collect_params()
        if not params:
            warnings.warn(
                f"save_parameters({filename!r}): {type(self).__name__} has no "
                "parameters, so the file holds nothing. If it keeps its layers in a "
                "plain Python list, they are not registered: use nn.Sequential or "
                "self.register_child(block).", stacklevel=2)
        missing = [k for k, p in params.items() if p._data is None]
        if missing:
            raise NotInitializedError(
                f"save_parameters({filename!r}): {len(missing)} parameter(s) have "
                f"no values yet ({', '.join(missing)}). Call net.initialize() and "
                "run one batch through the network first, e.g. net(X).")
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
                f"load_parameters({filename!r}): the file holds a list of arrays "
                "saved with npx.save, not named parameters. Use npx.load for it, or "
                "save the network with net.save_parameters.")
        params = self.collect_params()
        problems = []
        if not allow_missing:
            problems += [f"  missing in file: {k}" for k in params if k not in arrays]
        if not ignore_extra:
            problems += [f"  not in the network: {k}"
                         for k in arrays if k not in params]
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
                f"load_parameters({filename!r}) found {len(problems)} problem(s), "
                "nothing was loaded:\n"
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
