"""Bundled, offline data sets: 8x8 digits, 2-D toy densities and grayscale textures.

Nothing here touches the network: the digits ship with scikit-learn and the images with
scikit-image. Taught first in notebooks/01_gaussian_mle; every notebook loads its data here.

The digits and the two moons are read and drawn here, not through ``sklearn.datasets``:
importing it costs a kernel 75 MB (it imports scipy), a seventh of a student's 500 MB on a
course hub (benchmarks/RESULTS.md, "Live at frame rate, and a class on one server"). Both equal
scikit-learn's, value for value (tests/test_data.py compares them).
"""
from __future__ import annotations

import gzip
import importlib.util
import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from genzoo_lite.core.checks import check_choice as _check_choice

__all__ = [
    "DIGIT_SPLITS", "DIGIT_LEVELS", "TOY2D_NAMES", "TEXTURE_NAMES", "PHOTO_NAMES",
    "load_digits", "toy2d", "load_texture", "load_image", "CROP_SPLITS", "image_crops",
]

#: Index ranges into scikit-learn's fixed order of its 1797 digits. The first 1000 / next 350 /
#: last 447 is the split of jmtomczak/intro_dgm, so bits/dim here compare with that code directly.
DIGIT_SPLITS: dict[str, tuple[int, int]] = {
    "train": (0, 1000),
    "val": (1000, 1350),
    "test": (1350, 1797),
}
#: Pixel values are integers 0..16: 17 levels.
DIGIT_LEVELS = 17
TOY2D_NAMES = ("two_moons", "eight_gaussians", "rings", "checkerboard")
TEXTURE_NAMES = ("brick", "grass", "gravel", "text")
PHOTO_NAMES = ("camera", "coins", "moon", "page")


def load_digits(split: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
    """The 8x8 handwritten digits of scikit-learn, as images of 17 gray levels.

    Args:
        split: ``"train"`` (first 1000 images), ``"val"`` (next 350) or ``"test"`` (last 447),
            in scikit-learn's fixed order. The splits are disjoint and never shuffled.

    Returns:
        ``images``: uint8 tensor (N, 1, 8, 8) with values 0..16; ``labels``: int64 tensor (N,).
    """
    _check_choice("split", split, DIGIT_SPLITS)
    pixels, targets = _digits_csv()
    start, stop = DIGIT_SPLITS[split]
    images = torch.from_numpy(pixels[start:stop].reshape(-1, 1, 8, 8).copy())
    labels = torch.from_numpy(targets[start:stop].copy())
    return images, labels


@lru_cache(maxsize=1)
def _digits_csv() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled ``digits.csv.gz`` (1797 rows: 64 pixels, then the label), read
    as ``sklearn.datasets.load_digits`` reads it, without importing scikit-learn."""
    spec = importlib.util.find_spec("sklearn")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the digits ship with scikit-learn: pip install scikit-learn")
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"
    with gzip.open(path, "rt") as f:
        data = np.loadtxt(f, delimiter=",")
    if data.shape != (1797, 65) or data.min() < 0 or data.max() > DIGIT_LEVELS - 1:
        raise ValueError(f"{path} is not the 1797 digits of 64 pixels in 0..16: {data.shape}")
    return data[:, :64].astype(np.uint8), data[:, 64].astype(np.int64)


def _two_moons(n: int, noise: float, seed: int) -> np.ndarray:
    """``sklearn.datasets.make_moons(n, noise=noise, random_state=seed)``'s points, drawn the
    same way: two half circles, shuffled, then Gaussian noise, from one RandomState."""
    rng = np.random.RandomState(seed)
    n_out = n // 2
    outer = np.linspace(0, np.pi, n_out)
    inner = np.linspace(0, np.pi, n - n_out)
    x = np.vstack([np.append(np.cos(outer), 1 - np.cos(inner)),
                   np.append(np.sin(outer), 1 - np.sin(inner) - 0.5)]).T
    order = np.arange(n)
    rng.shuffle(order)
    x = x[order]
    return x + rng.normal(scale=noise, size=x.shape)


def _eight_gaussians(n: int, rng: np.random.Generator) -> np.ndarray:
    angles = rng.integers(0, 8, size=n) * (math.pi / 4)
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return centres + 0.2 * rng.standard_normal((n, 2))


def _checkerboard(n: int, rng: np.random.Generator) -> np.ndarray:
    # Uniform on the 8 dark unit squares of a 4x4 board on [-2, 2]^2 (the FFJORD construction).
    x1 = rng.uniform(-2, 2, size=n)
    x2 = rng.uniform(0, 1, size=n) - 2 * rng.integers(0, 2, size=n) + np.floor(x1) % 2
    return np.stack([x1, x2], axis=1)


def _rings(n: int, rng: np.random.Generator) -> np.ndarray:
    radii = rng.choice(np.array([0.5, 1.25, 2.0]), size=n)
    angles = rng.uniform(0, 2 * math.pi, size=n)
    points = radii[:, None] * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return points + 0.08 * rng.standard_normal((n, 2))


def toy2d(name: str, n: int, seed: int = 0) -> torch.Tensor:
    """Sample ``n`` points of a 2-D toy density; float32 tensor (n, 2), roughly in [-2.5, 2.5]^2.

    Args:
        name: one of ``TOY2D_NAMES``: "two_moons", "eight_gaussians", "rings", "checkerboard".
        n: number of points (a positive int).
        seed: the same seed gives the same points.
    """
    _check_choice("toy2d name", name, TOY2D_NAMES)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise ValueError(f"n must be a positive int, got {n!r}")
    rng = np.random.default_rng(seed)
    if name == "two_moons":
        x = _two_moons(n, noise=0.08, seed=seed)
        x = (x - np.array([0.5, 0.25])) * 1.6  # centre the moons on the origin
    elif name == "eight_gaussians":
        x = _eight_gaussians(n, rng)
    elif name == "rings":
        x = _rings(n, rng)
    else:
        x = _checkerboard(n, rng)
    return torch.from_numpy(np.asarray(x, dtype=np.float32))


def load_image(name: str) -> np.ndarray:
    """A grayscale image bundled with scikit-image, as float64 (H, W) in [0, 1].

    Args:
        name: a texture (``TEXTURE_NAMES``) or a photo (``PHOTO_NAMES``).
    """
    _check_choice("image", name, TEXTURE_NAMES + PHOTO_NAMES)
    import skimage.data

    image = np.asarray(getattr(skimage.data, name)())
    if image.ndim != 2 or image.dtype != np.uint8:  # guard against a changed bundle
        raise RuntimeError(f"skimage.data.{name}() is no longer 8-bit grayscale: {image.shape}")
    return image.astype(np.float64) / 255.0


def load_texture(name: str) -> np.ndarray:
    """A grayscale texture bundled with scikit-image, as float64 (H, W) in [0, 1].

    Args:
        name: one of ``TEXTURE_NAMES``: "brick", "grass", "gravel", "text".
    """
    _check_choice("texture", name, TEXTURE_NAMES)
    return load_image(name)


#: Which rows of each bundled image a crop split may use: the top three quarters for training,
#: the bottom quarter for held-out evaluation, so train and test crops never overlap.
CROP_SPLITS = {"train": (0.0, 0.75), "test": (0.75, 1.0)}


def image_crops(names: str | tuple[str, ...] | list[str], n: int, size: int = 32, seed: int = 0,
                split: str = "train") -> torch.Tensor:
    """Random ``size`` x ``size`` crops of bundled grayscale images: float32 (n, 1, size, size)
    in [0, 1], drawn evenly from the named images (textures or photos).

    Args:
        names: one name or several from ``TEXTURE_NAMES + PHOTO_NAMES``.
        n: number of crops (a positive int).
        size: side of each crop, at least 4 and at most the height of the split's rows.
        seed: the same seed gives the same crops.
        split: "train" (top 3/4 of each image) or "test" (bottom 1/4); see ``CROP_SPLITS``.
    """
    names = [names] if isinstance(names, str) else list(names)
    if not names:
        raise ValueError("names must name at least one image")
    _check_choice("crop split", split, CROP_SPLITS)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise ValueError(f"n must be a positive int, got {n!r}")
    images = [load_image(name) for name in names]
    rng = np.random.default_rng(seed)
    crops = np.empty((n, 1, size, size), dtype=np.float32)
    for i in range(n):
        image = images[i % len(images)]
        lo, hi = (int(f * image.shape[0]) for f in CROP_SPLITS[split])
        if not 4 <= size <= min(hi - lo, image.shape[1]):
            raise ValueError(f"size must be in [4, {min(hi - lo, image.shape[1])}] for "
                             f"{names[i % len(names)]!r}'s {split} rows, got {size!r}")
        top = rng.integers(lo, hi - size + 1)
        left = rng.integers(0, image.shape[1] - size + 1)
        crops[i, 0] = image[top:top + size, left:left + size]
    return torch.from_numpy(crops)
