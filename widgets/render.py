"""Text and HTML for the views, including the static picture a saved notebook keeps.

Every function takes the plain data of data.py and returns a string, so tests read
exactly what a learner sees. Colours are JupyterLab CSS variables with fallbacks,
and translucent mid-tone accents that read on light and dark themes alike.
"""

from html import escape

from d2lmini.text import format_time, table_text

from . import data

FONT = "var(--jp-ui-font-family, sans-serif)"
CODE = "var(--jp-code-font-family, monospace, monospace)"  # doubled: full size
FG = "var(--jp-content-font-color1, inherit)"
MUTED = "var(--jp-content-font-color2, #888888)"
BORDER = "var(--jp-border-color2, rgba(128, 128, 128, 0.4))"
HEAD_BG = "var(--jp-layout-color2, rgba(128, 128, 128, 0.15))"
# The keyboard focus on a view's controls: the theme's brand colour (#1976d2 in
# the light theme, 4.6:1 on white; a light blue in the dark theme), 2px wide.
FOCUS = "var(--jp-brand-color1, #1976d2)"
FOCUS_CSS = (".d2l-live button:focus-visible, .d2l-live input:focus-visible, "
             ".d2l-live select:focus-visible, .d2l-live pre:focus-visible"
             f"{{outline:2px solid {FOCUS} !important;outline-offset:1px}}")

# A selected row: a translucent accent under the theme's own text colour (which
# keeps its contrast in light and dark themes), with bold text and "(selected)".
SELECTED = "rgba(0, 151, 167, 0.25)"
ACCENTS = {  # translucent, so the theme's text colour stays readable on top
    "unknown": "rgba(245, 158, 11, 0.35)",
    "filled": "rgba(34, 197, 94, 0.30)",
    "constant": "rgba(107, 114, 128, 0.30)",
    "shared": "rgba(236, 72, 153, 0.30)",
    "fused": "rgba(168, 85, 247, 0.30)",
    "in place": "rgba(59, 130, 246, 0.30)",
    "static buffer": "rgba(20, 184, 166, 0.30)",
    "error": "rgba(239, 68, 68, 0.30)",
}


# ---- small pieces --------------------------------------------------------------------
def box(body, title=None):
    """The frame every view's HTML sits in."""
    head = f"<div style='font-weight:bold;margin-bottom:4px'>{escape(title)}</div>" \
        if title else ""
    return (f"<div class='d2l-view' style='font-family:{FONT};color:{FG};"
            f"font-size:13px'>{head}{body}</div>")


# A saved notebook reopened in JupyterLab is trusted (saving signs it), so each view
# output is drawn by the widget renderer; with no kernel and no stored widget state
# its model is gone and the renderer says "Error displaying widget: model not found"
# (ipywidgets never falls back to the text/html beside it). So a view is displayed
# as two outputs: the widget (with text/html and text/plain for front ends without
# widgets) and this copy of its static HTML, hidden by default. In JupyterLab and
# Notebook 7 these rules show the copy and hide the output before it unless that
# holds the live view (LIVE_CLASS): an error, 'Loading widget...' or the text/html
# an untrusted notebook shows give way to the copy, so exactly one form shows.
# Front ends with other class names, or that drop the <style>, keep the copy
# hidden and show the view output. (:has() may not nest, hence the three rules.)
LIVE_CLASS = "d2l-live"
_CHILD = ".jp-OutputArea-child"
FALLBACK_CSS = (
    ".jp-OutputArea .d2l-fallback{display:block !important}"
    f"{_CHILD}:has(.{LIVE_CLASS}) + {_CHILD} .d2l-fallback{{display:none !important}}"
    f"{_CHILD}:not(:has(.{LIVE_CLASS})):has(+ {_CHILD} .d2l-fallback){{display:none}}")


def fallback(html):
    """The hidden copy of a view's static `html` displayed after its widget."""
    return (f"<style>{FALLBACK_CSS}</style>"
            f"<div class='d2l-fallback' style='display:none'>{html}</div>")


def mark(text, accent):
    """`text` (already HTML) on an accent background."""
    return (f"<span style='background:{ACCENTS[accent]};border-radius:3px;"
            f"padding:0 3px'>{text}</span>")


def note(text, accent="unknown"):
    return (f"<div style='margin:4px 0;padding:4px 8px;border-left:4px solid "
            f"{ACCENTS[accent]}'>{text}</div>")


def status(html):
    """A status line that screen readers announce when it changes (role=status
    is a polite live region)."""
    return f"<div role='status' aria-live='polite'>{html}</div>"


def shape_text(shape):
    return "?" if shape is None else str(tuple(shape))


def shape_html(shape, accent="unknown", dims=None):
    """A shape with the dimensions in `dims` (default: unknown ones) highlighted."""
    if shape is None:
        return mark("?", accent)
    dims = {i for i, d in enumerate(shape) if d <= 0} if dims is None else dims
    parts = [mark(str(d), accent) if i in dims else str(d)
             for i, d in enumerate(shape)]
    inner = ", ".join(parts) + ("," if len(parts) == 1 else "")
    return f"<code style='font-family:{CODE};font-size:0.95em'>({inner})</code>"


def table_html(head, rows, right=()):
    """An HTML table; cells are HTML already; columns in `right` align right."""
    cell = f"padding:2px 8px;border-bottom:1px solid {BORDER};vertical-align:top;"

    def align(i):
        return "text-align:right;" if i in right else "text-align:left;"

    top = "".join(f"<th style='{cell}{align(i)}background:{HEAD_BG}'>{h}</th>"
                  for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(f"<td style='{cell}{align(i)}'>{c}</td>"
                                    for i, c in enumerate(r)) + "</tr>" for r in rows)
    return (f"<table style='border-collapse:collapse;color:{FG}'>"
            f"<thead><tr>{top}</tr></thead><tbody>{body}</tbody></table>")


def count_text(n, unknown=False):
    return "?" if unknown and not n else f"{n:,}" + (" + ?" if unknown else "")


def code(text):
    """Inline code (`text` is HTML already)."""
    return f"<code style='font-family:{CODE};font-size:0.95em'>{text}</code>"


def code_html(text):
    return (f"<pre style='font-family:{CODE};margin:4px 0;padding:4px;"
            f"background:{HEAD_BG};overflow-x:auto'>{escape(text)}</pre>")


# ---- block trees ---------------------------------------------------------------------
def expanded_paths(root, depth=None):
    """The paths whose children show when the tree is opened `depth` levels deep."""
    return {n.path for n in root.walk() if depth is None or n.depth < depth}


def visible(root, expanded):
    """(node, guide, hidden) for each row shown; `guide` draws the tree in text."""
    rows = []

    def visit(node, guide, child_guide):
        hidden = bool(node.children) and node.path not in expanded
        rows.append((node, guide, hidden))
        if hidden:
            return
        for i, child in enumerate(node.children):
            last = i == len(node.children) - 1
            visit(child, child_guide + ("└─ " if last else "├─ "),
                  child_guide + ("   " if last else "│  "))

    visit(root, "", "")
    return rows


def node_label(node, hidden=False):
    """'0', '1..3 ×3', or '0 [+2]' when its two children are hidden."""
    label = (node.key or "(root)") + (f" ×{node.repeat}" if node.repeat > 1 else "")
    return label + (f" [+{len(node.children)}]" if hidden else "")


def node_class(node):
    if node.same_as is not None:
        return f"{node.cls} (same block as {node.same_as})"
    return node.cls


def out_text(node):
    return "-" if node.output_shape is None else str(node.output_shape)


def params_text(node):
    return ", ".join(f"{p.attr} {shape_text(p.shape)}"
                     + ("" if p.trainable else " grad_req=null")
                     + (f" = {p.shared_with}" if p.shared_with else "")
                     for p in node.params)


def params_html(node):
    return ", ".join(f"{escape(p.attr)} {shape_html(p.shape)}"
                     + ("" if p.trainable
                        else " " + mark("grad_req=null", "constant"))
                     + (" " + mark(f"= {escape(p.shared_with)}", "shared")
                        if p.shared_with else "")
                     for p in node.params)


TREE_HEAD = ("block", "class", "output", "params", "own parameters")


def tree_text(root, expanded):
    rows = [(guide + node_label(node, hidden), node_class(node), out_text(node),
             count_text(node.total, node.unknown), params_text(node))
            for node, guide, hidden in visible(root, expanded)]
    return table_text(TREE_HEAD, rows, right={3})


def tree_html(root, expanded):
    rows = []
    for node, _, hidden in visible(root, expanded):
        glyph = ("▸ " if hidden else "▾ ") if node.children else ""
        label = (f"<span style='padding-left:{node.depth * 1.2:.1f}em'>{glyph}"
                 f"{escape(node_label(node, hidden))}</span>")
        rows.append((label, escape(node_class(node)), code(escape(out_text(node))),
                     count_text(node.total, node.unknown), params_html(node)))
    return table_html(TREE_HEAD, rows, right={3})


def totals_text(t: data.Totals):
    more = " + ?" if t.deferred else ""
    text = (f"Total: {t.total:,}{more} parameters ({t.trainable:,} trainable, "
            f"{t.not_trained:,} with grad_req='null')")
    if t.shared:
        text += f"; {t.shared} shared parameter(s) counted once"
    if t.deferred:
        text += (f"; {t.deferred} parameter(s) deferred: their shapes are known "
                 "after the first forward")
    return text + "."


def details_html(node, source, builtin=None, title=None):
    """What a selected node shows: its parameters, then its forward's source (or,
    for one of the library's own layers, `builtin`: its full class name). `title`
    (default: the node's path and class) names the row that was selected, e.g. a
    block added a second time, whose details are those of its first place."""
    rows = [(escape(p.name), shape_html(p.shape), escape(p.dtype),
             escape(p.grad_req) if p.trainable else mark("null", "constant"),
             escape(p.state), escape(p.shared_with or ""),
             count_text(p.size or 0, not p.known)) for p in node.params]
    title = (f"<b>{escape(title)}</b>" if title else
             f"<b>{escape(node.path or '(root)')}</b>: {escape(node_class(node))}")
    body = (table_html(("name", "shape", "dtype", "grad_req", "state", "shared with",
                        "size"), rows, right={6})
            if rows else f"<div style='color:{MUTED}'>no parameters of its own</div>")
    if builtin:
        src = (f"<div style='color:{MUTED}'>built-in layer {code(escape(builtin))}: "
               "its forward is part of d2lmini</div>")
    elif source:
        src = code_html(source)
    else:
        src = f"<div style='color:{MUTED}'>source of forward not available</div>"
    return f"<div>{title}{body}<div style='margin-top:4px'>forward:</div>{src}</div>"


# ---- lazy initialization -------------------------------------------------------------
LAZY_HEAD = ("parameter", "before", "now", "state", "values")


def values_text(p):
    if p.mean is None:
        return "not drawn yet"
    head = ", ".join(f"{v:.4f}" for v in p.head)
    return f"mean {p.mean:+.4f}, std {p.std:.4f}: {head}, ..."


def lazy_text(before, now, log=()):
    old = {p.name: p.shape for p in before}
    rows = [(p.name, shape_text(old.get(p.name)), shape_text(p.shape), p.state,
             values_text(p)) for p in now]
    lines = [table_text(LAZY_HEAD, rows)]
    lines += [f"{i + 1}. {s}" for i, s in enumerate(log)]
    return "\n".join(lines)


def lazy_html(before, now, log=()):
    old = {p.name: p.shape for p in before}
    rows = []
    for p in now:
        was = old.get(p.name)
        filled = ({i for i, d in enumerate(was) if d <= 0}
                  if was is not None and p.known else set())
        state = mark(p.state, "unknown") if p.state != "initialized" else p.state
        rows.append((code(escape(p.name)), shape_html(was),
                     shape_html(p.shape, "filled", filled) if p.known
                     else shape_html(p.shape), state, escape(values_text(p))))
    log_html = "".join(f"<div>{i + 1}. {code(escape(s))}</div>"
                         for i, s in enumerate(log))
    return table_html(LAZY_HEAD, rows) + log_html


# ---- timings -------------------------------------------------------------------------
def seconds(t):
    """A time as the views show it: one digit fewer than benchmark's table."""
    return format_time(t, digits=2)


TIMING_HEAD = ("device", "batch", "mode", "per call", "min .. max", "repeats x calls",
               "first call", "speed-up")


def _timing_rows(report):
    for r in report.records:
        yield (r.device, str(r.batch_size), r.mode, seconds(r.median),
               f"{seconds(r.low)} .. {seconds(r.high)}", f"{r.repeats} x {r.number}",
               seconds(r.first_call), "" if r.speedup is None else f"{r.speedup:.2f}x")


def verdicts(report):
    """One honest sentence per hybridized measurement: a verdict only when most
    repeats of both modes ran undisturbed and they differ by more than 10%."""
    eager = {(r.device, r.batch_size): r for r in report.records
             if r.mode == "eager"}
    out = []
    for r in report.records:
        base = eager.get((r.device, r.batch_size))
        if r.mode == "eager" or base is None or r.speedup is None:
            continue
        where = f"{r.device}, batch {r.batch_size}, {r.mode}"
        kind = data.comparison(base, r)
        if kind == "unsteady":
            out.append(f"{where}: no verdict: most repeats took more than "
                       f"{data.UNSTEADY}x the fastest one, so the CPU was busy with "
                       "something else. Close other programs and measure again "
                       "(more repeats help).")
        elif kind == "same":
            out.append(f"{where}: no clear difference ({r.speedup:.2f}x, within "
                       f"{round((data.SAME - 1) * 100)}%): the Python work saved per "
                       "call is small next to the arithmetic.")
        elif kind == "faster":
            out.append(f"{where}: {r.speedup:.2f}x faster than eager.")
        else:
            out.append(f"{where}: slower than eager ({r.speedup:.2f}x), "
                       "consistently over the repeats.")
    out += [f"{d}, {m}: unavailable: {why}" for d, m, why in report.unavailable]
    return out


def timing_text(report):
    if not report.records:
        return f"TimingView of {report.net}: not measured yet (press Measure)."
    lines = [f"TimingView of {report.net}: time per call (median of the repeats)",
             table_text(TIMING_HEAD, list(_timing_rows(report)), right={3, 6, 7})]
    return "\n".join(lines + verdicts(report))


def timing_html(report, png_base64=None):
    if not report.records:
        return note(escape(timing_text(report)))
    rows = [tuple(escape(c) for c in r) for r in _timing_rows(report)]
    body = table_html(TIMING_HEAD, rows, right={3, 6, 7})
    for text in verdicts(report):
        slow = any(w in text for w in ("slower", "unavailable", "no verdict"))
        body += note(escape(text), "unknown" if slow else "filled")
    if png_base64:
        body += chart_img(report, png_base64)
    return body


def chart_alt(report):
    """What the timing chart shows, in words (its alt text)."""
    bars = "; ".join(f"{r.device} batch {r.batch_size} {r.mode} {seconds(r.median)}"
                     + (f" ({r.speedup:.2f}x)" if r.speedup is not None
                        and r.mode != "eager" else "")
                     for r in report.records)
    return f"Bar chart of the time per call (lower is faster): {bars}."


def chart_img(report, png_base64):
    return (f"<img alt='{escape(chart_alt(report), quote=True)}' "
            f"style='max-width:100%' src='data:image/png;base64,{png_base64}'/>")


# ---- traced graphs -------------------------------------------------------------------
def graph_text(graph, lines):
    counts = {}
    for line in lines:
        for m in line.marks:
            counts[m] = counts.get(m, 0) + 1
    summary = ", ".join(f"{n} {m}" for m, n in sorted(counts.items())) or "no marks"
    head = f"GraphView of {graph.name}: {len(graph.nodes)} ops ({summary})"
    return "\n".join([head] + [line.text for line in lines])


def graph_html(lines):
    shown = []
    for line in lines:
        accent = next((m for m in line.marks if m in ACCENTS), None)
        # white-space:pre on each line too: a front end's own CSS for widget
        # HTML must not be able to wrap a line in the middle of a token.
        style = "white-space:pre" + (f";background:{ACCENTS[accent]}" if accent
                                     else "")
        shown.append(f"<div style='{style}'>{escape(line.text)}</div>")
    legend = " ".join(mark(m, m) for m in ("fused", "in place", "static buffer"))
    # One op per line, never wrapped: a long line scrolls sideways instead.
    # <pre>, not a styled <div>: a front end that strips styles from untrusted
    # output (JupyterLab before the notebook is trusted) still shows monospace.
    # tabindex and a name: a scrolling region must be reachable by keyboard.
    return (f"<pre tabindex='0' role='region' aria-label='listing of the traced "
            f"graph' style='font-family:{CODE};white-space:pre;margin:0;padding:4px;"
            f"line-height:1.4;overflow-x:auto'><div style='display:inline-block;"
            f"min-width:100%'>{''.join(shown)}</div></pre>"
            f"<div style='margin-top:4px'>{legend}: how the compiled plan runs "
            "each step</div>")
