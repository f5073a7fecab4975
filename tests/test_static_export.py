"""The views' static forms in exported HTML (`jupyter nbconvert --to html`).

tools/run_notebooks.py stores notebooks without widget state, so nbconvert has no
widget to draw and picks each view's text/html instead: the exported page shows
the tables, the listing and the diagrams with no kernel and no network. (With
widget state stored, nbconvert would emit widget placeholders that need
JavaScript from a CDN, and an offline page would show nothing.)
"""

import re
import shutil
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "tests/browser/all_views.ipynb"
TITLES = ("Block tree", "Lazy initialization", "Eager vs hybridized", "Traced graph")
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

pytestmark = pytest.mark.notebook


@pytest.fixture(scope="module")
def executed(tmp_path_factory, notebook_runner):
    """all_views.ipynb run and stored the way the chapter's notebooks are."""
    path = tmp_path_factory.mktemp("export") / "all_views.ipynb"
    shutil.copy(NOTEBOOK, path)
    nb, _, _ = notebook_runner.execute(path)
    notebook_runner.write_atomically(nb, path)
    return path


def test_stored_notebook_has_views_but_no_widget_state(executed):
    nb = nbformat.read(executed, as_version=4)
    assert "widgets" not in nb.metadata
    bundles = [o.data for c in nb.cells if c.cell_type == "code"
               for o in c.outputs if o.output_type in ("display_data",
                                                       "execute_result")]
    views = [b for b in bundles if WIDGET_MIME in b]
    assert len(views) == 8, f"expected the 8 views of all_views.ipynb, got {len(views)}"
    for bundle in views:  # each carries its static forms beside the widget
        assert bundle["text/html"].strip() and bundle["text/plain"].strip()
    # ... and is followed by the hidden copy of its static HTML
    copies = [b for b in bundles if "class='d2l-fallback'" in b.get("text/html", "")]
    assert len(copies) == len(views)
    for bundle in copies:
        assert "style='display:none'" in bundle["text/html"]
        assert set(bundle) == {"text/html"}, "the copy must add no text/plain"


def test_exported_html_shows_every_static_form(executed, tmp_path):
    from nbconvert import HTMLExporter

    html, _ = HTMLExporter().from_filename(str(executed))
    assert WIDGET_MIME not in html, "nbconvert chose the widget over the static HTML"
    for title in TITLES:
        assert f">{title}</div>" in html, f"no static form titled {title!r}"
    assert "Total: 266 + ? parameters" in html  # the deferred MLP's tree
    # the listing (nbconvert rewrites attributes: sorted, in double quotes)
    assert re.search(r"<pre [^>]*aria-label=.listing of the traced graph", html)
    if shutil.which("dot"):
        images = re.findall(
            r"<img [^>]*src=[\"']data:image/(png|svg\+xml);base64,", html)
        # Each view's diagram, twice: in its output and in the hidden copy after
        # it (widgets/render.py fallback), which JupyterLab shows instead of a
        # widget whose model is gone.
        assert len(images) == 10, "the block-tree and graph diagrams are missing"
    (tmp_path / "all_views.html").write_text(html)  # to look at when it fails
