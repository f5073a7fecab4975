"""The widget views without a browser: their data, text and HTML, and their buttons.

Views are built on the chapter's networks and read through the representation
layer (STYLE.md section 11); buttons are pressed with .click(). Timings are never
compared, only their shape. The graphviz `dot` program is switched off (or faked)
so the results do not depend on the machine.
"""

import re
import stat

import matplotlib
import pytest
from nets import MLP, FixedHiddenMLP, NestMLP

from d2lmini import cpu, gluon, init, np
from d2lmini.errors import HybridizationError
from d2lmini.gluon import nn
from widgets import BlockTree, GraphView, LazyInitView, TimingView, data, dot, render
from widgets.timing import available_devices

matplotlib.use("Agg")  # never an interactive backend in tests
FAST = dict(number=1, repeats=2, warmup=0, background=False)


@pytest.fixture(autouse=True)
def no_dot(monkeypatch):
    monkeypatch.setenv("D2LMINI_DOT", "none")


@pytest.fixture
def X():
    return np.random.uniform(size=(2, 20))


# ---- the chapter's networks ----------------------------------------------------------
# MLP, NestMLP and FixedHiddenMLP are the chapter's own, from test_chapter_examples.


def chimera():
    net = nn.Sequential()
    net.add(NestMLP(), nn.Dense(20), FixedHiddenMLP())
    net.initialize()
    return net


def tied():
    """A Dense shared through params=, and the same Dense object added twice."""
    shared = nn.Dense(8, activation="relu")
    net = nn.Sequential()
    net.add(nn.Dense(8, activation="relu"), shared,
            nn.Dense(8, activation="relu", params=shared.params), shared, nn.Dense(10))
    net.initialize()
    return net


def deferred():
    net = nn.Sequential()
    net.add(nn.Dense(256, activation="relu"), nn.Dense(10))
    net.initialize()
    return net


def hybrid():
    net = nn.HybridSequential()
    net.add(nn.Dense(8, activation="relu"), nn.Dense(3, activation="tanh"))
    net.initialize()
    net.hybridize()
    return net


def lines(text):
    return [line.rstrip() for line in text.splitlines()]


# ---- BlockTree -----------------------------------------------------------------------
def test_block_tree_mlp(X):
    net = MLP()
    net.initialize()
    tree = BlockTree(net, X)
    assert lines(tree.text()) == [
        "BlockTree of MLP",
        "block      class  output    params  own parameters",
        "(root)     MLP    (2, 10)    7,946",
        "├─ hidden  Dense  (2, 256)   5,376  weight (256, 20), bias (256,)",
        "└─ output  Dense  (2, 10)    2,570  weight (10, 256), bias (10,)",
        "Total: 7,946 parameters (7,946 trainable, 0 with grad_req='null').",
    ]
    assert repr(tree) == tree.text()


def test_block_tree_chimera_depth_and_constant(X):
    net = chimera()
    tree = BlockTree(net, X, depth=1)
    assert lines(tree.text())[1:] == [
        "block      class           output   params  own parameters",
        "(root)     Sequential      ()        5,112",
        "├─ 0 [+2]  NestMLP         (2, 16)   3,952",
        "├─ 1       Dense           (2, 20)     340  weight (20, 16), bias (20,)",
        "└─ 2 [+1]  FixedHiddenMLP  ()          820  rand_weight (20, 20) "
        "grad_req=null",
        "Total: 5,112 parameters (4,712 trainable, 400 with grad_req='null').",
    ]
    assert sum(p.data().size for p in net.collect_params().values()) == 5112
    tree.depth.value = 3  # the slider opens every level
    assert lines(tree.text())[3:6] == [
        "├─ 0         NestMLP         (2, 16)   3,952",
        "│  ├─ net    Sequential      (2, 32)   3,424",
        "│  │  ├─ 0   Dense           (2, 64)   1,344  weight (64, 20), bias (64,)",
    ]
    assert [n.path for n in data.block_tree(net).walk()] == [
        "", "0", "0.net", "0.net.0", "0.net.1", "0.dense", "1", "2", "2.dense"]


def test_block_tree_tied_parameters_counted_once(X):
    net = tied()
    tree = BlockTree(net, X)
    assert lines(tree.text())[2:] == [
        "(root)  Sequential               (2, 10)     330",
        "├─ 0    Dense                    (2, 8)      168  weight (8, 20), bias (8,)",
        "├─ 1    Dense                    (2, 8)       72  weight (8, 8), bias (8,)",
        "├─ 2    Dense                    (2, 8)        0  weight (8, 8) = 1.weight, "
        "bias (8,) = 1.bias",
        "├─ 3    Dense (same block as 1)  (2, 8)        0",
        "└─ 4    Dense                    (2, 10)      90  weight (10, 8), bias (10,)",
        "Total: 330 parameters (330 trainable, 0 with grad_req='null'); "
        "2 shared parameter(s) counted once.",
    ]
    assert sum(p.data().size for p in net.collect_params().values()) == 330
    assert data.totals(tree.full) == data.Totals(330, 330, 0, 0, 2)
    assert dot.tree_dot(tree.tree).splitlines()[-3:-1] == [
        '  n_1 -> n_2 [style=dashed, color="#db2777", fontcolor="#be185d", '
        'label="shared", constraint=false];',
        '  n_1 -> n_3 [style=dashed, color="#db2777", fontcolor="#be185d", '
        'label="same block", constraint=false];',
    ]
    html = tree._repr_html_()
    assert "= 1.weight" in html and render.ACCENTS["shared"] in html


def test_block_tree_deferred_fills_in_at_the_users_forward(X):
    net = deferred()
    tree = BlockTree(net)
    assert lines(tree.text())[2:] == [
        "(root)  Sequential  -       266 + ?",
        "├─ 0    Dense       -       256 + ?  weight (256, -1), bias (256,)",
        "└─ 1    Dense       -        10 + ?  weight (10, -1), bias (10,)",
        "Total: 266 + ? parameters (266 trainable, 0 with grad_req='null'); "
        "2 parameter(s) deferred: their shapes are known after the first forward.",
    ]
    net(X)  # the view's hooks record the shapes, redraw, then remove themselves
    assert lines(tree.text())[2:5] == [
        "(root)  Sequential  (2, 10)    7,946",
        "├─ 0    Dense       (2, 256)   5,376  weight (256, 20), bias (256,)",
        "└─ 1    Dense       (2, 10)    2,570  weight (10, 256), bias (10,)",
    ]
    assert all(not b._hooks[1] for _, b in net._walk())
    assert "(2, 256)" in tree.rows["0"].children[2].value


def test_block_tree_of_a_hybridized_net_keeps_it_hybridized(X):
    net = hybrid()
    net(X)
    tree = BlockTree(net, X)
    assert [n.output_shape for n in tree.full.walk()] == [(2, 3), (2, 8), (2, 3)]
    assert [b._hybrid_settings for _, b in net._walk()] == [
        {"static_alloc": False, "static_shape": False}] * 3
    net(X)
    assert net.traced_graph is not None


def test_block_tree_compacts_identical_siblings(X):
    net = nn.Sequential()
    for _ in range(4):
        net.add(nn.Dense(8))
    net.initialize()
    assert lines(BlockTree(net, X).text())[2:5] == [
        "(root)      Sequential  (2, 8)     384",
        "├─ 0        Dense       (2, 8)     168  weight (8, 20), bias (8,)",
        "└─ 1..3 ×3  Dense       (2, 8)     216  weight (8, 8), bias (8,)",
    ]
    assert len(BlockTree(net, compact=False).rows) == 5


def test_block_tree_buttons_expand_collapse_select(X):
    tree = BlockTree(chimera(), X)
    assert list(tree.rows) == ["", "0", "0.net", "0.net.0", "0.net.1", "0.dense",
                               "1", "2", "2.dense"]
    toggle, name, _ = tree.rows["0"].children
    assert toggle.description == "▾"
    toggle.click()
    assert list(tree.rows) == ["", "0", "1", "2", "2.dense"]
    assert tree.rows["0"].children[0].description == "▸"
    tree.rows["0"].children[0].click()
    assert "0.net.1" in tree.rows
    tree.collapse_all.click()
    assert list(tree.rows) == [""] and tree.depth.value == 0
    # A closed block says how many blocks it hides, as the static table does.
    # The selected row says so in words and bold, not by colour alone.
    assert tree.rows[""].children[1].description == "(root) [+3]: Sequential (selected)"
    tree.expand_all.click()
    assert len(tree.rows) == 9 and tree.depth.value == 3
    tree.rows["2"].children[1].click()
    assert tree.selected == "2"
    chosen = tree.rows["2"].children[1]
    assert chosen.description == "2: FixedHiddenMLP (selected)"
    assert chosen.style.font_weight == "bold"
    assert tree.rows["1"].children[1].description == "1: Dense"
    assert "2.rand_weight" in tree.details.value
    assert "while np.abs(X).sum() &gt; 1:" in tree.details.value
    tree.rows["0.net.0"].children[1].click()
    # A library layer is named, not shown as library source.
    assert "built-in layer" in tree.details.value
    assert "d2lmini.gluon.nn.Dense</code>: its forward is part of d2lmini" \
        in tree.details.value
    assert "def forward" not in tree.details.value


def test_block_tree_selecting_a_repeated_block_names_that_row(X):
    tree = BlockTree(tied(), X)
    tree.rows["3"].children[1].click()
    assert "<b>3: Dense (same block as 1)</b>" in tree.details.value
    assert "1.weight" in tree.details.value  # the parameters of its first place


def test_block_tree_diagram_and_static_html(X):
    net = NestMLP()
    net.initialize()
    tree = BlockTree(net, X)
    assert "apt install graphviz" in tree.diagram.value
    assert dot.tree_dot(data.block_tree(NestMLP())).splitlines()[7:15] == [
        "  subgraph cluster_n_root {",
        '    label="(root): NestMLP\\n112 + ? params"; style="rounded,dashed,filled"; '
        'fillcolor="#f8fafc"; color="#6b7280"; fontcolor="#374151";',
        "    subgraph cluster_n_net {",
        '      label="net: Sequential\\n96 + ? params"; '
        'style="rounded,dashed,filled"; fillcolor="#f8fafc"; color="#6b7280"; '
        'fontcolor="#374151";',
        '      n_net_0 [shape=box, label="0: Dense\\n64 + ? params", '
        'fillcolor="#c7d2fe"];',
        '      n_net_1 [shape=box, label="1: Dense\\n32 + ? params", '
        'fillcolor="#c7d2fe"];',
        "    }",
        '    n_dense [shape=box, label="dense: Dense\\n16 + ? params", '
        'fillcolor="#c7d2fe"];',
    ]
    bundle = tree._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == tree.text()
    html = bundle["text/html"]
    assert html.startswith("<div class='d2l-view'")
    assert "var(--jp-content-font-color1, inherit)" in html
    assert "▾ (root)" in html and "DOT source" in html


# ---- dot: present, faked, missing ----------------------------------------------------
def fake_dot(tmp_path, body):
    program = tmp_path / "fake-dot"
    program.write_text(f"#!/bin/sh\ncat > /dev/null\n{body}\n")
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    return str(program)


def test_diagram_drawn_by_dot(tmp_path, monkeypatch):
    monkeypatch.setenv("D2LMINI_DOT", fake_dot(
        tmp_path, "echo '<?xml version=\"1.0\"?>'; echo '<svg width=\"8pt\"></svg>'"))
    assert dot.to_svg("digraph {}") == '<svg width="8pt"></svg>\n'
    start, end = "<!-- d2l-diagram -->", "<!-- /d2l-diagram -->"
    assert dot.diagram_html("digraph {}") == (
        f'{start}<div class="d2l-diagram"><svg style="max-width:100%;height:auto" '
        f'role="img" aria-label="graphviz diagram" width="8pt"></svg>\n</div>{end}')
    # Static HTML shows it as an image: untrusted notebooks drop inline <svg>.
    assert dot.diagram_html("digraph {}", inline=False) == (
        f'{start}<div class="d2l-diagram"><img alt="graphviz diagram" '
        'style="max-width:100%" '
        f'src="data:image/svg+xml;base64,PHN2ZyB3aWR0aD0iOHB0Ij48L3N2Zz4K"/></div>{end}')
    net = hybrid()
    net(np.ones((1, 4)))
    view = GraphView(net)
    assert "<svg " in view.diagram.value and "<svg " not in view._repr_html_()
    assert "data:image/svg+xml;base64," in view._repr_html_()


def test_diagram_without_dot_says_how_to_install(tmp_path, monkeypatch):
    assert dot.find_dot() is None and dot.to_svg("digraph {}") is None
    html = dot.diagram_html('digraph { a -> "b<c" }')
    for hint in ("apt install graphviz", "conda install graphviz",
                 "brew install graphviz", "pip cannot", "b&lt;c"):
        assert hint in html
    # Marked like a drawing, so nbval's sanitizer treats both alike.
    assert html.startswith("<!-- d2l-diagram -->")
    assert html.endswith("<!-- /d2l-diagram -->")
    monkeypatch.setenv("D2LMINI_DOT", fake_dot(tmp_path, "exit 3"))  # dot fails
    assert "apt install graphviz" in dot.diagram_html("digraph {}")


def test_themed_dot_keeps_the_library_graph():
    source = 'digraph "g" {\n  rankdir=TB;\n}'
    assert dot.themed(source).splitlines()[0] == 'digraph "g" {'
    assert 'bgcolor="white";' in dot.themed(source)
    assert dot.themed(source).endswith("  rankdir=TB;\n}")


# ---- LazyInitView --------------------------------------------------------------------
def test_lazy_init_before_and_after_run(X):
    view = LazyInitView(deferred(), X)
    assert lines(view.text()) == [
        "LazyInitView of Sequential",
        "Before the first forward (X has shape (2, 20)). Step runs layer 0 (Dense) "
        "next. 2 parameter(s) deferred: their -1 dimensions are inferred at the "
        "first forward.",
        "parameter  before     now        state        values",
        "0.weight   (256, -1)  (256, -1)  deferred     not drawn yet",
        "0.bias     (256,)     (256,)     initialized  mean +0.0000, std 0.0000: "
        "0.0000, 0.0000, 0.0000, ...",
        "1.weight   (10, -1)   (10, -1)   deferred     not drawn yet",
        "1.bias     (10,)      (10,)      initialized  mean +0.0000, std 0.0000: "
        "0.0000, 0.0000, 0.0000, ...",
    ]
    unknown = render.mark("-1", "unknown")
    assert f"(256, {unknown})" in view.table.value
    assert render.mark("deferred", "unknown") in view.table.value
    view.run_button.click()
    assert lines(view.text())[1:5] == [
        "After the forward on X (2, 20): output (2, 10). Every parameter has its "
        "shape and values.",
        "parameter  before     now        state        values",
        "0.weight   (256, -1)  (256, 20)  initialized  mean +0.0001, std 0.0408: "
        "-0.0135, -0.0660, -0.0693, ...",
        "0.bias     (256,)     (256,)     initialized  mean +0.0000, std 0.0000: "
        "0.0000, 0.0000, 0.0000, ...",
    ]
    assert f"(256, {render.mark('20', 'filled')})" in view.table.value
    assert data.changed_shapes(view.before, view.now) == {
        "0.weight": ((256, -1), (256, 20)), "1.weight": ((10, -1), (10, 256))}


def test_lazy_init_step_by_step(X):
    view = LazyInitView(deferred(), X)
    view.step_button.click()
    assert view.now[0].shape == (256, 20) and view.now[2].shape == (10, -1)
    assert lines(view.text())[1] == (
        "After 1 of 2 step(s). Step runs layer 1 (Dense) next. 1 parameter(s) "
        "deferred: their -1 dimensions are inferred at the first forward.")
    assert lines(view.text())[-1] == "1. layer 0 (Dense): input (2, 20) -> output " \
        "(2, 256)"
    view.step_button.click()
    assert lines(view.text())[-2:] == [
        "1. layer 0 (Dense): input (2, 20) -> output (2, 256)",
        "2. layer 1 (Dense): input (2, 256) -> output (2, 10)",
    ]
    # Step stays enabled (focus stays on it) and says that nothing is left.
    assert view.output == (2, 10) and not view.step_button.disabled
    assert view.step() is None and "nothing left to step" in view.status.value
    assert lines(view.text())[1].startswith(
        "After stepping through all 2 layers from X (2, 20): output (2, 10). ")
    view.step_button.click()  # one step too many: said in the view, not raised
    assert "Every layer has run" in view.status.value
    assert view.step() is None  # the method a cell calls: no exception either
    assert "nothing left to step" in view.status.value
    view.run_button.click()
    assert lines(view.text())[-1] == "3. net(X): input (2, 20) -> output (2, 10)"
    assert lines(view.text())[1].startswith("After the forward on X (2, 20)")
    assert view.step() is None  # Step after Run: finished, and says so


def test_lazy_init_snapshots_keep_each_moment(X):
    # A narrative shows snapshots; the live widget shown twice would show the
    # last state in both places.
    view = LazyInitView(deferred(), X)
    before = view.snapshot()
    view.step()
    after_one = view.snapshot()
    view.step()
    assert "Before the first forward" in repr(before)
    assert "(256, -1)" in repr(before) and "(10, -1)" in repr(before)
    assert "After 1 of 2 step(s)" in repr(after_one)
    assert "(10, -1)" in repr(after_one)  # layer 1 was still waiting then
    assert "After stepping through all 2 layers" in repr(view.snapshot())
    assert "After 1 of 2" in after_one._repr_html_()


def test_lazy_init_prints_of_a_click_appear_in_the_view(X):
    class Announce(init.Initializer):
        def _init_weight(self, name, arr):
            print("drawing", name)
            arr[:] = 0.5

    net = nn.Sequential()
    net.add(nn.Dense(3))
    net.initialize(Announce())
    view = LazyInitView(net, X)
    view.step_button.click()
    printed = "".join(o.get("text", "") for o in view.printed.outputs)
    assert "drawing" in printed and view.printed in view.children


def test_lazy_init_run_forward_leaves_nothing_to_step(X):
    view = LazyInitView(deferred(), X)
    view.run_button.click()
    assert "nothing left" in view.step_button.tooltip
    assert "Step runs" not in lines(view.text())[1]


def test_lazy_init_explains_what_it_cannot_do(X):
    view = LazyInitView(NestMLP(), X)
    assert "call net.initialize() first" in view.summary()
    view.run_button.click()
    assert "NotInitializedError" in view.status.value
    assert "has not been initialized" in view.status.value
    assert view.step() is None  # not a Sequential: said in the view
    assert "use Run forward" in view.status.value
    with pytest.raises(TypeError, match="np.array"):
        LazyInitView(deferred(), X.asnumpy())


# ---- TimingView ----------------------------------------------------------------------
def test_timing_view_measures_eager_and_hybridized(X):
    net = hybrid()
    view = TimingView(net, X, batch_sizes=[2, 4], **FAST)
    assert view.text() == ("TimingView of HybridSequential: not measured yet "
                           "(press Measure).")
    view.measure.click()
    report = view.report
    assert [(r.device, r.mode, r.batch_size) for r in report.records] == [
        ("cpu(0)", "eager", 2), ("cpu(0)", "hybridized", 2)]
    assert view.progress.value == view.progress.max == 2 * (1 + 2)
    assert re.fullmatch(r"cpu\(0\)  2      eager       .* 1\.00x",
                        lines(view.text())[2])
    assert view.png and f"base64,{view.png}" in view.chart.value
    assert "alt='Bar chart of the time per call (lower is faster): cpu(0) batch 2 " \
        "eager" in view.chart.value
    assert f"data:image/png;base64,{view.png}" in view._repr_html_()
    view.batch.value = 4
    view.run()  # the other batch size joins the chart
    assert [r.batch_size for r in view.report.records] == [2, 2, 4, 4]
    assert [b._hybrid_settings is not None for _, b in net._walk()] == [True] * 3
    assert net[0].weight.data().device == cpu()


def test_timing_view_in_a_background_thread(X):
    view = TimingView(hybrid(), X, **dict(FAST, background=True))
    view.measure.click()
    view.wait(timeout=30)
    assert len(view.report.records) == 2 and not view.measuring
    assert not view.measure.disabled  # never disabled: it keeps the focus


def test_timing_view_plain_block_is_eager_only(X):
    view = TimingView(deferred(), X, devices=[cpu()], **FAST)
    view.run()
    assert [r.mode for r in view.report.records] == ["eager"]
    assert "hybridized: unavailable: Sequential is a plain Block" in view.text()
    assert available_devices() == [cpu()]  # this machine has no GPU


def record(mode, median, low, high, speedup, batch=2, device="cpu(0)"):
    return data.TimingRecord(device, mode, batch, median, low, high, 5, 100,
                             30e-6, speedup)


def test_timing_text_is_honest_about_slow_hybridization():
    report = data.TimingReport("MLP", [
        record("eager", 20e-6, 19e-6, 25e-6, 1.0),
        record("hybridized", 21e-6, 20e-6, 60e-6, 0.95),  # one slow outlier
        record("eager", 20e-6, 19e-6, 21e-6, 1.0, batch=4),
        record("hybridized", 25e-6, 24e-6, 26e-6, 0.8, batch=4),
        record("eager", 20e-6, 19e-6, 21e-6, 1.0, batch=8),
        record("hybridized", 10e-6, 9.5e-6, 11e-6, 2.0, batch=8),
        record("eager", 20e-6, 10e-6, 60e-6, 1.0, batch=16),  # a busy machine
        record("hybridized", 50e-6, 45e-6, 55e-6, 0.4, batch=16)],
        [("gpu(0)", "hybridized static_alloc", "no GPU memory")])
    assert lines(render.timing_text(report))[:3] == [
        "TimingView of MLP: time per call (median of the repeats)",
        "device  batch  mode        per call  min .. max          repeats x calls"
        "  first call  speed-up",
        "cpu(0)  2      eager        20.0 µs  19.0 µs .. 25.0 µs  5 x 100        "
        "     30.0 µs     1.00x",
    ]
    assert lines(render.timing_text(report))[-5:] == [
        "cpu(0), batch 2, hybridized: no clear difference (0.95x, within 10%): "
        "the Python work saved per call is small next to the arithmetic.",
        "cpu(0), batch 4, hybridized: slower than eager (0.80x), consistently "
        "over the repeats.",
        "cpu(0), batch 8, hybridized: 2.00x faster than eager.",
        "cpu(0), batch 16, hybridized: no verdict: most repeats took more than "
        "1.25x the fastest one, so the CPU was busy with something else. Close "
        "other programs and measure again (more repeats help).",
        "gpu(0), hybridized static_alloc: unavailable: no GPU memory",
    ]
    assert render.ACCENTS["unknown"] in render.timing_html(report)


def test_timing_view_leaves_the_lessons_network_as_it_was(X):
    # Measuring another batch size must not re-trace the lesson's net: its
    # traced graph (what the listing and export() show) keeps the input shape.
    net = hybrid()
    net.hybridize()
    net(X)
    graph, plans = net.traced_graph, dict(net._plans)
    view = TimingView(net, X, batch_sizes=[2, 8], **FAST)
    view.run(8)
    view.run_all()
    assert net.traced_graph is graph and net._plans == plans
    assert "float32[2, 20]" in str(net.traced_graph)
    assert [r.batch_size for r in view.report.records] == [2, 2, 8, 8]
    with pytest.raises(ValueError, match="not one of this view's"):
        view.run(3)


def test_timing_view_checks_its_arguments(X):
    with pytest.raises(ValueError, match="batch_sizes must be positive integers"):
        TimingView(hybrid(), X, batch_sizes=[0])
    with pytest.raises(TypeError, match="a batch X"):
        TimingView(hybrid(), 3.0)


# ---- GraphView -----------------------------------------------------------------------
def test_graph_view_of_a_hybridized_net(X):
    net = hybrid()
    net(X)
    view = GraphView(net)
    assert lines(view.text()) == [
        "GraphView of HybridSequential: 3 ops (2 fused, 1 in place)",
        "graph HybridSequential(%0: float32[2, 20]):",
        "  %1 = param 0.weight  # float32[8, 20]",
        "  %2 = param 0.bias  # float32[8]",
        "  %4 = param 1.weight  # float32[3, 8]",
        "  %5 = param 1.bias  # float32[3]",
        "  %3 = fully_connected(%0, %1, %2, flatten=True, relu=True)  "
        "# float32[2, 8]  [fused]",
        "  %6 = fully_connected(%3, %4, %5, flatten=True)  # float32[2, 3]  [fused]",
        "  %7 = tanh(%6)  # float32[2, 3]  [in place]",
        "  return %7",
    ]
    assert [line.marks for line in view.lines] == [()] * 5 + [
        ("fused",), ("fused",), ("in place",), ()]
    assert (f"<div style='white-space:pre;background:{render.ACCENTS['in place']}'>"
            "  %7 = "
            "tanh(%6)  # float32[2, 3]  [in place]</div>") in view.listing.value
    assert "apt install graphviz" in view.diagram.value
    assert "bgcolor=&quot;white&quot;" in view.diagram.value
    net(np.random.uniform(size=(5, 20)))  # a new input shape traces again
    view.refresh_button.click()
    assert "float32[5, 20]" in view.text()


def test_graph_view_static_buffer_mark(X):
    net = hybrid()
    net.hybridize(static_alloc=True)
    net(X)
    marks = [line.marks for line in GraphView(net).lines if line.marks]
    assert ("fused", "static buffer") in marks


def test_listing_lines_read_the_marks_from_the_plans_notes(X):
    net = hybrid()
    net.hybridize()
    net(X)
    plan = net.compiled_plan
    lines = data.listing_lines(plan)
    assert [line.text for line in lines] == str(plan).splitlines()
    marked = {line.text.split(" = ")[0].strip(): line.marks
              for line in lines if line.marks}
    assert marked == {f"%{out}": marks for out, marks in plan.notes.items()}
    # Marks come from the notes, not from the text: any notes show as given.
    graph = net.traced_graph
    mine = {graph.nodes[0].out: ("my mark",)}
    lines = data.listing_lines(graph, mine)
    assert [line.marks for line in lines if line.marks] == [("my mark",)]
    assert all(line.marks == () for line in data.listing_lines(graph))


def test_graph_view_explains_what_to_do_first(X):
    with pytest.raises(HybridizationError, match=r"net.hybridize\(\) and net\(X\) fir"):
        GraphView(nn.HybridSequential())
    unhybridized = hybrid()
    unhybridized.hybridize(active=False)
    unhybridized(X)
    with pytest.raises(HybridizationError, match="has no traced graph yet"):
        GraphView(unhybridized)
    with pytest.raises(TypeError, match="nn.HybridSequential instead of nn.Seq"):
        GraphView(deferred())


# ---- common to every view ------------------------------------------------------------
def test_every_view_has_a_static_fallback(X):
    net = hybrid()
    net(X)
    views = [BlockTree(net), LazyInitView(net, X), TimingView(net, X, **FAST),
             GraphView(net)]
    for view in views:
        bundle = view._repr_mimebundle_()
        assert set(bundle) == {"application/vnd.jupyter.widget-view+json",
                               "text/plain", "text/html"}
        assert bundle["text/plain"] == view.text()
        assert bundle["text/html"].startswith("<div class='d2l-view'")


def test_a_view_is_displayed_with_a_hidden_static_copy(X, monkeypatch):
    """Shown in a notebook, a view makes two outputs: the widget with its static
    forms, then a hidden copy of the HTML that JupyterLab shows in place of a
    widget whose model is gone (a saved, trusted notebook without a kernel)."""
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display",
                        lambda obj, raw=False: shown.append((obj, raw)))
    view = BlockTree(deferred(), X)
    view._ipython_display_()
    (widget, raw1), (copy, raw2) = shown
    assert raw1 and raw2
    assert "application/vnd.jupyter.widget-view+json" in widget
    assert set(copy) == {"text/html"}
    assert copy["text/html"] == render.fallback(widget["text/html"])
    assert "<div class='d2l-fallback' style='display:none'>" in copy["text/html"]
    assert render.LIVE_CLASS in view._dom_classes
    # the copy shows only where the output before it holds no live view
    css = render.FALLBACK_CSS
    assert f":has(.{render.LIVE_CLASS}) + .jp-OutputArea-child .d2l-fallback" in css
    assert ":has(:has(" not in css.replace(" ", "")  # :has() may not nest


def test_bad_networks_are_refused():
    with pytest.raises(TypeError, match="expects a gluon Block"):
        BlockTree(np.ones((2, 3)))
    with pytest.raises(TypeError, match="expects a gluon Block"):
        LazyInitView("net", np.ones((2, 3)))
    with pytest.raises(TypeError, match="expects a gluon Block"):
        TimingView(gluon.Parameter("w", shape=(2,)), np.ones((2, 3)))


def test_shape_html_highlights_unknown_dimensions():
    assert render.shape_html((256, -1)) == (
        "<code style='font-family:var(--jp-code-font-family, monospace, monospace);"
        "font-size:0.95em'>(256, <span style='background:rgba(245, 158, 11, 0.35);"
        "border-radius:3px;padding:0 3px'>-1</span>)</code>")
    assert render.count_text(0, True) == "?" and render.count_text(1234) == "1,234"
    const = gluon.Constant(np.ones((2, 2)))
    assert data.param_info(const, "c") == data.ParamInfo(
        "c", (2, 2), "float32", "null", "uninitialized")
    const.initialize()
    info = data.param_info(const, "c", stats=True)
    assert (info.state, info.mean, info.std, info.head) == (
        "initialized", 1.0, 0.0, (1.0, 1.0, 1.0))


# ---- accessibility (WCAG 2.1 AA) -----------------------------------------------------
# Theme colours the views' text sits on: JupyterLab's light and dark themes
# (--jp-layout-color0 and --jp-ui-font-color1/--jp-content-font-color1).
THEMES = {"light": ((255, 255, 255), (0, 0, 0, 0.87)),
          "dark": ((17, 17, 17), (255, 255, 255, 1.0))}


def rgba(colour):
    """'#rrggbb' or 'rgba(r, g, b, a)' -> (r, g, b, a)."""
    if colour.startswith("#"):
        return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5)) + (1.0,)
    r, g, b, a = (float(v) for v in re.findall(r"[\d.]+", colour))
    return r, g, b, a


def over(top, below):
    """`top` (r, g, b, a) composited over the opaque colour `below`."""
    r, g, b, a = top
    return tuple(a * c + (1 - a) * d for c, d in zip((r, g, b), below))


def contrast(fg, bg):
    def lum(rgb):
        def channel(v):
            v /= 255
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        r, g, b = (channel(v) for v in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    hi, lo = sorted([lum(fg), lum(bg)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_text_on_the_views_accents_reads_in_both_themes():
    """Text on a row selection or an accent mark: 4.5:1 in light and dark."""
    for theme, (page, text) in THEMES.items():
        for name, accent in [("selected", render.SELECTED), *render.ACCENTS.items()]:
            bg = over(rgba(accent), page)
            ratio = contrast(over(text, bg), bg)
            assert ratio >= 4.5, f"{theme}: text on {name} {accent}: {ratio:.2f}"


def test_diagram_and_chart_colours_have_enough_contrast():
    """Diagrams and the chart are white cards (the same in both themes): their
    text reaches 4.5:1 and their lines 3:1 on what lies behind them."""
    from widgets import chart

    white = (255, 255, 255)
    style = dot._STYLE + dot._CLUSTER + dot.tree_dot(data.block_tree(tied()))
    assert 'bgcolor="white"' in style
    fills = [over(rgba(c), white) for c in ("#e5e7eb", "#c7d2fe", "#f8fafc")]
    assert all(f'fillcolor="{c}"' in style for c in ("#e5e7eb", "#c7d2fe", "#f8fafc"))
    for fg in ("#111111", "#374151"):  # node labels, cluster labels
        for fill in fills:
            assert contrast(rgba(fg)[:3], fill) >= 4.5, (fg, fill)
    assert 'fontcolor="#be185d"' in style  # "shared" on a tie edge
    assert contrast(rgba("#be185d")[:3], white) >= 4.5
    for line in ("#888888", "#6b7280", "#db2777"):  # edges, cluster borders
        assert f'color="{line}"' in style
        assert contrast(rgba(line)[:3], white) >= 3
    assert contrast(rgba(chart.GREY)[:3], white) >= 4.5  # chart text and axes


def test_views_name_their_controls_and_announce_their_status(X):
    """Every control has a name a screen reader reads, the tree's rows say their
    level and open state in words, status lines are live regions, and the
    pictures have text alternatives that say what they show."""
    import ipywidgets as w

    tree = BlockTree(chimera(), X)
    timing = TimingView(hybrid(), X, **FAST)
    lazy = LazyInitView(deferred(), X)
    for view in (tree, timing, lazy):
        controls = [c for c in _walk_widgets(view)
                    if isinstance(c, (w.Button, w.Dropdown, w.BoundedIntText,
                                      w.IntSlider))]
        assert controls
        for c in controls:
            assert not isinstance(c, w.IntSlider), "a slider handle has no name"
            assert c.description.strip() or c.tooltip, c
    toggle, name, _ = tree.rows["0"].children
    assert toggle.tooltip.startswith("close 0: NestMLP (level 2, 2 block(s) inside)")
    toggle.click()
    assert tree.rows["0"].children[0] is toggle  # the same button keeps the focus
    assert toggle.tooltip.startswith("open 0 [+2]: NestMLP")
    assert name.tooltip.startswith("level 2:")
    for status in (lazy.status.value, timing.status.value):
        assert status.startswith("<div role='status' aria-live='polite'>")
    timing.measure.click()
    assert "role='status'" in timing.status.value and "done" in timing.status.value
    assert "<img alt='Bar chart of the time per call" in timing.chart.value
    alt = dot.tree_alt(tree.tree)
    assert alt.startswith("Nesting diagram of the blocks: (root) Sequential contains "
                          "0 NestMLP, 1 Dense, 2 FixedHiddenMLP; 0 NestMLP contains")
    assert tree._drawing[2] == alt  # the diagram's alt text (or aria-label)
    assert 'alt="Nesting diagram' in dot.diagram_html("digraph {}", "<svg></svg>",
                                                      inline=False, alt=alt)


def _walk_widgets(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk_widgets(child)


def test_figure_shows_a_plot_with_its_text_alternative():
    from matplotlib.figure import Figure as MplFigure

    from widgets import figure

    fig = MplFigure(figsize=(2, 1))
    fig.subplots().hist([0, 0, 1, 2])
    shown = figure(fig, "Histogram: two zeros, a one and a two.")
    assert repr(shown) == "Histogram: two zeros, a one and a two."
    html = shown._repr_html_()
    assert html.startswith(dot.DIAGRAM_START) and html.endswith(dot.DIAGRAM_END)
    assert "<img alt='Histogram: two zeros, a one and a two.'" in html
    assert "data:image/png;base64," in html
    with pytest.raises(ValueError, match="alt must say in words"):
        figure(fig, " ")


def test_focus_ring_and_diagram_button(X):
    """The focus ring is 2px of a colour with 3:1 contrast on white; the nesting
    diagram is shown and hidden by a named button."""
    assert contrast(rgba("#1976d2")[:3], (255, 255, 255)) >= 3
    assert "outline:2px solid var(--jp-brand-color1, #1976d2)" in render.FOCUS_CSS
    tree = BlockTree(deferred(), X)
    assert tree.style_html in tree.children
    tree.show_diagram.click()
    assert tree.diagram.layout.display == "none"
    assert tree.show_diagram.description == "show the nesting diagram"
    tree.show_diagram.click()
    assert tree.diagram.layout.display is None
