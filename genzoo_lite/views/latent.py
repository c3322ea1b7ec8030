"""Latent-traversal sliders: move z, see the decoded digit at once (plumbing).

A :class:`LatentTraversal` shows one slider per chosen latent dimension and an interpolation
control between two digits, and decodes into a single image. It is a
:class:`~genzoo_lite.views.live_view.LiveView`, the one live-view mechanism of the notebooks:
updates replace the image's PNG bytes in place, a fast drag is coalesced by the throttle and always
ends on the latest value, and without a widget front end the cell still shows a static PNG. Only
what is specific to the latent space lives here. Taught in notebooks/03_vae ("The latent space,
live").
"""
from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
import torch

from genzoo_lite.core.checks import check_int, check_number
from genzoo_lite.views.live_view import LiveView
from genzoo_lite.views.png import rgb_png
from genzoo_lite.views.slider_access import slider_labeller

__all__ = ["digit_png", "LatentTraversal"]


def digit_png(x: np.ndarray, vmax: float = 16.0, scale: int = 16) -> bytes:
    """A (H, W) image of levels 0..vmax as PNG bytes, dark ink on white, each pixel blown up to
    ``scale`` x ``scale`` screen pixels (nearest neighbour, so the 8x8 grid stays visible)."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"image must be 2-D (H, W), got shape {x.shape}")
    # matplotlib's "gray_r" over [0, vmax], as imsave drew it: 256 levels, 0 is white
    level = np.clip((np.nan_to_num(x) / vmax * 256).astype(np.int64), 0, 255)
    grey = (255 - level).astype(np.uint8)
    big = np.repeat(np.repeat(grey, scale, axis=0), scale, axis=1)  # (H * scale, W * scale)
    return rgb_png(big, level=6)


class LatentTraversal(LiveView):
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

    Attributes: those of :class:`~genzoo_lite.views.live_view.LiveView` (``image``, ``last_ms``,
    ``updated_at_ms``, ``render_count``), and ``z``, the current latent vector (L,), and
    ``sliders``, one per entry of ``dims``.
    """

    def __init__(self, model: torch.nn.Module, digits: torch.Tensor | None = None,
                 dims: Sequence[int] | None = None, limit: float = 3.0,
                 throttle_ms: float = 30.0, vmax: float = 16.0, scale: int = 16) -> None:
        latent_dim = getattr(model, "latent_dim", None)
        if isinstance(latent_dim, bool) or not isinstance(latent_dim, int) or latent_dim < 1:
            raise TypeError(f"model needs an int attribute latent_dim >= 1, got {latent_dim!r}")
        limit = check_number("limit", limit)
        if limit > 10:
            raise ValueError(f"limit must be at most 10 prior standard deviations, got {limit!r}")
        dims = list(range(min(latent_dim, 8))) if dims is None else list(dims)
        bad = [d for d in dims if isinstance(d, bool) or not isinstance(d, int)
               or not 0 <= d < latent_dim]
        if not dims or bad or len(set(dims)) != len(dims):
            raise ValueError(f"dims must be distinct ints in 0..{latent_dim - 1}, got {dims!r}")
        scale = check_int("scale", scale, minimum=2)
        super().__init__(widgets.Image(format="png", width=8 * scale, height=8 * scale),
                         throttle_ms)
        self.model, self.dims, self.limit = model, dims, limit
        self.vmax, self.scale = check_number("vmax", vmax), scale
        self.z = torch.zeros(latent_dim)
        self._syncing = False

        self.sliders = [widgets.FloatSlider(value=0.0, min=-limit, max=limit, step=0.05,
                                            description=f"z[{d}]", continuous_update=True,
                                            readout_format=".2f") for d in dims]
        for slider in self.sliders:
            slider.observe(self._on_slider, names="value")
        rows: list[widgets.Widget] = [widgets.VBox(self.sliders)]
        if digits is not None:
            rows.append(self._interpolation_controls(digits))
        for slider, d in zip(self.sliders, dims):
            slider.tooltip = f"latent z[{d}]"  # its accessible name (see slider_labeller)
        self.widget = widgets.HBox([widgets.VBox([*rows, slider_labeller()]), self.image])
        self.render()

    def _interpolation_controls(self, digits: torch.Tensor) -> widgets.Widget:
        if not isinstance(digits, torch.Tensor) or digits.ndim != 4 or digits.shape[1] != 1:
            raise ValueError("digits must be a tensor (N, 1, H, W), got "
                             f"{getattr(digits, 'shape', type(digits).__name__)}")
        with torch.no_grad():
            code = self.model.encode(digits.to(self._device()))
        self._codes = (code[0] if isinstance(code, tuple) else code).detach().float().cpu()
        n = len(digits)  # self._codes: (N, L)
        self._digits = digits.cpu()
        self.digit_a = widgets.BoundedIntText(value=0, min=0, max=n - 1, description="digit A")
        self.digit_b = widgets.BoundedIntText(value=min(1, n - 1), min=0, max=n - 1,
                                              description="digit B")
        self.t = widgets.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.02,
                                     description="A → B", continuous_update=True,
                                     tooltip="A → B: from digit A to digit B")
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

    def _device(self) -> torch.device:
        param = next(self.model.parameters(), None)
        return torch.device("cpu") if param is None else param.device

    def set_z(self, z: Sequence[float] | torch.Tensor) -> None:
        """Move to latent z (length latent_dim, each within [-limit, limit]) and redraw."""
        z = torch.as_tensor(z, dtype=torch.float32).flatten()
        if z.shape != self.z.shape:
            raise ValueError(f"z must have {len(self.z)} entries, got {tuple(z.shape)}")
        if not torch.isfinite(z).all() or z.abs().max() > self.limit:
            raise ValueError(f"z must lie within [-{self.limit}, {self.limit}], got {z.tolist()}")
        self._move_to(z)
        self.request()

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
        self.request()

    def _on_interpolate(self, change: dict) -> None:
        if change["owner"] is not self.t:
            self._show_endpoints()
        t = self.t.value
        z = (1 - t) * self._codes[self.digit_a.value] + t * self._codes[self.digit_b.value]
        self._move_to(z)  # decoded as is; a slider shows at most its limit when z lies beyond
        self.request()

    def png(self) -> bytes:
        """Decode the current z; the digit as PNG bytes."""
        z = self.z.clone()
        # One image is a tiny matmul: on a busy CPU, waking torch's worker threads costs
        # 100x more than the work, so decode single-threaded and restore the setting.
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with torch.no_grad():
                x_hat = self.model.decode(z[None].to(self._device()))  # (1, 1, H, W)
        finally:
            torch.set_num_threads(threads)
        return digit_png(x_hat[0, 0].cpu().numpy(), self.vmax, self.scale)
