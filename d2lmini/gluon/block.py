"""Block: the unit networks are built from, and how it finds its children and params.

Children and parameters are registered by assignment in __init__; their structural
names ('hidden.weight', '0.bias') key collect_params() and parameter files. Block also
inherits file methods (paramfiles.py), summary() (blocktree.py) and MXNet 1.x
spellings (legacy.py). Shown in chapter05/01_layers_and_blocks.ipynb.
"""

import re
import warnings

from ..autograd import STATE
from ..errors import BlockInitError, DeferredInitializationError, HybridizationError
from .blocktree import BlockSummary
from .legacy import LegacyBlockAPI, child_by_legacy_name
from .paramdict import ParameterDict
from .parameter import Constant, Parameter
from .paramfiles import ParameterFiles

_INTERNALS = {
    "_children",
    "_reg_params",
    "_hooks",
    "_pending_init",
    "_parent",
    "_legacy_name",
    "_shared",
    "_plain_list",
}


class _Children(dict):
    """Ordered child blocks; assigning an item registers it (MXNet `_children`)."""

    def __init__(self, owner):
        super().__init__()
        self._owner = owner

    def __setitem__(self, key, block):
        self._owner.register_child(block, key)

    def __getitem__(self, key):
        if not dict.__contains__(self, key):
            found = child_by_legacy_name(self, key)
            if found is not None:
                return found
        return dict.__getitem__(self, key)


class Block(ParameterFiles, BlockSummary, LegacyBlockAPI):
    """Base class of every layer and model: override `forward`.

    save_parameters/load_parameters come from ParameterFiles (paramfiles.py),
    summary() from BlockSummary (blocktree.py), and name, prefix, name_scope()
    and params, for MXNet 1.x code, from LegacyBlockAPI (legacy.py).

    >>> class MLP(nn.Block):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = nn.Dense(256, activation='relu')
    ...     def forward(self, x):
    ...         return self.hidden(x)
    """

    _traceable = False  # HybridBlocks can be traced into a graph

    def __init__(self, prefix=None, params=None):
        self._start_legacy(prefix, params)  # MXNet 1.x: a name, a params= to share
        set_ = object.__setattr__
        set_(self, "_children", _Children(self))
        set_(self, "_reg_params", {})
        set_(self, "_hooks", ([], []))  # forward pre-hooks, forward hooks
        set_(self, "_pending_init", False)
        set_(self, "_parent", None)  # (block, key) of the first container holding it
        set_(self, "_plain_list", None)

    def __getattr__(self, name):
        if name in _INTERNALS:
            raise BlockInitError(
                f"{type(self).__name__}.__init__ did not call super().__init__(), so "
                "this block cannot register children or parameters. Add "
                "`super().__init__()` as the first line of __init__."
            )
        raise AttributeError(
            f"'{type(self).__name__}' object has no attribute '{name}'"
        )

    def __setattr__(self, name, value):
        if isinstance(value, Block):
            self.register_child(value, name)
        elif isinstance(value, Parameter):
            self._register_param(name, value)
        else:
            if isinstance(value, (list, tuple)):
                for item in value:
                    if isinstance(item, Block) and item._parent is None:
                        object.__setattr__(item, "_plain_list", (self, name))
            old = self.__dict__.get(name)
            if isinstance(old, Block):
                dict.pop(self._children, name, None)
            elif isinstance(old, Parameter):
                self._reg_params.pop(name, None)
        object.__setattr__(self, name, value)

    # ---- registration ----------------------------------------------------------------
    def register_child(self, block, name=None):
        """Register `block` as a child under `name` (default: its position)."""
        if not isinstance(block, Block):
            raise TypeError(
                f"{self._where()}: register_child expects a Block, got "
                f"{type(block).__name__}; wrap a function in nn.Lambda(fn) first")
        if block is self or any(b is self for _, b in block._walk()):
            raise ValueError(
                f"cannot add {block._where()} inside itself: a block cannot contain "
                "itself, directly or through its children. Add a new instance "
                "instead.")
        if name is None or block._is_legacy_key(name):
            name = str(len(self._children))  # structural, the same on every run
        if block._parent is None:
            object.__setattr__(block, "_parent", (self, str(name)))
            object.__setattr__(block, "_plain_list", None)
        dict.__setitem__(self._children, str(name), block)
        self._structure_changed()
        return block

    def _register_param(self, name, param):
        self._reg_params[name] = param
        if param._owner is None:
            param._owner = (self, name)
        if not param._shape or any(d <= 0 for d in param._shape):
            object.__setattr__(self, "_pending_init", True)
        self._structure_changed()

    def _registration_hint(self):
        """Why this block may be invisible to its network ('' when it is not)."""
        if self._plain_list is None:
            return ""
        return " " + _plain_list_message(*self._plain_list)

    def _structure_changed(self):
        """Children or parameters changed: hybridized ancestors must trace again."""
        if self._parent is not None:
            self._parent[0]._structure_changed()

    # ---- where a block is, for messages ----------------------------------------------
    def _path(self):
        parts, block = [], self
        while block._parent is not None:
            block, key = block._parent
            parts.append(key)
        return ".".join(reversed(parts))

    def _where(self):
        path, root = self._path(), self
        while root._parent is not None:
            root = root._parent[0]
        kind = type(self).__name__
        return f"{kind} '{path}' (in {type(root).__name__})" if path else kind

    # ---- calling ---------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        """Run the block: hooks, deferred initialization, then forward(*args).

        Called with no arguments it returns the block itself, so that Gluon 2
        code, which keeps weak references in `_children` and runs
        `block()(X)` on each of them, works unchanged. To run a network, pass
        its input: `net(X)`.
        """
        if not args and not kwargs:
            return self  # the Gluon 2 idiom block()(X); see the docstring
        if STATE.tracer is not None:
            return self._traced_call(STATE.tracer, args, kwargs)
        if self._pending_init:
            self._finish_init(args)
        if self._hooks[0] or self._hooks[1]:
            return self._run_hooked(args, lambda: self.forward(*args, **kwargs))
        return self.forward(*args, **kwargs)

    def _traced_call(self, tracer, args, kwargs):
        """A call while a hybridized parent is traced: errors name this block."""
        if not self._traceable:
            raise HybridizationError(
                f"{self._where()} is a plain Block inside a hybridized block: only "
                "HybridBlocks can be traced. Make it a HybridBlock (and a "
                "HybridSequential instead of a Sequential), or do not hybridize the "
                "outer block.")
        outer, tracer.where = tracer.where, self._where()
        try:
            if self._pending_init:
                self._finish_init(args)
            return self._run_hooked(args, lambda: self.forward(*args, **kwargs))
        finally:
            tracer.where = outer

    def _run_hooked(self, args, compute):
        """compute() between the forward pre-hooks and the forward hooks."""
        pre, post = self._hooks
        for hook in pre:
            hook(self, args)
        out = compute()
        for hook in post:
            hook(self, args, out)
        return out

    def forward(self, *args):
        raise NotImplementedError(
            f"{type(self).__name__} does not define forward(self, x); every Block "
            "subclass must say how it maps inputs to outputs."
        )

    def _finish_init(self, args):
        waiting = [p for p in self._reg_params.values() if p._data is None]
        for p in waiting:  # never initialized: say so before touching any shape
            if p._deferred is None:
                p._check_ready()
        if any(not p._shape or any(d <= 0 for d in p._shape) for p in waiting):
            self.infer_shape(*args)
            left = [f"'{p.path}' {p._shape}" for p in waiting
                    if not p._shape or any(d <= 0 for d in p._shape)]
            if left:
                shapes = ", ".join(str(getattr(a, "shape", "?")) for a in args)
                raise DeferredInitializationError(
                    f"{self._where()}: infer_shape ran on the first input (shape "
                    f"{shapes}) but left {', '.join(left)} with an unknown "
                    "dimension (-1). infer_shape must set every unknown dimension "
                    "from the input, e.g. self.weight.shape = (x.shape[-1], units).")
        for p in waiting:
            if p._deferred is not None:
                p._finish_deferred_init()
        if all(p._data is not None for p in self._reg_params.values()):
            object.__setattr__(self, "_pending_init", False)

    def infer_shape(self, *args):
        """Fill in unknown (-1) parameter dimensions from the first call's inputs."""
        unknown = [
            p.path
            for p in self._reg_params.values()
            if not p._shape or any(d <= 0 for d in p._shape)
        ]
        raise NotImplementedError(
            f"{self._where()} has parameters with unknown dimensions ({unknown}) but "
            "does not define infer_shape(self, x). Give the full shape when creating "
            "the parameters, or implement infer_shape to set param.shape from x.shape."
        )

    def register_forward_pre_hook(self, hook):
        """Call hook(block, inputs) before each forward; returns a handle."""
        return _HookHandle(self._hooks[0], hook)

    def register_forward_hook(self, hook):
        """Call hook(block, inputs, output) after each forward."""
        return _HookHandle(self._hooks[1], hook)

    # ---- the tree --------------------------------------------------------------------
    def named_children(self):
        """(name, block) for each direct child, in the order they were added."""
        return iter(list(self._children.items()))

    def named_blocks(self, remove_duplicate=True):
        """(structural path, block) for this block ('') and every descendant.

        Depth first, in the order children were added, e.g. ('', net), ('0', ...),
        ('0.hidden', ...). A block object added at two places is listed once
        unless remove_duplicate=False, which lists every place it sits.
        """
        for prefix, block in self._walk(unique=remove_duplicate):
            yield prefix.rstrip("."), block

    def _walk(self, prefix="", unique=True, _seen=None):
        """(structural prefix 'a.b.', block) for this block and each descendant:
        each block object once, or at every place it sits when unique=False."""
        if unique:
            _seen = set() if _seen is None else _seen
            if id(self) in _seen:
                return
            _seen.add(id(self))
        yield prefix, self
        for key, child in self._children.items():
            yield from child._walk(f"{prefix}{key}.", unique, _seen)

    def collect_params(self, select=None):
        """All parameters of this block and its children, keyed by structural name.

        `select` is a regular expression, e.g. '.*weight'. A shared parameter appears
        once, under its first name.
        """
        found, seen = ParameterDict(), set()
        pattern = re.compile(select) if select else None
        for prefix, block in self._walk():
            for attr, param in block._reg_params.items():
                key = prefix + attr
                if id(param) in seen or (pattern and not pattern.match(key)):
                    continue
                seen.add(id(param))
                found[key] = param
        return found

    def share_parameters(self, shared):
        """Use the Parameter objects of `shared` (a dict by structural name) here."""
        for prefix, block in self._walk():
            for attr in list(block._reg_params):
                if prefix + attr in shared:
                    setattr(block, attr, shared[prefix + attr])
        return self

    def apply(self, fn):
        """Call fn(block) on every child recursively, then on this block."""
        for child in self._children.values():
            child.apply(fn)
        fn(self)
        return self

    def initialize(
        self, init=None, device=None, verbose=False, force_reinit=False, ctx=None
    ):
        """Initialize every parameter (deferred ones at the first forward).

        Differs from MXNet: a second call without force_reinit gives one warning for
        the whole network rather than one per parameter.
        """
        params = self.collect_params()
        done = [k for k, p in params.items() if p._data is not None]
        if done and not force_reinit:
            shown = ", ".join(done[:3]) + (", ..." if len(done) > 3 else "")
            warnings.warn(
                f"{type(self).__name__}.initialize(): {len(done)} parameter(s) are "
                f"already initialized ({shown}); they keep their values. Pass "
                "force_reinit=True to draw new ones.",
                stacklevel=2,
            )
        for key, param in params.items():
            if param._data is None or force_reinit:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    param.initialize(None, device, init, force_reinit, ctx)
        for _, block in self._walk():
            for attr, value in vars(block).items():
                if (
                    attr not in _INTERNALS
                    and isinstance(value, (list, tuple))
                    and any(
                        isinstance(item, Block) and item._parent is None
                        for item in value
                    )
                ):
                    warnings.warn(_plain_list_message(block, attr), stacklevel=2)
                    for item in value:  # filled after assignment: mark them now
                        if isinstance(item, Block) and item._parent is None:
                            object.__setattr__(item, "_plain_list", (block, attr))

    def zero_grad(self):
        """Set every parameter's gradient to zero."""
        self.collect_params().zero_grad()

    def reset_device(self, device):
        """Move every parameter to `device`."""
        self.collect_params().reset_device(device)

    reset_ctx = reset_device

    def hybridize(self, active=True, **kwargs):
        """Hybridize every HybridBlock child (a plain Block itself stays eager)."""
        for child in self._children.values():
            child.hybridize(active, **kwargs)

    def cast(self, dtype):
        for param in self.collect_params().values():
            param.cast(dtype)

    def __repr__(self):
        lines = [f"{type(self).__name__}("]
        for key, child in self._children.items():
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({key}): {body}")
        return "\n".join(lines) + "\n)" if len(lines) > 1 else lines[0] + ")"


def _plain_list_message(owner, attr):
    return (
        f"{type(owner).__name__}.{attr} is a plain Python list of blocks, so they "
        "are not registered: initialize(), collect_params() and save_parameters() "
        "do not see them. Use nn.Sequential() or call self.register_child(block) "
        "for each block."
    )


class _HookHandle:
    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook
        hooks.append(hook)

    def detach(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.detach()


__all__ = ["Block", "Constant", "Parameter"]
