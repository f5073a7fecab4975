"""Views of d2lmini networks for Jupyter: block trees, lazy init, timing, graphs.

Each view is an ipywidgets widget that also shows as text and static HTML, so a
saved notebook or a front end without widgets still shows a table or a picture.
figure(fig, alt) shows a matplotlib figure with a text alternative.
"""

from .block_tree import BlockTree
from .figure import figure
from .graph_view import GraphView
from .lazy_init import LazyInitView
from .timing import TimingView

__all__ = ["BlockTree", "GraphView", "LazyInitView", "TimingView", "figure"]
