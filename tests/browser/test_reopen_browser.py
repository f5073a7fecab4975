"""A notebook the learner ran and saved, reopened later without a kernel.

Saving a notebook from JupyterLab signs it, so on reopening it is *trusted*: its
outputs are rendered with every renderer, the widget one included. A view's
output then names a widget model that no longer exists (no kernel holds it, and
the chapter stores no widget state), and JupyterLab's widget renderer would show
"Error displaying widget: model not found" (or stay on "Loading widget...").

The test runs ``all_views.ipynb`` in JupyterLab with Run All, saves it through
JupyterLab (which signs it), reloads the page, opens it again, shuts its kernel
down and checks each view's output: its static form (title, table, diagram image)
must show and no widget error or 'Loading widget...' may be visible.
"""

import json
import shutil
import time

import pytest
from page_checks import (
    JS_SHUTDOWN,
    JS_STATE,
    NOTEBOOK,
    WIDGET_MIME,
    format_problems,
    log_problems,
    static_problems,
)

pytestmark = pytest.mark.browser

JS_SAVE = """async ms => {
  const d = window.__d2l;
  await Promise.race([window.jupyterapp.commands.execute('docmanager:save'),
    new Promise((_, reject) => setTimeout(
      () => reject(new Error('saving took longer than ' + ms / 1000 + ' s')), ms))]);
  return d.panel.context.model.dirty;
}"""


def test_trusted_reopen_shows_static_forms(lab, open_notebook, browser):
    """Run All, save (trusted), reload, kernel shut down: static forms, no errors."""
    started = time.monotonic()
    path = lab.root / "reopened_views.ipynb"
    shutil.copy(NOTEBOOK, path)
    with open_notebook(path.name) as session:
        session.run_all()
        dirty = session.evaluate(JS_SAVE, 30000, what="saving the notebook")
    assert dirty is False, "JupyterLab did not save the notebook"
    saved = json.loads(path.read_text())
    views = [c["id"] for c in saved["cells"] if any(
        WIDGET_MIME in o.get("data", {}) for o in c.get("outputs", []))]
    assert views, "the saved notebook has no widget outputs: nothing was tested"
    with open_notebook(path.name) as session:
        trusted = session.evaluate(
            "() => window.__d2l.panel.content.widgets.filter("
            "c => c.model.type === 'code').every(c => c.model.trusted)",
            what="reading the cells' trust")
        session.evaluate(JS_SHUTDOWN, 10000, what="shutting the kernel down")
        session.settle("showing the stored outputs")
        state = session.evaluate(JS_STATE)
        session.shot("trusted-reopen-light")
        problems = static_problems(state)
        problems["log console"] = log_problems(session.log_console())
    assert trusted, "the saved notebook did not reopen trusted: the test tests nothing"
    # The widget renderer logs each missing model to the console before the
    # view's static copy takes its place; shutting the kernel down cancels the
    # debugger's start-up request. Neither message is the notebook's fault.
    problems["browser"] = [m for m in dict.fromkeys(browser.console)
                           if "Could not restore the debugger state" not in m
                           and "widget model not found" not in m]
    problems = {where: items for where, items in problems.items() if items}
    print(f"trusted reopen checked in {time.monotonic() - started:.0f} s")
    assert not problems, ("a saved, trusted notebook reopened without a kernel:\n"
                          + format_problems(problems))
