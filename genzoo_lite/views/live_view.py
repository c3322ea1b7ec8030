"""The live-view mechanism of the notebooks' sliders (plumbing): a throttle and an image redrawn
in place.

A :class:`LiveView` owns one ``ipywidgets.Image`` whose PNG bytes every update replaces in place
(no new figure, no flicker). Slider moves go through a :class:`Throttle`: a fast drag sends many
value changes, the view renders at most once per ``throttle_ms`` and always ends on the latest
value, never on a stale one. Where no widget front end exists (nbconvert, GitHub, a headless
run) the same cell still shows a static PNG (:func:`mimebundle_with_png`).
"""
from __future__ import annotations

import asyncio
import base64
import math
import threading
import time
from collections.abc import Callable

import ipywidgets as widgets

from genzoo_lite.core.checks import check_number

__all__ = ["Throttle", "LiveView", "mimebundle_with_png"]


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


def mimebundle_with_png(widget: widgets.Widget, png: bytes, **kwargs) -> dict:
    """``widget``'s display bundle plus ``png``: live front ends show the widget, static
    renderers (nbconvert, GitHub, a headless run) fall back to the picture."""
    bundle = widget._repr_mimebundle_(**kwargs)
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    data["image/png"] = base64.b64encode(png).decode("ascii")
    return bundle
