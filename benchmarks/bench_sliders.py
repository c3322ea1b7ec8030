"""Slider latency of the library's live views: one move = callback + redraw + PNG, in ms.

Each view is built here from library objects (``LiveFigure``, ``LatentTraversal``, the
``genzoo_lite.viz`` plotting functions and models from ``load_pretrained``), with a figure of the
kind the notebook named in its label shows; no notebook is run or read. The target is 100 ms
per move. (The live view itself is taught in notebooks/01_gaussian_mle, "The likelihood
landscape, live".)

Usage: python benchmarks/bench_sliders.py [--quick]   (--quick: 3 moves per view, not 20)
Prints one JSON line: {"slider_ms": {view: best move in ms}}.
"""
from __future__ import annotations

import argparse
import itertools
import json
import math
from collections.abc import Callable, Sequence

import ipywidgets as widgets
import matplotlib
import torch
from matplotlib.figure import Figure

from genzoo_lite import best_time, image_grid, load_digits, load_pretrained, load_texture
from genzoo_lite.latent_widgets import LatentTraversal
from genzoo_lite.models.ebm import langevin
from genzoo_lite.recipes import EBM_DATASETS
from genzoo_lite.viz import density_contour
from genzoo_lite.widgets import LiveFigure, LiveView

matplotlib.use("agg")

# A view, the control that is moved, and the values it cycles through (consecutive ones differ).
Probe = tuple[LiveView, widgets.ValueWidget, Sequence[object]]


def slider_ms(view: LiveView, control: widgets.ValueWidget, values: Sequence[object],
              repeat: int = 20) -> float:
    """Milliseconds of one move of ``view``'s ``control``: the best of ``repeat`` moves
    through ``values``. Every move must render (build the view with ``throttle_ms=0``), or the
    figure would be the throttle's."""
    if len(values) < 2 or values[0] == values[-1]:
        raise ValueError(f"values must start and end on different values, got {values!r}")
    control.value = values[-1]  # so the first timed move is a change
    moves = itertools.cycle(values)
    before = view.render_count
    seconds = best_time(lambda: setattr(control, "value", next(moves)), repeat=repeat)
    if view.render_count - before != repeat:
        raise RuntimeError(f"{repeat} slider moves gave {view.render_count - before} renders: "
                           "the view is throttled; build it with throttle_ms=0")
    return 1000 * seconds


def gaussian_view() -> Probe:
    """01: a normal density over the histogram of the digits' ink, its log-likelihood as title."""
    ink = load_digits("train")[0].double().mean(dim=(1, 2, 3)) / 16  # (N,)
    fig = Figure(figsize=(6, 2.8))
    ax = fig.add_subplot()
    ax.hist(ink.numpy(), bins=40, density=True)
    xs = torch.linspace(0.15, 0.5, 300, dtype=torch.float64)
    (curve,) = ax.plot(xs, xs * 0)

    def draw(mu: float, sigma: float) -> None:
        normal = torch.distributions.Normal(mu, sigma)
        curve.set_ydata(normal.log_prob(xs).exp())
        ax.set_title(f"L = {normal.log_prob(ink).mean():.3f} nats")

    mu = widgets.FloatSlider(value=0.38, min=0.2, max=0.45, step=0.002)
    sigma = widgets.FloatSlider(value=0.05, min=0.01, max=0.12)
    view = LiveFigure(fig, draw, {"mu": mu, "sigma": sigma}, throttle_ms=0)
    return view, mu, [0.25 + 0.005 * i for i in range(40)]


def langevin_view() -> Probe:
    """02: Langevin chains of the shipped eight-Gaussians EBM; the slider picks a stored step."""
    ebm = load_pretrained("ebm_eight_gaussians")
    step_size = EBM_DATASETS["eight_gaussians"]  # its training step size
    gen = torch.Generator().manual_seed(0)
    start = torch.rand(200, 2, generator=gen) * 6 - 3  # (200, 2)
    chain = langevin(ebm, start, 200, step_size, math.sqrt(2 * step_size), generator=gen,
                     return_chain=True)  # (201, 200, 2)
    fig = Figure(figsize=(4, 4))
    ax = fig.add_subplot()
    density_contour(lambda x: -ebm(x), ax=ax)
    points = ax.scatter(*start.T, s=4, c="C1")

    def draw(n_steps: int) -> None:
        points.set_offsets(chain[n_steps].numpy())
        ax.set_title(f"{n_steps} steps")

    steps = widgets.IntSlider(value=200, min=0, max=200, step=10)
    view = LiveFigure(fig, draw, {"n_steps": steps}, dpi=72, throttle_ms=0)
    return view, steps, list(range(0, 201, 10))


def vae_view() -> Probe:
    """03: the latent traversal of the shipped 2-D VAE (decode one z, PNG, replace the bytes)."""
    view = LatentTraversal(load_pretrained("vae_digits_2d"), throttle_ms=0)
    return view, view.sliders[0], [-3 + 6 * i / 39 for i in range(40)]


def texture_view() -> Probe:
    """04: swap between stored 40x40 texture images, as the Efros-Leung window slider swaps
    precomputed syntheses (the content does not change the cost)."""
    text = load_texture("text")
    crops = {offset: text[offset:offset + 40, offset:offset + 40] for offset in (0, 20, 40, 60)}
    fig = Figure(figsize=(3.4, 3.6))
    ax = fig.add_subplot()
    shown = ax.imshow(crops[0], cmap="gray", vmin=0, vmax=1)
    ax.set_axis_off()

    def draw(offset: int) -> None:
        shown.set_data(crops[offset])
        ax.set_title(f"crop at {offset}")

    offset = widgets.SelectionSlider(options=list(crops), value=0)
    return LiveFigure(fig, draw, {"offset": offset}, throttle_ms=0), offset, list(crops)


def temperature_view() -> Probe:
    """05: image grids of shipped Gated PixelCNN samples at three temperatures, redrawn."""
    gated = load_pretrained("gated_pixelcnn_digits")
    temperatures = [0.7, 1.0, 1.3]
    samples = {t: gated.sample(16, temperature=t, generator=torch.Generator().manual_seed(2))
               for t in temperatures}
    fig = Figure(figsize=(4, 4))
    ax = fig.add_subplot()

    def draw(temperature: float) -> None:
        ax.clear()
        image_grid(samples[temperature], nrow=4, ax=ax, vmax=16, title=f"T = {temperature}")

    slider = widgets.SelectionSlider(options=temperatures, value=1.0)
    return LiveFigure(fig, draw, {"temperature": slider}, throttle_ms=0), slider, temperatures


VIEWS: dict[str, Callable[[], Probe]] = {
    "01 Gaussian likelihood": gaussian_view, "02 Langevin chains": langevin_view,
    "03 VAE latent": vae_view, "04 Efros-Leung window": texture_view,
    "05 PixelCNN temperature": temperature_view,
}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 moves per view, not 20")
    parser.add_argument("--views", nargs="+", choices=list(VIEWS), default=list(VIEWS))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # as the notebooks do
    result = {}
    for name in args.views:
        view, control, values = VIEWS[name]()
        result[name] = round(slider_ms(view, control, values, repeat=3 if args.quick else 20), 1)
    return {"slider_ms": result}


if __name__ == "__main__":
    print(json.dumps(main()))
