"""Every exception d2lmini raises on purpose.

Each subclasses a built-in (ValueError for bad values and shapes, TypeError for the
wrong kind of object, RuntimeError for state), so `except ValueError` still works.
"""


_SYMBOLS = {"add": "+", "subtract": "-", "multiply": "*", "true_divide": "/"}


def rewrite_advice(what):
    """How to say an in-place write without writing in place, for the operator in
    `what` ('in-place true_divide' -> 'Write x = x / y instead of x /= y.')."""
    symbol = _SYMBOLS.get(what.rsplit(" ", 1)[-1], "+")
    return f"Write x = x {symbol} y instead of x {symbol}= y."


def check_grad_req(req, what):
    """Raise ValueError unless `req` is a grad_req; `what` names the argument and
    where it was given ("attach_grad: grad_req")."""
    if req not in ("write", "add", "null"):
        raise ValueError(
            f"{what} must be 'write', 'add' or 'null', got {req!r}; "
            "'write' keeps the last backward's gradient, 'add' sums them (zero them "
            "yourself), 'null' keeps none (frozen)")


class DeferredInitializationError(RuntimeError):
    """A parameter's shape is not known yet: run a forward pass first."""


class HybridizationError(RuntimeError):
    """Something a traced (hybridized) forward cannot do."""


class AutogradError(RuntimeError):
    """Misuse of the tape: in-place writes on recorded arrays, backward twice, ..."""


class DeviceError(ValueError):
    """An array or block on a device that is missing or does not match."""


class ShapeError(ValueError):
    """Inputs whose shapes do not fit the block or op they are given to."""


class BlockInitError(RuntimeError):
    """A Block subclass whose __init__ did not call super().__init__()."""


class FileFormatError(ValueError):
    """A file that is not a readable d2lmini/.npz file, or that holds pickled data."""


class ParameterLoadError(ValueError):
    """A parameter file whose names or shapes do not match the block."""


class TrainerError(RuntimeError, UserWarning):
    """Misuse of a Trainer or optimizer. Also a UserWarning, the class MXNet raises
    for these, so MXNet code that catches UserWarning still works."""


class StaleGradientError(TrainerError):
    """Trainer.step on a parameter whose gradient backward() has not renewed."""


class LabelError(ValueError):
    """Labels a loss cannot use: a class index outside [0, number of classes)."""


class NotSupportedError(NotImplementedError):
    """Something MXNet has that d2lmini leaves out on purpose (e.g. higher-order
    gradients); the message says what to do instead."""


class NotInitializedError(RuntimeError):
    """A parameter or block used (or saved) before initialize() gave it values."""


class BenchmarkError(RuntimeError):
    """A timing run whose modes do not compute the same thing, so times would not
    be comparable."""
