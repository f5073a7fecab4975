"""Accessibility of everything the notebooks draw: axe-core in JupyterLab 4.

Each chapter notebook and ``all_views.ipynb`` is copied into the temporary
JupyterLab root and run with Run All Cells; then axe-core checks the notebook's
output areas against WCAG 2.1 A and AA, in the light theme and again in the dark
one. Any *serious* or *critical* violation fails the test, listed by rule,
impact, cell and element. JupyterLab's own output prompts are left out (they are
JupyterLab's, not ours).

axe-core comes from the npm registry at test time, into a cache folder
(``$D2LMINI_AXE_DIR``, default ``~/.cache/d2lmini/axe-core``); the test is
skipped, saying why, when npm is missing or the install fails.
"""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from conftest import BUDGET_S, Budget
from page_checks import (
    NOTEBOOK,
    NOTEBOOKS,
    format_problems,
)

pytestmark = pytest.mark.browser

PER_NOTEBOOK_S = 45  # budget added per notebook on top of the module's
AXE_VERSION = "4"  # major version: npm picks the newest 4.x
THEMES = ("JupyterLab Light", "JupyterLab Dark")
FAILING = ("serious", "critical")
PAGES = [NOTEBOOK, *NOTEBOOKS]
# Violations whose fix is a change to a notebook's cell, waiting for it:
# (notebook stem, cell id, rule) -> the change. They are printed, not failed;
# once the notebook is changed the entry must go (the test says so).
PENDING = {}  # (notebook, cell, rule) -> the notebook change it waits for


@pytest.fixture(scope="module")
def budget():
    deadline = Budget(BUDGET_S + PER_NOTEBOOK_S * len(PAGES))
    yield deadline
    deadline.close()


@pytest.fixture(scope="module")
def axe_source():
    """The text of axe.min.js, installed with npm into the cache folder once."""
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    cache = Path(os.environ.get("D2LMINI_AXE_DIR", default / "d2lmini" / "axe-core"))
    script = cache / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("the accessibility test needs axe-core from the npm "
                        "registry, and npm is not installed (apt-get install npm)")
        cache.mkdir(parents=True, exist_ok=True)
        try:
            done = subprocess.run(
                [npm, "install", "--prefix", str(cache), "--no-audit", "--no-fund",
                 "--no-save", f"axe-core@{AXE_VERSION}"],
                capture_output=True, text=True, timeout=180)
        except (OSError, subprocess.TimeoutExpired) as exc:
            pytest.skip(f"could not install axe-core with npm: {exc}")
        if done.returncode != 0 or not script.exists():
            pytest.skip("could not install axe-core with npm (offline?): "
                        + (done.stderr.strip().splitlines() or ["no message"])[-1])
    return script.read_text()


# Runs axe on every output area (prompts excluded) and returns the violations,
# each with the cell its elements are in.
JS_AXE = """async ({source, ms}) => {
  if (!window.axe) {
    const tag = document.createElement('script');
    tag.textContent = source;
    document.head.appendChild(tag);
  }
  const areas = [...window.__d2l.panel.node.querySelectorAll('.jp-Cell-outputArea')];
  if (!areas.length) return [];
  const context = {include: areas, exclude: [
    ...window.__d2l.panel.node.querySelectorAll('.jp-OutputPrompt')]};
  const result = await Promise.race([
    window.axe.run(context, {runOnly: {type: 'tag',
      values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
      resultTypes: ['violations']}),
    new Promise((_, reject) => setTimeout(
      () => reject(new Error('axe took longer than ' + ms / 1000 + ' s')), ms))]);
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => {
      let el = null;
      try { el = document.querySelector(n.target[0]); } catch (e) {}
      const cell = el && el.closest('[data-d2l-cell]');
      return {cell: cell ? cell.dataset.d2lCell : '?', impact: n.impact,
              html: n.html.slice(0, 160),
              why: (n.failureSummary || '').split('\\n').slice(1, 3).join(' ')
                .trim().slice(0, 200)};
    })}));
}"""


def axe_problems(violations, theme, stem="", waiting=None):
    """{cell: [line, ...]} for the serious and critical violations; those in
    PENDING go to `waiting` (a set of PENDING keys) instead."""
    found = {}
    for v in violations:
        for node in v["nodes"]:
            impact = node["impact"] or v["impact"]
            key = (stem, node["cell"], v["id"])
            if impact in FAILING and key in PENDING and waiting is not None:
                waiting.add(key)
            elif impact in FAILING:
                found.setdefault(node["cell"], []).append(
                    f"{theme}: {impact} {v['id']} ({v['help']}): {node['html']!r} "
                    f"{node['why']}")
    return found


def summary(violations):
    """'rule/impact xN' for every violation, whatever its impact."""
    counts = {}
    for v in violations:
        for node in v["nodes"]:
            key = f"{v['id']}/{node['impact'] or v['impact']}"
            counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{k} x{n}" for k, n in sorted(counts.items())) or "none"


@pytest.mark.parametrize("path", PAGES, ids=[p.stem for p in PAGES])
def test_outputs_pass_axe_in_both_themes(path, lab, open_notebook, axe_source):
    started = time.monotonic()
    shutil.copy(path, lab.root / path.name)
    problems, waiting = {}, set()
    with open_notebook(path.name) as session:
        session.set_theme(THEMES[0])
        session.run_all()
        for theme in THEMES:
            if theme != THEMES[0]:
                session.set_theme(theme)
            violations = session.evaluate(
                JS_AXE, {"source": axe_source, "ms": session.budget.ms(cap=60)},
                what=f"running axe-core in the theme {theme!r}")
            print(f"{path.name}, {theme}: {summary(violations)}")
            for cell, items in axe_problems(violations, theme, path.stem,
                                            waiting).items():
                problems.setdefault(cell, []).extend(items)
        session.set_theme(THEMES[0])  # the next notebook starts light
    print(f"{path.name}: axe-core checked in {time.monotonic() - started:.0f} s")
    for key in sorted(waiting):
        print(f"waiting for a notebook change: {key}: {PENDING[key]}")
    for key in PENDING:
        if key[0] == path.stem and key not in waiting:
            problems.setdefault(key[1], []).append(
                f"{key[2]} is fixed: remove its entry from PENDING")
    assert not problems, (f"accessibility problems in {path.name} (WCAG 2.1 AA, "
                          "axe-core):\n" + format_problems(problems))
