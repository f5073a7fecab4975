"""HybridBlock: a Block whose forward can be traced once and then run compiled.

After net.hybridize(), the first call with a new input signature (shapes, dtypes,
device, training mode) traces forward with symbolic arrays into a graph; later calls
with that signature run the compiled plan and no Python forward at all. MXNet 1.x
blocks written with hybrid_forward(self, F, x, ...) work too.
Shown in chapter05/08_hybridization.ipynb.
"""
import warnings

from .. import nd as _nd
from .. import np as _np
from .. import npx as _npx
from ..autograd import STATE
from ..errors import HybridizationError
from ..executor import Plan
from ..graph import Tracer, Var
from ..graphfile import save_graph
from ..missing import no_attribute
from ..ndarray import _ND, ndarray
from .block import Block


class _Namespace:
    """The `F` handed to hybrid_forward: F.np, F.npx, and 1.x names such as F.relu."""

    np, npx = _np, _npx

    def __getattr__(self, name):
        for module in (_nd, _npx, _np):
            if hasattr(module, name):
                return getattr(module, name)
        # Names neither nd, npx nor np has: suggest the closest one F does have.
        raise no_attribute("F (looked in nd, npx and np)", name,
                           lambda: dir(_nd) + dir(_npx) + dir(_np), {}, "F.")


F = _Namespace()


class HybridBlock(Block):
    """A Block that can be hybridized. Write forward(self, x) or, as in MXNet 1.x,
    hybrid_forward(self, F, x, *args, **params) where params are this block's own
    parameters' values, passed by name.
    """

    _traceable = True

    def __init__(self, prefix=None, params=None):
        object.__setattr__(self, "_plans", {})  # input signature -> Plan
        object.__setattr__(self, "_hybrid_settings", None)
        object.__setattr__(self, "_last_plan", None)  # the Plan of the last trace
        super().__init__(prefix, params)

    def hybridize(self, active=True, static_alloc=False, static_shape=False, **kwargs):
        """Trace and compile forward at the next call (active=False: back to eager).

        Calling it on a container hybridizes every child as well.
        """
        settings = dict(static_alloc=static_alloc, static_shape=static_shape)
        object.__setattr__(self, "_hybrid_settings", settings if active else None)
        self._plans.clear()
        super().hybridize(
            active, static_alloc=static_alloc, static_shape=static_shape, **kwargs
        )

    @property
    def hybrid_settings(self):
        """None while eager; after hybridize(), a copy of its flags, e.g.
        {'static_alloc': False, 'static_shape': False}."""
        settings = self._hybrid_settings
        return None if settings is None else dict(settings)

    def _structure_changed(self):
        self._plans.clear()
        super()._structure_changed()

    def __call__(self, *args, **kwargs):
        if (self._hybrid_settings is None or STATE.tracer is not None or kwargs
                or not args):
            return super().__call__(*args, **kwargs)
        key = self._signature(args)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._trace(args)
        if self._hooks[0] or self._hooks[1]:
            return self._run_hooked(args, lambda: self._results(plan, args))
        return self._results(plan, args)

    @staticmethod
    def _results(plan, args):
        outputs = plan.run(args)
        return outputs[0] if plan.graph.single else tuple(outputs)

    def _signature(self, args):
        key = []
        for a in args:
            if type(a) is not ndarray:
                raise HybridizationError(
                    f"{self._where()}: a hybridized block takes ndarrays as "
                    f"inputs, got {type(a).__name__}. Pass other values to "
                    "__init__, or call the block un-hybridized.")
            raw = a._data
            key.append((raw.shape, raw.dtype, type(raw)))
        if type(raw) is not _ND:  # a GPU array: its device is part of the key
            key.append(args[0].device)
        return tuple(key), STATE.training

    def _trace(self, args):
        tracer = Tracer(self, self.collect_params())
        with tracer:
            symbols = [tracer.input(a) for a in args]
            if self._pending_init:
                self._finish_init(symbols)
            out = self.forward(*symbols)
        graph = tracer.graph
        graph.single = not isinstance(out, (tuple, list))
        results = [out] if graph.single else list(out)
        for r in results:
            if not isinstance(r, ndarray):
                raise HybridizationError(
                    f"{self._where()}: a hybridized forward must return an ndarray "
                    f"or a tuple of ndarrays, got {type(r).__name__}. Return arrays "
                    "only (or leave this block un-hybridized).")
        # An output that does not depend on the inputs is captured as a constant.
        graph.outputs = [r._data.index if type(r._data) is Var else
                         tracer._capture(r) for r in results]
        plan = Plan(graph, args[0].device, self._hybrid_settings["static_alloc"])
        object.__setattr__(self, "_last_plan", plan)
        return plan

    @property
    def traced_graph(self):
        """The graph of the last trace (None before the first hybridized call).

        print(net.traced_graph) shows its listing, the ops as forward called
        them; .to_dot() gives graphviz text. net.compiled_plan shows how they run.
        """
        plan = self._last_plan
        return None if plan is None else plan.graph

    @property
    def compiled_plan(self):
        """The compiled plan of the last trace (None before the first hybridized
        call). print(net.compiled_plan) shows the traced graph's listing with each
        op marked by how the plan runs it: [fused], [in place], [static buffer].
        """
        return self._last_plan

    def forward(self, x, *args):
        if type(self).hybrid_forward is HybridBlock.hybrid_forward:
            return super().forward(x, *args)
        params = {name: p.data() for name, p in self._reg_params.items()}
        return self.hybrid_forward(F, x, *args, **params)

    def hybrid_forward(self, F, x, *args, **kwargs):
        raise NotImplementedError(
            f"{type(self).__name__} defines neither forward(self, x) nor "
            "hybrid_forward(self, F, x); define one of them."
        )

    def export(self, path, epoch=0):
        """Write the last traced graph and its parameters; returns both file names.

        >>> net.hybridize(); net(X); net.export('mlp')
        ('mlp-symbol.json', 'mlp-0000.params')

        gluon.SymbolBlock.imports loads them without this Python class.
        Shown in chapter05/08_hybridization.ipynb.
        """
        graph = self.traced_graph
        if graph is None:
            raise HybridizationError(
                f"{self._where()}.export({path!r}): there is no traced graph to "
                "write yet. Call net.hybridize() and run one batch through the "
                "network, e.g. net(X), then export.")
        used = {name for _, name, _ in graph.params}
        unused = [name for name in self.collect_params() if name not in used]
        if unused:
            warnings.warn(
                f"{self._where()}.export({path!r}): the traced graph does not use "
                f"{', '.join(unused)}, so the parameter file leaves them out.",
                stacklevel=2)
        files = f"{path}-symbol.json", f"{path}-{epoch:04d}.params"
        save_graph(graph, *files)
        return files
