"""The ndarray: one backend array plus what autograd needs, and apply(), where ops run.

Outside autograd.record() an op costs the backend call plus a thin wrapper; inside,
apply() also leaves a tape Node (autograd.record_op). The op rows come from
optable.py. Shown in chapter05/01_layers_and_blocks.ipynb.
"""

import operator

import numpy as onp

from . import device as _dev
from .autograd import STATE, backward, record_op
from .errors import (
    AutogradError,
    DeviceError,
    ShapeError,
    check_grad_req,
    rewrite_advice,
)
from .missing import no_attribute
from .optable import OPS
from .shapecodes import shape_v1

_ND = onp.ndarray
_new = object.__new__
_SCALARS = (int, float, bool)


def _wrap(raw):
    if type(raw) is not _ND and isinstance(raw, onp.generic):
        raw = onp.asarray(raw)  # NumPy returns scalars for full reductions
    a = _new(ndarray)
    a._data, a._node, a._grad = raw, None, None
    return a


def _check_devices(op, args):
    found = {_dev.device_of(a._data) for a in args if type(a) is ndarray}
    if len(found) > 1:
        names = " and ".join(sorted(map(str, found)))
        raise DeviceError(
            f"{op.name}: inputs live on different devices ({names}). Move them to one "
            "device first, e.g. x.as_in_ctx(y.device) or x.copyto(npx.cpu())."
        )


def _broadcast_error(op, raws, exc):
    shapes = " and ".join(
        str(getattr(r, "shape", "scalar")) for r in raws if hasattr(r, "shape")
    )
    if op.name in ("dot", "matmul", "fully_connected"):
        rule = ("A matrix product needs the last axis of the first input to equal "
                "the first (for matmul: second-to-last) axis of the second")
    else:
        rule = "Broadcasting matches shapes from the last axis"
    return ShapeError(
        f"{op.name}: inputs of shapes {shapes} do not fit together "
        f"({exc}). {rule}; reshape one input or check which arrays you combine."
    )


def apply(op, *args, **kw):
    """Run `op` on ndarrays (and Python scalars); record it when autograd is on."""
    if STATE.tracer is not None:
        return STATE.tracer(op, args, kw)
    raws = [a._data if type(a) is ndarray else a for a in args]
    for r in raws:
        if type(r) is not _ND and hasattr(r, "shape"):
            _check_devices(op, args)
            break
    try:
        out = _wrap(op.fwd(*raws, **kw))
    except ValueError as exc:
        if "broadcast" in str(exc) or "mismatch" in str(exc) or "align" in str(exc):
            raise _broadcast_error(op, raws, exc) from None
        raise
    if STATE.recording and op.vjp is not None:
        record_op(op, raws, kw, out,
                  tuple([_parent(a) if type(a) is ndarray else None for a in args]))
    return out


def _parent(a):
    """What the tape links to for input `a`: its node, itself as a leaf, or None."""
    return a._node or (a if a._grad is not None else None)


_NO_KW = {}


def _binary(name, swap=False):
    """A dunder method for a binary op, with the fast path for CPU arrays inline
    (the same work as apply(), minus its generality)."""
    op, fwd = OPS[name], OPS[name].fwd
    differentiable = op.vjp is not None

    def method(self, other):
        if STATE.tracer is None:
            d = self._data
            # Raw NumPy operands take the slow path, which makes them float32 arrays.
            o = other._data if type(other) is ndarray else (
                other if type(other) in _SCALARS else None)
            if type(d) is _ND and (type(o) is _ND or type(o) in _SCALARS):
                try:
                    raw = fwd(o, d) if swap else fwd(d, o)
                except ValueError:
                    raw = None  # apply() below reports it with the op's name
                if raw is not None:
                    out = _wrap(raw)
                    if STATE.recording and differentiable:
                        pa = _parent(self)
                        pb = _parent(other) if type(other) is ndarray else None
                        record_op(op, (o, d) if swap else (d, o), _NO_KW, out,
                                  (pb, pa) if swap else (pa, pb))
                    return out
        if not isinstance(other, (ndarray,) + _SCALARS):
            other = array_like(other, self)
        return apply(op, other, self) if swap else apply(op, self, other)

    return method


def _inplace(name, fwd):
    def method(self, other):
        self._before_write(f"in-place {name}")
        o = other._data if type(other) is ndarray else other
        if type(other) is ndarray:
            _check_devices(OPS[name], (self, other))
        self._data = fwd(self._data, o)  # NumPy's in-place operator: same buffer
        return self

    return method


def array_like(obj, like):
    """`obj` (a list, NumPy array, scalar) as an ndarray on the device of `like`."""
    raw = onp.asarray(obj)
    if raw.dtype == onp.float64:
        raw = raw.astype(onp.float32)
    return _wrap(_dev.to_device(raw, _dev.device_of(like._data)))


def _raw_index(k):
    # An ndarray index made with np.array([0, 2]) is float32, as in MXNet, which
    # accepts it: use its values as integers.
    raw = k._data
    if raw.dtype.kind != "f" or getattr(raw, "symbolic", False):
        return raw
    return raw.astype(onp.int64)


def _raw_key(key):
    if type(key) is ndarray:
        return _raw_index(key)
    if isinstance(key, tuple):
        return tuple(_raw_index(k) if type(k) is ndarray else k for k in key)
    return key


# Names from NumPy and PyTorch habits that d2lmini spells differently.
_SPELLINGS = {
    "numpy": "x.asnumpy()", "cpu": "x.as_in_ctx(npx.cpu())", "requires_grad":
    "x.attach_grad()", "requires_grad_": "x.attach_grad()", "grad_fn": "x.grad",
    "context_": "x.ctx", "mT": "x.T", "detach_": "x.detach()", "to": "x.to_device(d)",
    "numel": "x.size", "dim": "x.ndim", "type": "x.astype(dtype)", "view":
    "x.reshape(shape)", "permute": "x.transpose(axes)", "unsqueeze":
    "x.expand_dims(axis)", "asscalar_": "x.item()",
}


def _class_names():
    return dir(ndarray)


class ndarray:
    """An n-dimensional array on a device, with autograd support (MXNet's np.ndarray).

    >>> x = np.arange(4).reshape(2, 2); x.attach_grad()
    """

    __slots__ = ("_data", "_node", "_grad", "_req", "_fresh", "__weakref__")
    __array_priority__ = 1000

    # ---- what it is ------------------------------------------------------------------
    shape = property(lambda self: self._data.shape)
    dtype = property(lambda self: self._data.dtype)
    size = property(lambda self: self._data.size)
    ndim = property(lambda self: self._data.ndim)
    device = property(lambda self: _dev.device_of(self._data))
    ctx = context = device
    T = property(lambda self: apply(OPS["transpose"], self))

    @property
    def grad(self):
        """The gradient stored by backward() (None until attach_grad())."""
        return self._grad

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d array; use .item() to read its value")
        return self._data.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __repr__(self):
        if getattr(self._data, "symbolic", False):  # inside a hybridized trace
            return f"<traced ndarray shape={self.shape} dtype={self.dtype}>"
        text = onp.array2string(self.asnumpy(), separator=", ", prefix="array(")
        extra = "" if self.dtype == onp.float32 else f", dtype={self.dtype}"
        where = "" if self.device == _dev.CPU else f", device={self.device}"
        return f"array({text}{extra}{where})"

    def __str__(self):
        if getattr(self._data, "symbolic", False):
            return repr(self)
        return str(self.asnumpy())

    __hash__ = object.__hash__

    # ---- leaving d2lmini -------------------------------------------------------------
    def asnumpy(self):
        """A NumPy copy of the values (waits for the device)."""
        d = self._data
        return d.copy() if type(d) is _ND else d.get()

    def __array__(self, dtype=None, copy=None):
        out = self.asnumpy()
        return out if dtype is None else out.astype(dtype)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # NumPy ufuncs on our arrays: our op when we have one, else plain NumPy.
        op = OPS.get({"divide": "true_divide"}.get(ufunc.__name__, ufunc.__name__))
        if method == "__call__" and op is not None and not kwargs:
            return apply(
                op,
                *[
                    x
                    if isinstance(x, ndarray)
                    else array_like(x, self)
                    if isinstance(x, (_ND, list))
                    else x
                    for x in inputs
                ],
            )
        plain = [x.asnumpy() if isinstance(x, ndarray) else x for x in inputs]
        return getattr(ufunc, method)(*plain, **kwargs)

    def item(self):
        """The single value as a Python number (needs size 1)."""
        if self.size != 1:
            raise ValueError(
                f"item() needs an array with one element, got shape "
                f"{self.shape}; index it first, e.g. x[0].item()"
            )
        return self._data.item()

    asscalar = item  # MXNet 1.x spelling

    def tolist(self):
        return self.asnumpy().tolist()

    def __bool__(self):
        if self.size != 1:
            raise ValueError(
                f"the truth value of an array of shape {self.shape} is ambiguous; "
                "use (x > 0).all(), .any() or compare a single element"
            )
        return bool(self._data)

    def __float__(self):
        return float(self.item())
    def __int__(self):
        return int(self.item())
    def __index__(self):
        return operator.index(self.item())

    def wait_to_read(self):
        return self

    # ---- devices ---------------------------------------------------------------------
    def copyto(self, other):
        """Copy to a device (new array) or into another ndarray's storage."""
        if isinstance(other, ndarray):
            other._before_write("copyto")
            other._data[...] = _dev.to_device(self._data, other.device)
            return other
        return _wrap(_dev.to_device(self._data, _dev.as_device(other)).copy())

    def as_in_ctx(self, device):
        """This array on `device`: itself when already there, else a copy."""
        device = _dev.as_device(device)
        return self if self.device == device else self.copyto(device)

    as_in_context = to_device = as_in_ctx

    # ---- autograd --------------------------------------------------------------------
    def attach_grad(self, grad_req="write"):
        """Make this array a leaf that receives gradients in `.grad`."""
        check_grad_req(grad_req, "attach_grad: grad_req")
        self._node = None  # a leaf: history before this point is cut
        self._req = grad_req
        self._grad = (
            None
            if grad_req == "null"
            else _wrap(_dev.xp_of(self._data).zeros_like(self._data))
        )

    def backward(self, out_grad=None, retain_graph=False, train_mode=True):
        """Gradients of this array with respect to every leaf it depends on."""
        backward([self], [out_grad], retain_graph=retain_graph, train_mode=train_mode)

    def detach(self):
        """The same values, cut from the recorded graph."""
        return _wrap(self._data)

    def _before_write(self, what):
        if STATE.tracer is not None:
            STATE.tracer.inplace(self, what)
        if STATE.recording and (self._node is not None or self._grad is not None):
            raise AutogradError(
                f"{what} on an array that is part of the recorded graph inside "
                "autograd.record(): backward() needs its old value. "
                f"{rewrite_advice(what)} (or x[:] = ...), or do it outside record()."
            )

    # ---- writes ----------------------------------------------------------------------
    def __setitem__(self, key, value):
        self._before_write("item assignment x[...] = ...")
        if type(value) is ndarray:
            _check_devices(OPS["copy"], (self, value))
            value = value._data
        elif type(self._data) is not _ND and hasattr(value, "__len__"):
            value = _dev.xp_of(self._data).asarray(value)  # host values, GPU array
        self._data[_raw_key(key)] = value

    __iadd__ = _inplace("add", operator.iadd)
    __isub__ = _inplace("subtract", operator.isub)
    __imul__ = _inplace("multiply", operator.imul)
    __itruediv__ = _inplace("true_divide", operator.itruediv)

    # ---- reading and arithmetic ------------------------------------------------------
    def __getitem__(self, key):
        # Unrecorded, untraced CPU indexing is the forward alone: no tape, no checks.
        if not STATE.recording and STATE.tracer is None and type(self._data) is _ND:
            return _wrap(self._data[_raw_key(key)])
        return apply(OPS["getitem"], self, key=_raw_key(key))

    __add__, __radd__ = _binary("add"), _binary("add", swap=True)
    __sub__, __rsub__ = _binary("subtract"), _binary("subtract", swap=True)
    __mul__, __rmul__ = _binary("multiply"), _binary("multiply", swap=True)
    __truediv__ = _binary("true_divide")
    __rtruediv__ = _binary("true_divide", swap=True)
    __pow__, __rpow__ = _binary("power"), _binary("power", swap=True)
    __floordiv__, __mod__ = _binary("floor_divide"), _binary("mod")
    __rfloordiv__ = _binary("floor_divide", swap=True)
    __rmod__ = _binary("mod", swap=True)
    __and__, __rand__ = _binary("bitwise_and"), _binary("bitwise_and", swap=True)
    __or__, __ror__ = _binary("bitwise_or"), _binary("bitwise_or", swap=True)
    __xor__, __rxor__ = _binary("bitwise_xor"), _binary("bitwise_xor", swap=True)
    __matmul__, __rmatmul__ = _binary("matmul"), _binary("matmul", swap=True)
    __eq__, __ne__ = _binary("equal"), _binary("not_equal")
    __lt__, __le__ = _binary("less"), _binary("less_equal")
    __gt__, __ge__ = _binary("greater"), _binary("greater_equal")
    def __neg__(self):
        return apply(OPS["negative"], self)
    def __abs__(self):
        return apply(OPS["abs"], self)
    def __invert__(self):
        return apply(OPS["invert"], self)
    def __pos__(self):
        return apply(OPS["copy"], self)

    def reshape(self, *shape, **kwargs):
        shape = kwargs.get("newshape", kwargs.get("shape", shape))
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        if self.size and any(d == 0 or d < -1 for d in shape):
            # MXNet 1.x codes (0 copies a dimension, -2/-3/-4 keep, merge,
            # split), where NumPy would only fail on a non-empty array.
            shape = shape_v1(self.shape, shape)
        return apply(OPS["reshape"], self, newshape=tuple(shape))

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = axes[0]
        return apply(OPS["transpose"], self, axes=tuple(axes) if axes else None)

    def flatten(self):
        """All values in one dimension (a copy)."""
        return apply(OPS["reshape"], self, newshape=(-1,))

    def astype(self, dtype, copy=True):
        if not copy and self.dtype == onp.dtype(dtype):
            return self
        return apply(OPS["astype"], self, dtype=onp.dtype(dtype))

    def copy(self):
        return apply(OPS["copy"], self)

    def dot(self, other):
        return apply(OPS["dot"], self, other)

    def clip(self, a_min=None, a_max=None):
        return apply(OPS["clip"], self, a_min=a_min, a_max=a_max)

    def expand_dims(self, axis):
        return apply(OPS["expand_dims"], self, axis=axis)

    def squeeze(self, axis=None):
        return apply(OPS["squeeze"], self, axis=axis)

    def argmax(self, axis=None):
        return apply(OPS["argmax"], self, axis=axis)

    def argmin(self, axis=None):
        return apply(OPS["argmin"], self, axis=axis)

    def all(self, axis=None, keepdims=False):
        return apply(OPS["all"], self, axis=axis, keepdims=keepdims)

    def any(self, axis=None, keepdims=False):
        return apply(OPS["any"], self, axis=axis, keepdims=keepdims)

    def __getattr__(self, name):  # only reached when normal lookup fails
        raise no_attribute("ndarray", name, _class_names, _SPELLINGS, "x.")


def _reduction(name):
    op = OPS[name]

    def method(self, axis=None, keepdims=False, exclude=False):
        if exclude:  # MXNet 1.x: reduce every axis except these
            kept = {a % self.ndim for a in (axis if isinstance(axis, (tuple, list))
                                            else (axis,))}
            axis = tuple(a for a in range(self.ndim) if a not in kept)
        return apply(op, self, axis=axis, keepdims=keepdims)

    method.__name__ = name
    return method


for _name in ("sum", "mean", "max", "min", "prod"):
    setattr(ndarray, _name, _reduction(_name))


def _var(self, axis=None, keepdims=False, ddof=0):
    """Variance: the mean squared distance from the mean, divided by the count
    minus `ddof`. Built from mean, subtract, multiply and sum, so gradients flow."""
    axes = range(self.ndim) if axis is None else (
        (axis,) if isinstance(axis, int) else axis)
    count = 1
    for ax in axes:
        count *= self.shape[ax]
    centered = self - self.mean(axis=axis, keepdims=True)
    return (centered * centered).sum(axis=axis, keepdims=keepdims) / (count - ddof)


def _std(self, axis=None, keepdims=False, ddof=0):
    """Standard deviation: the square root of var()."""
    return self.var(axis=axis, keepdims=keepdims, ddof=ddof).sqrt()


ndarray.var, ndarray.std = _var, _std
for _name in ("exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu"):
    setattr(ndarray, _name, (lambda op: lambda self: apply(op, self))(OPS[_name]))
