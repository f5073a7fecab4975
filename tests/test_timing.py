"""d2lmini/timing.py: d2lmini.benchmark and its timing core (structure, restored
state, errors).

No assertion compares two times: machines are noisy (STYLE.md section 10).
"""

import gc
import json
import subprocess
import sys
import time

import numpy as onp
import pytest

import d2lmini
from d2lmini import autograd, gluon, np, npx, text, timing, utils
from d2lmini.gluon import nn

FAST = dict(number=2, repeats=3, warmup=1)


def mlp():
    net = nn.HybridSequential()
    net.add(nn.Dense(8, activation="relu"), nn.Dense(3))
    net.initialize()
    return net


def settings(net):
    """The hybridize() settings of every HybridBlock in the tree."""
    return [b._hybrid_settings for _, b in net._walk()
            if isinstance(b, gluon.HybridBlock)]


class Flaky(gluon.HybridBlock):
    """Raises from its Python forward on the `fail_at`-th call."""

    def __init__(self, fail_at):
        super().__init__()
        self.dense = nn.Dense(3)
        self.calls, self.fail_at = 0, fail_at

    def forward(self, x):
        self.calls += 1
        if self.calls == self.fail_at:
            raise RuntimeError("boom")
        return self.dense(x)


class Drifting(gluon.HybridBlock):
    """Depends on Python state, so the traced graph bakes in a stale constant."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return x * self.calls


class ValueDependent(gluon.HybridBlock):
    def forward(self, x):
        return x if x.sum() > 0 else -x


@pytest.fixture
def X():
    return np.random.uniform(size=(4, 5))


def test_result_structure_and_values(X):
    res = d2lmini.benchmark(mlp(), X, **FAST)
    assert list(res.timings) == ["eager", "hybridized"] and not res.unavailable
    for t in res.timings.values():
        assert t.repeats == len(t.samples) == 3 and t.number == 2
        assert all(s > 0 for s in t.samples) and t.first_call > 0
        low, high = t.spread
        assert low <= t.median <= high
        assert t.speedup > 0
    assert res.timings["eager"].speedup == 1.0
    assert res.speedup == res.timings["hybridized"].speedup
    assert res.device == npx.cpu() and res.input_shapes == [(4, 5)]
    assert res.net == "HybridSequential" and res.train is False
    data = json.loads(json.dumps(res.to_dict()))
    assert data["device"] == "cpu(0)" and data["timings"]["eager"]["repeats"] == 3
    lines = str(res).splitlines()
    assert lines[0] == "HybridSequential on cpu(0), inputs (4, 5), forward"
    assert lines[1].split()[:3] == ["mode", "per", "call"]
    assert lines[2].startswith("eager ") and lines[3].startswith("hybridized ")
    assert "3 x 2" in lines[2] and lines[3].endswith("x")


def test_public_names():
    assert d2lmini.benchmark is timing.benchmark
    assert d2lmini.BenchmarkResult is timing.BenchmarkResult
    assert d2lmini.Timing is timing.Timing
    assert d2lmini.try_gpu is utils.try_gpu and d2lmini.utils is utils
    assert {"benchmark", "timing", "try_gpu", "utils"} <= set(dir(d2lmini))


def test_import_d2lmini_leaves_the_harness_unloaded():
    code = ("import sys, d2lmini; print(sorted(m for m in ('d2lmini.timing', "
            "'d2lmini.utils', 'dataclasses') if m in sys.modules)); "
            "import d2lmini.timing; print(callable(d2lmini.benchmark), "
            "d2lmini.try_gpu().device_type)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True).stdout.split("\n")
    assert out[:2] == ["[]", "True cpu"]


def test_all_modes_and_custom_modes(X):
    res = d2lmini.benchmark(mlp(), X, modes=list(timing.MODES), **FAST)
    assert list(res.timings) == list(timing.MODES)
    res = d2lmini.benchmark(mlp(), X, modes={"mine": {"static_alloc": True}}, **FAST)
    assert list(res.timings) == ["mine"]
    assert res.timings["mine"].speedup is None and res.speedup is None


def test_restores_eager_state(X):
    net = mlp()
    d2lmini.benchmark(net, X, **FAST)
    assert settings(net) == [None, None, None]


def test_restores_hybridized_state(X):
    net = mlp()
    net.hybridize(static_alloc=True)
    before = settings(net)
    d2lmini.benchmark(net, X, modes=("hybridized", "eager"), **FAST)
    assert settings(net) == before and before[0] == {"static_alloc": True,
                                                     "static_shape": False}


def test_keeps_the_traced_plans_and_graph_of_the_callers_shape(X):
    # Timing another batch size must not leave the caller's net re-traced:
    # traced_graph and export() keep showing the shape the caller used.
    net = mlp()
    net.hybridize()
    net(X)
    graph, plans = net.traced_graph, dict(net._plans)
    d2lmini.benchmark(net, np.ones((64, 5)), **FAST)
    assert net.traced_graph is graph and net._plans == plans
    assert "float32[4, 5]" in str(net.traced_graph)


def test_restores_mixed_state(X):
    net = mlp()
    net[1].hybridize()
    d2lmini.benchmark(net, X, **FAST)
    assert settings(net) == [None, None, {"static_alloc": False,
                                          "static_shape": False}]


def test_restores_state_and_gradients_after_an_error(X):
    net = Flaky(fail_at=5)
    net.initialize()
    net.hybridize()
    net(X)  # traces: call 1; then the reference call, the first call and the
    # warm-up (the last two with backward) come before the first reading fails
    net.dense.weight.grad()[:] = 7
    with pytest.raises(RuntimeError, match="boom"):
        d2lmini.benchmark(net, X, modes=("eager",), train=True, **FAST)
    assert net.calls == 5
    assert settings(net) == [{"static_alloc": False, "static_shape": False}] * 2
    assert (net.dense.weight.grad().asnumpy() == 7).all()


def test_progress_is_called_after_first_call_and_each_repeat(X):
    calls = []
    d2lmini.benchmark(mlp(), X, number=1, repeats=2,
                      progress=lambda *a: calls.append(a))
    assert [c[:2] for c in calls] == [(i, 6) for i in range(1, 7)]
    assert [c[2] for c in calls[:3]] == [
        "eager: first call", "eager: repeat 1/2", "eager: repeat 2/2"]
    assert calls[3][2] == "hybridized: first call"


def test_plain_block_reports_hybridized_as_unavailable(X):
    net = nn.Sequential()
    net.add(nn.Dense(3))
    net.initialize()
    calls = []
    res = d2lmini.benchmark(net, X, progress=lambda *a: calls.append(a), **FAST)
    assert list(res.timings) == ["eager"] and res.speedup is None
    assert "plain Block" in res.unavailable["hybridized"]
    assert "HybridSequential" in res.unavailable["hybridized"]
    assert "hybridized: unavailable: Sequential is a plain Block" in str(res)
    assert calls[-1] == (8, 8, "hybridized: unavailable")
    assert len(calls) == 5


def test_untraceable_net_reports_the_hybridization_error(X):
    res = d2lmini.benchmark(ValueDependent(), X, **FAST)
    assert list(res.timings) == ["eager"]
    assert "ValueDependent" in res.unavailable["hybridized"]


def test_hybridized_output_must_match_eager(X):
    net = Drifting()
    with pytest.raises(d2lmini.BenchmarkError, match="differs from eager mode"):
        d2lmini.benchmark(net, X, modes=("hybridized",), **FAST)
    assert settings(net) == [None]


def test_train_times_backward_and_keeps_gradients(X):
    net = mlp()
    net(X)
    params = net.collect_params()
    params["1.bias"].grad_req = "add"
    for i, p in enumerate(params.values()):
        p.grad()[:] = i
    x = X.copy()
    x.attach_grad()
    x.grad[:] = -1
    weights = {k: p.data().asnumpy().copy() for k, p in params.items()}
    res = d2lmini.benchmark(net, x, train=True, **FAST)
    assert res.train and "forward + backward" in str(res)
    assert list(res.timings) == ["eager", "hybridized"]
    for i, (k, p) in enumerate(params.items()):
        assert (p.grad().asnumpy() == i).all(), k
        onp.testing.assert_array_equal(p.data().asnumpy(), weights[k])
    assert (x.grad.asnumpy() == -1).all()
    assert not autograd.is_recording()


def test_deferred_initialization_happens_before_timing(X):
    net = nn.HybridSequential()
    net.add(nn.Dense(3))
    net.initialize()
    res = d2lmini.benchmark(net, X, **FAST)
    assert net[0].weight.shape == (3, 5) and len(res.timings) == 2


@pytest.mark.parametrize("args, kwargs, error, phrase", [
    ((), {}, TypeError, "expected at least one input array"),
    ((onp.ones((2, 5)),), {}, TypeError, "input 0 should be a d2lmini ndarray"),
    ((np.ones((2, 5)),), {"repeats": 0}, ValueError,
     "repeats must be an integer of at least 1, got 0"),
    ((np.ones((2, 5)),), {"number": 0}, ValueError, "number must be an integer"),
    ((np.ones((2, 5)),), {"warmup": -1}, ValueError, "warmup must be an integer"),
    ((np.ones((2, 5)),), {"modes": ("eager", "hybrid")}, ValueError,
     "unknown mode 'hybrid'; expected names from"),
    ((np.ones((2, 5)),), {"modes": ()}, ValueError, "no modes given"),
])
def test_bad_arguments(args, kwargs, error, phrase):
    with pytest.raises(error, match=phrase):
        d2lmini.benchmark(mlp(), *args, **kwargs)


def test_network_must_be_a_block():
    with pytest.raises(TypeError, match="expected a gluon Block.*time_per_call"):
        d2lmini.benchmark(lambda x: x, np.ones(2))


def test_time_per_call_synchronises_and_pauses_garbage_collection():
    log = []

    def run(n):
        log.append(f"run {n}, gc {'on' if gc.isenabled() else 'off'}")

    per_call = timing.time_per_call(run, 4, sync=lambda: log.append("sync"))
    assert log == ["sync", "run 4, gc off", "sync"] and per_call >= 0
    assert gc.isenabled()


def test_autorange_picks_1_2_5_steps(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(time, "perf_counter", lambda: clock[0])

    def run(n):  # each call takes 1/64 s on this fake clock (exact in binary)
        clock[0] += n / 64

    assert timing.autorange(run, sync=lambda: None, min_time=8 / 64) == 10
    assert timing.autorange(run, sync=lambda: None, min_time=16 / 64) == 20
    assert timing.autorange(run, sync=lambda: None, min_time=0) == 1


def test_format_time():
    assert text.format_time(12.346e-6) == "12.35 µs"
    assert text.format_time(0.0012345) == "1.234 ms"
    assert text.format_time(2.5) == "2.500 s"
    # the views' shorter form (widgets/render.seconds)
    assert text.format_time(12.346e-6, digits=2) == "12.3 µs"
    assert text.format_time(0.0012345, digits=2) == "1.23 ms"
    assert text.format_time(2.5, digits=2) == "2.50 s"
