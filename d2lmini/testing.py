"""Gradient checking: what autograd says against what central differences measure.

Builds on autograd (record, backward) and ndarray; a leaf that no library module
imports. tests/test_ops.py runs it on every row of the gradient table
(tests/op_rows.py).
"""
import numpy as onp

from .autograd import pause, record
from .ndarray import _wrap, ndarray


def check_gradient(fn, *inputs, eps=1e-6, rtol=1e-4, atol=1e-6):
    """Compare autograd's gradient of `fn` with central differences, in float64.

    `fn` maps d2lmini ndarrays to one ndarray. Every input is copied to float64;
    the output is weighted by a fixed random head gradient, so each output element
    counts. Returns the largest absolute error over all inputs and raises
    AssertionError naming the input and index where the two disagree.

    >>> check_gradient(lambda x: np.tanh(x) * x, np.array([0.5, -1.0]))
    """
    values = [onp.array(x, dtype=onp.float64) for x in inputs]
    leaves = [_wrap(v.copy()) for v in values]
    for leaf in leaves:
        leaf.attach_grad()
    with record(train_mode=False):  # predict mode: the same function both ways
        out = fn(*leaves)
    if not isinstance(out, ndarray) or out.dtype != onp.float64:
        raise AssertionError(
            f"check_gradient: fn must return a float64 ndarray for float64 inputs, "
            f"got {type(out).__name__} of dtype {getattr(out, 'dtype', None)}")
    head = onp.random.default_rng(0).standard_normal(out.shape)
    out.backward(_wrap(head.copy()))

    def objective(arrays):  # sum(head * fn(arrays)), nothing recorded
        with pause(train_mode=False):
            return float((head * fn(*[_wrap(a) for a in arrays]).asnumpy()).sum())

    worst = 0.0
    for i, (value, leaf) in enumerate(zip(values, leaves)):
        grad = leaf.grad.asnumpy()
        if grad.shape != value.shape:
            raise AssertionError(f"check_gradient: input {i} has shape {value.shape} "
                                 f"but its gradient has shape {grad.shape}")
        numeric = onp.zeros_like(value)
        for index in onp.ndindex(*value.shape):
            sides = []
            for step in (eps, -eps):
                arrays = [v.copy() for v in values]
                arrays[i][index] += step
                sides.append(objective(arrays))
            numeric[index] = (sides[0] - sides[1]) / (2 * eps)
        err = onp.abs(grad - numeric)
        if (err > atol + rtol * onp.abs(numeric)).any():
            at = onp.unravel_index(onp.argmax(err), err.shape)
            raise AssertionError(
                f"check_gradient: input {i} (shape {value.shape}): autograd and "
                f"central differences disagree; max abs error {err.max():.3g} at "
                f"index {tuple(int(k) for k in at)}: autograd {grad[at]:.6g}, "
                f"numeric {numeric[at]:.6g}")
        worst = max(worst, float(err.max(initial=0.0)))
    return worst
