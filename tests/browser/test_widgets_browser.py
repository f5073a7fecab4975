"""The widget views in a real browser: JupyterLab 4 in headless Chromium.

``all_views.ipynb`` (stored without outputs) uses every view of ``widgets/`` on the
chapter's example networks. The test copies it into a temporary JupyterLab root
(conftest.py starts the server and the browser), runs every cell, clicks the views'
buttons, and fails on what a learner would see go wrong: a widget error, a widget
stuck loading or shown as text, a traceback in a cell, an error raised in a button
callback (it never reaches the cell: JupyterLab logs it in the log console), an
error a view caught and shows, a browser console error, an image that did not load,
a missing or empty diagram, text too faint to read in the light or dark theme.

Screenshots go to ``$D2LMINI_ARTIFACTS/browser`` when that variable is set, else to
pytest's temporary directory; their paths are printed (``-s`` shows them). A first
test runs the same checks on a notebook of plain ipywidgets, broken on purpose, to
show that they catch what they should. See ``tests/browser/README.md``.
"""

import json
import re
import shutil
import time

import pytest
from page_checks import (
    DIAGRAMS,
    JS_SHUTDOWN,
    JS_STATE,
    NOTEBOOK,
    WIDGET_MIME,
    format_problems,
    kernel_problems,
    log_problems,
    problems_in,
    static_problems,
)

pytestmark = pytest.mark.browser

VIEWS = ("BlockTree", "LazyInitView", "TimingView", "GraphView")

# --- what is checked -----------------------------------------------------------------

# Text whose colour is too close to what lies behind it (WCAG contrast ratio);
# SVG text is compared with the shape it sits on.
JS_CONTRAST = """({ids, limit}) => {
  const parse = s => {
    const m = /rgba?\\(([^)]*)\\)/.exec(s || '');
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {rgb: p.slice(0, 3), a: p.length > 3 ? p[3] : 1};
  };
  const lum = rgb => {
    const [r, g, b] = rgb.map(v => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const behind = el => {
    for (let e = el; e; e = e.parentElement) {
      if (e instanceof SVGElement && e.tagName !== 'svg') {
        const shape = e.tagName === 'g' && e.querySelector(
          ':scope > polygon, :scope > ellipse, :scope > path, :scope > rect');
        const fill = shape && parse(getComputedStyle(shape).fill);
        if (fill && fill.a > 0.5) return fill.rgb;
        continue;
      }
      const bg = parse(getComputedStyle(e).backgroundColor);
      if (bg && bg.a > 0.5) return bg.rgb;
    }
    return [255, 255, 255];
  };
  const found = [];
  for (const id of ids) {
    const cell = document.querySelector(
      `[data-d2l-cell="${id}"] .jp-Cell-outputWrapper`);
    if (!cell) continue;
    for (const el of cell.querySelectorAll('*')) {
      const own = [...el.childNodes].filter(n => n.nodeType === 3)
        .map(n => n.textContent.trim()).join(' ').trim();
      if (!own || (el.checkVisibility && !el.checkVisibility())) continue;
      const style = getComputedStyle(el);
      const fg = parse(el instanceof SVGElement ? style.fill : style.color);
      if (!fg || fg.a < 0.5) continue;
      const bg = behind(el);
      const [hi, lo] = [lum(fg.rgb), lum(bg)].sort((a, b) => b - a);
      const ratio = (hi + 0.05) / (lo + 0.05);
      if (ratio < limit) found.push({id, text: own.slice(0, 40),
        fg: fg.rgb.join(','), bg: bg.join(','), ratio: Math.round(ratio * 100) / 100});
    }
  }
  return found;
}"""
JS_CELL_TEXT = """id => document.querySelector(
  `[data-d2l-cell="${id}"] .jp-Cell-outputWrapper`)?.innerText"""
CONTRAST_LIMIT = 3.0  # WCAG's minimum for large text; body text should reach 4.5


# --- the checks check themselves -----------------------------------------------------

# Plain ipywidgets: two cells are fine, the others broken the ways the real test
# must notice. Written into the server's temporary root, never into the repository.
SELF_CHECK_CELLS = {
    "good": (
        "import ipywidgets as w\n"
        "from IPython.display import HTML, display\n"
        "bar = w.IntProgress(value=0, max=3, description='progress')\n"
        "out = w.Output()\n"
        "button = w.Button(description='Count', layout=w.Layout(width='auto'))\n"
        "def count(_):\n"
        "    bar.value += 1\n"
        "    with out:\n"
        "        print('clicked', bar.value)\n"
        "button.on_click(count)\n"
        "display(w.VBox([button, bar, out]))"
    ),
    "good-image": (
        "import matplotlib.pyplot as plt\n"
        "fig, ax = plt.subplots(figsize=(2, 1))\n"
        "ax.bar([0, 1], [1, 2])\n"
        "plt.show()"
    ),
    "bad-callback": (
        "boom = w.Button(description='Boom')\n"
        "def explode(_):\n"
        "    raise ValueError('boom from a callback')\n"
        "boom.on_click(explode)\n"
        "boom"
    ),
    "bad-model": (
        f"display({{'{WIDGET_MIME}': {{'model_id': 'no-such-model', "
        "'version_major': 2, 'version_minor': 0}, 'text/plain': 'Ghost()'}, raw=True)"
    ),
    "bad-image": "HTML('<img src=\"data:image/png;base64,AAAA\" alt=\"broken\">')",
    "bad-note": (
        "note = w.HTML()\n"
        "def fail_politely(_):\n"
        "    try:\n"
        "        raise KeyError('inner')\n"
        "    except KeyError as exc:\n"
        "        note.value = f'<b>{type(exc).__name__}: {exc}</b>'\n"
        "polite = w.Button(description='Try')\n"
        "polite.on_click(fail_politely)\n"
        "w.VBox([polite, note])"
    ),
    "bad-contrast": (
        "HTML('<div style=\"background:#ffffff;padding:4px\">'\n"
        "     '<span style=\"color:#dddddd\">pale text</span></div>')"
    ),
    "bad-cell": "raise RuntimeError('a cell that fails')",  # last: run-all stops here
}


def write_notebook(path, cells):
    path.write_text(json.dumps({
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "cells": [{"cell_type": "code", "id": cell_id, "metadata": {},
                   "source": source, "execution_count": None, "outputs": []}
                  for cell_id, source in cells.items()],
    }, indent=1))


def test_checks_catch_broken_widgets(lab, open_notebook, browser):
    """On plain ipywidgets the checks flag exactly the broken cells, each for what
    is wrong with it."""
    write_notebook(lab.root / "self_check.ipynb", SELF_CHECK_CELLS)
    with open_notebook("self_check.ipynb") as session:
        session.run_all()
        session.click("good", "Count", until="c => c.innerText.includes('clicked 1')")
        session.click("bad-callback", "Boom")
        session.click("bad-note", "Try", until="c => c.innerText.includes('KeyError')")
        problems = problems_in(session.evaluate(JS_STATE))
        pale = session.evaluate(
            JS_CONTRAST, {"ids": ["good", "bad-contrast"], "limit": CONTRAST_LIMIT})
        log = log_problems(session.log_console())
        session.shot("self-check")
    assert set(problems) == {"bad-model", "bad-image", "bad-note", "bad-cell"}, problems
    assert "widget error: Error displaying widget: model not found" in problems[
        "bad-model"], problems
    assert problems["bad-image"] == [
        "image did not load: data:image/png;base64,AAAA..."], problems
    assert problems["bad-note"] == ["shows an error: KeyError: 'inner'"], problems
    assert problems["bad-cell"] == ["raised RuntimeError: a cell that fails"], problems
    assert [(p["id"], p["text"]) for p in pale] == [("bad-contrast", "pale text")]
    assert len(log) == 1 and "boom from a callback" in log[0], log
    assert any("button callback" in k and "boom from a callback" in k
               for k in kernel_problems(browser)), browser.kernel
    assert any("widget model not found" in c for c in browser.console), browser.console


# --- every view of widgets/ ----------------------------------------------------------


class Click:
    """A button to click in a view, by its exact label or a regex; afterwards the
    view's text must have changed (``changes``) or the JS predicate ``until`` must
    hold for the cell's node."""

    def __init__(self, label, changes=False, until=None, cap=60):
        self.label, self.changes, self.until, self.cap = label, changes, until, cap

    def __repr__(self):
        return repr(getattr(self.label, "pattern", self.label))


# Cell id in all_views.ipynb -> the buttons clicked there, in order. Every cell
# listed here is photographed in both themes.
ACTIONS = {
    "blocktree-mlp": [Click(re.compile(r"^1: Dense"), changes=True)],
    "blocktree-chimera": [
        Click("collapse all", changes=True),
        Click("expand all", changes=True),
        Click(re.compile(r"^2: FixedHiddenMLP"), changes=True),
    ],
    "blocktree-tied": [Click(re.compile(r"^2: Dense"), changes=True)],
    "blocktree-deferred": [Click("collapse all", changes=True)],
    "lazyinit-mlp": [Click("Run forward", changes=True)],
    "lazyinit-chimera": [
        Click("Step", changes=True),
        Click("Step", changes=True),
        Click("Step", changes=True,
              until="c => c.innerText.includes('After stepping through all')"),
    ],
    # Measure works in a background thread: the kernel is idle long before the
    # chart and the status 'done' come back.
    "timing": [Click("Measure", cap=120, until=(
        "c => !!c.querySelector('.d2l-live img[alt^=\"Bar chart\"]') && "
        "c.innerText.includes('done: measured')"))],
    "graph": [Click("Refresh")],
}
def diagram_problems(state):
    """Views that should show a graphviz drawing and do not (when `dot` exists)."""
    if shutil.which("dot") is None:
        print("graphviz's `dot` is missing: the diagrams are not checked")
        return {}
    return {cell["id"]: ["no graphviz drawing (an SVG with nodes), although `dot` "
                         "is installed"]
            for cell in state["cells"] if cell["id"] in DIAGRAMS
            and not any(s["nodes"] and s["visible"] for s in cell["svgs"])}


def test_all_views_render_in_jupyterlab(lab, open_notebook, browser, artifacts):
    """Run all_views.ipynb, click every view's buttons, look at it in both themes."""
    import widgets

    missing = [name for name in VIEWS if not hasattr(widgets, name)]
    if missing:
        pytest.fail(f"widgets/ does not export {', '.join(missing)}: "
                    "all_views.ipynb cannot show them", pytrace=False)
    started = time.monotonic()
    problems = {}

    def add(found):
        for where, items in found.items():
            for item in items:
                if item not in problems.setdefault(where, []):
                    problems[where].append(item)

    shutil.copy(NOTEBOOK, lab.root / NOTEBOOK.name)
    with open_notebook(NOTEBOOK.name) as session:
        session.run_all()
        add(problems_in(session.evaluate(JS_STATE)))
        session.shot("all-views-light")
        for cell_id, clicks in ACTIONS.items():
            for click in clicks:
                before = session.evaluate(JS_CELL_TEXT, cell_id)
                try:
                    session.click(cell_id, click.label, click.until, click.cap)
                except pytest.fail.Exception as exc:
                    add({cell_id: [f"clicking {click}: {exc}"]})
                    break
                if click.changes and session.evaluate(JS_CELL_TEXT, cell_id) == before:
                    add({cell_id: [f"clicking {click} changed nothing in the view"]})
        state = session.evaluate(JS_STATE)
        add(problems_in(state))
        add(diagram_problems(state))
        for theme in ("light", "dark"):
            if theme == "dark":
                session.set_theme("JupyterLab Dark")
                add(problems_in(session.evaluate(JS_STATE)))
                session.shot("all-views-dark")
            for cell_id in ACTIONS:
                session.shot(f"{cell_id}-{theme}", cell_id)
            low = session.evaluate(
                JS_CONTRAST, {"ids": list(ACTIONS), "limit": CONTRAST_LIMIT},
                what=f"measuring text contrast in the {theme} theme")
            for p in low:
                add({p["id"]: [f"{theme} theme: {p['text']!r} is hard to read, "
                               f"rgb({p['fg']}) on rgb({p['bg']}), "
                               f"contrast {p['ratio']}"]})
        add({"log console": log_problems(session.log_console())})
    add({"kernel": kernel_problems(browser)})
    add({"browser": list(dict.fromkeys(browser.console))})
    problems = {where: items for where, items in problems.items() if items}
    print(f"all views checked in {time.monotonic() - started:.0f} s; "
          f"screenshots in {artifacts}")
    assert not problems, "problems in the widget views:\n" + format_problems(problems)


# --- the static forms, in a saved notebook opened without running it ----------------

def test_static_forms_show_in_a_saved_notebook(lab, open_notebook, browser,
                                               notebook_runner):
    """all_views.ipynb executed and saved as tools/run_notebooks.py stores the
    chapter (no widget state), then opened without running anything and with its
    kernel shut down: each view shows its static HTML, as a learner sees a
    notebook from the repository before running it."""
    nb_path = lab.root / "static_views.ipynb"
    shutil.copy(NOTEBOOK, nb_path)
    nb, _, _ = notebook_runner.execute(nb_path)
    notebook_runner.write_atomically(nb, nb_path)
    with open_notebook(nb_path.name) as session:
        session.evaluate(JS_SHUTDOWN, 10000, what="shutting the kernel down")
        session.settle("showing the stored outputs")
        state = session.evaluate(JS_STATE)
        session.shot("static-forms-light")
        problems = static_problems(state)
        problems.setdefault("log console", []).extend(
            log_problems(session.log_console()))
    # Shutting the kernel down cancels the debugger's start-up request; that
    # message is ours, not the notebook's.
    problems["browser"] = [m for m in dict.fromkeys(browser.console)
                           if "Could not restore the debugger state" not in m]
    problems = {where: items for where, items in problems.items() if items}
    assert not problems, ("the static forms do not show:\n"
                          + format_problems(problems))
