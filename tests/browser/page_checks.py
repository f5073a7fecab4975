"""What the browser tests read from a JupyterLab page, and what counts as a problem.

The notebooks under test (all_views.ipynb, the chapter's), JS_STATE (everything
checkable about the open notebook, per cell, as plain data) and the functions that
turn a snapshot, the kernel's messages or the log console into problems; the static
forms a saved notebook must show. Shared by the test_*_browser.py modules, which
import from here and never from each other.
"""

import json
import re
import shutil
from pathlib import Path

NOTEBOOK = Path(__file__).resolve().parent / "all_views.ipynb"
CHAPTER = Path(__file__).resolve().parents[2] / "chapter05"
NOTEBOOKS = sorted(CHAPTER.glob("[0-9][0-9]_*.ipynb"))
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def tagged(path, tag):
    """Ids of the code cells of a notebook that carry a cell tag."""
    cells = json.loads(path.read_text())["cells"]
    return {c["id"] for c in cells if tag in c.get("metadata", {}).get("tags", [])}


# --- a running notebook -------------------------------------------------------------

# Everything checkable about the open notebook, per cell, as plain data.
JS_STATE = """() => {
  const WIDGET = 'application/vnd.jupyter.widget-view+json';
  const visible = e => e.checkVisibility ? e.checkVisibility() : true;
  const cells = [];
  for (const cell of window.__d2l.panel.content.widgets) {
    const c = {id: cell.model.id, type: cell.model.type};
    cells.push(c);
    if (cell.model.type !== 'code') continue;
    const node = cell.node;
    const outputs = [...node.querySelectorAll('.jp-OutputArea-output')];
    c.count = cell.model.executionCount;
    c.outputs = cell.model.outputs.toJSON().map(o => ({
      type: o.output_type, name: o.name || null,
      text: Array.isArray(o.text) ? o.text.join('') : (o.text || null),
      ename: o.ename || null, evalue: o.evalue || null,
      widget: !!(o.data && o.data[WIDGET] && o.data[WIDGET].model_id)}));
    // The cell's own outputs (those of Output widgets sit inside a widget).
    c.top = [...cell.outputArea.node.querySelectorAll(
        ':scope > .jp-OutputArea-child > .jp-OutputArea-output')].map(e => ({
      widget: !!e.querySelector('.jupyter-widgets'), text: e.innerText.slice(0, 200)}));
    // A view that failed inside a container shows ErrorWidgetView; an output whose
    // model is missing shows the renderer's own error text.
    // (Only those a learner sees: a view hides its own output when its model is
    // gone and shows its static copy instead, see widgets/render.py fallback.)
    c.errorWidgets = [...node.querySelectorAll('.jupyter-widgets-error-widget'),
      ...outputs.filter(
        e => e.textContent.trim().startsWith('Error displaying widget'))]
      .filter(visible).map(e => e.innerText.trim().slice(0, 300));
    c.loading = outputs.filter(
      e => e.textContent.trim().startsWith('Loading widget')).length;
    c.stderr = outputs.filter(
      e => e.dataset.mimeType === 'application/vnd.jupyter.stderr')
      .map(e => e.innerText.slice(0, 2000));
    c.images = [...node.querySelectorAll('.jp-OutputArea img')].map(i => ({
      ok: i.complete && i.naturalWidth > 0, src: i.src.slice(0, 60)}));
    c.svgs = [...node.querySelectorAll('.jp-OutputArea-output svg')]
      .filter(s => !s.parentElement.closest('svg'))
      .map(s => {
        const r = s.getBoundingClientRect();
        return {children: s.childElementCount, visible: visible(s),
                width: r.width, height: r.height,
                nodes: s.querySelectorAll('g.node').length};
      });
    c.text = node.querySelector('.jp-Cell-outputWrapper')?.innerText || '';
  }
  const dialogs = [...document.querySelectorAll('.jp-Dialog')]
    .map(e => e.innerText.trim().slice(0, 300));
  return {cells, dialogs};
}"""


def problems_in(state):
    """The problems one JS_STATE snapshot shows: {cell id: [problem, ...]}."""
    found = {}
    for cell in state["cells"]:
        if cell["type"] != "code":
            continue
        out = found.setdefault(cell["id"], [])
        if cell["count"] is None:
            out.append("did not run (no execution count)")
        raised = False
        for o in cell["outputs"]:
            if o["type"] == "error":
                raised = True
                out.append(f"raised {o['ename']}: {o['evalue']}")
            elif o["name"] == "stderr" and re.search(r"Error|Traceback", o["text"]):
                out.append(f"stderr: {o['text'].strip()[:300]}")
        for text in cell["stderr"]:  # Output widgets' stderr too
            if re.search(r"Error|Traceback", text) and not raised and not any(
                text.strip()[:40] in p for p in out
            ):
                out.append(f"shows on stderr: {text.strip()[:300]}")
        if not raised:  # views catch what their buttons raise and show it as text
            for line in re.findall(r"\b[A-Z]\w*(?:Error|Exception): .*", cell["text"]):
                out.append(f"shows an error: {line.strip()[:300]}")
        out += [f"widget error: {text}" for text in cell["errorWidgets"]]
        if cell["loading"]:
            out.append(f"{cell['loading']} widget(s) stuck on 'Loading widget...'")
        wanted = sum(o["widget"] for o in cell["outputs"])
        shown = sum(t["widget"] for t in cell["top"])
        if wanted > shown:
            texts = [t["text"][:80] for t in cell["top"] if not t["widget"]]
            out.append(f"{wanted - shown} of {wanted} widget(s) not rendered"
                       + (f", shows {texts}" if texts else ""))
        out += [f"image did not load: {i['src']}..." for i in cell["images"]
                if not i["ok"]]
        for svg in cell["svgs"]:
            if svg["children"] == 0 or (
                svg["visible"] and (svg["width"] == 0 or svg["height"] == 0)
            ):
                out.append(f"empty SVG: {svg}")
    for text in state["dialogs"]:
        found.setdefault("page", []).append(f"a dialog is open: {text}")
    return {cell: items for cell, items in found.items() if items}


def kernel_problems(browser):
    """Errors and tracebacks the kernel sent (button callbacks included)."""
    out = []
    for parent, text in browser.kernel:
        if re.search(r"Error|Traceback|Exception", text):
            where = "in a button callback" if parent == "comm_msg" else f"({parent})"
            line = f"kernel error {where}: {text.strip()[-400:]}"
            if line not in out:
                out.append(line)
    return out


def log_problems(entries):
    """Log console entries at the error level or carrying a traceback."""
    if entries is None:
        return ["the log console did not open"]
    return [f"{e['level']}: {e['text'].strip()[-600:]}" for e in entries
            if e["level"] in ("error", "critical")
            or re.search(r"Error|Traceback", e["text"])]


def format_problems(problems):
    return "\n".join(f"  [{where}] {item}"
                     for where, items in problems.items() for item in items)


# --- a saved notebook opened without running it ------------------------------------

# The title each view's static HTML starts with (widgets/*.py `title`).
STATIC_TITLES = {"blocktree": "Block tree", "lazyinit": "Lazy initialization",
                 "timing": "Eager vs hybridized", "graph": "Traced graph"}
# Views that draw a graphviz diagram: an inline SVG with g.node elements.
DIAGRAMS = ("blocktree-mlp", "blocktree-chimera", "blocktree-tied",
            "blocktree-deferred", "graph")
JS_SHUTDOWN = """async ms => {
  await Promise.race([window.__d2l.panel.sessionContext.shutdown(),
    new Promise(resolve => setTimeout(resolve, ms))]);
}"""


def static_problems(state):
    """View cells that do not show their static HTML (a title, images loaded)."""
    found = {}
    for cell in state["cells"]:
        kind = cell["id"].split("-")[0]
        if cell["type"] != "code" or kind not in STATIC_TITLES:
            continue
        out = found.setdefault(cell["id"], [])
        title = STATIC_TITLES[kind]
        static = sum(t["text"].startswith(title) and not t["widget"]
                     for t in cell["top"])
        if not static:
            out.append(f"no static form titled {title!r}; shows "
                       f"{[t['text'][:60] for t in cell['top']]}")
        elif static > 1:
            out.append(f"shows its static form {static} times")
        out += [f"widget error: {text}" for text in cell["errorWidgets"]]
        if cell["loading"]:
            out.append("shows 'Loading widget...' instead of the static form")
        out += [f"image did not load: {i['src']}..." for i in cell["images"]
                if not i["ok"]]
        if cell["id"] in DIAGRAMS and shutil.which("dot") and not cell["images"]:
            out.append("no diagram image in the static form")
    return {cell: items for cell, items in found.items() if items}
