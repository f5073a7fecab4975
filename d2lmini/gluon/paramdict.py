"""ParameterDict: an ordered dict of parameters by structural name, printed as a table.

Returned by Block.collect_params() (the whole tree); Block.params (one block's own,
for MXNet 1.x code) is legacy.py's subclass. Shown in chapter05/02_parameters.ipynb.
"""

from .. import device as _dev
from ..text import table_text
from .parameter import Constant


class ParameterDict(dict):
    """Parameters keyed by name, with initialize/zero_grad/reset_device for all."""

    def __getitem__(self, key):
        if not dict.__contains__(self, key):
            for param in self.values():  # MXNet 1.x names such as 'dense0_weight'
                owner = param._owner  # (block, attribute); name: see legacy.py
                if owner is not None and key == f"{owner[0].name}_{owner[1]}":
                    return param
            raise KeyError(
                f"no parameter named {key!r}; the names here are: "
                f"{', '.join(self) or '(none)'}"
            )
        return dict.__getitem__(self, key)

    # ---- all at once -----------------------------------------------------------------
    def initialize(
        self, init=None, device=None, verbose=False, force_reinit=False, ctx=None
    ):
        for param in self.values():
            param.initialize(None, device, init, force_reinit, ctx)

    def zero_grad(self):
        for param in self.values():
            param.zero_grad()

    def reset_device(self, device):
        device = _dev.as_device(device)
        for param in self.values():
            param.reset_device(device)

    reset_ctx = reset_device

    def setattr(self, name, value):
        """Set an attribute on every parameter, e.g. setattr('grad_req', 'null')."""
        for param in self.values():
            setattr(param, name, value)

    def __repr__(self):
        # grad_req is the setting backward() reads ('write', 'add', 'null'; a
        # Constant is 'null'); state is where deferred initialization stands.
        if not self:
            return "ParameterDict (empty)"
        head = ("name", "shape", "dtype", "grad_req", "state")
        rows = [(k, str(p.shape), p.dtype.name, p.grad_req,
                 p.state + (" (Constant)" if isinstance(p, Constant) else ""))
                for k, p in self.items()]
        return "ParameterDict\n" + table_text(head, rows, indent="  ")
