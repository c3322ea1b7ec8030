import base64

import ipywidgets as widgets
import matplotlib
import pytest
import torch
from matplotlib.figure import Figure

from genzoo_lite.viz import image_grid, savefig
from genzoo_lite.widgets import LiveFigure

matplotlib.use("agg")


def line_view():
    fig = Figure(figsize=(3, 2))
    (line,) = fig.add_subplot().plot([0, 1], [0, 1])
    slider = widgets.FloatSlider(value=1.0, min=0.0, max=2.0)
    return LiveFigure(fig, lambda a: line.set_ydata([0, a]), {"a": slider}), slider


def test_slider_move_redraws_the_image_in_place():
    view, slider = line_view()
    image, before = view.image, view.image.value
    slider.value = 0.2
    assert view.image is image and view.image.value != before
    assert view.last_ms > 0


def test_static_png_fallback_for_front_ends_without_widgets():
    view, slider = line_view()
    slider.value = 1.7
    bundle = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == view.image.value


def test_live_figure_needs_controls():
    with pytest.raises(ValueError, match="at least one control"):
        LiveFigure(Figure(), lambda: None, {})


def test_savefig_writes_into_the_figures_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GENZOO_FIGURES_DIR", str(tmp_path))
    fig = Figure()
    fig.add_subplot().plot([0, 1])
    path = savefig(fig, "demo")
    assert path == tmp_path / "demo.png" and path.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="plain stem"):
        savefig(fig, "demo.png")


def test_image_grid_tiles_and_rejects_bad_shapes():
    fig = Figure()
    ax = fig.add_subplot()
    image_grid(torch.arange(6 * 64).reshape(6, 1, 8, 8) % 17, nrow=3, ax=ax)
    canvas = ax.images[0].get_array()
    assert canvas.shape == (2 * 9 + 1, 3 * 9 + 1)
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\).*\(8, 8\)"):
        image_grid(torch.zeros(8, 8), ax=ax)
