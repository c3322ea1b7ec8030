"""Live views for the notebooks' sliders (plumbing): one throttled mechanism for all of them.

A :class:`LiveView` owns one ``ipywidgets.Image`` whose PNG bytes every update replaces in place
(no new figure, no flicker). Slider moves go through a :class:`Throttle`: a fast drag sends many
value changes, the view renders at most once per ``throttle_ms`` and always ends on the latest
value, never on a stale one. Where no widget front end exists (nbconvert, GitHub, a headless
run) the same cell still shows a static PNG.

Two kinds of view are built on it: :class:`LiveFigure` here (controls plus a matplotlib figure,
taught in notebooks/01_gaussian_mle, "The likelihood landscape") and
:class:`~genzoo_lite.latent_widgets.LatentTraversal` (notebooks/03_vae, "The latent space, live").
"""
from __future__ import annotations

import asyncio
import base64
import io
import math
import threading
import time
from collections.abc import Callable, Mapping

import ipywidgets as widgets
from matplotlib.figure import Figure

from ._checks import check_int, check_number

__all__ = ["Throttle", "LiveView", "LiveFigure", "mimebundle_with_png"]


class Throttle:
    """Call ``fn`` at most once per ``interval_s``; a request inside the interval schedules one
    trailing call, so a burst of requests ends with exactly one call after the last request.

    The interval counts from the end of the previous call, so a call slower than the interval
    still lets the requests queued meanwhile coalesce. ``fn`` reads the latest state itself, so
    the trailing call shows the newest value. The timer runs on the kernel's asyncio loop when
    there is one, else on a daemon thread.
    """

    def __init__(self, fn: Callable[[], None], interval_s: float) -> None:
        self.fn = fn
        self.interval_s = check_number("interval_s", interval_s, strict=False)
        self._lock = threading.Lock()
        self._scheduled = False
        self._next_allowed = -math.inf

    def __call__(self) -> None:
        with self._lock:
            if self._scheduled:
                return  # the pending trailing call will read the newest state
            now = time.perf_counter()
            if self._next_allowed > now:
                self._scheduled = True
                self._schedule(self._next_allowed - now)
                return
            self._next_allowed = now + self.interval_s
        self._call()

    def _call(self) -> None:
        try:
            self.fn()
        finally:
            with self._lock:
                self._next_allowed = time.perf_counter() + self.interval_s

    def _schedule(self, delay: float) -> None:
        try:
            asyncio.get_running_loop().call_later(delay, self._fire)
        except RuntimeError:  # no event loop in this thread (a script, a test)
            timer = threading.Timer(delay, self._fire)
            timer.daemon = True
            timer.start()

    def _fire(self) -> None:
        with self._lock:
            self._scheduled = False
        self._call()


class LiveView:
    """An image widget redrawn, throttled, whenever the view's state changes.

    A subclass builds its controls and ``self.widget`` (which contains ``self.image``), makes
    its controls call :meth:`request`, and implements :meth:`png`.

    Args:
        image: the ``ipywidgets.Image`` that every update rewrites.
        throttle_ms: minimum time between two renders while a control is dragged (0: render
            on every change).

    Attributes:
        image: the image widget.
        last_ms: wall time of the last update (draw + PNG + set), in milliseconds.
        updated_at_ms: ``time.time()`` of the last update's end, in milliseconds.
        render_count: number of updates so far.
    """

    widget: widgets.Widget

    def __init__(self, image: widgets.Image, throttle_ms: float) -> None:
        check_number("throttle_ms", throttle_ms, strict=False)
        self.image = image
        self.image.add_class("genzoo-live-image")  # how the browser tests find it
        self.last_ms = float("nan")
        self.updated_at_ms = float("nan")
        self.render_count = 0
        self._render_lock = threading.Lock()  # the trailing render may run on a timer thread
        self._throttle = Throttle(self.render, throttle_ms / 1000)

    def png(self) -> bytes:
        """The view for the current state, as PNG bytes."""
        raise NotImplementedError

    def request(self, _change: dict | None = None) -> None:
        """Ask for a redraw (throttled); usable directly as an ``observe`` callback."""
        self._throttle()

    def render(self) -> None:
        """Redraw now (not throttled) and replace the image's PNG bytes."""
        with self._render_lock:
            start = time.perf_counter()
            self.image.value = self.png()
            self.render_count += 1
            self.last_ms = 1000 * (time.perf_counter() - start)
            self.updated_at_ms = 1000 * time.time()

    def _repr_mimebundle_(self, **kwargs) -> dict:
        return mimebundle_with_png(self.widget, self.image.value, **kwargs)


class LiveFigure(LiveView):
    """Controls plus a figure that ``draw(**values)`` updates whenever a control changes.

    Args:
        fig: a ``matplotlib.figure.Figure`` made with ``Figure()`` (not pyplot, so it is never
            shown twice); ``draw`` mutates its artists (``set_data``, ``set_text``).
        draw: called with the controls' current values as keyword arguments.
        controls: name -> ipywidgets value widget (sliders, dropdowns, ...).
        dpi: resolution of the PNG; lower is faster.
        throttle_ms: minimum time between two renders while a control is dragged.

    Attributes: those of :class:`LiveView`, and ``fig``, ``draw``, ``controls``, ``widget``.
    """

    def __init__(self, fig: Figure, draw: Callable[..., None],
                 controls: Mapping[str, widgets.ValueWidget], dpi: int = 80,
                 throttle_ms: float = 30.0) -> None:
        if not controls:
            raise ValueError("LiveFigure needs at least one control, got none")
        super().__init__(widgets.Image(format="png"), throttle_ms)
        self.fig, self.draw, self.controls = fig, draw, dict(controls)
        self.dpi = check_int("dpi", dpi)
        self.widget = widgets.VBox([widgets.HBox(list(self.controls.values())), self.image])
        for control in self.controls.values():
            control.observe(self.request, names="value")
        self.render()

    def values(self) -> dict[str, object]:
        """The controls' current values, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def png(self) -> bytes:
        """Draw with the controls' current values; the figure as PNG bytes."""
        self.draw(**self.values())
        buffer = io.BytesIO()
        self.fig.savefig(buffer, format="png", dpi=self.dpi, metadata={"Software": None})
        return buffer.getvalue()


def mimebundle_with_png(widget: widgets.Widget, png: bytes, **kwargs) -> dict:
    """``widget``'s display bundle plus ``png``: live front ends show the widget, static
    renderers (nbconvert, GitHub, a headless run) fall back to the picture."""
    bundle = widget._repr_mimebundle_(**kwargs)
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    data["image/png"] = base64.b64encode(png).decode("ascii")
    return bundle
