"""MXNet 1.x spellings of Block, kept apart so block.py reads without them.

LegacyBlockAPI (a base class of Block) gives each block a 1.x name from a global
counter ('dense0'), `name`, `prefix`, a no-op `name_scope()`, `params` (the block's
own parameters, with get/get_constant) and the sharing of params=other.params.
None of it keys anything: names stay structural (chapter05/02_parameters.ipynb).
"""

from collections import defaultdict

from .paramdict import ParameterDict
from .parameter import Constant, Parameter

# Differs from MXNet: the counter only makes display names; keys are structural.
_COUNTS = defaultdict(int)


class LegacyParameterDict(ParameterDict):
    """Block.params: one block's own parameters, where 1.x code creates them.

    `self.weight = self.params.get('weight', shape=...)` makes (and registers) the
    parameter; with params=other.params at construction, other's is shared instead.
    """

    def __init__(self, owner):
        super().__init__(owner._reg_params)
        self._owner = owner

    def get(self, name, default=None, **kwargs):
        """This block's parameter `name`, created (and registered) if it is new."""
        if dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        shared = self._owner._shared
        if shared is not None and name in shared:
            param = shared[name]
            if kwargs.get("shape") is not None:
                param.shape = kwargs["shape"]  # checks that the two uses agree
        else:
            param = Parameter(name, **kwargs)
        setattr(self._owner, name, param)
        dict.__setitem__(self, name, param)
        return param

    def get_constant(self, name, value=None):
        """A Constant parameter `name` holding `value` (never trained)."""
        if dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        param = Constant(name, value)
        setattr(self._owner, name, param)
        dict.__setitem__(self, name, param)
        return param


class LegacyBlockAPI:
    """What MXNet 1.x code expects of a Block besides the Gluon 2 API.

    Block.__init__ calls _start_legacy(prefix, params) first thing.
    """

    def _start_legacy(self, prefix, params):
        kind = type(self).__name__.lower()
        legacy = prefix.rstrip("_") if prefix else f"{kind}{_COUNTS[kind]}"
        if not prefix:
            _COUNTS[kind] += 1
        object.__setattr__(self, "_legacy_name", legacy)
        object.__setattr__(self, "_shared", params)  # another block's params

    @property
    def params(self):
        """This block's own parameters (MXNet 1.x), with get() and get_constant()."""
        return LegacyParameterDict(self)

    @property
    def name(self):
        """MXNet 1.x-style name such as 'dense0' (display only; not used as a key)."""
        return self._legacy_name

    @property
    def prefix(self):
        """The 1.x name followed by '_', e.g. 'dense0_'."""
        return self._legacy_name + "_"

    def name_scope(self):
        """Accepted for MXNet 1.x code; names are structural, so it does nothing."""
        return _NullScope()

    def _is_legacy_key(self, key):
        """register_child(block, block.name), as 1.x containers do, means 'no
        name of its own': the child is then keyed by its position."""
        return key == self._legacy_name


def child_by_legacy_name(children, key):
    """The child whose 1.x name is `key` (1.x looked `_children` up by name)."""
    for child in children.values():
        if child.name == key:
            return child
    return None


class _NullScope:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
