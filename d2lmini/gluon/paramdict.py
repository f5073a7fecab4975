"""ParameterDict: an ordered dict of parameters by structural name, printed as a table.

Returned by Block.collect_params() (whole tree) and Block.params (one block's own,
with MXNet 1.x's get/get_constant). Shown in chapter05/02_parameters.ipynb.
"""

from .. import device as _dev
from .parameter import Constant, Parameter


class ParameterDict(dict):
    """Parameters keyed by name, with initialize/zero_grad/reset_device for all."""

    def __init__(self, params=(), owner=None):
        super().__init__(params)
        self._owner = owner  # the Block whose own parameters these are, if any

    def __getitem__(self, key):
        if not dict.__contains__(self, key):
            for param in self.values():  # MXNet 1.x names such as 'dense0_weight'
                if param._owner and key == f"{param._owner[0].name}_{param._owner[1]}":
                    return param
            raise KeyError(
                f"no parameter named {key!r}; the names here are: "
                f"{', '.join(self) or '(none)'}"
            )
        return dict.__getitem__(self, key)

    # ---- MXNet 1.x: creating parameters through a block's params ---------------------
    def get(self, name, default=None, **kwargs):
        """This block's parameter `name`, created (and registered) if it is new.

        When the block was built with params=other.params, the other's parameter of
        that name is shared instead.
        """
        if dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        if self._owner is None:  # a plain dict look-up on collect_params()
            return default
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
        widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        lines = [fmt.format(*head)] + [fmt.format(*r) for r in rows]
        return "ParameterDict\n" + "\n".join("  " + line.rstrip() for line in lines)
