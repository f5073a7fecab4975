"""figure(fig, alt): a matplotlib figure shown with a text alternative.

JupyterLab draws a plotted figure (image/png) as an <img> without alt text, so a
screen reader announces only "image". figure() shows the same picture as HTML with
the alt text given, and the alt text as the output's plain text. The picture sits
between the diagram comments of dot.py, so a notebook test leaves it out of its
comparison (it depends on the installed matplotlib), but not the alt text.

>>> fig, ax = plt.subplots(); ax.hist(values)
>>> figure(fig, "Histogram of the weights: most are 0, the rest spread over ±10.")
"""

import base64
import io
from html import escape

from . import dot


class Figure:
    """A picture and what it shows in words; see figure()."""

    def __init__(self, png, alt):
        self.png, self.alt = png, alt

    def __repr__(self):
        return self.alt

    def _repr_html_(self):
        data = base64.b64encode(self.png).decode("ascii")
        return (f"{dot.DIAGRAM_START}<img alt='{escape(self.alt, quote=True)}' "
                f"style='max-width:100%' src='data:image/png;base64,{data}'/>"
                f"{dot.DIAGRAM_END}")


def figure(fig, alt, dpi=100):
    """Show the matplotlib figure `fig` with the text alternative `alt` (what the
    picture shows, in a sentence or two); closes it if pyplot made it."""
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("figure(fig, alt): alt must say in words what the picture "
                         "shows, e.g. 'Histogram of the weights: ...'.")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    try:  # a pyplot figure would be drawn a second time at the end of the cell
        import matplotlib.pyplot as plt
        plt.close(fig)
    except ImportError:  # pragma: no cover - matplotlib without pyplot
        pass
    return Figure(buffer.getvalue(), alt.strip())
