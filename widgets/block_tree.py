"""BlockTree: the nesting of a network, one row per block, collapsible.

Layers inside blocks inside blocks, with output shapes (after a forward), parameter
counts and shapes, constants and tied parameters marked. Shown in
chapter05/01_layers_and_blocks.ipynb and 02_parameters.ipynb.
"""

import ipywidgets as w

from d2lmini import gluon

from . import data, dot, render
from .view import View, button

_TOGGLE = dict(width="2.2em", padding="0")  # a Layout per row, made when drawn


class BlockTree(View):
    """The block tree of `net`; select a row for its parameters and forward source.

    X: run one forward on X now to learn output shapes (hybridization is switched
    off for that call and restored). Without X, the next net(X) fills them in
    (children of a hybridized net that runs its compiled graph have none then).
    depth: how many levels start open (None: all). compact: show runs of identical
    numbered siblings as one row marked xN.

    >>> BlockTree(chimera, X)
    """

    title = "Block tree"

    def __init__(self, net, X=None, depth=None, compact=True):
        if not isinstance(net, gluon.Block):
            raise TypeError(f"BlockTree expects a gluon Block (a layer or a network), "
                            f"got {type(net).__name__}.")
        super().__init__()
        self.net, self._compact, self._shapes, self._hooks = net, compact, {}, []
        if X is not None:
            self._eager_forward(X)
        else:
            self._watch()
        self.selected = ""
        # A number box, not a slider: its label names it for screen readers
        # (ipywidgets' slider handle has no accessible name) and arrows step it.
        self.depth = w.BoundedIntText(description="depth", min=0, max=1,
                                      tooltip="how many levels are open",
                                      layout=w.Layout(width="10em"))
        self.depth.observe(lambda change: self.open_to(change["new"]), "value")
        self.expand_all = button("expand all")
        self.collapse_all = button("collapse all")
        self.expand_all.on_click(lambda _: self.open_to(None))
        self.collapse_all.on_click(lambda _: self.open_to(0))
        self.rows_box, self.totals = w.VBox(), w.HTML()
        self.details, self.diagram = w.HTML(), w.HTML()
        # A plain button shows and hides the drawing: the keyboard reaches and
        # presses it, and its text says what it does (an Accordion header is
        # not reachable by keyboard in every front end).
        self.show_diagram = button("hide the nesting diagram",
                                   tooltip="show or hide the graphviz drawing")
        self.show_diagram.layout.align_self = "flex-start"  # as wide as its text
        self.show_diagram.on_click(lambda _: self.toggle_diagram())
        self.children = [w.HBox([self.depth, self.expand_all, self.collapse_all]),
                         self.rows_box, self.totals, self.details,
                         self.show_diagram, self.diagram, self.style_html]
        self._rebuild(depth)

    # ---- data ------------------------------------------------------------------------
    def _rebuild(self, depth=None):
        self.full = data.block_tree(self.net, self._shapes)
        self.tree = data.compact(self.full) if self._compact else self.full
        self._nodes = {n.path: n for n in self.full.walk()}
        deepest = max(n.depth for n in self.tree.walk())
        self.expanded = render.expanded_paths(self.tree, depth)
        with self.depth.hold_trait_notifications():
            self.depth.max = max(deepest, 1)
            self.depth.value = deepest if depth is None else min(depth, deepest)
        self.totals.value = render.note(render.totals_text(data.totals(self.full)),
                                        "filled")
        source = dot.tree_dot(self.tree)
        self._drawing = source, dot.to_svg(source), dot.tree_alt(self.tree)
        self.diagram.value = dot.diagram_html(*self._drawing[:2],
                                              alt=self._drawing[2])
        self._show_rows()
        self.select(self.selected if self.selected in self._nodes else "")

    def _record(self, path):
        def hook(block, args, out):
            self._shapes[path] = data.output_shape(out)
        return hook

    def _add_hooks(self):
        self._hooks = [b.register_forward_hook(self._record(p))
                       for p, b in self.net.named_blocks()]

    def _watch(self):
        """Hooks that record the output shapes of the user's next forward, then go."""
        self._add_hooks()

        def done(block, args, out):
            self.detach()
            self.refresh()

        self._hooks.append(self.net.register_forward_hook(done))

    def _eager_forward(self, X):
        hybrid = [(b, b.hybrid_settings) for _, b in self.net.named_blocks()
                  if isinstance(b, gluon.HybridBlock)]
        self._add_hooks()
        try:
            if any(s is not None for _, s in hybrid):
                self.net.hybridize(active=False)  # children run their Python forward
            self.net(X)
        finally:
            self.detach()
            for block, settings in hybrid:  # parents first: children end as saved
                if settings is not None or block.hybrid_settings is not None:
                    block.hybridize(active=settings is not None, **(settings or {}))

    def refresh(self):
        """Read the network again (shapes, parameters), keeping the open depth."""
        self._rebuild(self.depth.value if self.depth.value < self.depth.max else None)

    def detach(self):
        """Remove the forward hooks this view put on the network."""
        for handle in getattr(self, "_hooks", ()):  # also when __init__ refused
            handle.detach()
        self._hooks = []

    def close(self):
        self.detach()
        super().close()

    # ---- interface -------------------------------------------------------------------
    def open_to(self, depth):
        """Open every node above `depth` and close the rest (None: open all)."""
        self.expanded = render.expanded_paths(self.tree, depth)
        target = self.depth.max if depth is None else depth
        if target != self.depth.value:
            self.depth.value = target  # its observer calls open_to again
        else:
            self._show_rows()

    def toggle_diagram(self):
        """Show the nesting diagram if it is hidden, hide it if it shows."""
        hidden = self.diagram.layout.display == "none"
        self.diagram.layout.display = None if hidden else "none"
        self.show_diagram.description = (
            f"{'hide' if hidden else 'show'} the nesting diagram")

    def toggle(self, path):
        """Open a closed node or close an open one."""
        self.expanded ^= {path}
        self._show_rows()

    def select(self, path):
        """Show the parameters and forward source of the block at `path`."""
        node = self._nodes[path]
        shown = self._nodes.get(node.same_as, node)
        self.selected = path
        block = data.find_block(self.net, shown.path)
        self.details.value = render.details_html(
            shown, data.forward_source(block), data.builtin_name(block),
            title=f"{path or '(root)'}: {render.node_class(node)}")
        for key, (node, hidden) in self._shown.items():
            self._label(self.rows[key], node, hidden)

    def _show_rows(self):
        """Show the rows now visible. A row's widgets are made once per block and
        then only relabelled, so the button a keyboard user just pressed keeps
        the focus (a new button would drop it to the page)."""
        if getattr(self, "_made_for", None) is not self.tree:
            self._made, self._made_for = {}, self.tree  # a new tree: new rows
        self.rows, self._shown = {}, {}
        for node, _, hidden in render.visible(self.tree, self.expanded):
            row = self._made.get(node.path)
            if row is None:
                row = self._made[node.path] = self._row(node)
            self._label(row, node, hidden)
            self.rows[node.path], self._shown[node.path] = row, (node, hidden)
        rows = list(self.rows.values())
        if list(self.rows_box.children) != rows:
            self.rows_box.children = rows

    def _row(self, node):
        if node.children:
            toggle = w.Button(layout=w.Layout(**_TOGGLE))
            toggle.on_click(lambda _, p=node.path: self.toggle(p))
        else:
            toggle = w.HTML(layout=w.Layout(**_TOGGLE))
        name = button("")
        name.layout.margin = f"0 0 0 {node.depth * 1.5:.1f}em"
        name.on_click(lambda _, p=node.path: self.select(p))
        out = ("no forward yet" if node.output_shape is None else
               "out " + render.code(render.escape(render.out_text(node))))
        info = w.HTML(f"{out} · "
                      f"{render.count_text(node.total, node.unknown)} params"
                      + (f" · {render.params_html(node)}" if node.params else ""))
        return w.HBox([toggle, name, info], layout=w.Layout(align_items="center"))

    def _label(self, row, node, hidden):
        """Write a row's state into its buttons' text: open or closed, its level
        and whether it is selected, in words (not by colour alone)."""
        toggle, name, _ = row.children
        label = f"{render.node_label(node, hidden)}: {render.node_class(node)}"
        if isinstance(toggle, w.Button):
            toggle.description = "▸" if hidden else "▾"
            toggle.tooltip = (f"{'open' if hidden else 'close'} {label} "
                              f"(level {node.depth + 1}, {len(node.children)} "
                              f"block(s) inside)")
        chosen = node.path == self.selected
        name.description = label + (" (selected)" if chosen else "")
        name.tooltip = (f"level {node.depth + 1}: show the parameters and forward "
                        "source" + (" (shown below)" if chosen else ""))
        name.style.font_weight = "bold" if chosen else ""
        name.style.button_color = render.SELECTED if chosen else None

    # ---- representations -------------------------------------------------------------
    def text(self):
        head = f"BlockTree of {self.full.cls}"
        return "\n".join([head, render.tree_text(self.tree, self.expanded),
                          render.totals_text(data.totals(self.full))])

    def html(self):
        return (render.tree_html(self.tree, self.expanded)
                + render.note(render.totals_text(data.totals(self.full)), "filled")
                + dot.diagram_html(*self._drawing[:2], inline=False,
                                   alt=self._drawing[2]))
