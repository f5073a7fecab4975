"""A student works through each chapter notebook in JupyterLab, clumsily.

For each notebook of chapter05/ (copied into the temporary JupyterLab root):

1. Run All Cells.
2. In every live view: press its buttons in the orders a student tries (Run
   forward then Step, Step past the end, Measure twice in a row with another
   batch size and repeats, Refresh twice, collapse/expand, every row), change
   every menu and number box once, and use the keyboard on a toggle, Step and
   Measure: the focus must stay on the control that was used.
3. Re-run, top to bottom, the cells after the first view, in the same kernel
   (notebooks without a view: every cell, the seeding first one included).

It fails on a traceback, a widget error, an error a view shows, a log-console or
kernel error, lost keyboard focus, and on a re-run cell whose text output means
something else than it did after Run All: shapes, listings, integers and
messages must agree; floating-point values, timings and memory addresses are
left out in notebooks with views (the random state has moved on after the
clicks; the others re-run from their seed and must agree in every value). Cells
tagged
``nbval-ignore-output`` and cells that display a live view are not compared.
(Run All itself is compared with the stored outputs by nbval.)
"""

import json
import re
import shutil
import time

import pytest
from conftest import BUDGET_S, JS_IDLE_AFTER, Budget
from page_checks import (
    JS_STATE,
    NOTEBOOKS,
    WIDGET_MIME,
    format_problems,
    kernel_problems,
    log_problems,
    problems_in,
    tagged,
)

pytestmark = pytest.mark.browser

PER_NOTEBOOK_S = 90  # budget added per notebook on top of the module's
# Problems whose fix is a change to a notebook's cell, waiting for it:
# (notebook stem, cell id) -> the change. They are printed, not failed; once the
# notebook is changed the entry must go (the test says so).
PENDING = {}  # (notebook, cell) -> the notebook change it waits for
MAX_CLICKS = 12  # buttons pressed per view, at most (rows of a big tree)

# Cell ids that hold a live view now, in notebook order.
JS_VIEW_CELLS = """() => window.__d2l.panel.content.widgets
  .filter(c => c.node.querySelector('.d2l-live'))
  .map(c => c.model.id)"""

# Outputs of every code cell as plain data.
JS_OUTPUTS = """() => window.__d2l.panel.content.widgets
  .filter(c => c.model.type === 'code')
  .map(c => ({id: c.model.id, outputs: c.model.outputs.toJSON()}))"""

# Runs the cells from `index` down, one at a time with Run > Run Selected Cell,
# as a student pressing Ctrl+Enter on each (a cell that raises does not stop the
# next one, so one failure does not hide the others), and records when all ran.
JS_RUN_BELOW = """index => {
  const d = window.__d2l, app = window.jupyterapp;
  app.shell.activateById(d.panel.id);
  d.run = {done: false};
  (async () => {
    const count = d.panel.content.widgets.length;
    for (let i = index; i < count; i++) {
      d.panel.content.activeCellIndex = i;
      d.panel.content.deselectAll();
      await app.commands.execute('notebook:run-cell');
    }
  })().then(ok => { d.run = {done: true, ok}; },
            err => { d.run = {done: true, ok: false, error: String(err)}; });
}"""

JS_RUN_DONE = """() => window.__d2l.run.done &&
  window.__d2l.panel.sessionContext.session?.kernel?.status === 'idle'"""

# What has the keyboard focus: its text and the cell it is in.
JS_FOCUS = """() => {
  const e = document.activeElement;
  const cell = e && e.closest('[data-d2l-cell]');
  return {tag: e ? e.tagName : null, text: e ? e.textContent.trim() : '',
          cell: cell ? cell.dataset.d2lCell : null};
}"""


# --- what a re-run cell must keep ----------------------------------------------------

VOLATILE = [
    (re.compile(r"0x[0-9a-fA-F]+"), "0x?"),  # memory addresses
    (re.compile(r"[-+]?\d+\.\d+(?:[eE][-+]?\d+)?\s*(?:ns|µs|us|ms|s|x|×)\b"), "T"),
    (re.compile(r"[-+]?\d*\.\d+(?:[eE][-+]?\d+)?|[-+]?\d+[eE][-+]?\d+"
                r"|[-+]?\d+\.(?=[,\]])"), "F"),  # 0.5, 1e-3, and 0. in an array
    (re.compile(r"\bnan\b|\binf\b"), "F"),
    (re.compile(r"[ \t]+"), " "),  # column widths follow the numbers' widths
    # numpy pads a column for a minus sign that only some values have
    (re.compile(r" ?([,\[\]()]) ?"), r"\1"),
]


def meaning(outputs, exact=False):
    """The text of a cell's outputs with the volatile parts replaced (`exact`:
    addresses and timings only, values kept)."""
    parts = []
    for o in outputs:
        kind = o.get("output_type")
        if kind == "stream":
            text = o.get("text", "")
        elif kind == "error":
            text = f"{o.get('ename')}: {o.get('evalue')}"
        else:
            text = o.get("data", {}).get("text/plain", "")
        text = "".join(text) if isinstance(text, list) else text
        for pattern, replacement in VOLATILE[:2] if exact else VOLATILE:
            text = pattern.sub(replacement, text)
        parts.append(text.strip())
    return "\n".join(p for p in parts if p)


def differences(stored, now, start_ids, exempt, exact=False):
    """Cells re-run (ids in start_ids) whose meaning in `now` differs from the
    one in `stored` ({cell id: outputs} after Run All)."""
    found = {}
    for cell_id in start_ids:
        if cell_id in exempt or cell_id not in stored:
            continue
        shows_view = any(WIDGET_MIME in o.get("data", {})
                         for o in stored[cell_id] + now.get(cell_id, []))
        if shows_view:
            continue
        was = meaning(stored[cell_id], exact)
        got = meaning(now.get(cell_id, []), exact)
        if was != got:
            found[cell_id] = [f"re-run output differs from Run All's:\n"
                              f"      Run All: {was[:400]!r}\n"
                              f"      re-run: {got[:400]!r}"]
    return found


# --- a student at the views ----------------------------------------------------------


class Student:
    def __init__(self, session):
        self.session, self.page, self.budget = session, session.page, session.budget
        self.problems = {}

    def note(self, cell_id, text):
        self.problems.setdefault(cell_id, []).append(text)

    def wait_idle(self, before, what, cap=60):
        with self.budget.step(what):
            self.page.wait_for_function(JS_IDLE_AFTER, arg=before,
                                        timeout=self.budget.ms(cap=cap), polling=100)

    def act(self, cell_id, what, action, cap=60):
        """Do `action` (a function of the cell's locator) and wait for the kernel."""
        before = self.page.evaluate("() => window.__d2l.idle")
        with self.budget.step(f"{what} in cell {cell_id}"):
            action(self.session.cell(cell_id))
        self.wait_idle(before, f"the kernel after {what} in cell {cell_id}", cap)

    def button(self, cell_id, label):
        return self.session.cell(cell_id).locator(".d2l-live").get_by_role(
            "button", name=label, exact=True).first

    def has(self, cell_id, label):
        return self.button(cell_id, label).count() > 0

    def press(self, cell_id, label, times=1):
        for _ in range(times):
            self.act(cell_id, f"pressing '{label}'",
                     lambda c: self.button(cell_id, label).click(timeout=10000))

    def keyboard(self, cell_id, label, expect=None):
        """Focus the button `label`, press Enter; the focus must stay on it (its
        label may change to `expect`)."""
        self.button(cell_id, label).focus()
        self.act(cell_id, f"Enter on '{label}'",
                 lambda c: self.page.keyboard.press("Enter"))
        self.session.settle(f"cell {cell_id} after Enter on '{label}'")
        focus = self.page.evaluate(JS_FOCUS)
        wanted = expect or label
        if focus["cell"] != cell_id or focus["text"] != wanted:
            self.note(cell_id, f"keyboard focus lost after Enter on '{label}': "
                               f"now on {focus['tag']} {focus['text'][:40]!r}")

    def change_inputs(self, cell_id, smallest=False):
        """Choose the next entry of each menu and change each number box by one
        (`smallest`: set number boxes to their minimum instead)."""
        view = self.session.cell(cell_id).locator(".d2l-live")
        for i in range(view.locator("select").count()):
            menu = view.locator("select").nth(i)
            entries = menu.locator("option").count()
            index = menu.evaluate("m => m.selectedIndex")
            self.act(cell_id, "choosing the next menu entry",
                     lambda c, m=menu, n=(index + 1) % entries: m.select_option(
                         index=n))
        for i in range(view.locator("input[type=number]").count()):
            box = view.locator("input[type=number]").nth(i)
            value, low = int(box.input_value()), int(box.get_attribute("min") or 0)
            new = value - 1 if value - 1 >= low else value + 1
            if smallest and value != low:
                new = low

            def type_in(c, b=box, v=new):
                b.fill(str(v))
                b.press("Enter")
            self.act(cell_id, f"typing {new} in a number box", type_in)

    def measure_twice(self, cell_id):
        button = self.button(cell_id, "Measure")
        self.act(cell_id, "pressing 'Measure' twice quickly",
                 lambda c: (button.click(), button.click()))
        self.wait_measured(cell_id)

    def wait_measured(self, cell_id):
        with self.budget.step(f"the measurement in cell {cell_id}"):
            self.page.wait_for_timeout(500)
            self.page.wait_for_function(
                "id => !document.querySelector(`[data-d2l-cell=\"${id}\"]`)"
                ".innerText.includes('measuring on')",
                arg=cell_id, timeout=self.budget.ms(cap=120), polling=250)

    def click_everything(self, cell_id):
        buttons = self.session.cell(cell_id).locator(".d2l-live button")
        for i in range(min(MAX_CLICKS, buttons.count())):
            target = buttons.nth(i)
            if target.count() == 0:  # a collapse removed it
                break
            self.act(cell_id, f"pressing button {i + 1}",
                     lambda c, t=target: t.click(timeout=10000))

    def use_view(self, cell_id):
        """Everything a student tries on one view, in awkward orders."""
        if self.has(cell_id, "Measure"):  # TimingView
            self.change_inputs(cell_id, smallest=True)  # keep the measuring short
            self.measure_twice(cell_id)
            self.keyboard(cell_id, "Measure")
            self.wait_measured(cell_id)
        elif self.has(cell_id, "Step"):  # LazyInitView
            self.press(cell_id, "Run forward")
            self.press(cell_id, "Step", times=2)  # after Run, and past the end
            self.keyboard(cell_id, "Step")
            self.press(cell_id, "Run forward")
        elif self.has(cell_id, "Refresh"):  # GraphView
            self.press(cell_id, "Refresh", times=2)
        elif self.has(cell_id, "expand all"):  # BlockTree
            self.keyboard(cell_id, "▾", expect="▸")
            self.press(cell_id, "collapse all")
            self.press(cell_id, "expand all")
            self.change_inputs(cell_id)
            self.press(cell_id, "expand all")
            self.click_everything(cell_id)
        else:
            self.click_everything(cell_id)
        self.session.settle(f"cell {cell_id} after the student's clicks")


# --- the test ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def budget():
    deadline = Budget(BUDGET_S + PER_NOTEBOOK_S * len(NOTEBOOKS))
    yield deadline
    deadline.close()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_a_student_clicks_and_reruns(path, lab, open_notebook, browser, artifacts):
    started = time.monotonic()
    shutil.copy(path, lab.root / path.name)
    cells = json.loads(path.read_text())["cells"]
    code = [c["id"] for c in cells if c["cell_type"] == "code"]
    may_raise = tagged(path, "raises-exception")
    exempt = tagged(path, "nbval-ignore-output")
    with open_notebook(path.name) as session:
        session.run_all()
        stored = {c["id"]: c["outputs"] for c in session.evaluate(JS_OUTPUTS)}
        views = session.evaluate(JS_VIEW_CELLS)
        student = Student(session)
        for cell_id in views:
            student.use_view(cell_id)
        problems = problems_in(session.evaluate(JS_STATE))
        # Re-run everything after the first view (or all, from the seed).
        ids = [c["id"] for c in cells]
        first = ids.index(views[0]) + 1 if views else ids.index(code[0])
        with session.budget.step(f"re-running the cells of {path.name} from "
                                 f"cell {first}"):
            session.page.evaluate(JS_RUN_BELOW, first)
            session.page.wait_for_function(JS_RUN_DONE, timeout=session.budget.ms(),
                                           polling=200)
        session.settle("rendering after the re-run")
        again = problems_in(session.evaluate(JS_STATE))
        now = {c["id"]: c["outputs"] for c in session.evaluate(JS_OUTPUTS)}
        session.shot(f"student-{path.stem}")
        entries = session.log_console()
    for where, items in [*student.problems.items(), *again.items()]:
        problems.setdefault(where, [])
        problems[where] += [p for p in items if p not in problems[where]]
    for cell_id in may_raise:  # the error is the lesson
        problems[cell_id] = [p for p in problems.get(cell_id, [])
                             if not p.startswith("raised ")]
    # Lessons print caught error messages on purpose: only the views' own count.
    problems = {cell: [p for p in items if not p.startswith("shows an error")
                       or cell in views] for cell, items in problems.items()}
    rerun = [i for i in ids[first:] if i in stored]
    exact = not views  # re-run from the seed: every value must come back
    for cell_id, items in differences(stored, now, rerun, exempt,
                                      exact).items():
        problems.setdefault(cell_id, []).extend(items)
    problems["kernel"] = [p for p in kernel_problems(browser)
                          if not may_raise or "in a button callback" in p]
    for (stem, cell_id), change in PENDING.items():
        if stem != path.stem:
            continue
        waiting = problems.pop(cell_id, None)
        if waiting:
            print(f"waiting for a notebook change in {cell_id}: {change}")
            seen = " ".join(waiting)  # the same error, as the kernel sent it
            problems["kernel"] = [k for k in problems.get("kernel", [])
                                  if k.split(": ", 1)[-1][:60] not in seen]
        else:
            problems[cell_id] = ["fixed: remove its entry from PENDING"]
    problems["log console"] = log_problems(entries)
    problems = {where: items for where, items in problems.items() if items}
    print(f"{path.name}: {len(views)} view(s) used, {len(rerun)} cell(s) re-run, "
          f"checked in {time.monotonic() - started:.0f} s")
    assert not problems, (f"a student's session with {path.name}:\n"
                          + format_problems(problems))
