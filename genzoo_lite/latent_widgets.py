"""Latent-traversal sliders: move z, see the decoded digit at once (plumbing).

A :class:`LatentTraversal` shows one slider per chosen latent dimension and an interpolation
control between two digits, and decodes into a single ``ipywidgets.Image`` whose PNG bytes are
replaced in place (no figure is created per update). A fast drag sends many value changes; they
are coalesced by a short throttle, so the view renders at most once per ``throttle_ms`` and always
ends on the latest value, never on a stale one. Without a widget front end the cell still shows a
static PNG. Taught in notebooks/03_vae ("The latent space, live").
"""
from __future__ import annotations

import asyncio
import io
import math
import threading
import time
from collections.abc import Callable, Sequence

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib import image as mpl_image

from .widgets import mimebundle_with_png

__all__ = ["digit_png", "Throttle", "LatentTraversal"]


def digit_png(x: np.ndarray, vmax: float = 16.0, scale: int = 16) -> bytes:
    """A (H, W) image of levels 0..vmax as PNG bytes, dark ink on white, each pixel blown up to
    ``scale`` x ``scale`` screen pixels (nearest neighbour, so the 8x8 grid stays visible)."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"image must be 2-D (H, W), got shape {x.shape}")
    big = np.repeat(np.repeat(x, scale, axis=0), scale, axis=1)  # (H * scale, W * scale)
    buffer = io.BytesIO()
    mpl_image.imsave(buffer, big, cmap="gray_r", vmin=0.0, vmax=vmax, format="png",
                     metadata={"Software": None})
    return buffer.getvalue()


class Throttle:
    """Call ``fn`` at most once per ``interval_s``; a request inside the interval schedules one
    trailing call, so a burst of requests ends with exactly one call after the last request.

    ``fn`` reads the latest state itself, so the trailing call shows the newest value. The timer
    runs on the kernel's asyncio loop when there is one, else on a daemon thread.
    """

    def __init__(self, fn: Callable[[], None], interval_s: float) -> None:
        if not (isinstance(interval_s, (int, float)) and interval_s >= 0):
            raise ValueError(f"interval_s must be a number >= 0, got {interval_s!r}")
        self.fn, self.interval_s = fn, float(interval_s)
        self._lock = threading.Lock()
        self._scheduled = False
        self._next_allowed = -math.inf

    def __call__(self) -> None:
        with self._lock:
            if self._scheduled:
                return  # the pending trailing call will read the newest state
            wait = self._next_allowed - time.perf_counter()
            if wait > 0:
                self._scheduled = True
                self._schedule(wait)
                return
            self._next_allowed = time.perf_counter() + self.interval_s
        self.fn()

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
            self._next_allowed = time.perf_counter() + self.interval_s
        self.fn()


class LatentTraversal:
    """Sliders over z and a live decoded image, for any model with ``decode`` and ``encode``.

    Args:
        model: has ``latent_dim``, ``decode(z (1, L)) -> (1, 1, H, W)`` levels and, for the
            interpolation control, ``encode(x) -> mu`` or ``(mu, log_var)``.
        digits: images (N, 1, H, W) to interpolate between (None: no interpolation control).
        dims: which latent dimensions get a slider (default: all, at most 8); the others stay at
            0, or follow the interpolation.
        limit: each slider spans [-limit, limit] prior standard deviations.
        throttle_ms: minimum time between two renders while a slider is dragged.
        vmax: the level drawn as full ink (16 for digits).
        scale: screen pixels per image pixel.

    Attributes:
        image: the ``ipywidgets.Image`` that every update rewrites.
        z: the current latent vector (L,).
        last_ms: wall time of the last update (decode + PNG + set), in milliseconds.
        updated_at_ms: ``time.time()`` of the last update's end, in milliseconds.
        render_count: number of updates so far.
    """

    def __init__(self, model: torch.nn.Module, digits: torch.Tensor | None = None,
                 dims: Sequence[int] | None = None, limit: float = 3.0,
                 throttle_ms: float = 30.0, vmax: float = 16.0, scale: int = 16) -> None:
        latent_dim = getattr(model, "latent_dim", None)
        if isinstance(latent_dim, bool) or not isinstance(latent_dim, int) or latent_dim < 1:
            raise TypeError(f"model needs an int attribute latent_dim >= 1, got {latent_dim!r}")
        if not (isinstance(limit, (int, float)) and 0 < limit <= 10):
            raise ValueError(f"limit must be in (0, 10] prior standard deviations, got {limit!r}")
        dims = list(range(min(latent_dim, 8))) if dims is None else list(dims)
        bad = [d for d in dims if isinstance(d, bool) or not isinstance(d, int)
               or not 0 <= d < latent_dim]
        if not dims or bad or len(set(dims)) != len(dims):
            raise ValueError(f"dims must be distinct ints in 0..{latent_dim - 1}, got {dims!r}")
        self.model, self.dims, self.limit, self.vmax, self.scale = model, dims, float(limit), \
            vmax, scale
        self.z = torch.zeros(latent_dim)
        self.last_ms = float("nan")
        self.updated_at_ms = float("nan")
        self.render_count = 0
        self._syncing = False
        self._render_lock = threading.Lock()
        self._throttle = Throttle(self.render, throttle_ms / 1000)

        self.sliders = [widgets.FloatSlider(value=0.0, min=-limit, max=limit, step=0.05,
                                            description=f"z[{d}]", continuous_update=True,
                                            readout_format=".2f") for d in dims]
        for slider in self.sliders:
            slider.observe(self._on_slider, names="value")
        self.image = widgets.Image(format="png", width=8 * scale, height=8 * scale)
        self.image.add_class("genzoo-live-image")  # how the browser tests find it
        rows: list[widgets.Widget] = [widgets.VBox(self.sliders)]
        if digits is not None:
            rows.append(self._interpolation_controls(digits))
        self.widget = widgets.HBox([widgets.VBox(rows), self.image])
        self.render()

    def _interpolation_controls(self, digits: torch.Tensor) -> widgets.Widget:
        if not isinstance(digits, torch.Tensor) or digits.ndim != 4 or digits.shape[1] != 1:
            raise ValueError("digits must be a tensor (N, 1, H, W), got "
                             f"{getattr(digits, 'shape', type(digits).__name__)}")
        with torch.no_grad():
            code = self.model.encode(digits)
        self._codes = (code[0] if isinstance(code, tuple) else code).detach().float()  # (N, L)
        n = len(digits)
        self._digits = digits
        self.digit_a = widgets.BoundedIntText(value=0, min=0, max=n - 1, description="digit A")
        self.digit_b = widgets.BoundedIntText(value=min(1, n - 1), min=0, max=n - 1,
                                              description="digit B")
        self.t = widgets.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.02,
                                     description="A → B", continuous_update=True)
        self.thumb_a = widgets.Image(format="png", width=4 * self.scale, height=4 * self.scale)
        self.thumb_b = widgets.Image(format="png", width=4 * self.scale, height=4 * self.scale)
        for control in (self.digit_a, self.digit_b, self.t):
            control.observe(self._on_interpolate, names="value")
        self._show_endpoints()
        return widgets.VBox([widgets.HBox([self.digit_a, self.thumb_a]),
                             widgets.HBox([self.digit_b, self.thumb_b]), self.t])

    def _show_endpoints(self) -> None:
        self.thumb_a.value = digit_png(self._digits[self.digit_a.value, 0].numpy(), self.vmax,
                                       self.scale // 2)
        self.thumb_b.value = digit_png(self._digits[self.digit_b.value, 0].numpy(), self.vmax,
                                       self.scale // 2)

    def set_z(self, z: Sequence[float] | torch.Tensor) -> None:
        """Move to latent z (length latent_dim, each within [-limit, limit]) and redraw."""
        z = torch.as_tensor(z, dtype=torch.float32).flatten()
        if z.shape != self.z.shape:
            raise ValueError(f"z must have {len(self.z)} entries, got {tuple(z.shape)}")
        if not torch.isfinite(z).all() or z.abs().max() > self.limit:
            raise ValueError(f"z must lie within [-{self.limit}, {self.limit}], got {z.tolist()}")
        self._move_to(z)
        self._throttle()

    def _move_to(self, z: torch.Tensor) -> None:
        self.z = z.clone()
        self._syncing = True  # the slider observers must not fire one render per slider
        try:
            for d, slider in zip(self.dims, self.sliders):
                slider.value = float(z[d])
        finally:
            self._syncing = False

    def _on_slider(self, _change: dict) -> None:
        if self._syncing:
            return
        z = self.z.clone()
        for d, slider in zip(self.dims, self.sliders):
            z[d] = slider.value
        self.z = z
        self._throttle()

    def _on_interpolate(self, change: dict) -> None:
        if change["owner"] is not self.t:
            self._show_endpoints()
        t = self.t.value
        z = (1 - t) * self._codes[self.digit_a.value] + t * self._codes[self.digit_b.value]
        self._move_to(z)  # decoded as is; a slider shows at most its limit when z lies beyond
        self._throttle()

    def render(self) -> None:
        """Decode the current z and replace the image's PNG bytes (not throttled)."""
        with self._render_lock:
            start = time.perf_counter()
            z = self.z.clone()
            # One image is a tiny matmul: on a busy CPU, waking torch's worker threads costs
            # 100x more than the work, so decode single-threaded and restore the setting.
            threads = torch.get_num_threads()
            torch.set_num_threads(1)
            try:
                with torch.no_grad():
                    x_hat = self.model.decode(z[None])  # (1, 1, H, W)
            finally:
                torch.set_num_threads(threads)
            self.image.value = digit_png(x_hat[0, 0].cpu().numpy(), self.vmax, self.scale)
            self.render_count += 1
            self.last_ms = 1000 * (time.perf_counter() - start)
            self.updated_at_ms = 1000 * time.time()

    def _repr_mimebundle_(self, **kwargs) -> dict:
        return mimebundle_with_png(self.widget, self.image.value, **kwargs)
