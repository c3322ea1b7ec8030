"""Slides and offline HTML: every cell has a slide type, exercises and nbval markers stay out of
the deck, and exports point at no CDN."""
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbconvert import HTMLExporter

from tools import build_site, slide_metadata

ROOT = Path(__file__).resolve().parent.parent

SOURCES = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
ALLOWED = {"slide", "subslide", "fragment", "skip", "notes", "-"}


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_every_cell_has_a_slide_type_and_setup_is_skipped(source):
    notebook = jupytext.read(source)
    types = [c.metadata.get("slideshow", {}).get("slide_type") for c in notebook.cells]
    assert None not in types, f"run `python tools/slide_metadata.py {source.relative_to(ROOT)}`"
    assert set(types) <= ALLOWED and types[0] == "slide"
    setup = [c for c in notebook.cells if c.cell_type == "code"][0]
    assert setup.metadata["slideshow"]["slide_type"] == "skip", "the setup cell is not a slide"
    assert types.count("slide") >= 4, "a deck needs more than a title slide"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_executed_notebook_carries_the_same_slide_types(source):
    executed = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    text = jupytext.read(source)
    assert ([c.metadata.get("slideshow") for c in text.cells]
            == [c.metadata.get("slideshow") for c in executed.cells])


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_exercise_cells_are_skipped_in_the_deck(source):
    """An exercise's markdown ("## Exercise..." or "**Exercise N.**" first) and its code cells
    are not slides: the deck presents, the notebook practises."""
    wrong, in_exercise = [], False
    for i, cell in enumerate(jupytext.read(source).cells):
        if cell.cell_type == "markdown":
            in_exercise = slide_metadata.is_exercise(cell)
        if in_exercise and cell.metadata.get("slideshow", {}).get("slide_type") != "skip":
            wrong.append(i)
    assert not wrong, (f"exercise cells {wrong} are not skipped: run "
                       f"`python tools/slide_metadata.py {source.relative_to(ROOT)}`")


def test_slide_rules():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    notebook = nbformat.v4.new_notebook(cells=[
        md("# Title"), md("## Setup"), code("import torch"), md("## 1. Idea"), code("x = 1"),
        md("It worked."), md("### Detail"), md("A long explanation. " * 30),
        md("## Summary"), md("## Exercises\n**Exercise 1.** Do it."), code("check(it)"),
        md("**Exercise 2 (no check).** Try it.")])
    notebook.cells[10].metadata["slideshow"] = {"slide_type": "fragment"}  # set by hand before
    slide_metadata.assign(notebook, force=False)
    assert [c.metadata.slideshow["slide_type"] for c in notebook.cells] == [
        "slide", "skip", "skip", "slide", "fragment", "fragment", "subslide", "subslide",
        "slide", "skip", "skip", "skip"]


def tiny_notebook():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    notebook = nbformat.v4.new_notebook(cells=[
        md("# Title"), code("# NBVAL_IGNORE_OUTPUT\nprint('measured_time')"),
        md("## Exercises\n**Exercise 1.** exercise_text"), code("def exercise_code(): pass")])
    slide_metadata.assign(notebook, force=False)
    return notebook


@pytest.mark.parametrize("kind", ["slides", "html"])
def test_nbval_markers_stay_out_of_slides_and_pages(kind):
    body = build_site.render(tiny_notebook(), kind)
    assert "NBVAL" not in body and "measured_time" in body  # the marker goes, the code stays
    assert ("exercise_text" in body) == ("exercise_code" in body) == (kind == "html")


@pytest.mark.parametrize("kind", ["slides", "html"])
def test_exports_load_nothing_from_a_cdn(kind):
    notebook = nbformat.read(ROOT / "notebooks" / "01_gaussian_mle.ipynb", as_version=4)
    body = build_site.render(notebook, kind)  # raises if anything remote is left
    assert 'src="assets/mathjax/MathJax.js' in body and "widget-view" not in body


def test_render_refuses_output_that_loads_a_cdn(monkeypatch):
    notebook = nbformat.read(ROOT / "notebooks" / "01_gaussian_mle.ipynb", as_version=4)
    # nbconvert's defaults load MathJax and require.js from cdnjs: render must refuse them
    monkeypatch.setattr(build_site, "exporter", lambda kind: HTMLExporter())
    with pytest.raises(RuntimeError, match=r"remote URLs.*cdnjs"):
        build_site.render(notebook, "html", "01_gaussian_mle.ipynb")


# --- accessibility: alt texts, titles, no placeholder --------------------------------

def figures_without_alt() -> list[str]:
    """'notebook cell N' for each image output of an executed notebook without an alt text in
    its metadata (genzoo_lite.views.figure_alt.show writes it)."""
    from genzoo_lite.views.figure_alt import PLACEHOLDER

    missing = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for i, cell in enumerate(notebook.cells):
            for output in cell.get("outputs", []):
                for mime in ("image/png", "image/jpeg", "image/svg+xml"):
                    if mime in output.get("data", {}):
                        alt = output.get("metadata", {}).get(mime, {}).get("alt", "").strip()
                        if len(alt) < 15 or alt == PLACEHOLDER:
                            missing.append(f"{path.stem} cell {i}")
    return missing


def test_every_figure_output_carries_an_alt_text():
    missing = figures_without_alt()
    assert not missing, f"{len(missing)} figures without alt text: {missing}"


def test_figure_alt_show_carries_the_alt_into_every_view(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from genzoo_lite.views import figure_alt

    shown = []
    monkeypatch.setattr("IPython.display.publish_display_data",
                        lambda data, metadata: shown.append((data, metadata)))
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    figure_alt.show(fig, alt='A line falling from 1 to 0: the "loss" halves')
    (data, metadata), = shown
    assert not plt.fignum_exists(fig.number), "show closes the figure"
    assert metadata == {"image/png": {"alt": 'A line falling from 1 to 0: the "loss" halves'}}
    assert data["image/png"] in data["text/html"]  # JupyterLab renders this <img>
    assert 'alt="A line falling from 1 to 0: the &quot;loss&quot; halves"' in data["text/html"]
    with pytest.raises(ValueError, match="alt text must say"):
        figure_alt.show(plt.figure(), alt="plot")
    with pytest.raises(ValueError):
        figure_alt.bundle(b"png", figure_alt.PLACEHOLDER)


ONE_PIXEL_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.mark.parametrize("kind", ["slides", "html"])
def test_exports_carry_the_alt_and_never_the_placeholder(kind):
    from genzoo_lite.views.figure_alt import bundle

    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    notebook = nbformat.v4.new_notebook(cells=[md("# A *title*: here"), code("plot()"),
                                               code("plot_without_alt()")])
    data, metadata = bundle(ONE_PIXEL_PNG, "One white pixel on a transparent ground")
    notebook.cells[1].outputs = [nbformat.v4.new_output("display_data", data=data,
                                                        metadata=metadata)]
    only_png = {"image/png": data["image/png"]}
    notebook.cells[2].outputs = [nbformat.v4.new_output("display_data", data=only_png,
                                                        metadata=metadata)]
    slide_metadata.assign(notebook, force=False)
    body = build_site.render(notebook, kind)
    assert body.count('alt="One white pixel on a transparent ground"') == 2
    assert build_site.PLACEHOLDER not in body
    assert "<title>A title: here" in body and '<html lang="en">' in body
    assert "AssistiveMML" in body


def test_site_check_tells_fetches_from_links():
    page = ('<a href="https://mybinder.org/v2/gh/OWNER/x">Binder</a>'
            '<link rel="canonical" href="https://example.org/x.html">'
            '<script src="https://cdn.jsdelivr.net/npm/mathjax@4/tex-mml-chtml.js"></script>'
            '<link rel="stylesheet" href="//fonts.googleapis.com/css?family=Lato">'
            '<style>@font-face { src: url("https://fonts.gstatic.com/x.woff2") }</style>')
    found = build_site.remote_fetches(page)
    assert len(found) == 3 and not any("mybinder" in f or "example.org" in f for f in found)
