"""Figures readable without sight or colour: a live view's static picture carries its alt text,
classes on a scatter carry their labels, and marked pixels are hatched as well as tinted."""
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from genzoo_lite.views import figure_alt
from genzoo_lite.views.plots import LINE_COLOURS, contrast_ratio, label_classes, shade_pixels


class StaticView:
    """Stands in for a live view: a widget bundle with a PNG fallback."""

    def _repr_mimebundle_(self, **kwargs):
        return {"text/plain": "view", "image/png": "iVBORw0KGgo="}


def test_show_live_gives_the_static_png_its_alt(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.publish_display_data",
                        lambda data, metadata=None: shown.append((data, metadata)))
    figure_alt.show_live(StaticView(), alt="The digit decoded from  z = 0, a blurred 8")
    (data, metadata), = shown
    alt = "The digit decoded from z = 0, a blurred 8"
    assert metadata == {"image/png": {"alt": alt}}
    assert data["text/plain"] == "view" and data["image/png"] == "iVBORw0KGgo="
    assert data["text/html"] == f'<img src="data:image/png;base64,iVBORw0KGgo=" alt="{alt}"/>'


def test_show_live_refuses_a_view_without_a_png():
    class NoPicture:
        def _repr_mimebundle_(self, **kwargs):
            return {"text/plain": "view"}

    with pytest.raises(ValueError, match="no image/png"):
        figure_alt.show_live(NoPicture(), alt="The digit decoded from z = 0, a blurred 8")


@pytest.mark.parametrize("alt", ["", "plot", figure_alt.PLACEHOLDER])
def test_show_live_refuses_an_alt_that_says_nothing(alt):
    with pytest.raises(ValueError):
        figure_alt.show_live(StaticView(), alt=alt)


def test_line_colours_keep_three_to_one_on_white():
    assert all(contrast_ratio(colour) >= 3 for colour in LINE_COLOURS)


def test_label_classes_names_each_class_at_its_median():
    fig, ax = plt.subplots()
    points = torch.tensor([[0.0, 0.0], [0.2, 0.0], [5.0, 5.0], [5.0, 5.4], [5.0, 5.2]])
    label_classes(ax, points, torch.tensor([1, 1, 7, 7, 7]))
    texts = {t.get_text(): t.get_position() for t in ax.texts}
    assert texts == {"1": (pytest.approx(0.1), 0.0), "7": (5.0, pytest.approx(5.2))}
    plt.close(fig)


def test_shade_pixels_hatches_each_run_of_marked_pixels():
    fig, ax = plt.subplots()
    ax.imshow(np.zeros((3, 4)))
    mask = np.array([[1, 1, 0, 1], [0, 0, 0, 0], [0, 1, 1, 1]], bool)
    shade_pixels(ax, mask)
    runs = sorted((p.get_x(), p.get_y(), p.get_width()) for p in ax.patches)
    assert runs == [(-0.5, -0.5, 2), (0.5, 1.5, 3), (2.5, -0.5, 1)]
    assert all(p.get_hatch() for p in ax.patches)
    plt.close(fig)
