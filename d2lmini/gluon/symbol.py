"""SymbolBlock: a network read back from net.export's files, run without its class.

The graph file is checked field by field (graphfile.graph_from_json), its parameter
file must be the one exported with it (a checksum in the graph), and the graph runs
once on zeros (graphcheck.dry_run) before imports returns. Then forward interprets
it op by op through apply(), so autograd and hybridize() work as for any
HybridBlock. Shown in chapter05/08_hybridization.ipynb.
"""
import os

from .. import device as _dev
from ..errors import FileFormatError, ParameterLoadError, ShapeError
from ..graphcheck import dry_run
from ..graphfile import const_name, graph_from_json
from ..ndarray import _wrap, apply
from ..serialization import file_sha256, load_arrays
from .hybrid import HybridBlock
from .parameter import Parameter

MAX_GRAPH_FILE = 64 << 20  # bytes


def _check_pair(graph, where, param_file):
    """The parameter file must be the one exported with the graph (its checksum)."""
    if graph.params_sha256 is None:
        raise FileFormatError(
            f"{where} does not record which parameter file belongs to it (it was "
            "written by an older d2lmini or edited). Export the model again with "
            "net.export(path), which writes both files together.")
    if file_sha256(param_file) != graph.params_sha256:
        raise FileFormatError(
            f"{param_file!r} is not the parameter file exported with {where}: its "
            "checksum differs from the one the graph records. The two files come "
            "from different exports, or an export was interrupted between them, or "
            "one was edited. Export the model again with net.export(path) and use "
            "the pair it writes; to load other weights, import without param_file "
            "and call net.load_parameters(...).")


class SymbolBlock(HybridBlock):
    """A block whose forward is an imported graph; make one with imports().

    Differs from MXNet: built from a d2lmini graph, SymbolBlock(graph, input_names),
    and it runs only on the input shapes the graph was traced with.
    """

    def __init__(self, graph, input_names):
        super().__init__()
        self._graph, self._input_names = graph, list(input_names)
        self._arrays = {}  # value number -> ndarray, for captured constant arrays
        for index, name, trainable in graph.params:
            value = graph.values[index]
            grad_req = "write" if trainable else "null"
            self._register_param(
                name, Parameter(name, grad_req, value.shape, value.dtype))

    @staticmethod
    def imports(symbol_file, input_names, param_file=None, device=None, ctx=None):
        """Load a network written by net.export(path).

        >>> net = gluon.SymbolBlock.imports('mlp-symbol.json', 'data',
        ...                                 'mlp-0000.params')

        Without param_file the parameters stay uninitialized (call initialize()).
        """
        where = repr(os.fspath(symbol_file))
        with open(symbol_file, "rb") as f:
            raw = f.read(MAX_GRAPH_FILE + 1)
        if len(raw) > MAX_GRAPH_FILE:
            raise FileFormatError(
                f"{where} is larger than {MAX_GRAPH_FILE} bytes; a d2lmini graph file "
                "is much smaller (the values live in the .params file). Export the "
                "model again with net.export(path).")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileFormatError(f"{where} is not UTF-8 text ({exc.reason}); export "
                                  "the model again with net.export(path).") from None
        graph = graph_from_json(text, where)
        names = [input_names] if isinstance(input_names, str) else list(input_names)
        if len(names) != len(graph.inputs):
            raise ValueError(
                f"SymbolBlock.imports({where}): the graph takes {len(graph.inputs)} "
                f"input(s), but {len(names)} input name(s) were given ({names}). "
                "Pass one name per argument of the exported forward.")
        block = SymbolBlock(graph, names)
        constants = [i for i, value in enumerate(graph.values)
                     if value.kind == "const"]
        if param_file is not None:
            _check_pair(graph, where, param_file)
            block._load(param_file, device if device is not None else ctx)
        elif constants:
            raise ParameterLoadError(
                f"SymbolBlock.imports({where}): the graph uses {len(constants)} "
                "constant array(s) kept in the parameter file; pass param_file=, "
                "e.g. the '-0000.params' file written beside it.")
        dry_run(graph, {i: a.asnumpy() for i, a in block._arrays.items()}, where)
        return block

    def _load(self, param_file, device):
        """Every parameter and constant array from `param_file`, checked first."""
        kind, arrays = load_arrays(param_file)
        values = self._graph.values
        wanted = {name: values[i].shape for i, name, _ in self._graph.params}
        wanted.update({const_name(i): v.shape for i, v in enumerate(values)
                       if v.kind == "const"})
        problems = [f"  missing in file: {k}" for k in wanted if k not in arrays]
        problems += [f"  not in the graph: {k}" for k in arrays if k not in wanted]
        problems += [f"  shape mismatch for {k}: file has {arrays[k].shape}, graph "
                     f"has {want}" for k, want in wanted.items()
                     if k in arrays and arrays[k].shape != want]
        if kind == "list":
            problems.insert(0, "  it holds a list saved by npx.save, not named arrays")
        if problems:
            raise ParameterLoadError(
                f"SymbolBlock.imports found {len(problems)} problem(s) in "
                f"{param_file!r}, nothing was loaded:\n" + "\n".join(problems)
                + "\nUse the .params file that net.export wrote with this graph.")
        device = _dev.as_device(device)
        staged = [(self._reg_params[name], self._reg_params[name]._loaded(
            arrays[name], device)) for _, name, _ in self._graph.params]
        consts = {}
        for i, value in enumerate(values):
            if value.kind == "const":
                raw = arrays[const_name(i)].astype(value.dtype)
                consts[i] = _wrap(_dev.to_device(raw, device))
        for param, data in staged:  # nothing below can fail: all or nothing
            param._install(data)
        self._arrays = consts

    def infer_shape(self, *args):
        """Nothing to infer: every shape comes from the graph file."""

    def reset_device(self, device):
        """Move the parameters and the constant arrays to `device`."""
        super().reset_device(device)
        self._arrays = {i: a.as_in_ctx(device) for i, a in self._arrays.items()}

    reset_ctx = reset_device

    def forward(self, *inputs):
        graph = self._graph
        self._check_inputs(inputs)
        env = [None] * len(graph.values)
        for i, value in graph.consts:
            env[i] = self._arrays[i] if i in self._arrays else value
        for i, name, _ in graph.params:
            env[i] = self._reg_params[name].data()
        for i, x in zip(graph.inputs, inputs):
            env[i] = x
        for step in graph.nodes:
            env[step.out] = apply(step.op, *[env[a] for a in step.args], **step.kw)
        outputs = tuple(env[i] for i in graph.outputs)
        return outputs[0] if graph.single else outputs

    def _check_inputs(self, inputs):
        names, graph = self._input_names, self._graph
        if len(inputs) != len(names):
            raise TypeError(
                f"{self._where()}: expected {len(names)} input(s) ({', '.join(names)})"
                f", got {len(inputs)}. Call it with one array per input name given "
                "to SymbolBlock.imports.")
        for name, i, x in zip(names, graph.inputs, inputs):
            want, got = graph.values[i].shape, tuple(getattr(x, "shape", ()))
            if got != want:
                # Exact shapes: a traced reshape may have the batch size built in.
                raise ShapeError(
                    f"{self._where()}: input {name!r} should have shape {want}, got "
                    f"{got}. An imported graph runs only on the shapes it was traced "
                    "with; pass that shape, or export the original network again "
                    "after calling it on inputs of the new shape.")

    def __repr__(self):
        return (f"SymbolBlock(inputs={self._input_names}, "
                f"{len(self._graph.nodes)} ops)")
