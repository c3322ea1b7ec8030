"""Efros-Leung synthesis, vectorized: the steps of the reference loop, all sample windows at once.

``efros_leung`` makes exactly the choices of
:func:`genzoo_lite.models.efros_leung.efros_leung_reference` (same candidates, same random
numbers, same output; tests/test_efros_leung.py checks it), but screens every sample window with one
matrix-vector product per pixel. Taught in notebooks/04_efros_leung, "8. Timing".
"""
from __future__ import annotations

import numpy as np
import torch
from numpy.lib.stride_tricks import sliding_window_view

from .efros_leung import (FILLED, TIE_TOLERANCE, candidate_mask, gaussian_weights,
                          setup_synthesis)

__all__ = ["efros_leung"]


def efros_leung(sample: np.ndarray, out_shape: tuple[int, int] | None, window: int = 11,
                error_threshold: float = 0.1, seed: int | np.random.Generator = 0,
                image: np.ndarray | None = None, mask: np.ndarray | None = None,
                return_order: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Synthesize a texture like ``sample`` pixel by pixel (Efros & Leung 1999).

    Grows the output from a random 3x3 seed patch of the sample. Each step fills the unfilled
    pixel with the most filled pixels in its window (ties broken at random), compares the
    filled part of that window with every window of the sample by Gaussian-weighted SSD, and
    copies the centre of a window chosen uniformly among those within
    ``(1 + error_threshold)`` times the best distance. Taught in notebooks/04_efros_leung.

    Args:
        sample: the example texture, (Hs, Ws) grayscale or (Hs, Ws, C) colour, finite values.
        out_shape: (H, W) of the output; may be None when ``image`` is given.
        window: odd side of the neighbourhood, 3 <= window <= min(Hs, Ws).
        error_threshold: epsilon >= 0 of the candidate set (the paper uses 0.1).
        seed: an int or a ``numpy.random.Generator``; the same seed gives the same output.
        image, mask: constrained synthesis (hole filling). ``mask`` is bool (H, W), True where
            ``image`` is known; only the unknown pixels are synthesized and the values of
            ``image`` under them are never read.
        return_order: also return the (H, W) int map of the step at which each pixel was
            filled (-1 for the seed patch or known pixels).

    Returns:
        The output (H, W) or (H, W, C): every synthesized value is a pixel of ``sample``; known
        pixels are kept. Its dtype is the sample's (or the common type of sample and image).

    Cost: one matrix-vector product with all sample windows per pixel, so time grows with
    (sample windows) x window^2 x output pixels; memory takes 16 bytes x window^2 x C per
    sample window (about 0.5 GB for a whole 512x512 texture with window 11: use a crop).
    """
    s = setup_synthesis(sample, out_shape, window, error_threshold, seed, image, mask)
    h, w, channels = s.out.shape
    hs, ws, _ = s.scaled.shape
    p = window // 2
    k = window * window * channels
    # All sample windows as rows, in the (row, column, channel) order of a template.
    windows = sliding_window_view(s.scaled, (window, window), axis=(0, 1))  # (I, J, C, w, w)
    rows = np.ascontiguousarray(windows.transpose(0, 1, 3, 4, 2)).reshape(-1, k)  # (N, k)
    n_cols = ws - window + 1
    # sum_k m_k (T_k - S_k)^2 = S^2 . m  -  2 S . (m T)  +  T^2 . m: one float32 product per
    # pixel screens all windows; the few that can be candidates are then measured exactly.
    # The screen runs through torch (MKL): numpy's OpenBLAS starts threads for a product this
    # size, and on a busy machine waiting for them costs ten times the product itself.
    screen = torch.from_numpy(np.concatenate([rows * rows, rows], axis=1).astype(np.float32))
    gauss = np.repeat(gaussian_weights(window).reshape(-1), channels)  # (k,)
    # Bound on the float32 error of the screen: 2k-term dot products whose terms are at most
    # |v_j| times 1/4 (the S^2 columns) or 1/2 (the S columns), with a factor 2 of headroom.
    rel_error = 2 * (2 * k + 2) * float(np.finfo(np.float32).eps)

    counts = sliding_window_view(s.filled, (window, window)).sum(axis=(2, 3))
    inside = s.filled[p:p + h, p:p + w]
    priority = np.where(inside, FILLED, counts * (h * w) + s.rank)  # (h, w) int64
    v = np.empty(2 * k, dtype=np.float32)  # [m, -2 m T], reused by every step
    approx = np.empty(len(rows), dtype=np.float32)
    v_t, approx_t = torch.from_numpy(v), torch.from_numpy(approx)  # views of the same memory
    for step in range(int((~inside).sum())):
        y, x = divmod(int(priority.argmax()), w)
        known = s.filled[y:y + window, x:x + window].ravel()
        if channels > 1:
            known = known.repeat(channels)  # (k,)
        template = s.canvas[y:y + window, x:x + window].ravel()  # (k,)
        weights = gauss * known
        weights /= weights.sum()
        weighted = weights * template
        v[:k] = weights
        np.multiply(weighted, -2, out=v[k:], casting="same_kind")
        torch.mv(screen, v_t, out=approx_t)
        offset = float(weighted @ template)
        slack = rel_error * (0.25 + float(np.abs(weighted).sum()))  # sum_j |v_j| max_i |S_ij|
        best = float(approx.min()) + offset
        short = np.flatnonzero(approx <= (1 + s.error_threshold) * (best + slack) + slack
                               + TIE_TOLERANCE - offset)
        diff = np.take(rows, short, axis=0)  # (len(short), k): exact distances, float64
        diff -= template
        diff *= diff
        exact = np.einsum("ij,j->i", diff, weights)  # a plain loop: BLAS would start threads
        candidates = short[candidate_mask(exact, s.error_threshold)]
        i, j = divmod(int(candidates[s.rng.integers(len(candidates))]), n_cols)
        s.fill(y, x, i + p, j + p, step)
        # The new pixel adds one filled neighbour to every unfilled pixel within its window.
        region = priority[max(0, y - p):y + p + 1, max(0, x - p):x + p + 1]
        region += h * w
        priority[y, x] = FILLED
    return s.result(return_order)
