"""Efros-Leung synthesis, vectorized: the steps of the reference loop, all sample windows at once.

``efros_leung`` makes exactly the choices of
:func:`genzoo_lite.models.nonparametric.efros_leung.efros_leung_reference` (same candidates, same
random numbers, same output; tests/test_efros_leung.py checks it), but screens every sample window
for a batch of pixels with one matrix product: the fill order does not depend on the values filled,
so it is worked out first, and the pixels a batch fills inside each other's windows enter as
corrections. Taught in notebooks/04_efros_leung, "3. The whole loop"; what it saves:
benchmarks/RESULTS.md, "Efros-Leung: the loop against the vectorized version".
"""
from __future__ import annotations

import numpy as np
import torch
from numpy.lib.stride_tricks import sliding_window_view

from genzoo_lite.models.nonparametric.efros_leung import (
    FILLED,
    TIE_TOLERANCE,
    candidate_mask,
    gaussian_weights,
    setup_synthesis,
)

__all__ = ["efros_leung"]

#: Pixels screened by one matrix product (their fill order is known in advance).
BATCH = 32


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

    Cost: one matrix product with all sample windows per batch of ``BATCH`` pixels, so time grows
    with (sample windows) x window^2 x output pixels; memory takes 32 bytes x window^2 x C per
    sample window (about 1 GB for a whole 512x512 texture with window 11: use a crop).
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
    # sum_k m_k (T_k - S_k)^2 = S^2 . m  -  2 S . (m T)  +  T^2 . m. The first two terms, for a
    # batch of pixels at once, screen all windows with one matrix product; the few that can be
    # candidates are then measured directly. The screen is float64: in float32 its rounding
    # bound (~1e-4) exceeds the typical best distance (~1e-5: the output copies sample patches),
    # and hundreds of windows per pixel would need the direct measure. Through torch, on one
    # thread: numpy's OpenBLAS starts threads for a product this size.
    screen_t = torch.from_numpy(np.ascontiguousarray(
        np.concatenate([rows * rows, rows], axis=1).T))  # (2k, N)
    columns = np.ascontiguousarray(rows.T)  # (k, N): S_k of every window
    gauss = gaussian_weights(window).reshape(-1)  # (w*w,)
    # Bound on the rounding error of the screen: 2k products plus up to k corrections summed per
    # window, terms at most |v_j| times 1/4 (the S^2 columns) or 1/2 (the S columns) with
    # sum_j |v_j| = sum m + 2 sum |m T|; a factor 2 of headroom.
    # Since sum_j m_j = 1 and |T_j| <= 1/2, that sum is at most 1/4 + 1/2.
    slack = 2 * (4 * k + 4) * float(np.finfo(np.float64).eps) * 0.75

    # The fill order depends only on which pixels are filled, never on their values: work it out
    # first, so that the windows of a whole batch of pixels can be screened by one product.
    ys, xs = _fill_order(s.filled, s.rank, window)
    steps = len(ys)
    filled_at = np.full(s.filled.shape, steps, dtype=np.int64)  # the step that fills each pixel
    filled_at[s.filled] = -1  # given pixels; the padding is never filled
    filled_at[ys + p, xs + p] = np.arange(steps)
    step_windows = sliding_window_view(filled_at, (window, window))  # (h, w, w, w)
    canvas_windows = sliding_window_view(s.canvas, (window, window), axis=(0, 1))
    # One thread for the products: on a shared machine, waiting for a second thread at every
    # batch costs more than the product itself.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        ys_list, xs_list = ys.tolist(), xs.tolist()
        canvas = s.canvas
        for start in range(0, steps, BATCH):
            stop = min(start + BATCH, steps)
            when = step_windows[ys[start:stop], xs[start:stop]].reshape(stop - start, -1)
            known = when < np.arange(start, stop)[:, None]  # (B, w*w) filled before each step
            weights = gauss * known
            weights /= weights.sum(axis=1, keepdims=True)
            weights = np.repeat(weights, channels, axis=1)  # (B, k)
            # Templates as they stand before the batch: pixels filled within it are still 0 here
            # and enter each screen below as a correction, one sample column each.
            later = np.repeat(known & (when >= start), channels, axis=1)
            before = canvas_windows[ys[start:stop], xs[start:stop]].transpose(0, 2, 3, 1)
            v = np.concatenate([weights, -2 * weights * before.reshape(stop - start, k)], axis=1)
            approx_all = torch.mm(torch.from_numpy(v), screen_t).numpy()  # (B, N)
            tap_rows, tap_cols = later.nonzero()  # row b's taps: tap_cols[bounds[b]:bounds[b + 1]]
            bounds = np.searchsorted(tap_rows, np.arange(stop - start + 1)).tolist()
            for b in range(stop - start):
                step = start + b
                y, x = ys_list[step], xs_list[step]
                template = canvas[y:y + window, x:x + window].reshape(-1)  # (k,)
                w_b = weights[b]
                weighted = w_b * template
                approx = approx_all[b]
                if bounds[b + 1] > bounds[b]:  # the pixels filled since the batch started
                    taps = tap_cols[bounds[b]:bounds[b + 1]]
                    approx -= (2 * weighted[taps]) @ columns[taps]
                best = approx.min()
                short = (approx <= (1 + s.error_threshold) * (best + slack) + slack
                         + TIE_TOLERANCE + s.error_threshold * (weighted @ template)).nonzero()[0]
                if len(short) > 1:  # measure the few near-best windows directly
                    diff = rows[short]  # (len(short), k)
                    diff -= template
                    diff *= diff
                    short = short[candidate_mask(diff @ w_b, s.error_threshold)]
                i, j = divmod(int(short[s.rng.integers(len(short))]), n_cols)
                s.fill(y, x, i + p, j + p, step)
    finally:
        torch.set_num_threads(threads)
    return s.result(return_order)


def _fill_order(filled: np.ndarray, rank: np.ndarray, window: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """(ys, xs) of the unfilled output pixels in the order the reference loop fills them: the one
    with the most filled pixels in its window first, ties by ``rank``."""
    h, w = rank.shape
    p = window // 2
    counts = sliding_window_view(filled, (window, window)).sum(axis=(2, 3))
    inside = filled[p:p + h, p:p + w]
    priority = np.where(inside, FILLED, counts * (h * w) + rank)  # (h, w) int64
    order = np.empty(int((~inside).sum()), dtype=np.int64)
    for step in range(len(order)):
        order[step] = priority.argmax()
        y, x = divmod(int(order[step]), w)
        # The new pixel adds one filled neighbour to every unfilled pixel within its window.
        region = priority[max(0, y - p):y + p + 1, max(0, x - p):x + p + 1]
        region += h * w
        priority[y, x] = FILLED
    return np.divmod(order, w)
