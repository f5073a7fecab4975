"""Parameters: named, lazily initialized arrays that receive gradients.

A shape may hold -1 for a dimension that the first forward pass infers (deferred
initialization): `initialize()` then only records the initializer. Shown in
chapter05/02_parameters.ipynb and 04_lazy_initialization.ipynb.
"""

import warnings

import numpy as onp

from .. import device as _dev
from .. import init as _init
from .. import np
from ..autograd import pause, untraced
from ..errors import (
    AutogradError,
    DeferredInitializationError,
    DeviceError,
    NotInitializedError,
    ShapeError,
    check_grad_req,
)
from ..ndarray import _wrap, ndarray


def _known(shape):
    return shape is not None and all(d > 0 for d in shape)


class Parameter:
    """A trainable array of a Block: `data()`, `grad()`, `set_data()`, `shape`.

    >>> w = gluon.Parameter('weight', shape=(256, -1))   # -1: inferred later
    """

    def __init__(
        self,
        name="weight",
        grad_req="write",
        shape=None,
        dtype=onp.float32,
        lr_mult=1.0,
        wd_mult=1.0,
        init=None,
        allow_deferred_init=True,
        differentiable=True,
        **kwargs,
    ):
        self.name = name
        self._shape = (
            None
            if shape is None
            else tuple(
                -1 if d == 0 else int(d)
                for d in ((shape,) if isinstance(shape, int) else shape)
            )
        )
        self.dtype = onp.dtype(dtype)
        self.lr_mult, self.wd_mult = lr_mult, wd_mult
        self.init = _init.create(init)
        self._grad_req = grad_req if differentiable else "null"
        self._data = None  # an ndarray once initialized
        self._deferred = None  # (initializer, device) waiting for the shape
        self._owner = None  # (block, attribute) that registered it first

    # ---- where it is, for messages ---------------------------------------------------
    @property
    def path(self):
        """The structural name, e.g. '0.weight' (the attribute name if unowned)."""
        if self._owner is None:
            return self.name
        block, attr = self._owner
        prefix = block._path()
        return f"{prefix}.{attr}" if prefix else attr

    def _where(self):
        text = f"Parameter '{self.path}'"
        return text if self._owner is None else f"{text} of {self._owner[0]._where()}"

    # ---- shape -----------------------------------------------------------------------
    @property
    def shape(self):
        return self._shape

    @shape.setter
    def shape(self, new_shape):
        new_shape = tuple(-1 if d == 0 else int(d) for d in new_shape)
        old = self._shape
        if old is None:
            self._shape = new_shape
            return
        if len(old) != len(new_shape) or any(
            o > 0 and n > 0 and o != n for o, n in zip(old, new_shape)
        ):
            raise ShapeError(
                f"{self._where()}: its shape {old} does not fit the shape {new_shape} "
                "asked for now. The input of this layer has a different size than at "
                "its first use, or two layers sharing it disagree; check the previous "
                "layer's units or this layer's in_units."
            )
        self._shape = tuple(n if n > 0 else o for o, n in zip(old, new_shape))

    # ---- life cycle ------------------------------------------------------------------
    @property
    def state(self):
        """'initialized' (it holds values), 'deferred' (initialize() was called and
        the values wait for a forward to reveal the shape) or 'uninitialized'."""
        if self._data is not None:
            return "initialized"
        return "deferred" if self._deferred is not None else "uninitialized"

    def initialize(
        self, init=None, device=None, default_init=None, force_reinit=False, ctx=None
    ):
        """Draw initial values now, or when the first forward reveals the shape."""
        if self._data is not None and not force_reinit:
            warnings.warn(
                f"{self._where()} is already initialized; ignoring. Pass "
                "force_reinit=True to draw new values.",
                stacklevel=2,
            )
            return
        device = _dev.as_device(device if device is not None else ctx)
        initializer = (
            _init.create(init) or _init.create(default_init) or _init.Uniform()
        )
        self._data = None
        self._deferred = (initializer, device)
        if _known(self._shape):
            self._finish_deferred_init()

    def _finish_deferred_init(self):
        initializer, device = self._deferred
        if not _known(self._shape):
            raise DeferredInitializationError(self._unknown_message())
        data = np.zeros(self._shape, dtype=self.dtype, device=device)
        with pause(), untraced():
            if self.init is not None:  # the parameter's own initializer wins
                self.init._init_weight(self.path, data)
            else:  # as Gluon does: the net's initializer draws it as a weight,
                initializer._init_weight(self.path, data)  # whatever its name
        data.attach_grad(self._grad_req)
        self._data, self._deferred = data, None

    def _unknown_message(self):
        return (
            f"{self._where()} is not initialized yet: its shape {self._shape} has an "
            "unknown dimension (-1). Run one batch through the network first, e.g. "
            "net(X), or create the layer with in_units=... so the shape is known."
        )

    def _check_ready(self):
        if self._data is not None:
            return
        if self._deferred is not None:
            raise DeferredInitializationError(self._unknown_message())
        hint = self._owner[0]._registration_hint() if self._owner else ""
        raise NotInitializedError(
            f"{self._where()} has not been initialized. Call net.initialize() (or "
            f"this parameter's .initialize()) before using it.{hint}"
        )

    # ---- values ----------------------------------------------------------------------
    def data(self, device=None, ctx=None):
        """The values (an ndarray); raises until initialization has happened."""
        if self._data is None:
            self._check_ready()
        device = device if device is not None else ctx
        if device is not None and _dev.as_device(device) != self._data.device:
            raise DeviceError(
                f"{self._where()} lives on {self._data.device}, not on {device}. Move "
                f"the network with net.reset_device({device}) or keep the data on "
                f"{self._data.device}."
            )
        return self._data

    def list_data(self):
        return [self.data()]

    def grad(self, device=None, ctx=None):
        """The gradient written by the last backward()."""
        data = self.data(device, ctx)
        if data._grad is None:
            fix = ("A Constant never has one: do not ask it for a gradient."
                   if isinstance(self, Constant) else
                   "Set p.grad_req = 'write' before autograd.record() if it should "
                   "be trained.")
            raise AutogradError(
                f"grad() of {self._where()}: expected a parameter that keeps a "
                f"gradient, got one with grad_req='null', which keeps none. {fix}")
        return data._grad

    def list_grad(self):
        return [self.grad()]

    def set_data(self, data):
        """Replace the values in place (same shape), e.g. p.set_data(p.data() + 1)."""
        if (
            self._data is None
            and self._deferred is not None
            and not _known(self._shape)
        ):
            self.shape = data.shape
            self._finish_deferred_init()
        current = self.data()
        if tuple(data.shape) != current.shape:
            raise ShapeError(
                f"set_data on {self._where()}: expected shape "
                f"{current.shape}, got {tuple(data.shape)}"
            )
        raw = data._data if isinstance(data, ndarray) else onp.asarray(data)
        current._data[...] = (
            _dev.to_device(raw, current.device) if hasattr(raw, "shape") else raw
        )

    def _assign(self, raw, device=None):
        """Load values from a file (validated by the caller); keeps grad_req."""
        self._install(self._loaded(raw, device))

    def _loaded(self, raw, device=None, dtype=None):
        """What loading the NumPy array `raw` would install, built without changing
        this parameter: converted to `dtype` (default: the parameter's own, with
        astype semantics, so float64 stays float64) on `device` (default: where
        the parameter lives or will live), with its gradient buffer attached."""
        if device is None:
            device = (
                self._data.device
                if self._data is not None
                else (self._deferred[1] if self._deferred else _dev.current_device())
            )
        raw = raw.astype(self.dtype if dtype is None else dtype, copy=False)
        data = _wrap(_dev.to_device(raw, device))
        data.attach_grad(self._grad_req)
        return data

    def _install(self, data):
        """Make `data` (from _loaded) the values: the step of a load that cannot
        fail, taken only after every parameter's _loaded succeeded."""
        self._shape, self.dtype = tuple(data.shape), onp.dtype(data.dtype)
        self._data, self._deferred = data, None

    def zero_grad(self):
        if self._data is not None and self._data._grad is not None:
            self._data._grad._data[...] = 0

    def reset_device(self, device):
        """Move the values (and a fresh gradient) to `device`."""
        device = _dev.as_device(device)
        if self._data is None:
            if self._deferred is not None:
                self._deferred = (self._deferred[0], device)
            return
        moved = self._data.as_in_ctx(device)
        if moved is not self._data:
            moved.attach_grad(self._grad_req)
            self._data = moved

    reset_ctx = reset_device

    def list_device(self):
        return [self._data.device] if self._data is not None else []

    list_ctx = list_device

    @property
    def grad_req(self):
        return self._grad_req

    @grad_req.setter
    def grad_req(self, req):
        check_grad_req(req, f"{self._where()}: grad_req")
        self._grad_req = req
        if self._data is not None:
            self._data.attach_grad(req)

    def cast(self, dtype):
        self.dtype = onp.dtype(dtype)
        if self._data is not None:
            self._assign(self._data.asnumpy())

    def __repr__(self):
        return f"Parameter {self.path} (shape={self._shape}, dtype={self.dtype.name})"


class Constant(Parameter):
    """A parameter with fixed values: grad_req='null', never updated by a Trainer.

    Accepts Constant(value) (Gluon 2) and Constant(name, value) (Gluon 1).
    """

    def __init__(self, name_or_value, value=None):
        name = name_or_value if value is not None else "const"
        value = name_or_value if value is None else value
        raw = value.asnumpy() if isinstance(value, ndarray) else onp.asarray(value)
        if raw.dtype == onp.float64:
            raw = raw.astype(onp.float32)
        self.value = raw
        super().__init__(
            name,
            grad_req="null",
            shape=raw.shape,
            dtype=raw.dtype,
            init=_ConstantValue(raw),
        )

    @Parameter.grad_req.setter
    def grad_req(self, req):
        if req != "null":
            warnings.warn(
                f"{self._where()} is a Constant: grad_req stays 'null'", stacklevel=2
            )


class _ConstantValue(_init.Initializer):
    def __init__(self, value):
        self.value = value

    def _init_weight(self, name, data):
        data[:] = self.value
