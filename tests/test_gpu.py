"""The GPU (CuPy) gives the CPU's results: ops, gradients, plans, devices and files.

Every row of op_rows.py's tables runs on DEVICE, eagerly and hybridized, and
must give the CPU's outputs and input gradients; networks hybridized on the GPU
equal their eager runs there; arrays and networks move between devices; files
written from the GPU load on the CPU and back; a Trainer step, export/imports and
d2lmini.benchmark work there. Marker `gpu`; the module is skipped, with the reason,
where npx.num_gpus() is 0. On a machine with an NVIDIA GPU (see README, GPUs):

    .venv/bin/pip install -e '.[gpu]'
    .venv/bin/python -m pytest -m gpu -rs

DEVICE is the device under test. Setting it to npx.cpu() runs this file's logic on
a machine without a GPU (the device-mixing and GPU-count tests then skip).
"""

import contextlib
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as onp
import pytest
from hybrid_checks import check_block
from nets import EXAMPLES, Captured, chimera, hybridize_section_net, small_mlp
from op_rows import NO_GRAD, ROWS, UNTRACEABLE, row_id, row_inputs

import d2lmini
from d2lmini import autograd, gluon, init, np, npx
from d2lmini.gluon import nn

DEVICE = npx.gpu(0)
CPU = npx.cpu()
NO_DEVICE = DEVICE.device_type == "gpu" and npx.num_gpus() <= DEVICE.device_id

if NO_DEVICE:
    pytest.skip(f"no GPU: npx.num_gpus() is {npx.num_gpus()}; the GPU tests need an "
                "NVIDIA GPU and CuPy (pip install -e '.[gpu]')",
                allow_module_level=True)
pytestmark = pytest.mark.gpu
needs_two_devices = pytest.mark.skipif(DEVICE == CPU, reason="DEVICE is the CPU")

RTOL, ATOL = 1e-5, 1e-6
# Ops that add many terms up: CuPy adds them in another order than NumPy.
ACCUMULATING = {"sum", "mean", "prod", "norm", "matmul", "dot", "fully_connected",
                "softmax", "log_softmax"}
SETTINGS = {"hybridize()": {},
            "static_alloc+static_shape": {"static_alloc": True, "static_shape": True}}

# Rows of op_rows.py that embed a constant, and how they run on DEVICE:
# - made with np.array(...) inside the row, at the default device (a where() mask,
#   pick labels, an index array): on the GPU such a row runs inside `with DEVICE:`,
#   so the constant is made there. Outside that scope the op mixes a CPU and a GPU
#   array, the DeviceError that test_mixing_devices_is_a_clear_error checks.
MADE_ON_DEFAULT_DEVICE = {"where", "where-bias-and-scalar", "where-float-condition",
                          "pick", "pick-keepdims", "pick-axis0",
                          "getitem-ndarray-index"}
# - a host NumPy array (W_LEFT) or a list/NumPy index (MASK, _REPEAT) used as it
#   is: these run unchanged, d2lmini copies a NumPy operand to the device of the
#   array it meets and CuPy copies host index arrays to the GPU.
HOST_NUMPY = {"add-numpy-left", "subtract-numpy-left", "multiply-numpy-left",
              "matmul-numpy-left", "getitem-list-repeats", "getitem-array-repeats",
              "getitem-column-repeats", "getitem-pairs-repeats", "getitem-bool-mask",
              "getitem-bool-rows"}
# - UNTRACEABLE (op_rows.py) rows run eagerly only.
_stale = (MADE_ON_DEFAULT_DEVICE | HOST_NUMPY | UNTRACEABLE) - {row_id(r) for r in ROWS}
if _stale:
    raise AssertionError(f"test_gpu.py names rows op_rows.py does not have: {_stale}")


# ---- helpers ------------------------------------------------------------------------
def assert_same(got, want, what, rtol=RTOL):
    """`got`, an ndarray that must be on DEVICE, equals `want` (the CPU's result)."""
    assert got.device == DEVICE, f"{what}: on {got.device}, expected {DEVICE}"
    have = got.asnumpy()
    want = want.asnumpy() if isinstance(want, d2lmini.ndarray) else onp.asarray(want)
    assert have.shape == want.shape, f"{what}: shape {have.shape} != {want.shape}"
    assert have.dtype == want.dtype, f"{what}: dtype {have.dtype} != {want.dtype}"
    if want.dtype.kind != "f":
        onp.testing.assert_array_equal(have, want, err_msg=what)
        return
    atol = ATOL * max(1.0, float(onp.abs(want).max(initial=0.0)))
    onp.testing.assert_allclose(have, want, rtol=rtol, atol=atol, err_msg=what)


def on(device, host, dtype=None):
    return np.array(host, dtype=dtype, device=device)


def standard_normal(*shape, seed=0):
    return onp.random.default_rng(seed).standard_normal(shape).astype(onp.float32)


def initialized(net, shape, device=DEVICE):
    """`net` with Xavier weights drawn on the CPU (a forward fills in deferred
    shapes), then moved to `device`. Tests other than the initialization tests start
    this way, so that they do not depend on initializing on the GPU."""
    net.initialize(init.Xavier())
    net(np.zeros(shape))
    net.reset_device(device)
    return net


def run_recorded(fn, host_inputs, device, scope=False):
    """fn on `device` under record, then backward with a fixed head gradient:
    the output and each input's gradient."""
    leaves = [on(device, x) for x in host_inputs]
    for leaf in leaves:
        leaf.attach_grad()
    with device if scope else contextlib.nullcontext():
        with autograd.record():
            out = fn(*leaves)
        head = onp.random.default_rng(1).uniform(-1, 1, out.shape)
        out.backward(on(device, head, out.dtype))
    return out, [leaf.grad for leaf in leaves]


def row_case(r):
    """The row as a function, its float32 inputs, and whether it runs in the scope."""
    inputs = [x.astype(onp.float32) for x in row_inputs(r)]
    return (lambda *a: r.fn(*a, **r.kw)), inputs, row_id(r) in MADE_ON_DEFAULT_DEVICE


def assert_row_same(r, got, got_grads, want, want_grads, what):
    rtol = 1e-4 if r.op in ACCUMULATING else RTOL
    assert_same(got, want, f"{row_id(r)}, {what}: output", rtol)
    for i, (g, w) in enumerate(zip(got_grads, want_grads, strict=True)):
        assert_same(g, w, f"{row_id(r)}, {what}: gradient of input {i}", rtol)


# ---- every op, eagerly and hybridized ------------------------------------------------
@pytest.mark.parametrize("r", ROWS, ids=row_id)
def test_op_and_its_gradients_equal_the_cpu(r):
    fn, inputs, scope = row_case(r)
    want, want_grads = run_recorded(fn, inputs, CPU)
    got, got_grads = run_recorded(fn, inputs, DEVICE, scope)
    assert_row_same(r, got, got_grads, want, want_grads, "eager")


@pytest.mark.parametrize("setting", SETTINGS)
@pytest.mark.parametrize("r", [r for r in ROWS if row_id(r) not in UNTRACEABLE],
                         ids=row_id)
def test_op_in_a_hybridized_block_equals_the_cpu(r, setting):
    fn, inputs, scope = row_case(r)
    want, want_grads = run_recorded(fn, inputs, CPU)
    block = nn.HybridLambda(lambda F, *a: fn(*a))
    block.hybridize(**SETTINGS[setting])
    for call in ("tracing call", "compiled call"):
        got, got_grads = run_recorded(block, inputs, DEVICE, scope)
        assert_row_same(r, got, got_grads, want, want_grads, f"{setting}, {call}")
    with DEVICE if scope else contextlib.nullcontext():  # the inference program
        for call in ("tracing call", "compiled call"):
            out = block(*[on(DEVICE, x) for x in inputs])
            assert_same(out, want, f"{row_id(r)}, {setting}, inference {call}",
                        1e-4 if r.op in ACCUMULATING else RTOL)


@pytest.mark.parametrize("name, fn", NO_GRAD, ids=[n for n, _ in NO_GRAD])
def test_non_differentiable_op_equals_the_cpu(name, fn):
    host = onp.random.default_rng(3).uniform(-2, 2, (2, 3)).astype(onp.float32)
    results = []
    for device in (CPU, DEVICE):
        np.random.seed(0)  # dropout_mask draws on the host: the same mask on both
        x = on(device, host)
        x.attach_grad()
        with autograd.record():
            y = fn(x)
        assert y._node is None, f"{name} recorded a gradient path on {device}"
        results.append(y)
    assert_same(results[1], results[0], name)


# ---- networks: hybridized equals eager on the GPU ------------------------------------
def deep_narrow():
    """W3 of BENCHMARKS.md: 20 x Dense(64, relu), then Dense(10)."""
    net = nn.HybridSequential()
    for _ in range(20):
        net.add(nn.Dense(64, activation="relu"))
    net.add(nn.Dense(10))
    return net


NETS = {  # name -> (factory, input shape)
    "W1 Dense(256, relu)-Dense(128, relu)-Dense(2)": (hybridize_section_net, (1, 512)),
    "W3 20 x Dense(64, relu)-Dense(10)": (deep_narrow, (32, 64)),
    "chimera": (chimera, (2, 20)),
}


def recorded_on_device(net, x, head):
    """Output and parameter gradients (host copies), checked to be on DEVICE."""
    with autograd.record():
        out = net(x)
    out.backward(head)
    grads = {}
    for k, p in net.collect_params().items():
        if p.grad_req != "null":
            assert p.grad().device == DEVICE, f"gradient of {k} on {p.grad().device}"
            grads[k] = p.grad().asnumpy().copy()
    assert out.device == DEVICE
    return out.asnumpy().copy(), grads


@pytest.mark.parametrize("setting", SETTINGS)
@pytest.mark.parametrize("name", NETS)
def test_hybridized_network_equals_eager_on_the_gpu(name, setting):
    make, shape = NETS[name]
    np.random.seed(0)
    net = initialized(make(), shape)
    x = on(DEVICE, standard_normal(*shape))
    want = net(x).asnumpy()  # eager
    head = on(DEVICE, standard_normal(*want.shape, seed=1))
    want_out, want_grads = recorded_on_device(net, x, head)
    net.hybridize(**SETTINGS[setting])
    for call in ("tracing call", "compiled call", "third call"):
        what = f"{name}, {setting}, {call}"
        first = net(x)
        assert_same(first, want, f"{what}: inference", 1e-4)
        out, grads = recorded_on_device(net, x, head)
        onp.testing.assert_allclose(out, want_out, 1e-4, 1e-5, err_msg=what)
        for k in want_grads:
            onp.testing.assert_allclose(grads[k], want_grads[k], 1e-4, 1e-5,
                                        err_msg=f"{what}: gradient of {k}")
        net(on(DEVICE, standard_normal(*shape, seed=2)))  # static buffers reused
        assert_same(first, want, f"{what}: an earlier result after a later call", 1e-4)


@pytest.mark.parametrize("name", EXAMPLES)
def test_chapter_block_hybridization_properties_hold_on_the_gpu(name):
    """test_hybrid_chapter.py's checks (inference, record, results that survive later
    calls, a new batch size), with everything made on DEVICE."""
    make, shape = EXAMPLES[name]
    np.random.seed(42)
    with DEVICE:
        case = check_block(make(), shape)
    assert case.xs[0].device == DEVICE
    assert all(p.data().device == DEVICE for p in case.net.collect_params().values())


# ---- devices ------------------------------------------------------------------------
def test_gpu_count_and_fallbacks_reflect_the_machine():
    cupy = pytest.importorskip("cupy")
    n = cupy.cuda.runtime.getDeviceCount()
    assert npx.num_gpus() == d2lmini.num_gpus() == n >= 1
    assert d2lmini.try_gpu() == npx.gpu(0) and d2lmini.try_gpu(n - 1) == npx.gpu(n - 1)
    assert d2lmini.try_gpu(n) == npx.cpu()
    assert d2lmini.try_all_gpus() == [npx.gpu(i) for i in range(n)]
    with pytest.raises(d2lmini.DeviceError, match="not available"):
        np.ones(2, device=npx.gpu(n))


@needs_two_devices
def test_cupy_is_imported_only_when_a_gpu_is_used():
    code = textwrap.dedent("""
        import sys
        from d2lmini import autograd, np, npx
        x = np.ones((2, 3)); x.attach_grad()
        with autograd.record():
            y = (x * 2).sum()
        y.backward(); npx.waitall()
        assert "cupy" not in sys.modules, "CPU work imported CuPy"
        np.ones(2, device=npx.gpu(0))
        assert "cupy" in sys.modules
    """)
    subprocess.run([sys.executable, "-c", code], check=True,
                   cwd=Path(__file__).resolve().parents[1])


def test_copies_between_devices():
    host = standard_normal(2, 3)
    x = on(CPU, host)
    g = x.copyto(DEVICE)
    assert g.device == DEVICE and g is not x
    onp.testing.assert_array_equal(g.asnumpy(), host)
    assert g.as_in_ctx(DEVICE) is g and g.to_device(DEVICE) is g
    for moved in (x.as_in_ctx(DEVICE), x.as_in_context(DEVICE), x.to_device(DEVICE),
                  np.array(x, device=DEVICE), np.asarray(x, device=DEVICE)):
        assert moved.device == DEVICE
        onp.testing.assert_array_equal(moved.asnumpy(), host)
    back = g.as_in_ctx(CPU)
    assert back.device == CPU and type(back._data) is onp.ndarray
    onp.testing.assert_array_equal(back.asnumpy(), host)
    target = np.zeros((2, 3), device=DEVICE)
    assert x.copyto(target) is target and target.device == DEVICE
    onp.testing.assert_array_equal(target.asnumpy(), host)
    host_target = np.zeros((2, 3))
    g.copyto(host_target)
    onp.testing.assert_array_equal(host_target.asnumpy(), host)
    g[0, 0] = 5.0  # a copy is independent of its source
    assert x[0, 0].item() == host[0, 0]
    made = [np.zeros_like(g), np.ones_like(g), np.full_like(g, 2.0), g * 2 + 1,
            np.array(g), np.ones(3, ctx=DEVICE), np.arange(3, device=DEVICE),
            np.random.normal(size=(2,), device=DEVICE)]
    assert [a.device for a in made] == [DEVICE] * len(made)


def test_reading_values_waits_for_the_device():
    host = standard_normal(3, 4)
    x = on(DEVICE, host)
    y = x @ x.T
    total = (x * 2).sum()
    npx.waitall()
    assert y.wait_to_read() is y
    assert isinstance(y.asnumpy(), onp.ndarray)
    onp.testing.assert_allclose(y.asnumpy(), host @ host.T, rtol=1e-4, atol=1e-5)
    assert isinstance(total.item(), float) and float(total) == total.item()
    assert total.item() == pytest.approx(2 * float(host.sum()), rel=1e-5, abs=1e-5)
    assert x.tolist() == host.tolist() and bool(total > -1e9)
    assert (f"device={DEVICE}" in repr(x)) == (DEVICE != CPU)


@needs_two_devices
def test_mixing_devices_is_a_clear_error():
    here, there = np.ones((2, 3)), np.ones((2, 3), device=DEVICE)
    with pytest.raises(d2lmini.DeviceError, match=r"cpu\(0\) and gpu\(0\).*as_in_ctx"):
        here + there
    for mixed in (lambda: there * here, lambda: np.dot(here, there.T),
                  lambda: np.concatenate([there, here]),
                  lambda: np.maximum(there, here)):
        with pytest.raises(d2lmini.DeviceError, match="different devices"):
            mixed()
    with pytest.raises(d2lmini.DeviceError, match="different devices"):
        there += here
    with pytest.raises(d2lmini.DeviceError, match="different devices"):
        there[0] = here[0]
    # A row whose constant is made at the default device, run outside `with DEVICE:`.
    (where,) = [r for r in ROWS if row_id(r) == "where"]
    with pytest.raises(d2lmini.DeviceError, match="different devices"):
        where.fn(there, there)
    # A network on the GPU given data on the CPU, eagerly and hybridized.
    net = initialized(small_mlp(), (2, 3))
    # Eagerly, the first Dense names itself and says how to move the network.
    with pytest.raises(d2lmini.DeviceError,
                       match=r"Parameter '0.weight' of Dense '0'.*lives on gpu\(0\), "
                             r"not on cpu\(0\).*net.reset_device"):
        net(here)
    net.hybridize()
    with pytest.raises(d2lmini.DeviceError, match="different devices"):
        net(here)


INITIALIZERS = [init.Uniform(), init.Normal(0.5), init.Xavier(), init.Constant(0.25),
                init.One()]


@pytest.mark.parametrize("initializer", INITIALIZERS, ids=repr)
def test_initialize_on_the_gpu_draws_what_the_cpu_draws(initializer):
    """A seed gives the same values on every device (drawn on the host, then moved),
    for parameters of known shape and for deferred ones drawn at the first call."""
    nets = []
    for device in (CPU, DEVICE):
        np.random.seed(5)
        net = nn.HybridSequential()
        net.add(nn.Dense(4, in_units=3, activation="relu"), nn.Dense(2))
        net.initialize(initializer, ctx=device)
        net(on(device, standard_normal(2, 3)))
        nets.append(net)
    want = nets[0].collect_params()
    for k, p in nets[1].collect_params().items():
        assert p.list_ctx() == [DEVICE] and p.grad().device == DEVICE
        assert_same(p.data(), want[k].data(), k, rtol=0)


def test_reset_device_moves_parameters_both_ways_also_hybridized():
    np.random.seed(0)
    net = small_mlp()
    net.initialize(init.Xavier())
    host = standard_normal(2, 5)
    want = net(on(CPU, host)).asnumpy()
    for hybrid in (False, True):
        net.hybridize(active=hybrid)
        for device in (DEVICE, CPU, DEVICE, CPU):
            net.reset_device(device)
            for k, p in net.collect_params().items():
                assert p.list_ctx() == [device] and p.grad().device == device, k
            out = net(on(device, host))
            assert out.device == device
            onp.testing.assert_allclose(out.asnumpy(), want, rtol=1e-5, atol=1e-6)
    net.collect_params().reset_ctx(DEVICE)  # the ParameterDict spelling
    assert net[0].weight.data().device == DEVICE


def test_parameters_saved_on_the_gpu_load_on_the_cpu_and_back(tmp_path):
    np.random.seed(0)
    net = initialized(small_mlp(), (2, 5))
    host = standard_normal(2, 5)
    want = net(on(DEVICE, host)).asnumpy()
    net.save_parameters(tmp_path / "gpu.params")
    loaded = {}
    for device in (None, CPU, DEVICE):  # None: a fresh net loads on the CPU
        clone = small_mlp()
        clone.load_parameters(tmp_path / "gpu.params", device=device)
        loaded[device] = clone
        at = device or CPU
        assert all(p.list_ctx() == [at] for p in clone.collect_params().values())
        out = clone(on(at, host))
        onp.testing.assert_allclose(out.asnumpy(), want, rtol=1e-5, atol=1e-6)
    # Saved on the CPU, loaded into a network on the GPU: it stays on the GPU.
    loaded[CPU].save_parameters(tmp_path / "cpu.params")
    on_gpu = initialized(small_mlp(), (2, 5))
    on_gpu.load_parameters(tmp_path / "cpu.params")
    assert on_gpu[0].weight.list_ctx() == [DEVICE]
    assert_same(on_gpu(on(DEVICE, host)), want, "loaded on the GPU")
    on_gpu.load_parameters(tmp_path / "gpu.params", ctx=CPU)  # the 1.x spelling
    assert on_gpu[1].bias.list_ctx() == [CPU]


def test_npx_save_and_load_of_gpu_arrays(tmp_path):
    x = on(DEVICE, standard_normal(2, 3))
    labels = on(DEVICE, onp.array([3, 1, 2]))  # int64 stays int64
    path = tmp_path / "arrays"
    npx.save(path, [x, labels])
    a, b = npx.load(path)
    assert a.device == CPU and b.device == CPU and b.dtype == onp.int64
    with onp.load(path) as files:  # the file holds plain NumPy arrays
        onp.testing.assert_array_equal(files["0"], x.asnumpy())
    a, b = npx.load(path, device=DEVICE)
    assert_same(a, x.asnumpy(), "list entry 0", rtol=0)
    assert_same(b, labels.asnumpy(), "list entry 1")
    npx.save(path, {"x": x})
    assert_same(npx.load(path, ctx=DEVICE)["x"], x.asnumpy(), "dict entry", rtol=0)
    npx.save(path, x)
    (one,) = npx.load(path, device=DEVICE)
    assert_same(one, x.asnumpy(), "single array", rtol=0)


LOSSES = {"L2Loss": (gluon.loss.L2Loss, lambda rng: rng.standard_normal((64, 2))),
          "SoftmaxCrossEntropyLoss": (gluon.loss.SoftmaxCrossEntropyLoss,
                                      lambda rng: rng.integers(0, 2, 64) * 1.0)}


@pytest.mark.parametrize("loss_name", LOSSES)
@pytest.mark.parametrize("options", [{"learning_rate": 0.1},
                                     {"learning_rate": 0.05, "momentum": 0.9,
                                      "wd": 1e-3}], ids=["sgd", "momentum+wd"])
@pytest.mark.parametrize("hybrid", [False, True], ids=["eager", "hybridized"])
def test_training_steps_on_the_gpu_follow_the_cpu(loss_name, options, hybrid):
    """W2's network and step (forward, loss, backward, Trainer.step) on DEVICE, from
    the same initial weights as an eager run on the CPU."""
    make_loss, make_labels = LOSSES[loss_name]
    rng = onp.random.default_rng(0)
    X, y = standard_normal(64, 512), make_labels(rng).astype(onp.float32)
    runs = []
    for device in (CPU, DEVICE):
        np.random.seed(0)  # the same weights for both: drawn on the CPU, then moved
        net = initialized(hybridize_section_net(), (1, 512), device)
        loss_fn = make_loss()
        if hybrid and device == DEVICE:
            net.hybridize()
            loss_fn.hybridize()
        trainer = gluon.Trainer(net.collect_params(), "sgd", options)
        losses = []
        for _ in range(3):
            with autograd.record():
                loss = loss_fn(net(on(device, X)), on(device, y)).mean()
            loss.backward()
            trainer.step(1)
            assert loss.device == device
            losses.append(loss.item())
        runs.append((losses, net.collect_params()))
    (cpu_losses, cpu_params), (gpu_losses, gpu_params) = runs
    onp.testing.assert_allclose(gpu_losses, cpu_losses, rtol=1e-4)
    for k, p in gpu_params.items():
        assert_same(p.data(), cpu_params[k].data(), f"{k} after 3 steps", rtol=1e-4)


@pytest.mark.parametrize("make", [small_mlp, Captured], ids=["mlp", "constants"])
def test_exported_on_the_gpu_imports_on_the_cpu(make, tmp_path):
    np.random.seed(0)
    with DEVICE:  # the constant arrays Captured makes in __init__ are made there too
        net = make()
        net.initialize(init.Xavier())
    net.hybridize()
    host = standard_normal(2, 5)
    want = net(on(DEVICE, host))
    assert want.device == DEVICE
    files = net.export(str(tmp_path / "net"))
    for device in (None, DEVICE):  # None: on the CPU
        clone = gluon.SymbolBlock.imports(files[0], ["data"], files[1], device=device)
        at = device or CPU
        for active in (False, True):
            clone.hybridize(active=active)
            out = clone(on(at, host))
            assert out.device == at
            onp.testing.assert_allclose(out.asnumpy(), want.asnumpy(), rtol=1e-5,
                                        atol=1e-6)


def test_benchmark_runs_on_the_gpu_and_names_it():
    np.random.seed(0)
    net = initialized(hybridize_section_net(), (1, 512))
    X = on(DEVICE, standard_normal(1, 512))
    for train in (False, True):
        result = d2lmini.benchmark(net, X, modes=list(d2lmini.timing.MODES), number=3,
                                   repeats=2, train=train)
        assert result.device == DEVICE and result.to_dict()["device"] == str(DEVICE)
        title = result.table().splitlines()[0]
        assert title.startswith(f"HybridSequential on {DEVICE}, inputs (1, 512)")
        assert list(result.timings) == list(d2lmini.timing.MODES)
        assert all(t.median > 0 for t in result.timings.values())
        assert result.speedup is not None and not result.unavailable
    assert net(X).device == DEVICE
