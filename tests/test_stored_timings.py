"""The timing outputs stored in the chapter agree with the text around them.

nbval ignores timing cells (their numbers change every run), so nothing else
notices a stored run made on a busy machine that contradicts the lesson. These
tests read the stored numbers and check what the text claims about them:
07's matrix-product rates rise with the size (no neighbouring size slower by 3x),
08's TimingView shows every batch size, is faster at batch 1 and gains less at
the largest batch, and 08's Exercise 2 run gains more at batch 1 than at 256.
"""

import re
from pathlib import Path

import nbformat
import pytest

CHAPTER = Path(__file__).resolve().parent.parent / "chapter05"


def outputs_of(name, marker):
    """The text outputs of the one code cell of `name` whose source has `marker`."""
    nb = nbformat.read(CHAPTER / name, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and marker in c.source]
    assert len(cells) == 1, f"{name}: expected one cell with {marker!r}"
    text = ""
    for out in cells[0].outputs:
        text += out.get("text", "") + out.get("data", {}).get("text/plain", "")
    assert text, f"{name}: the cell with {marker!r} has no stored output"
    return text


def test_gpus_matrix_product_rates_do_not_fall_between_sizes():
    text = outputs_of("07_gpus.ipynb", "GFLOP/s")
    rates = {}
    for dev, n, rate in re.findall(r"(\S+), n = +(\d+): .* ([\d.]+) GFLOP/s", text):
        rates.setdefault(dev, []).append((int(n), float(rate)))
    assert "cpu(0)" in rates, text
    for dev, rows in rates.items():
        assert [n for n, _ in rows] == [64, 256, 1024], text
        for (n1, r1), (n2, r2) in zip(rows, rows[1:]):
            assert r2 >= r1 / 3, (
                f"stored on a busy machine? {dev}: {r1} GFLOP/s at n={n1} but "
                f"{r2} at n={n2}; the model answer says the rate rises with n. "
                "Re-run tools/run_notebooks.py on a quiet machine.")


def timing_rows(text):
    """(batch, mode) -> speed-up, from a TimingView's stored text."""
    rows = re.findall(r"^cpu\(0\)\s+(\d+)\s+(eager|hybridized)\s.*\s([\d.]+)x$",
                      text, re.M)
    return {(int(b), mode): float(up) for b, mode, up in rows}


def test_hybridization_timing_view_shows_what_the_text_says():
    text = outputs_of("08_hybridization.ipynb", "TimingView(net, X")
    rows = timing_rows(text)
    assert {b for b, _ in rows} == {1, 64, 1024}, text
    assert "batch 1, hybridized:" in text and "faster than eager" in text.split(
        "batch 1, hybridized:")[1].splitlines()[0], (
        "the text says the plan is faster at batch 1; the stored verdict does "
        f"not:\n{text}")
    assert rows[(1024, "hybridized")] < rows[(1, "hybridized")], (
        f"the text says the speed-up shrinks for large batches:\n{text}")
    assert "no verdict" not in text, f"stored while the machine was busy:\n{text}"


@pytest.mark.parametrize("depth", [2, 8])
def test_hybridization_exercise_two_gains_less_for_large_batches(depth):
    text = outputs_of("08_hybridization.ipynb", "deep_net(depth)")
    ups = {int(b): float(up) for d, b, up in re.findall(
        r"depth (\d+), batch +(\d+): .* speed-up ([\d.]+)x", text) if int(d) == depth}
    assert set(ups) == {1, 256}, text
    assert ups[1] > ups[256] and abs(ups[256] - 1) < abs(ups[1] - 1), (
        f"the model answer says the speed-up approaches 1 for large batches:\n{text}")
