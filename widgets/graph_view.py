"""GraphView: the graph a hybridized block was traced into, drawn and listed.

The drawing (graphviz) sits beside the text listing; steps the compiled plan fuses
or runs in place are highlighted in both. Shown in chapter05/08_hybridization.ipynb.
"""

import ipywidgets as w

from d2lmini import gluon
from d2lmini.errors import HybridizationError

from . import data, dot, render
from .view import View, button


class GraphView(View):
    """The traced graph of `net`, which must be hybridized and called once.

    >>> net.hybridize(); net(X); GraphView(net)
    """

    title = "Traced graph"

    def __init__(self, net):
        _plan_of(net)  # refuse a net with nothing to show before building widgets
        super().__init__()
        self.net = net
        self.refresh_button = button("Refresh", tooltip="show the latest trace")
        self.status, self.diagram, self.listing = w.HTML(), w.HTML(), w.HTML()
        self.refresh_button.on_click(
            lambda _: self._report(self.status, self.refresh))
        # The drawing keeps its size up to half the width (it shrinks to fit);
        # long listing lines scroll inside the listing's own <pre>, which the
        # keyboard can reach (render.graph_html), not in the widget's box.
        self.diagram.layout = w.Layout(flex="0 1 auto", max_width="50%",
                                       overflow="hidden")
        self.listing.layout = w.Layout(flex="1 1 0%", min_width="0",
                                       overflow="hidden")
        self.children = [w.HBox([self.refresh_button, self.status]), self.printed,
                         w.HBox([self.diagram, self.listing]), self.style_html]
        self.plan = self.graph = None
        self.refresh()

    def refresh(self):
        """Read net.compiled_plan again (a new input shape traces a new graph)."""
        before, self.plan = self.plan, _plan_of(self.net)
        self.graph = self.plan.graph
        if before is not None and before is self.plan:
            self.status.value = render.status(render.escape(
                "Refreshed: no new trace since the last look, so the graph is "
                "the same. Run net(X) with a new input shape to trace again."))
            return
        self.lines = data.listing_lines(self.plan)
        source = dot.themed(self.plan.to_dot())
        alt = (f"Diagram of the traced graph of {self.graph.name}: "
               f"{len(self.graph.nodes)} steps from the inputs and parameters to "
               "the output, the same steps as the listing beside it.")
        self._drawing = source, dot.to_svg(source), alt
        self.diagram.value = dot.diagram_html(*self._drawing[:2], alt=alt)
        self.listing.value = render.graph_html(self.lines)
        self.status.value = render.status(render.escape(self.text().splitlines()[0]))

    def text(self):
        return render.graph_text(self.graph, self.lines)

    def html(self):
        return ("<div style='display:flex;gap:12px;flex-wrap:wrap'>"
                "<div style='flex:1 1 45%'>"
                + dot.diagram_html(*self._drawing[:2], inline=False,
                                   alt=self._drawing[2])
                + "</div>"
                + f"<div style='flex:1 1 45%'>{self.listing.value}</div></div>")


def _plan_of(net):
    if not isinstance(net, gluon.HybridBlock):
        raise TypeError(
            f"GraphView: {type(net).__name__} is not a HybridBlock, so it is never "
            "traced into a graph. Build it from HybridBlocks (nn.HybridSequential "
            "instead of nn.Sequential), then call net.hybridize() and net(X) first.")
    if net.compiled_plan is None:
        raise HybridizationError(
            f"GraphView: {type(net).__name__} has no traced graph yet (expected a "
            "hybridized block called at least once, got one that was never called "
            "hybridized). Call net.hybridize() and net(X) first: the first call "
            "after hybridize() traces forward into the graph shown here.")
    return net.compiled_plan
