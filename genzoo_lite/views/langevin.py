"""Langevin chains, live: sliders for the step size, the noise and the number of steps (plumbing).

A :class:`LangevinView` runs :func:`~genzoo_lite.models.energy.ebm.langevin` on a 2-D energy from
fixed starting points and shows where the chains are after ``n_steps`` steps, over the energy. Every
(step size, noise) pair the sliders can reach is run when the view is built, all of them in one
batched pass (the same noise draws for every pair, as one generator per pair would give), and
only the states at the steps slider's positions are kept, so a move never runs a chain: it
picks a stored frame. A pair whose chains diverge shows the sampler's error message instead of
points. It is a :class:`~genzoo_lite.views.live_figure.LiveFigure`: redraws replace the PNG in
place, a fast drag is throttled and ends on the latest value, and without a widget front end the
cell still shows a static picture. Taught in notebooks/02_ebm, "4. Langevin dynamics" ("Langevin,
live").
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
from genzoo_lite.views.live_figure import LiveFigure

__all__ = ["LangevinView"]

Energy = Callable[[torch.Tensor], torch.Tensor]


class LangevinView(LiveFigure):
    """Sliders over Langevin's step size eta, its noise (a multiple of sqrt(2 eta)) and the number
    of steps; the figure shows the chains' points at that step over the energy.

    Args:
        energy: maps points (N, 2) to energies (N,), each point's energy from that point alone
            (as every energy of the library): the settings' chains run as one batch.
        x0: the chains' starting points (N, 2), the same for every setting.
        log10_steps: the step-size slider's positions, as log10(eta), evenly spaced.
        noise_factors: the noise slider's positions (multiples of sqrt(2 eta)), evenly spaced.
        max_steps: length of every chain; the steps slider runs over 0..max_steps.
        caption: maps the points at the shown step (N, 2) to a line of text under the title
            (e.g. a spread against its target); None for none.
        lim: the plotted box [-lim, lim]^2.
        seed: seeds the Langevin noise, the same for every setting.
        dpi, throttle_ms: those of :class:`~genzoo_lite.views.live_figure.LiveFigure`.

    Attributes: those of :class:`~genzoo_lite.views.live_figure.LiveFigure`; ``frame_steps``, the
    steps slider's positions; ``states[(step_size, noise)]``, every setting's chains at
    ``frame_steps`` (len(frame_steps), N, 2), or its divergence message (about 4 MB for the
    defaults and 200 chains); and ``chain(step_size, noise)``, a setting's
    ``(max_steps + 1, N, 2)`` states, run on demand for a step between the slider's positions.
    """

    def __init__(self, energy: Energy, x0: torch.Tensor, *,
                 log10_steps: Sequence[float] = tuple(np.arange(-3.5, -0.45, 0.25)),
                 noise_factors: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75,
                                                   2.0),
                 max_steps: int = 200,
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
        stride = max(1, self.max_steps // 20)
        self.frame_steps = sorted({*range(0, self.max_steps + 1, stride), self.max_steps})
        self._frame_index = {n: i for i, n in enumerate(self.frame_steps)}
        self._chains: dict[tuple[float, float], torch.Tensor | str] = {}
        self.states = self._run_all([_key(10**log_step, noise) for noise in noise_factors
                                     for log_step in log10_steps])

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
                                         step=stride, description="steps"),
        }
        super().__init__(fig, self._draw, controls, dpi=dpi, throttle_ms=throttle_ms)

    def _run_all(self, keys: list[tuple[float, float]]
                 ) -> dict[tuple[float, float], torch.Tensor | str]:
        """The states at ``frame_steps`` of every setting in ``keys``, as ``langevin`` gives
        them one setting at a time (each with its own generator seeded ``seed``: the same noise
        for all), or its divergence message. One batch of len(keys) * N chains; a setting that
        diverges leaves the batch."""
        keys = list(dict.fromkeys(keys))
        n, dtype = len(self.x0), self.x0.dtype
        active = torch.arange(len(keys))  # the settings still in the batch, in batch order
        step = torch.tensor([k[0] for k in keys], dtype=dtype)[:, None, None]  # (S, 1, 1)
        scale = torch.tensor([k[1] * math.sqrt(2 * k[0]) for k in keys], dtype=dtype)[:, None, None]
        generator = torch.Generator().manual_seed(self.seed)
        x = self.x0.expand(len(keys), n, 2).clone()  # (S, N, 2)
        frames = torch.empty(len(keys), len(self.frame_steps), n, 2, dtype=dtype)
        frames[:, 0] = x
        diverged: dict[tuple[float, float], str] = {}
        for t in range(1, self.max_steps + 1):
            with torch.enable_grad():
                x_in = x.detach().reshape(-1, 2).requires_grad_(True)
                (grad,) = torch.autograd.grad(self.energy(x_in).sum(), x_in)
            noise = torch.randn(self.x0.shape, generator=generator, dtype=dtype)
            x = (x - step * grad.reshape(x.shape) + scale * noise).detach()
            bad = (~torch.isfinite(x).all(dim=2)).sum(1)  # (active settings,)
            if bad.any():
                for s in bad.nonzero().flatten().tolist():
                    key = keys[active[s]]
                    diverged[key] = _diverged_message(t, self.max_steps, int(bad[s]), n, key[0])
                keep = bad == 0
                active, x, step, scale = active[keep], x[keep], step[keep], scale[keep]
                if len(active) == 0:
                    break
            if t in self._frame_index:
                frames[active, self._frame_index[t]] = x
        return {key: diverged.get(key, frames[s]) for s, key in enumerate(keys)}

    def chain(self, step_size: float, noise: float) -> torch.Tensor | str:
        """All states (max_steps + 1, N, 2) of the chains with this step size and noise factor,
        or the divergence message; run once, then cached."""
        key = _key(step_size, noise)
        if key not in self._chains:
            try:
                self._chains[key] = langevin(
                    self.energy, self.x0, self.max_steps, key[0], key[1] * math.sqrt(2 * key[0]),
                    generator=torch.Generator().manual_seed(self.seed), return_chain=True)
            except LangevinDivergedError as err:
                self._chains[key] = str(err)
        return self._chains[key]

    def state(self, step_size: float, noise: float, n_steps: int) -> torch.Tensor | str:
        """The chains' points (N, 2) after ``n_steps`` steps, or the divergence message: a
        stored frame at the sliders' positions, else from :meth:`chain`."""
        key, frame = _key(step_size, noise), self._frame_index.get(n_steps)
        states = self.states.get(key)
        if states is not None and frame is not None:
            return states if isinstance(states, str) else states[frame]
        chain = self.chain(step_size, noise)
        return chain if isinstance(chain, str) else chain[n_steps]

    def _draw(self, step_size: float, noise: float, n_steps: int) -> None:
        x = self.state(step_size, noise, n_steps)
        if isinstance(x, str):  # diverged: say so, plot nothing
            self.points.set_offsets(np.empty((0, 2)))
            self.ax.set_title(x.split(";")[0].replace(": ", ":\n", 1)
                              + "\nlower the step size", fontsize=8, color="C3")
            return
        self.points.set_offsets(x.numpy())  # (N, 2)
        title = f"η = {step_size:.4f}, noise {noise:g} × √(2η), {n_steps} steps"
        if self.caption is not None:
            title += "\n" + self.caption(x)
        self.ax.set_title(title, fontsize=9, color="k")


def _key(step_size: float, noise: float) -> tuple[float, float]:
    """A setting's cache key: the step size to 5 decimals, the noise factor to 2."""
    return round(step_size, 5), round(noise, 2)


def _diverged_message(step: int, n_steps: int, bad: int, n: int, step_size: float) -> str:
    """The message of the LangevinDivergedError that ``langevin`` raises for this setting."""
    return (f"Langevin diverged at step {step} of {n_steps}: {bad} of {n} chains are NaN/inf "
            f"with step_size={step_size}; lower the step size (e.g. step_size={step_size / 10:g})")


def _even(name: str, values: Sequence[float]) -> list[float]:
    """values as a list of >= 2 finite floats, increasing in equal steps (a slider's positions)."""
    values = [float(v) for v in values]
    steps = np.diff(values)
    if (len(values) < 2 or not np.isfinite(values).all() or (steps <= 0).any()
            or not np.allclose(steps, steps[0])):
        raise ValueError(f"{name} must be >= 2 numbers increasing in equal steps (a slider's "
                         f"positions), got {values}")
    return values
