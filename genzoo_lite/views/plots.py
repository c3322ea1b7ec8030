"""Plotting plumbing shared by the notebooks: image grids, 2-D densities, loss curves, savefig."""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from skimage.util import montage

from genzoo_lite.core.checks import check_int
from genzoo_lite.core.utils import grid_points

__all__ = ["figures_dir", "savefig", "image_grid", "grid_points", "density_contour",
           "loss_curve", "label_classes", "shade_pixels", "LINE_COLOURS", "LINE_STYLES",
           "contrast_ratio"]

# Okabe and Ito's colour-blind-safe colours that keep a contrast of at least 3:1 against white
# (WCAG 1.4.11; their orange, sky blue and yellow do not): blue, vermillion, bluish green,
# reddish purple, black. Line styles tell the curves apart without colour.
LINE_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000")
LINE_STYLES = ("-", "--", "-.", ":")


def contrast_ratio(colour: str, background: str = "white") -> float:
    """WCAG contrast ratio of two matplotlib colours (1 to 21)."""
    from matplotlib.colors import to_rgb

    def luminance(c: str) -> float:
        lin = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in to_rgb(c)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(colour), luminance(background)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def figures_dir() -> Path:
    """Where :func:`savefig` writes: ``$GENZOO_FIGURES_DIR`` if set, else the ``figures/`` folder
    of the nearest enclosing project (a parent of the working directory holding pyproject.toml)."""
    if os.environ.get("GENZOO_FIGURES_DIR"):
        return Path(os.environ["GENZOO_FIGURES_DIR"])
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").exists() and (folder / "figures").is_dir():
            return folder / "figures"
    return here / "figures"


def savefig(fig: plt.Figure, name: str) -> Path:
    """Write ``fig`` to ``figures/<name>.png`` (the README shows these) and return the path."""
    if not name or "/" in name or name.endswith(".png"):
        raise ValueError(f"name must be a plain stem such as '01_gmm_em', got {name!r}")
    path = figures_dir() / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    # no timestamp in the metadata, so an unchanged figure gives identical bytes
    fig.savefig(path, dpi=100, bbox_inches="tight", metadata={"Software": None})
    return path


def image_grid(x: torch.Tensor | np.ndarray, nrow: int | None = None, ax: plt.Axes | None = None,
               title: str | None = None, vmax: float | None = None, pad: int = 1,
               cmap: str = "gray_r") -> plt.Axes:
    """Tile images (N, 1, H, W) or (N, H, W) into one grid, row by row, and show it.

    The tiling is ``skimage.util.montage``; the ``pad`` pixels between and around the images
    are drawn in a light blue, distinct from any pixel value.

    Args:
        x: integer levels (e.g. digits 0..16) or floats.
        nrow: images per row (default: about sqrt(N)).
        vmax: the value shown as full ink; default the maximum of x (16 for digits).
        cmap: "gray_r" draws digits as dark ink on white paper; use "gray" for photos.
    """
    arr = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
    if arr.ndim == 4 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 3:
        raise ValueError(f"images must be (N, 1, H, W) or (N, H, W), got shape {arr.shape}")
    n = len(arr)
    nrow = int(np.ceil(np.sqrt(n))) if nrow is None else check_int("nrow", nrow)
    canvas = montage(arr.astype(float), fill=np.nan, grid_shape=(-(-n // nrow), nrow),
                     padding_width=check_int("pad", pad, minimum=0))  # NaN: padding, no image
    ax = ax or plt.gca()
    cm = plt.get_cmap(cmap).with_extremes(bad="#c8d0e0")
    ax.imshow(canvas, cmap=cm, vmin=0, vmax=vmax if vmax is not None else np.nanmax(canvas),
              interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def density_contour(log_prob: Callable[[torch.Tensor], torch.Tensor], ax: plt.Axes | None = None,
                    lim: float = 3.0, n: int = 150, data: torch.Tensor | None = None,
                    title: str | None = None, levels: int = 12) -> plt.Axes:
    """Filled contours of exp(log_prob) over [-lim, lim]^2, optionally with data points on top.

    ``log_prob`` maps points (M, 2) to (M,); it may be unnormalized (an EBM's -energy).
    """
    points, _ = grid_points(lim, n)
    with torch.no_grad():
        density = log_prob(points).double().exp().reshape(n, n).numpy()
    ax = ax or plt.gca()
    axis = np.linspace(-lim, lim, n)
    ax.contourf(axis, axis, density, levels=levels, cmap="viridis")
    if data is not None:
        pts = data.detach().cpu().numpy()
        ax.scatter(pts[:, 0], pts[:, 1], s=2, c="white", alpha=0.5, linewidths=0)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return ax


def label_classes(ax: plt.Axes, points: torch.Tensor | np.ndarray,
                  labels: torch.Tensor | np.ndarray, fontsize: float = 11) -> plt.Axes:
    """Write each class's label at the median of its points, dark on a white box, so that a
    scatter coloured by class can be read without telling its colours apart."""
    pts = points.detach().cpu().numpy() if isinstance(points, torch.Tensor) else np.asarray(points)
    lab = labels.detach().cpu().numpy() if isinstance(labels, torch.Tensor) else np.asarray(labels)
    for value in np.unique(lab):
        x, y = np.median(pts[lab == value], axis=0)
        ax.text(x, y, str(value), ha="center", va="center", fontsize=fontsize, weight="bold",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "0.3", "alpha": 0.85})
    return ax


def shade_pixels(ax: plt.Axes, mask: torch.Tensor | np.ndarray, colour: str = LINE_COLOURS[1],
                 alpha: float = 0.35, hatch: str = "////") -> plt.Axes:
    """Tint and hatch the pixels where ``mask`` (H, W) is True, on an image drawn with
    ``imshow`` on ``ax`` (e.g. pixels not sampled yet): the hatching marks them without colour."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Rectangle

    mask = mask.detach().cpu().numpy() if isinstance(mask, torch.Tensor) else np.asarray(mask)
    mask = mask.astype(bool)
    ax.imshow(np.where(mask, 1.0, np.nan), cmap=ListedColormap([colour]), alpha=alpha, vmin=0,
              vmax=1, interpolation="nearest")
    for y, row in enumerate(mask):  # one hatched rectangle per run of masked pixels in a row
        padded = np.r_[False, row, False].astype(int)
        starts, ends = np.flatnonzero(np.diff(padded) == 1), np.flatnonzero(np.diff(padded) == -1)
        for start, end in zip(starts, ends):
            ax.add_patch(Rectangle((start - 0.5, y - 0.5), end - start, 1, fill=False,
                                   hatch=hatch, edgecolor=colour, linewidth=0))
    return ax


def loss_curve(history: Sequence[float], ax: plt.Axes | None = None, label: str | None = None,
               ylabel: str = "loss", xlabel: str = "epoch") -> plt.Axes:
    """Plot a training history (one value per epoch or iteration). The n-th curve on an axes
    takes the n-th of :data:`LINE_COLOURS` and of :data:`LINE_STYLES`, so curves differ in
    more than colour."""
    ax = ax or plt.gca()
    n = len(ax.lines)
    ax.plot(np.arange(1, len(history) + 1), history, label=label,
            color=LINE_COLOURS[n % len(LINE_COLOURS)], linestyle=LINE_STYLES[n % len(LINE_STYLES)])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if label:
        ax.legend()
    return ax
