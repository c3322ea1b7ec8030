"""Live views for the notebooks' sliders (plumbing).

A :class:`LiveFigure` draws a matplotlib figure to PNG and shows it in an ``ipywidgets.Image``:
a slider move redraws that one image in place (no new figure, no flicker), and where no widget
front end exists (nbconvert, GitHub, a headless run) the same cell still shows a static PNG.
Taught in notebooks/01_gaussian_mle ("The likelihood landscape").
"""
from __future__ import annotations

import base64
import io
import time
from collections.abc import Callable, Mapping

import ipywidgets as widgets
from matplotlib.figure import Figure

__all__ = ["LiveFigure", "mimebundle_with_png"]


class LiveFigure:
    """Controls plus a figure that ``draw(**values)`` updates whenever a control changes.

    Args:
        fig: a ``matplotlib.figure.Figure`` made with ``Figure()`` (not pyplot, so it is never
            shown twice); ``draw`` mutates its artists (``set_data``, ``set_text``).
        draw: called with the controls' current values as keyword arguments.
        controls: name -> ipywidgets value widget (sliders, dropdowns, ...).
        dpi: resolution of the PNG; lower is faster.

    Attributes:
        last_ms: wall time of the last update (draw + render), in milliseconds.
    """

    def __init__(self, fig: Figure, draw: Callable[..., None],
                 controls: Mapping[str, widgets.ValueWidget], dpi: int = 80) -> None:
        if not controls:
            raise ValueError("LiveFigure needs at least one control")
        self.fig, self.draw, self.controls, self.dpi = fig, draw, dict(controls), dpi
        self.image = widgets.Image(format="png")
        self.image.add_class("genzoo-live-image")  # how the browser tests find it
        self.widget = widgets.VBox([widgets.HBox(list(self.controls.values())), self.image])
        self.last_ms = float("nan")
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.update()

    def values(self) -> dict[str, object]:
        """The controls' current values, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def update(self) -> None:
        """Redraw with the current values and replace the image's bytes."""
        start = time.perf_counter()
        self.draw(**self.values())
        self.image.value = self.png()
        self.last_ms = 1000 * (time.perf_counter() - start)

    def png(self) -> bytes:
        """The figure as it is now, as PNG bytes."""
        buffer = io.BytesIO()
        self.fig.savefig(buffer, format="png", dpi=self.dpi, metadata={"Software": None})
        return buffer.getvalue()

    def _on_change(self, _change: dict) -> None:
        self.update()

    def _repr_mimebundle_(self, **kwargs) -> dict:
        return mimebundle_with_png(self.widget, self.image.value, **kwargs)


def mimebundle_with_png(widget: widgets.Widget, png: bytes, **kwargs) -> dict:
    """``widget``'s display bundle plus ``png``: live front ends show the widget, static
    renderers (nbconvert, GitHub, a headless run) fall back to the picture."""
    bundle = widget._repr_mimebundle_(**kwargs)
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    data["image/png"] = base64.b64encode(png).decode("ascii")
    return bundle
