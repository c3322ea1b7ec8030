"""Langevin chains, live: sliders for the step size, the noise and the number of steps (plumbing).

A :class:`LangevinView` runs :func:`~genzoo_lite.models.ebm.langevin` on a 2-D energy from fixed
starting points and shows where the chains are after ``n_steps`` steps, over the energy. Each
(step size, noise) pair is run once, for all steps, and cached, so the steps slider only picks a
stored frame; a pair whose chains diverge shows the sampler's error message instead of points.
It is a :class:`~genzoo_lite.widgets.LiveFigure`: redraws replace the PNG in place, a fast drag
is throttled and ends on the latest value, and without a widget front end the cell still shows
a static picture. Taught in notebooks/02_ebm, "4. Langevin dynamics" ("Langevin, live").
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.figure import Figure

from genzoo_lite.core.checks import check_int, check_number, check_points
from genzoo_lite.core.utils import grid_points
from genzoo_lite.models.energy.ebm import LangevinDivergedError, langevin
from genzoo_lite.views.live import LiveFigure

__all__ = ["LangevinView"]

Energy = Callable[[torch.Tensor], torch.Tensor]


class LangevinView(LiveFigure):
    """Sliders over Langevin's step size eta, its noise (a multiple of sqrt(2 eta)) and the number
    of steps; the figure shows the chains' points at that step over the energy.

    Args:
        energy: maps points (N, 2) to energies (N,).
        x0: the chains' starting points (N, 2), the same for every setting.
        log10_steps: the step-size slider's positions, as log10(eta), evenly spaced.
        noise_factors: the noise slider's positions (multiples of sqrt(2 eta)), evenly spaced.
        max_steps: length of every chain; the steps slider runs over 0..max_steps.
        precompute: noise factors whose chains are run for every step size when the view is
            built (the rest are run on first use).
        caption: maps the points at the shown step (N, 2) to a line of text under the title
            (e.g. a spread against its target); None for none.
        lim: the plotted box [-lim, lim]^2.
        seed: seeds the Langevin noise, the same for every setting.
        dpi, throttle_ms: those of :class:`~genzoo_lite.widgets.LiveFigure`.

    Attributes: those of :class:`~genzoo_lite.widgets.LiveFigure`, and ``chain(step_size,
    noise)``, the cached ``(max_steps + 1, N, 2)`` states or the divergence message.
    """

    def __init__(self, energy: Energy, x0: torch.Tensor, *,
                 log10_steps: Sequence[float] = tuple(np.arange(-3.5, -0.45, 0.25)),
                 noise_factors: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75,
                                                   2.0),
                 max_steps: int = 200, precompute: Sequence[float] = (0.0, 1.0),
                 caption: Callable[[torch.Tensor], str] | None = None, lim: float = 3.0,
                 seed: int = 3, dpi: int = 72, throttle_ms: float = 30.0) -> None:
        self.energy, self.x0 = energy, check_points(x0, "x0", dim=2).detach()
        self.max_steps = check_int("max_steps", max_steps)
        self.seed, self.caption = check_int("seed", seed, minimum=0), caption
        lim = check_number("lim", lim)
        log10_steps, noise_factors = _even("log10_steps", log10_steps), _even(
            "noise_factors", noise_factors)
        if min(noise_factors) < 0:
            raise ValueError(f"noise_factors must be >= 0, got {list(noise_factors)}")
        self._chains: dict[tuple[float, float], torch.Tensor | str] = {}
        for noise in precompute:
            for log_step in log10_steps:
                self.chain(10**log_step, noise)

        fig = Figure(figsize=(4, 4))
        self.ax = fig.add_axes((0.02, 0.02, 0.96, 0.84))
        points, _ = grid_points(lim, 150)
        with torch.no_grad():
            e_grid = energy(points).reshape(150, 150).numpy()
        self.ax.imshow(-e_grid, origin="lower", extent=(-lim, lim, -lim, lim), cmap="Greys",
                       alpha=0.5)
        self.points = self.ax.scatter(*self.x0.T, s=4, c="C0")
        self.ax.set(xlim=(-lim, lim), ylim=(-lim, lim), xticks=[], yticks=[])
        controls = {
            "step_size": widgets.FloatLogSlider(
                value=10 ** log10_steps[len(log10_steps) // 2], base=10, min=log10_steps[0],
                max=log10_steps[-1], step=log10_steps[1] - log10_steps[0], description="step η"),
            "noise": widgets.FloatSlider(
                value=1.0 if 1.0 in noise_factors else noise_factors[0], min=noise_factors[0],
                max=noise_factors[-1], step=noise_factors[1] - noise_factors[0],
                description="noise ×√(2η)"),
            "n_steps": widgets.IntSlider(value=self.max_steps, min=0, max=self.max_steps,
                                         step=max(1, self.max_steps // 20), description="steps"),
        }
        super().__init__(fig, self._draw, controls, dpi=dpi, throttle_ms=throttle_ms)

    def chain(self, step_size: float, noise: float) -> torch.Tensor | str:
        """All states (max_steps + 1, N, 2) of the chains with this step size and noise factor,
        or the divergence message; run once, then cached."""
        key = (round(step_size, 5), round(noise, 2))
        if key not in self._chains:
            try:
                self._chains[key] = langevin(
                    self.energy, self.x0, self.max_steps, key[0], key[1] * math.sqrt(2 * key[0]),
                    generator=torch.Generator().manual_seed(self.seed), return_chain=True)
            except LangevinDivergedError as err:
                self._chains[key] = str(err)
        return self._chains[key]

    def _draw(self, step_size: float, noise: float, n_steps: int) -> None:
        chain = self.chain(step_size, noise)
        if isinstance(chain, str):  # diverged: say so, plot nothing
            self.points.set_offsets(np.empty((0, 2)))
            self.ax.set_title(chain.split(";")[0].replace(": ", ":\n", 1)
                              + "\nlower the step size", fontsize=8, color="C3")
            return
        x = chain[n_steps]  # (N, 2)
        self.points.set_offsets(x.numpy())
        title = f"η = {step_size:.4f}, noise {noise:g} × √(2η), {n_steps} steps"
        if self.caption is not None:
            title += "\n" + self.caption(x)
        self.ax.set_title(title, fontsize=9, color="k")


def _even(name: str, values: Sequence[float]) -> list[float]:
    """values as a list of >= 2 finite floats, increasing in equal steps (a slider's positions)."""
    values = [float(v) for v in values]
    steps = np.diff(values)
    if (len(values) < 2 or not np.isfinite(values).all() or (steps <= 0).any()
            or not np.allclose(steps, steps[0])):
        raise ValueError(f"{name} must be >= 2 numbers increasing in equal steps (a slider's "
                         f"positions), got {values}")
    return values
