"""HybridBlock: a Block whose forward may later be traced and compiled.

In this version every HybridBlock runs eagerly: hybridize() records its settings and
the compiled path arrives with the hybridization work (chapter05/08). MXNet 1.x
blocks that define hybrid_forward(self, F, x, ...) run here unchanged.
"""

from .. import nd as _nd
from .. import np as _np
from .. import npx as _npx
from .block import Block


class _Namespace:
    """The `F` handed to hybrid_forward: F.np, F.npx, and 1.x names such as F.relu."""

    np, npx = _np, _npx

    def __getattr__(self, name):
        for module in (_nd, _npx, _np):
            if hasattr(module, name):
                return getattr(module, name)
        raise AttributeError(
            f"F has no function {name!r}; use F.np.{name} or "
            f"F.npx.{name} if it exists there"
        )


F = _Namespace()


class HybridBlock(Block):
    """A Block that can be hybridized. Write forward(self, x) or, as in MXNet 1.x,
    hybrid_forward(self, F, x, *args, **params) where params are this block's own
    parameters' values, passed by name.
    """

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix, params)
        object.__setattr__(self, "_hybrid_settings", None)

    def hybridize(self, active=True, static_alloc=False, static_shape=False, **kwargs):
        """Mark this block (and its children) for hybridized execution.

        Differs from MXNet for now: blocks still run eagerly after this call.
        """
        settings = dict(static_alloc=static_alloc, static_shape=static_shape)
        object.__setattr__(self, "_hybrid_settings", settings if active else None)
        super().hybridize(
            active, static_alloc=static_alloc, static_shape=static_shape, **kwargs
        )

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
