"""What the four views have in common: a VBox that is also plain text and HTML.

A live notebook shows the widget; a saved notebook, exported HTML or a front end
without widgets shows the text/html (or text/plain) kept beside it in the same output.
A displayed view adds a second output, a hidden copy of that HTML, which JupyterLab
shows instead of "Error displaying widget" when the notebook was saved (so it is
trusted) and reopened without the widget's model (see render.fallback).
"""

import contextlib
import io
import threading

import ipywidgets as w

from . import render


class Snapshot:
    """A view as it was at one moment: static text and HTML, no widget.

    Displaying a live view twice shows the same widget twice (both copies change
    together); a narrative that shows a view "after step 1" and "after step 2"
    displays view.snapshot() instead.
    """

    def __init__(self, text, html):
        self._text, self._html = text, html

    def __repr__(self):
        return self._text

    def _repr_html_(self):
        return self._html


class View(w.VBox):
    """Base of the views: subclasses say what they are as text() and html()."""

    title = ""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_class(render.LIVE_CLASS)  # its static copy hides while it shows
        # What a button's action prints (an initializer's message, a print in a
        # traced forward) shows here, inside the view: a callback has no cell.
        self.printed = w.Output()
        # A focus ring with 3:1 contrast in light and dark themes (ipywidgets'
        # own is a thin light blue), for this view's controls; goes in children.
        # (A <style> applies while its box is hidden, so it takes no room.)
        self.style_html = w.HTML(f"<style>{render.FOCUS_CSS}</style>",
                                 layout=w.Layout(display="none"))

    def snapshot(self) -> Snapshot:
        """This view's current state as static text and HTML (see Snapshot)."""
        return Snapshot(self.text(), self._repr_html_())

    def text(self) -> str:
        raise NotImplementedError

    def html(self) -> str:
        raise NotImplementedError

    def __repr__(self):
        return self.text()

    def _repr_html_(self):
        return render.box(self.html(), self.title)

    def _repr_mimebundle_(self, **kwargs):
        bundle = dict(super()._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = self.text()
        bundle["text/html"] = self._repr_html_()
        return bundle

    def _ipython_display_(self):
        """Two outputs: the widget (with its static forms beside it), then a hidden
        copy of the static HTML that a saved, trusted notebook reopened without
        the widget's model shows instead of a widget error (render.fallback)."""
        from IPython.display import display

        bundle = self._repr_mimebundle_()
        display(bundle, raw=True)
        display({"text/html": render.fallback(bundle["text/html"])}, raw=True)

    def _report(self, status, action):
        """Run a button's action with its prints shown in the view; show an error
        in `status` instead of raising it (an exception inside a callback would
        only reach the log console)."""
        try:
            if threading.current_thread() is not threading.main_thread():
                return action()  # sys.stdout is global: never capture in a thread
            captured = io.StringIO()
            try:
                with contextlib.redirect_stdout(captured):
                    action()
            finally:
                if captured.getvalue():
                    self.printed.append_stdout(captured.getvalue())
        except Exception as exc:  # noqa: BLE001 - any failure is shown to the learner
            status.value = render.status(render.note(
                render.escape(f"{type(exc).__name__}: {exc}"), "error"))


def button(description, **kwargs):
    """A button wide enough for its label (default buttons cut long ones)."""
    return w.Button(description=description, layout=w.Layout(width="auto"), **kwargs)
