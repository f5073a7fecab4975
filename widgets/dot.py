"""Diagrams: DOT text for block trees and traced graphs, drawn by graphviz's `dot`.

`dot` is a system program that pip cannot install. Without it every view still
works and its diagram area says how to install graphviz. Set the environment
variable D2LMINI_DOT to a program path, or to 'none' to act as if dot were missing.
"""

import base64
import html
import os
import shutil
import subprocess

from . import data, render

INSTALL_HINT = (
    "The diagram needs graphviz's <code>dot</code> program, which pip cannot "
    "install. Install it with <code>apt install graphviz</code> (Debian, Ubuntu), "
    "<code>conda install graphviz</code> or <code>brew install graphviz</code> "
    "(macOS), then run the cell again."
)
# A white card in either theme: labels drawn on the page itself (clusters, edges)
# would need a colour with 4.5:1 contrast on both white and near-black, and none has.
_STYLE = ('  bgcolor="white";\n'
          '  graph [fontname="Helvetica", fontsize=11];\n'
          '  node [fontname="Helvetica", fontsize=10, style=filled, '
          'fillcolor="#e5e7eb", color="#888888", fontcolor="#111111"];\n'
          '  edge [color="#888888", fontname="Helvetica", fontsize=10];')
# Cluster labels sit on a light fill of their own, so their dark text keeps a
# contrast above 4.5:1 on light and dark themes alike (grey text on a transparent
# background cannot: no grey reaches 4.5:1 against both white and near-black).
_CLUSTER = ('style="rounded,dashed,filled"; fillcolor="#f8fafc"; color="#6b7280"; '
            'fontcolor="#374151";')


def find_dot():
    """The path of the `dot` program, or None (D2LMINI_DOT overrides the lookup)."""
    wanted = os.environ.get("D2LMINI_DOT", "dot")
    if wanted.strip().lower() in ("", "none"):
        return None
    return shutil.which(wanted)


def to_svg(source, timeout=30):
    """Draw DOT `source` as SVG text; None when `dot` is missing or fails."""
    program = find_dot()
    if program is None:
        return None
    try:
        done = subprocess.run([program, "-Tsvg"], input=source, text=True,
                              capture_output=True, timeout=timeout)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0 or "<svg" not in done.stdout:
        return None
    return done.stdout[done.stdout.index("<svg"):]  # drop the XML prologue


DIAGRAM_START, DIAGRAM_END = "<!-- d2l-diagram -->", "<!-- /d2l-diagram -->"


def diagram_html(source, svg="draw", inline=True, alt="graphviz diagram"):
    """The drawing of DOT `source` (`svg`: drawn already), or the install hint.

    inline=False gives an <img> instead of inline SVG: saved notebooks that are
    not trusted have their HTML sanitized, which keeps images but drops <svg>.
    `alt` says what the drawing shows, for those who cannot see it (the <img>
    alt text, or the inline SVG's aria-label). The result sits between
    DIAGRAM_START and DIAGRAM_END comments, so a notebook test can leave the
    drawing (which depends on graphviz's version) out of its comparison: see
    tests/nbval_sanitize.cfg.
    """
    svg = to_svg(source) if svg == "draw" else svg
    if svg is None:
        body = ('<div class="d2l-diagram d2l-hint" style="padding:0.5em;border:1px '
                'dashed var(--jp-border-color2, #888888);">'
                f"{INSTALL_HINT}<details><summary>DOT source</summary><pre>"
                f"{html.escape(source)}</pre></details></div>")
    elif inline:
        label = html.escape(alt, quote=True)
        svg = svg.replace("<svg ", '<svg style="max-width:100%;height:auto" '
                          f'role="img" aria-label="{label}" ', 1)
        body = f'<div class="d2l-diagram">{svg}</div>'
    else:
        data = base64.b64encode(svg.encode()).decode("ascii")
        body = (f'<div class="d2l-diagram"><img alt="{html.escape(alt, quote=True)}" '
                'style="max-width:100%" '
                f'src="data:image/svg+xml;base64,{data}"/></div>')
    return DIAGRAM_START + body + DIAGRAM_END


def themed(source):
    """A DOT text made by d2lmini (Graph.to_dot) with the theme-neutral defaults."""
    head, rest = source.split("\n", 1)
    return f"{head}\n{_STYLE}\n{rest}"


# ---- the nesting of blocks -----------------------------------------------------------
def tree_dot(root: data.BlockNode):
    """Containers as clusters, layers as boxes, in the order they were registered."""
    lines = [f'digraph "{root.cls}" {{', "  rankdir=LR;", "  compound=true;", _STYLE]
    leaves = []
    _emit(root, lines, leaves, "  ")
    for a, b in zip(leaves, leaves[1:]):  # keep registration order left to right
        lines.append(f"  {a} -> {b} [style=invis];")
    for a, b, what in _sharing(root):
        if a in leaves and b in leaves:  # clusters cannot end an edge
            lines.append(f'  {a} -> {b} [style=dashed, color="#db2777", '
                         f'fontcolor="#be185d", label="{what}", constraint=false];')
    return "\n".join(lines + ["}"])


def _ident(path):
    return "n_" + (path.replace(".", "_") or "root")


def _sharing(root):
    """(from, to, label) for tied parameters and blocks used at two places."""
    found = []
    for node in root.walk():
        if node.same_as is not None:
            found.append((_ident(node.same_as), _ident(node.path), "same block"))
        owners = dict.fromkeys(p.shared_with.rpartition(".")[0]
                               for p in node.params if p.shared_with)
        found += [(_ident(owner), _ident(node.path), "shared") for owner in owners]
    return found


def _emit(node, lines, leaves, pad):
    ident = _ident(node.path)
    label = _label(node)
    if not node.children:
        fill = ', fillcolor="#c7d2fe"' if node.params else ""
        lines.append(f'{pad}{ident} [shape=box, label="{label}"{fill}];')
        leaves.append(ident)
        return
    lines.append(f"{pad}subgraph cluster_{ident} {{")
    lines.append(f'{pad}  label="{label}"; {_CLUSTER}')
    for child in node.children:
        _emit(child, lines, leaves, pad + "  ")
    lines.append(f"{pad}}}")


def _label(node):
    name = node.key or "(root)"
    times = f" ×{node.repeat}" if node.repeat > 1 else ""
    text = f"{name}: {node.cls}{times}"
    if node.same_as is not None:
        text += f"\\n(same block as {node.same_as})"
    if node.output_shape is not None:
        text += f"\\nout {_shape(node.output_shape)}"
    if node.total or node.unknown:
        text += f"\\n{render.count_text(node.total, node.unknown)} params"
    return text.replace('"', '\\"')


def _shape(shape):
    return str(shape).replace(" ", "")


def tree_alt(root: data.BlockNode):
    """What the nesting diagram shows, in words: each block inside its parent."""
    parts = []
    for node in root.walk():
        if node.children:
            inside = ", ".join(f"{c.key} {c.cls}" for c in node.children)
            parts.append(f"{node.path or '(root)'} {node.cls} contains {inside}")
    return ("Nesting diagram of the blocks: " + ("; ".join(parts) or
            f"{root.cls} has no blocks inside") + ".")
