"""Self-checks for notebooks/04_efros_leung."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..models.efros_leung import candidate_mask, gaussian_weights, patch_distances
from ._report import call_answer as _call, not_attempted, report, Result

__all__ = ["check_weighted_ssd", "check_candidates", "check_next_pixel"]

_RNG = np.random.default_rng(404)
_TEMPLATE = _RNG.random((7, 7))
_PATCH = _RNG.random((7, 7))
_KNOWN = np.zeros((7, 7), dtype=bool)
_KNOWN[:4] = True
_KNOWN[4, :3] = True  # the causal half of a window: rows above, pixels to the left


def check_weighted_ssd(weighted_ssd: Callable[[np.ndarray, np.ndarray, np.ndarray], float]
                       ) -> Result:
    """Exercise 1: ``weighted_ssd(template, known, patch)``, the distance of section 2."""
    name = "Exercise 1"
    template = _TEMPLATE.copy()
    template[~_KNOWN] = 1e6  # unknown values must not matter
    value, error = _call(weighted_ssd, template, _KNOWN.copy(), _PATCH.copy())
    if error == "not_attempted":
        return report(not_attempted("write the Gaussian-weighted SSD"), name)
    if error:
        return report(Result(False, error), name)
    value = float(np.asarray(value))
    right = float(patch_distances(_PATCH, _TEMPLATE, _KNOWN)[0, 0])
    g = gaussian_weights(7)
    sq = (_TEMPLATE - _PATCH) ** 2
    if np.isclose(value, right, rtol=1e-9):
        return report(Result(True, f"d = {right:.5f}"), name)
    if not np.isfinite(value) or value > 1e3:
        msg = ("the unknown pixels changed your result: multiply by `known` (or index with it) "
               "so only the filled part of the window is compared")
    elif np.isclose(value, np.sum(g * _KNOWN * sq), rtol=1e-9):
        msg = "divide by the total weight of the known pixels, sum(G * known)"
    elif np.isclose(value, sq[_KNOWN].mean(), rtol=1e-9):
        msg = "that is the plain mean squared difference; weight each pixel by the Gaussian G"
    elif np.isclose(value, np.sum(g * _KNOWN * np.sqrt(sq)) / np.sum(g * _KNOWN), rtol=1e-9):
        msg = "square the differences (SSD), do not take their absolute value"
    elif np.isclose(value, np.sum(g * _KNOWN * sq) / g.sum(), rtol=1e-9):
        msg = "normalise by the weight of the known pixels only, not of the whole window"
    else:
        msg = f"got {value:.5f}, expected {right:.5f}; compare with the formula of section 2"
    return report(Result(False, msg), name)


def check_candidates(candidates: Callable[[np.ndarray, float], np.ndarray]) -> Result:
    """Exercise 2: ``candidates(distances, error_threshold)``, a bool mask of near-best windows."""
    name = "Exercise 2"
    cases = [
        (np.array([[0.30, 0.10, 0.105], [0.111, 0.25, 0.10]]), 0.1),
        (np.array([[0.0, 0.3], [0.0, 1e-9]]), 0.1),  # exact matches: the threshold is 0
    ]
    for distances, eps in cases:
        value, error = _call(candidates, distances.copy(), eps)
        if error == "not_attempted":
            return report(not_attempted("select the near-best windows"), name)
        if error:
            return report(Result(False, error), name)
        value = np.asarray(value)
        right = candidate_mask(distances, eps)
        if value.shape != right.shape or value.dtype != bool:
            return report(Result(False, f"return a bool mask shaped like the distances "
                                        f"{right.shape}, got {value.dtype} {value.shape}"), name)
        if np.array_equal(value, right):
            continue
        best = distances.min()
        if np.array_equal(value, distances <= eps * best):
            msg = "the threshold is (1 + error_threshold) * best, not error_threshold * best"
        elif np.array_equal(value, distances < (1 + eps) * best):
            msg = ("use <=, not <: with an exact match (best = 0) a strict < leaves no "
                   "candidate at all")
        elif np.array_equal(value, distances == best):
            msg = "you kept only the best window(s); keep every window within the threshold"
        else:
            msg = (f"for eps = {eps} expected {right.astype(int).tolist()}, got "
                   f"{value.astype(int).tolist()}")
        return report(Result(False, msg), name)
    return report(Result(True, "near-best windows, ties and exact matches included"), name)


def check_next_pixel(next_pixel: Callable[[np.ndarray, int], tuple[int, int]]) -> Result:
    """Exercise 3: ``next_pixel(filled, window)``, the unfilled pixel with most filled
    neighbours in its window."""
    name = "Exercise 3"
    filled = np.zeros((12, 12), dtype=bool)
    filled[:5] = True  # the grown region
    filled[8:11, 8:11] = True
    filled[9, 9] = False  # a hole in a small island: 8 filled 3x3 neighbours, few in the window
    window = 5
    value, error = _call(next_pixel, filled.copy(), window)
    if error == "not_attempted":
        return report(not_attempted("choose the next pixel to fill"), name)
    if error:
        return report(Result(False, error), name)
    try:
        y, x = (int(v) for v in value)
    except (TypeError, ValueError):
        return report(Result(False, f"return a pair (y, x), got {value!r}"), name)
    counts = sliding_window_view(np.pad(filled, window // 2), (window, window)).sum(axis=(2, 3))
    counts[filled] = -1
    if not (0 <= y < 12 and 0 <= x < 12):
        msg = f"({y}, {x}) is outside the 12x12 image"
    elif filled[y, x]:
        msg = f"pixel ({y}, {x}) is already filled; choose among the unfilled ones"
    elif counts[y, x] == counts.max():
        return report(Result(True, f"({y}, {x}) has {counts[y, x]} filled pixels in its "
                                   f"{window}x{window} window, the most"), name)
    else:
        near = sliding_window_view(np.pad(filled, 1), (3, 3)).sum(axis=(2, 3))
        near[filled] = -1
        if near[y, x] == near.max():
            msg = (f"you counted the 3x3 neighbours; count the filled pixels in the whole "
                   f"{window}x{window} window, which is what the match compares")
        else:
            msg = (f"({y}, {x}) has {counts[y, x]} filled pixels in its window, but "
                   f"{tuple(int(v) for v in np.argwhere(counts == counts.max())[0])} has "
                   f"{counts.max()}")
    return report(Result(False, msg), name)
