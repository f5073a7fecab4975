"""The timing harness: time a network honestly, eager against hybridized.

benchmark(net, X) gives warm-up, repeats, the device synchronised before every reading
and the first call (tracing) timed apart. Builds on gluon's Block and HybridBlock; the
timing widget and tests/bench/bench.py share its core, time_per_call.
Shown in chapter05/08_hybridization.ipynb.
"""

import gc
import time
from dataclasses import dataclass, field

import numpy as onp

from . import autograd
from .errors import BenchmarkError, HybridizationError
from .gluon.block import Block
from .gluon.hybrid import HybridBlock
from .ndarray import ndarray
from .npx import waitall
from .text import format_time, table_lines

# Mode name -> keyword arguments for net.hybridize(), None meaning eager (not traced).
MODES = {
    "eager": None,
    "hybridized": {},
    "hybridized static_alloc": {"static_alloc": True, "static_shape": True},
}


# ---- the timing core -----------------------------------------------------------------
def time_per_call(run, number, sync=waitall):
    """One reading: seconds per call of `run(number)`, which makes `number` calls.

    sync() (npx.waitall: GPU work runs asynchronously) is called before the clock
    starts and before it stops. Garbage collection is paused meanwhile, as timeit
    does, so a collection owed to earlier work does not land in this reading.
    """
    sync()
    collecting = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        run(number)
        sync()
        return (time.perf_counter() - start) / number
    finally:
        if collecting:
            gc.enable()


def autorange(run, sync=waitall, min_time=0.1):
    """The first number in 1, 2, 5, 10, 20, 50, ... for which run(number) takes at
    least `min_time` seconds (as timeit's autorange does)."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            number = scale * step
            if time_per_call(run, number, sync) * number >= min_time:
                return number
        scale *= 10


# ---- results -------------------------------------------------------------------------
@dataclass
class Timing:
    """Seconds per call of one mode: `repeats` readings of `number` calls each.

    The spread is (min, max) over the readings; first_call is the first call after
    switching to this mode, which for a hybridized mode includes tracing.
    """

    mode: str
    samples: list
    number: int
    first_call: float
    speedup: float = None  # eager median / this median (None without an eager run)

    @property
    def repeats(self):
        return len(self.samples)

    @property
    def median(self):
        return float(onp.median(self.samples))

    @property
    def spread(self):
        return min(self.samples), max(self.samples)

    def to_dict(self):
        return dict(mode=self.mode, median=self.median, spread=list(self.spread),
                    samples=list(self.samples), number=self.number,
                    repeats=self.repeats, first_call=self.first_call,
                    speedup=self.speedup)


@dataclass
class BenchmarkResult:
    """What benchmark() measured: one Timing per mode, and why any mode was skipped."""

    net: str  # the network's class name
    device: object
    input_shapes: list
    train: bool
    timings: dict = field(default_factory=dict)  # mode -> Timing, in measuring order
    unavailable: dict = field(default_factory=dict)  # mode -> reason

    @property
    def speedup(self):
        """The best speed-up of a hybridized mode over eager (None if not measured)."""
        ups = [t.speedup for m, t in self.timings.items()
               if m != "eager" and t.speedup is not None]
        return max(ups, default=None)

    def table(self):
        shapes = ", ".join(str(tuple(s)) for s in self.input_shapes)
        work = "forward + backward" if self.train else "forward"
        rows = [("mode", "per call", "min .. max", "repeats x calls", "first call",
                 "speedup")]
        for t in self.timings.values():
            low, high = t.spread
            rows.append((t.mode, format_time(t.median),
                         f"{format_time(low)} .. {format_time(high)}",
                         f"{t.repeats} x {t.number}", format_time(t.first_call),
                         "" if t.speedup is None else f"{t.speedup:.2f}x"))
        lines = [f"{self.net} on {self.device}, inputs {shapes}, {work}"]
        lines += table_lines(rows[0], rows[1:])
        lines += [f"{m}: unavailable: {why}" for m, why in self.unavailable.items()]
        return "\n".join(lines)

    __str__ = table

    def to_dict(self):
        return dict(net=self.net, device=str(self.device),
                    input_shapes=[list(s) for s in self.input_shapes],
                    train=self.train, speedup=self.speedup,
                    timings={m: t.to_dict() for m, t in self.timings.items()},
                    unavailable=dict(self.unavailable))


# ---- benchmark -----------------------------------------------------------------------
def benchmark(net, *inputs, modes=("eager", "hybridized"), number=None, repeats=5,
              warmup=1, train=False, progress=None):
    """Time net(*inputs) per call in each mode; returns a BenchmarkResult.

    modes: names from MODES, or a dict name -> net.hybridize() keyword arguments
    (None for eager). number: calls per reading (None: enough for about 0.1 s).
    train=True times forward and backward of the outputs' sum under
    autograd.record(); the gradients are put back as they were afterwards.
    progress(done, total, label) is called after each first call and each repeat.
    The net's hybridization is restored at the end, also after an error; a mode
    the net cannot run (a plain Block is never traced) is listed as unavailable.

    >>> print(d2lmini.benchmark(net, X))  # eager vs hybridized, with the speed-up
    """
    settings = _check_arguments(net, inputs, modes, number, repeats, warmup)
    result = BenchmarkResult(type(net).__name__, inputs[0].device,
                             [x.shape for x in inputs], bool(train))
    done, total = 0, len(settings) * (1 + repeats)

    def report(label, steps=1):
        nonlocal done
        done += steps
        if progress is not None:
            progress(done, total, label)

    def skip(mode, reason):
        result.unavailable[mode] = reason
        report(f"{mode}: unavailable", 1 + repeats)

    run = _calls(net, inputs, train)
    hybrid_state = _hybridization_state(net)
    grads = []
    try:
        net.hybridize(active=False)
        with autograd.pause():  # also finishes any deferred initialization
            reference = [o.asnumpy() for o in _outputs(net(*inputs))]
        grads = _saved_gradients(net, inputs) if train else []
        for mode, kwargs in settings.items():
            if kwargs is not None and not isinstance(net, HybridBlock):
                skip(mode, f"{type(net).__name__} is a plain Block, which is never "
                     "traced; build the network from HybridBlocks "
                     "(nn.HybridSequential instead of nn.Sequential) to hybridize it.")
                continue
            net.hybridize(active=kwargs is not None, **(kwargs or {}))
            try:
                first = time_per_call(run, 1)
            except HybridizationError as exc:
                if kwargs is None:
                    raise
                skip(mode, str(exc))
                continue
            report(f"{mode}: first call")
            if kwargs is not None:
                _check_same_outputs(mode, net, inputs, reference)
            run(warmup)
            calls = number or autorange(run)
            samples = []
            for i in range(repeats):
                samples.append(time_per_call(run, calls))
                report(f"{mode}: repeat {i + 1}/{repeats}")
            result.timings[mode] = Timing(mode, samples, calls, first)
    finally:
        for grad, saved in grads:
            grad[:] = saved
        _restore_hybridization(hybrid_state)
    eager = result.timings.get("eager")
    for t in result.timings.values():
        t.speedup = None if eager is None else eager.median / t.median
    return result


def _calls(net, inputs, train):
    """run(n): n calls of the network, each with a backward of the outputs' sum
    under autograd.record() when `train` is true."""

    def forward(n):
        for _ in range(n):
            net(*inputs)

    def train_step(n):
        for _ in range(n):
            with autograd.record():
                outs = _outputs(net(*inputs))
                loss = outs[0].sum()
                for out in outs[1:]:
                    loss = loss + out.sum()
            loss.backward()

    return train_step if train else forward


def _check_arguments(net, inputs, modes, number, repeats, warmup):
    """Validate benchmark()'s arguments; returns {mode: hybridize kwargs or None}."""
    if not isinstance(net, Block):
        raise TypeError(
            f"benchmark: expected a gluon Block as the network, got "
            f"{type(net).__name__}. To time a plain function f, use "
            "d2lmini.timing.time_per_call(lambda n: [f() for _ in range(n)], number).")
    if not inputs:
        raise TypeError(
            "benchmark: expected at least one input array after the network, got "
            "none. Pass the data too, e.g. d2lmini.benchmark(net, X).")
    for i, x in enumerate(inputs):
        if not isinstance(x, ndarray):
            raise TypeError(
                f"benchmark: input {i} should be a d2lmini ndarray, got "
                f"{type(x).__name__}. Convert it first, e.g. np.array(X).")
    for name, value, least in (("repeats", repeats, 1), ("warmup", warmup, 0),
                               ("number", 1 if number is None else number, 1)):
        if not isinstance(value, int) or value < least:
            raise ValueError(
                f"benchmark: {name} must be an integer of at least {least}, got "
                f"{value!r}.")
    settings = dict(modes) if isinstance(modes, dict) else {}
    if not isinstance(modes, dict):
        if isinstance(modes, str):
            modes = [modes]
        for mode in modes:
            if mode not in MODES:
                raise ValueError(
                    f"benchmark: unknown mode {mode!r}; expected names from "
                    f"{list(MODES)}, or a dict mapping names to net.hybridize() "
                    "keyword arguments (None for eager).")
            settings[mode] = MODES[mode]
    if not settings:
        raise ValueError(f"benchmark: no modes given; use e.g. {list(MODES)[:2]}.")
    return settings


def _outputs(out):
    """The network's output as a list of ndarrays."""
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    if not outs or not all(isinstance(o, ndarray) for o in outs):
        raise TypeError(
            f"benchmark: the network returned {type(out).__name__}; expected an "
            "ndarray or a tuple of ndarrays.")
    return outs


def _check_same_outputs(mode, net, inputs, reference):
    """Raise when hybridized outputs differ from eager ones (float32 tolerance)."""
    with autograd.pause():
        got = [o.asnumpy() for o in _outputs(net(*inputs))]
    for i, (have, want) in enumerate(zip(got, reference)):
        atol = 1e-5 * max(1.0, float(onp.abs(want).max(initial=0.0)))
        if have.shape != want.shape or not onp.allclose(have, want, 1e-4, atol):
            err = (f"max abs difference {onp.abs(have - want).max():.3g}"
                   if have.shape == want.shape else
                   f"shape {have.shape} instead of {want.shape}")
            raise BenchmarkError(
                f"benchmark: in mode {mode!r} output {i} differs from eager mode "
                f"({err}), so its time would not be comparable. A forward that "
                "depends on Python state or randomness cannot be hybridized "
                "faithfully; compare net(X) with and without net.hybridize() "
                "to find the layer.")
    if len(got) != len(reference):
        raise BenchmarkError(
            f"benchmark: expected mode {mode!r} to return as many outputs as eager "
            f"mode ({len(reference)}), got {len(got)}, so its time would not be "
            "comparable. Make forward return the same outputs whether or not the "
            "network is hybridized.")


def _hybridization_state(net):
    """Each HybridBlock's hybridize() settings, compiled plans and last plan."""
    return [(b, b._hybrid_settings, dict(b._plans), b._last_plan)
            for _, b in net._walk() if isinstance(b, HybridBlock)]


def _restore_hybridization(state):
    """Put back exactly what _hybridization_state saved: the network leaves
    benchmark() as it came, with the plans it had (no re-trace at the next call,
    and traced_graph, compiled_plan and export() still show the caller's own
    input shape)."""
    for block, settings, plans, last_plan in state:
        object.__setattr__(block, "_hybrid_settings", settings)
        object.__setattr__(block, "_last_plan", last_plan)
        block._plans.clear()
        block._plans.update(plans)


def _saved_gradients(net, inputs):
    """(gradient array, copy of it) for every gradient that backward() writes."""
    grads = [p.grad() for p in net.collect_params().values() if p.grad_req != "null"]
    grads += [x.grad for x in inputs if x.grad is not None]
    return [(g, g.copy()) for g in grads]
