"""d2lmini/text.py: the one table formatter and the one time formatter, and the four
tables (summary, ParameterDict, BenchmarkResult, the widgets' text) built with them."""

import pathlib
import re

import pytest

import d2lmini
from d2lmini import gluon, np
from d2lmini.gluon import nn
from d2lmini.text import format_time, table_lines, table_text
from widgets import render

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_table_lines_aligns_columns_two_spaces_apart():
    lines = table_lines(("name", "size", "note"), [("w", "12", ""), ("bias", "3", "x")],
                        right={1})
    assert lines == ["name  size  note", "w       12", "bias     3  x"]


def test_table_text_indents_every_line():
    text = table_text(("a", "b"), [("long", "1")], indent="  ")
    assert text == "  a     b\n  long  1"


def test_table_of_a_head_alone():
    assert table_lines(("a", "bb"), []) == ["a  bb"]


@pytest.mark.parametrize("seconds, digits, shown", [
    (12.346e-6, 3, "12.35 µs"), (0.0012345, 3, "1.234 ms"), (2.5, 3, "2.500 s"),
    (12.346e-6, 2, "12.3 µs"), (0.0012345, 2, "1.23 ms"), (2.5, 2, "2.50 s"),
    (0.999e-3, 3, "999.00 µs"), (1e-3, 3, "1.000 ms"), (1.0, 2, "1.00 s"),
])
def test_format_time(seconds, digits, shown):
    assert format_time(seconds, digits) == shown


def test_widgets_time_format_is_format_time_with_two_digits():
    for t in (3e-7, 4.5e-5, 0.02, 7.0):
        assert render.seconds(t) == format_time(t, digits=2)


def small_net():
    net = nn.Sequential()
    net.add(nn.Dense(4, in_units=3), nn.Dense(2))
    net[0].c = gluon.Constant(np.ones((2,)))
    net.initialize()
    net(np.ones((1, 3)))
    return net


def test_parameter_dict_repr_is_the_table():
    params = small_net().collect_params()
    rows = [(k, str(p.shape), "float32", p.grad_req,
             "initialized" + (" (Constant)" if k == "0.c" else ""))
            for k, p in params.items()]
    head = ("name", "shape", "dtype", "grad_req", "state")
    assert repr(params) == "ParameterDict\n" + table_text(head, rows, indent="  ")
    row = "  0.weight  (4, 3)  float32  write     initialized"
    assert repr(params).splitlines()[2] == row


def test_summary_is_the_table_between_rules(capsys):
    small_net().summary(np.ones((1, 3)))
    lines = capsys.readouterr().out.splitlines()
    rows = [("(root)", "Sequential", "(1, 2)", "0"), ("  0", "Dense", "(1, 4)", "18"),
            ("  1", "Dense", "(1, 2)", "10")]
    table = table_lines(("Block", "Class", "Output shape", "Params"), rows, right={3})
    rule = "-" * len(table[0])
    assert lines[:7] == [rule, table[0], rule] + table[1:] + [rule]
    assert lines[7] == "Parameters: 28 (26 trainable, 2 with grad_req='null')"


def test_benchmark_table_is_the_table():
    net = nn.HybridSequential()
    net.add(nn.Dense(2, in_units=3))
    net.initialize()
    res = d2lmini.benchmark(net, np.ones((2, 3)), number=1, repeats=2, warmup=0)
    head = ("mode", "per call", "min .. max", "repeats x calls", "first call",
            "speedup")
    rows = []
    for t in res.timings.values():
        low, high = t.spread
        rows.append((t.mode, format_time(t.median),
                     f"{format_time(low)} .. {format_time(high)}",
                     f"{t.repeats} x {t.number}", format_time(t.first_call),
                     f"{t.speedup:.2f}x"))
    assert res.table().splitlines()[1:] == table_lines(head, rows)


def test_no_other_module_aligns_columns_or_formats_times_itself():
    """One formatter: padding and µs/ms/s formatting live in d2lmini/text.py only."""
    padding = re.compile(r"\.(l|r)just\(|\{[^{}]*:[<>^]\d*\}|:<\{|:>\{")
    found = []
    for path in sorted([*ROOT.glob("d2lmini/**/*.py"), *ROOT.glob("widgets/*.py")]):
        if path.name == "text.py" and path.parent.name == "d2lmini":
            continue
        source = path.read_text()
        if padding.search(source) or re.search(r"1e6:\.|\* 1e3:\.", source):
            found.append(str(path.relative_to(ROOT)))
    assert found == []
