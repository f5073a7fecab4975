"""Every chapter notebook in a real browser: JupyterLab 4 in headless Chromium.

Each notebook of chapter05/ is copied into the temporary JupyterLab root, run top
to bottom with Run All Cells, and checked as test_widgets_browser.py checks its
views: no cell fails unless it is tagged ``raises-exception``, every widget
renders (none shows an error or stays 'Loading widget...'), every image loads,
the kernel, the log console and the browser console report no error. A
screenshot of each notebook goes to the artifacts directory.
"""

import shutil
import time

import pytest
from conftest import BUDGET_S, Budget
from page_checks import (
    CHAPTER,
    JS_STATE,
    NOTEBOOKS,
    format_problems,
    kernel_problems,
    log_problems,
    problems_in,
    tagged,
)

pytestmark = pytest.mark.browser

PER_NOTEBOOK_S = 60  # budget added per notebook on top of the module's


@pytest.fixture(scope="module")
def budget():
    deadline = Budget(BUDGET_S + PER_NOTEBOOK_S * len(NOTEBOOKS))
    yield deadline
    deadline.close()


def test_chapter_has_its_notebooks():
    assert len(NOTEBOOKS) == 8, (
        f"expected the chapter's 8 notebooks in {CHAPTER}, found "
        f"{[p.name for p in NOTEBOOKS]}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_jupyterlab(path, lab, open_notebook, browser):
    started = time.monotonic()
    shutil.copy(path, lab.root / path.name)
    may_raise = tagged(path, "raises-exception")
    with open_notebook(path.name) as session:
        session.run_all()
        state = session.evaluate(JS_STATE)
        session.shot(path.stem)
        entries = session.log_console()
    problems = problems_in(state)
    for cell_id in may_raise:  # the error is the lesson; other problems count
        problems[cell_id] = [p for p in problems.get(cell_id, [])
                             if not p.startswith("raised ")]
    # A lesson prints caught error messages on purpose; the views' own errors
    # show only after a click, which this test does not make.
    problems = {cell: [p for p in items if not p.startswith("shows an error")]
                for cell, items in problems.items()}
    problems["log console"] = log_problems(entries)
    problems["kernel"] = [p for p in kernel_problems(browser)
                          if not may_raise or "in a button callback" in p]
    problems["browser"] = list(dict.fromkeys(browser.console))
    problems = {where: items for where, items in problems.items() if items}
    print(f"{path.name} checked in {time.monotonic() - started:.0f} s")
    assert not problems, (f"problems in {path.name}:\n"
                          + format_problems(problems))
