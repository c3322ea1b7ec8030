"""Efros-Leung texture synthesis by non-parametric sampling (Efros & Leung, ICCV 1999).

The model of a pixel p given its already synthesized neighbourhood N(p) is the sample itself:
P(p | N(p)) is uniform over the centres of the sample windows that match N(p) almost as well as
the best one. Taught in notebooks/04_efros_leung. This file holds the pieces of one step
(``gaussian_weights``, ``patch_distances``, ``candidate_mask``), the synthesis state both
implementations share, and ``efros_leung_reference``, the plain loop the notebook explains
("2. One pixel, step by step" and "3. The whole loop"). ``efros_leung_fast.efros_leung`` is the
same algorithm vectorized over all sample windows ("3. The whole loop"), checked against this
loop.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from genzoo_lite.core.checks import check_int, check_number

__all__ = ["efros_leung_reference", "gaussian_weights", "patch_distances", "candidate_mask",
           "SEED_SIZE"]

#: Distances that agree up to rounding count as ties. Distances are computed on the sample
#: rescaled to a range of 1; the smallest genuine non-zero distance of 8-bit data is far larger.
TIE_TOLERANCE = 1e-12
#: Side of the random seed patch the unconstrained synthesis grows from (3x3, as in the paper).
SEED_SIZE = 3
FILLED = -(2**62)  # priority of a filled pixel: below anything an unfilled pixel can reach


def gaussian_weights(window: int) -> np.ndarray:
    """The paper's Gaussian (sigma = window / 6.4) over a window x window neighbourhood.

    Pixels near the centre count more in the match. Taught in notebooks/04_efros_leung,
    "2. One pixel, step by step".
    """
    _check_window(window, None)
    r = np.arange(window) - window // 2
    sigma = window / 6.4
    g = np.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * sigma**2))
    return g / g.sum()


def patch_distances(sample: np.ndarray, template: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Gaussian-weighted SSD between ``template`` and every window of ``sample``.

    d(i, j) = sum_k G_k m_k (T_k - S_ij,k)^2 / sum_k G_k m_k over the known part m of the
    template; unknown template values are never read. Taught in notebooks/04_efros_leung,
    "2. One pixel, step by step".

    Args:
        sample: float (H, W) or (H, W, C).
        template: (w, w) or (w, w, C), w odd; values where ``known`` is False are ignored.
        known: bool (w, w) with at least one True.

    Returns:
        float64 (H - w + 1, W - w + 1): the distance of the window whose top-left is (i, j).
    """
    sample = _as_image(sample, "sample")
    template = np.asarray(template, dtype=np.float64)
    template = template[..., None] if template.ndim == 2 else template
    known = np.asarray(known)
    window = template.shape[0]
    _check_window(window, sample.shape[:2])
    if template.shape != (window, window, sample.shape[2]) or known.shape != (window, window):
        raise ValueError(f"template {template.shape} and known {known.shape} must be "
                         f"({window}, {window}, {sample.shape[2]}) and ({window}, {window})")
    if known.dtype != bool or not known.any():
        raise ValueError("known must be a bool array with at least one True")
    weights = gaussian_weights(window) * known
    weights /= weights.sum()
    values = np.where(known[..., None], template, 0.0)  # unknown values are never read
    windows = sliding_window_view(sample, (window, window), axis=(0, 1))  # (I, J, C, w, w)
    diff = windows - values.transpose(2, 0, 1)
    return np.einsum("ijcuv,uv->ij", diff * diff, weights)


def candidate_mask(distances: np.ndarray, error_threshold: float) -> np.ndarray:
    """The windows within (1 + error_threshold) times the best distance (ties included).

    Taught in notebooks/04_efros_leung, "2. One pixel, step by step".
    """
    distances = np.asarray(distances, dtype=np.float64)
    return distances <= (1 + error_threshold) * distances.min() + TIE_TOLERANCE


# ---------------------------------------------------------------------------------------------
# Plumbing shared by both implementations: argument checks, the canvas, the random stream.
# ---------------------------------------------------------------------------------------------

def _check_window(window: object, sample_hw: tuple[int, int] | None) -> None:
    if isinstance(window, bool) or not isinstance(window, numbers.Integral):
        raise ValueError(f"window must be an odd int >= 3, got {window!r}")
    if window < 3 or window % 2 == 0:
        raise ValueError(f"window must be an odd int >= 3, got {window}")
    if sample_hw is not None and window > min(sample_hw):
        raise ValueError(f"window {window} is larger than the sample {sample_hw[0]}x"
                         f"{sample_hw[1]}; allowed: odd sizes 3..{min(sample_hw)}")


def _as_image(x: object, name: str) -> np.ndarray:
    """Check ``x`` is a finite real (H, W) or (H, W, C) image; return it as float64 (H, W, C)."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiu":
        raise ValueError(f"{name} must hold real numbers (a float or integer dtype), "
                         f"got dtype {arr.dtype}")
    if arr.ndim not in (2, 3) or 0 in arr.shape:
        raise ValueError(f"{name} must be a non-empty (H, W) grayscale or (H, W, C) colour "
                         f"image, got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} contains {int(bad.sum())} NaN or infinite values "
                         f"(the first at {where}); all values must be finite")
    arr = arr.astype(np.float64)
    return arr[..., None] if arr.ndim == 2 else arr


@dataclass
class Synthesis:
    """The state both implementations share; coordinates in ``canvas`` are padded by window//2."""

    sample: np.ndarray  # (Hs, Ws, C) the original values, copied into the output
    scaled: np.ndarray  # (Hs, Ws, C) float64 in [-1/2, 1/2]: distances are computed on these
    window: int
    error_threshold: float
    rng: np.random.Generator
    canvas: np.ndarray  # (H + 2p, W + 2p, C) scaled values; 0 where unfilled
    filled: np.ndarray  # (H + 2p, W + 2p) bool; the padding is never filled
    out: np.ndarray  # (H, W, C) in the result dtype
    order: np.ndarray  # (H, W) int: -1 for given pixels, else the step that filled it
    rank: np.ndarray  # (H, W) a random permutation of 0..H*W-1 that breaks ties in the order
    squeeze: bool  # the sample was (H, W)

    def fill(self, y: int, x: int, sy: int, sx: int, step: int) -> None:
        """Copy sample pixel (sy, sx) to output pixel (y, x)."""
        p = self.window // 2
        self.out[y, x] = self.sample[sy, sx]
        self.canvas[y + p, x + p] = self.scaled[sy, sx]
        self.filled[y + p, x + p] = True
        self.order[y, x] = step

    def result(self, return_order: bool) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        out = self.out[..., 0] if self.squeeze else self.out
        return (out, self.order) if return_order else out


def setup_synthesis(sample: np.ndarray, out_shape: object, window: int, error_threshold: float,
                    seed: int | np.random.Generator, image: np.ndarray | None,
                    mask: np.ndarray | None) -> Synthesis:
    """Check the arguments of a synthesis and lay out its state: the seed patch (or the known
    pixels) placed, and the random order of ties drawn."""
    raw = np.asarray(sample)
    values = _as_image(raw, "sample")
    hs, ws, channels = values.shape
    _check_window(window, (hs, ws))
    error_threshold = check_number("error_threshold", error_threshold, strict=False)
    if (image is None) != (mask is None):
        raise ValueError("pass image and mask together (constrained synthesis) or neither")
    if image is not None:
        mask = np.asarray(mask)
        known_image = _check_constrained(image, mask, out_shape, raw.ndim, channels)
        out_shape = known_image.shape[:2]
    out_shape = _check_out_shape(out_shape)
    rng = (seed if isinstance(seed, np.random.Generator)
           else np.random.default_rng(check_int("seed", seed, minimum=0)))

    # Mapping all values to [-1/2, 1/2] by one affine map leaves every candidate set unchanged
    # (each distance is multiplied by the same factor), makes the tie tolerance independent of
    # the units, and keeps the fast version's float32 screen small (efros_leung_fast).
    lo, hi = values.min(), values.max()
    scale = hi - lo if hi > lo else 1.0
    lo = lo + scale / 2
    h, w = out_shape
    p = window // 2
    dtype = raw.dtype if image is None else np.result_type(raw.dtype, np.asarray(image).dtype)
    state = Synthesis(
        sample=raw.reshape(hs, ws, channels), scaled=(values - lo) / scale, window=window,
        error_threshold=error_threshold, rng=rng,
        canvas=np.zeros((h + 2 * p, w + 2 * p, channels)),
        filled=np.zeros((h + 2 * p, w + 2 * p), dtype=bool),
        out=np.zeros((h, w, channels), dtype=dtype), order=np.full((h, w), -1),
        rank=np.zeros((h, w), dtype=np.int64), squeeze=raw.ndim == 2)
    if image is None:
        # The seed: a random 3x3 patch of the sample in the middle of the output.
        sh, sw = min(SEED_SIZE, h), min(SEED_SIZE, w)
        y0, x0 = int(rng.integers(hs - sh + 1)), int(rng.integers(ws - sw + 1))
        top, left = (h - sh) // 2, (w - sw) // 2
        for dy in range(sh):
            for dx in range(sw):
                state.fill(top + dy, left + dx, y0 + dy, x0 + dx, -1)
    else:
        given = np.asarray(image).reshape(h, w, channels)
        state.out[mask] = given[mask]
        state.canvas[p:p + h, p:p + w][mask] = (known_image[mask] - lo) / scale
        state.filled[p:p + h, p:p + w] = mask
    state.rank = rng.permutation(h * w).reshape(h, w)
    return state


def _check_out_shape(out_shape: object) -> tuple[int, int]:
    try:
        h, w = out_shape
    except (TypeError, ValueError):
        raise ValueError(f"out_shape must be a pair (height, width), got {out_shape!r}") from None
    return check_int("out_shape height", h), check_int("out_shape width", w)


def _check_constrained(image: np.ndarray, mask: np.ndarray, out_shape: object, sample_ndim: int,
                       channels: int) -> np.ndarray:
    """Validate image/mask; return the image as float64 (H, W, C) with 0 under the hole."""
    image = np.asarray(image)
    if image.ndim != sample_ndim or (image.ndim == 3 and image.shape[2] != channels):
        layout = "(H, W)" if sample_ndim == 2 else f"(H, W, {channels})"
        raise ValueError(f"image must have the sample's layout {layout}, got shape {image.shape}")
    if mask.dtype != bool:
        raise ValueError(f"mask must be a bool array (True = known pixel), got dtype {mask.dtype}")
    if mask.shape != image.shape[:2]:
        raise ValueError(f"mask shape {mask.shape} must equal the image's (H, W) "
                         f"{image.shape[:2]}")
    if not mask.any():
        raise ValueError("mask has no known pixel; for synthesis from scratch pass "
                         "out_shape without image and mask")
    if out_shape is not None and tuple(out_shape) != image.shape[:2]:
        raise ValueError(f"out_shape {out_shape!r} must be None or the image's (H, W) "
                         f"{image.shape[:2]}")
    known = image.reshape(*image.shape[:2], channels)[mask]
    # Only known pixels are checked and kept: whatever lies under the hole is never read.
    checked = _as_image(known[None], "image (known pixels)")[0]
    values = np.zeros((*image.shape[:2], channels))
    values[mask] = checked
    return values


# ---------------------------------------------------------------------------------------------
# The reference: one pixel at a time, one sample window at a time.
# ---------------------------------------------------------------------------------------------

def efros_leung_reference(sample: np.ndarray, out_shape: tuple[int, int] | None,
                          window: int = 11, error_threshold: float = 0.1,
                          seed: int | np.random.Generator = 0, image: np.ndarray | None = None,
                          mask: np.ndarray | None = None, return_order: bool = False
                          ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Efros-Leung synthesis written as the plain loop of the paper (slow; for teaching).

    Same arguments and, for the same seed, the same output as
    :func:`genzoo_lite.models.nonparametric.efros_leung_fast.efros_leung` (documented there).
    Taught in notebooks/04_efros_leung, "3. The whole loop".
    """
    s = setup_synthesis(sample, out_shape, window, error_threshold, seed, image, mask)
    h, w, _ = s.out.shape
    hs, ws, _ = s.scaled.shape
    p = window // 2
    gauss = gaussian_weights(window)
    for step in range(int((~s.filled[p:p + h, p:p + w]).sum())):
        # 1. The next pixel: the unfilled one with the most filled pixels in its window.
        counts = sliding_window_view(s.filled, (window, window)).sum(axis=(2, 3))  # (h, w)
        priority = np.where(s.filled[p:p + h, p:p + w], FILLED, counts * (h * w) + s.rank)
        y, x = np.unravel_index(int(priority.argmax()), (h, w))
        # 2. Its neighbourhood N(p): the window around it and which of its pixels are known.
        template = s.canvas[y:y + window, x:x + window]  # (w, w, C)
        known = s.filled[y:y + window, x:x + window]  # (w, w)
        weights = gauss * known / (gauss * known).sum()
        # 3. Compare N(p) with every window of the sample.
        distances = np.empty((hs - window + 1, ws - window + 1))
        for i in range(hs - window + 1):
            for j in range(ws - window + 1):
                patch = s.scaled[i:i + window, j:j + window]
                distances[i, j] = np.sum(weights[..., None] * (patch - template) ** 2)
        # 4. Pick uniformly among the near-best windows; p takes the value of that window's centre.
        candidates = np.flatnonzero(candidate_mask(distances, s.error_threshold))
        i, j = np.unravel_index(int(candidates[s.rng.integers(len(candidates))]), distances.shape)
        s.fill(int(y), int(x), int(i) + p, int(j) + p, step)
    return s.result(return_order)
