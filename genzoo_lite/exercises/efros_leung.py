"""Self-checks for notebooks/04_efros_leung."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from genzoo_lite.exercises._report import (
    Exercise,
    Result,
    confirm,
    not_attempted,
    not_on_random,
    on_random_inputs,
    report,
)
from genzoo_lite.exercises._report import call_answer as _call

__all__ = ["check_next_pixel", "check_spiral_order", "check_copy_map", "EXERCISES"]


def _next_pixel_case() -> tuple[np.ndarray, int]:
    """A 12x12 mask: the top four rows grown, with one unfilled pixel in the top edge, whose
    window (cut off by the border) holds 14 filled pixels, more than any other's; and a small
    island with a hole, which has the most filled 3x3 neighbours but few in the window."""
    filled = np.zeros((12, 12), dtype=bool)
    filled[:4] = True  # the grown region
    filled[0, 6] = False  # its best next pixel lies in the image's top row
    filled[8:11, 8:11] = True
    filled[9, 9] = False  # a hole in a small island: 8 filled 3x3 neighbours, few in the window
    return filled, 5


def check_next_pixel(next_pixel: Callable[[np.ndarray, int], tuple[int, int]]) -> Result:
    """Exercise 1: ``next_pixel(filled, window)``, the unfilled pixel with most filled
    neighbours in its window."""
    name = "Exercise 1"
    filled, window = _next_pixel_case()
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
    p = window // 2
    inner = np.zeros_like(filled)
    inner[p:-p, p:-p] = True  # the pixels whose whole window lies inside the image
    if not (0 <= y < 12 and 0 <= x < 12):
        msg = f"({y}, {x}) is outside the 12x12 image"
    elif filled[y, x]:
        msg = f"pixel ({y}, {x}) is already filled; choose among the unfilled ones"
    elif counts[y, x] == counts.max():
        return report(confirm(Result(True, f"({y}, {x}) has {counts[y, x]} filled pixels in "
                                           f"its {window}x{window} window, the most"),
                              random_next_pixel, next_pixel), name)
    else:
        near = sliding_window_view(np.pad(filled, 1), (3, 3)).sum(axis=(2, 3))
        near[filled] = -1
        if near[y, x] == near.max():
            best = tuple(int(v) for v in np.argwhere(counts == counts.max())[0])
            msg = (f"({y}, {x}) has the most filled pixels among its 3x3 neighbours, but only "
                   f"{counts[y, x]} in its {window}x{window} window, against {counts.max()} at "
                   f"{best}: count the filled pixels of the whole window, each once, which is "
                   "what the match compares")
        elif counts[y, x] == counts[inner].max():
            msg = (f"({y}, {x}) has {counts[y, x]} filled pixels in its window, but "
                   f"{tuple(int(v) for v in np.argwhere(counts == counts.max())[0])}, at the "
                   f"border, has {counts.max()}: pixels whose window sticks out of the image "
                   "are candidates too (count the part inside it, e.g. pad with unfilled pixels)")
        else:
            msg = (f"({y}, {x}) has {counts[y, x]} filled pixels in its window, but "
                   f"{tuple(int(v) for v in np.argwhere(counts == counts.max())[0])} has "
                   f"{counts.max()}")
    return report(Result(False, msg), name)


def _as_pairs(value, n: int) -> tuple[np.ndarray | None, str | None]:
    try:
        pairs = np.asarray(value, dtype=np.int64)
    except (TypeError, ValueError) as err:
        return None, f"return a list of (y, x) pairs, got {type(value).__name__} ({err})"
    if pairs.ndim != 2 or pairs.shape[1] != 2:
        return None, f"return one (y, x) pair per pixel, shape ({n}, 2); got {pairs.shape}"
    return pairs, None


def check_spiral_order(spiral_order: Callable[[int], object]) -> Result:
    """Exercise 2: ``spiral_order(size)`` lists every pixel of a size x size image (size odd),
    from the centre outward in square rings, each pixel sharing an edge with an earlier one."""
    return report(confirm(_spiral_verdict(spiral_order, (5, 9)), random_spiral_order,
                          spiral_order), "Exercise 2")


def _spiral_verdict(spiral_order: Callable[[int], object], sizes: tuple[int, ...]) -> Result:
    for size in sizes:
        value, error = _call(spiral_order, size)
        if error == "not_attempted":
            return not_attempted("list the pixels in a spiral from the centre")
        if error:
            return Result(False, error)
        order, error = _as_pairs(value, size * size)
        if error:
            return Result(False, error)
        c = size // 2
        inside = ((order >= 0) & (order < size)).all(1)
        if not inside.all():
            msg = f"size {size}: pixel {tuple(map(int, order[~inside][0]))} is outside the image"
            return Result(False, msg)
        flat = order[:, 0] * size + order[:, 1]
        if len(flat) != size * size or len(np.unique(flat)) != size * size:
            msg = (f"size {size}: list every one of the {size * size} pixels exactly once "
                   f"(got {len(flat)} entries, {len(np.unique(flat))} different)")
            return Result(False, msg)
        if tuple(order[0]) != (c, c):
            msg = (f"size {size}: start at the centre ({c}, {c}), not {tuple(map(int, order[0]))}"
                   + ("; that is raster order" if tuple(order[0]) == (0, 0) else ""))
            return Result(False, msg)
        ring = np.abs(order - c).max(1)  # square rings: Chebyshev distance from the centre
        back = np.flatnonzero(np.diff(ring) < 0)
        if len(back):
            t = back[0] + 1
            diamond = np.all(np.diff(np.abs(order - c).sum(1)) >= 0)
            msg = (f"size {size}: step {t} goes back to ring {ring[t]} after ring {ring[t - 1]}"
                   + ("; you grew a diamond (|dy| + |dx|), grow square rings, "
                      "max(|dy|, |dx|)" if diamond else "; finish each ring before the next"))
            return Result(False, msg)
        done = np.zeros((size + 2, size + 2), dtype=bool)  # padded: neighbours always exist
        done[c + 1, c + 1] = True
        for t, (y, x) in enumerate(order[1:], start=1):
            if not (done[y, x + 1] or done[y + 2, x + 1] or done[y + 1, x] or done[y + 1, x + 2]):
                corner = abs(y - c) == abs(x - c)
                msg = (f"size {size}: step {t} fills ({y}, {x}), which shares no edge with a "
                       "filled pixel, so the window holds less to match"
                       + ("; a ring's corner touches the inner ring only diagonally: start each "
                          "ring next to the middle of a side and go around it" if corner else ""))
                return Result(False, msg)
            if ring[t] == ring[t - 1] and np.abs(order[t] - order[t - 1]).max() > 1:
                msg = (f"size {size}: step {t} jumps from {tuple(map(int, order[t - 1]))} to "
                       f"({y}, {x}) within ring {ring[t]}: go around the ring, each pixel "
                       "touching the one before it (a spiral, not a sort)")
                return Result(False, msg)
            done[y + 1, x + 1] = True
    return Result(True, "square rings from the centre, every new pixel next to a filled "
                        f"one (sizes {' and '.join(map(str, sizes))})")


def _copy_case() -> tuple[np.ndarray, np.ndarray]:
    """A 20x20 sample and a 16x16 'output': sample pixels drawn one by one, as in a synthesis
    every pixel is a sample pixel, with two blocks pasted from the sample (a 7x9 and a 5x5, both
    with whole 5x5 patches) and a 4x10 strip too thin for one."""
    rng = np.random.default_rng(44)
    sample = rng.random((20, 20))
    out = rng.choice(sample.ravel(), (16, 16))  # every value occurs in the sample
    out[1:8, 2:11] = sample[2:9, 3:12]
    out[9:14, 10:15] = sample[10:15, 0:5]
    out[12:16, 0:10] = sample[0:4, 8:18]
    return out, sample


def _patch_hits(out: np.ndarray, sample: np.ndarray, size: int) -> np.ndarray:
    seen = {v.tobytes() for v in sliding_window_view(sample, (size, size)).reshape(-1, size, size)}
    view = sliding_window_view(out, (size, size))
    return np.array([[view[i, j].tobytes() in seen for j in range(view.shape[1])]
                     for i in range(view.shape[0])])


def check_copy_map(copy_map: Callable[[np.ndarray, np.ndarray, int], np.ndarray]) -> Result:
    """Exercise 3: ``copy_map(out, sample, size)``, the bool (H, W) map of the output pixels that
    lie in some size x size patch of ``out`` occurring verbatim in ``sample``."""
    name = "Exercise 3"
    out, sample, size = *_copy_case(), 5
    value, error = _call(copy_map, out.copy(), sample.copy(), size)
    if error == "not_attempted":
        return report(not_attempted("mark the pixels covered by copied patches"), name)
    if error:
        return report(Result(False, error), name)
    value = np.asarray(value)
    hits = _patch_hits(out, sample, size)
    if value.shape == hits.shape:
        return report(Result(False, f"shape {value.shape} is one value per patch (which patches "
                                    "are copies); mark every pixel those patches cover, shape "
                                    f"{out.shape}"), name)
    if value.shape != out.shape or value.dtype != bool:
        return report(Result(False, f"return a bool map shaped like the output {out.shape}, got "
                                    f"{value.dtype} {value.shape}"), name)
    right = np.zeros(out.shape, dtype=bool)
    for i, j in np.argwhere(hits):
        right[i:i + size, j:j + size] = True
    if np.array_equal(value, right):
        return report(confirm(Result(True, f"{right.mean():.0%} of the pixels lie in a copied "
                                           f"{size}x{size} patch; the thin strip does not "
                                           "count"), random_copy_map, copy_map),
                      name)
    corner, centre = np.zeros_like(right), np.zeros_like(right)
    corner[:hits.shape[0], :hits.shape[1]] = hits
    centre[size // 2:size // 2 + hits.shape[0], size // 2:size // 2 + hits.shape[1]] = hits
    if np.array_equal(value, np.isin(out, sample)):
        msg = ("that marks pixels whose value occurs in the sample; every Efros-Leung pixel does "
               "(section 3), copied patch or not: compare whole size x size patches")
    elif np.array_equal(value, corner):
        msg = "you marked only each copied patch's top-left pixel; mark all size x size pixels"
    elif np.array_equal(value, centre):
        msg = "you marked only each copied patch's centre; mark all size x size pixels it covers"
    elif value[12:16, 0:10].any() and not (value & ~right)[:12].any():
        msg = ("the 4-row strip copied at the bottom left holds no whole 5x5 patch: only pixels "
               "inside a copied size x size patch count")
    else:
        missed, extra = int((right & ~value).sum()), int((value & ~right).sum())
        msg = f"{missed} covered pixels missed and {extra} marked wrongly; check your indexing"
    return report(Result(False, msg), name)


# ----- the grader's random inputs (genzoo-grade draws a new seed for every run) ---------------
def random_next_pixel(next_pixel: Callable, seed: int) -> Result:
    rng = np.random.default_rng(seed)
    filled = rng.random((10, 14)) < 0.35
    filled[:3] = True
    window = int(rng.choice([3, 5, 7]))
    counts = sliding_window_view(np.pad(filled, window // 2), (window, window)).sum(axis=(2, 3))
    counts[filled] = -1

    def best(value, _) -> bool:
        try:
            y, x = (int(v) for v in value)
        except (TypeError, ValueError):
            return False
        return 0 <= y < 10 and 0 <= x < 14 and counts[y, x] == counts.max()

    where = tuple(int(v) for v in np.argwhere(counts == counts.max())[0])
    return on_random_inputs(next_pixel, [((filled.copy(), window), where,
                                          f"a random 10x14 mask, window {window}")], best)


def random_spiral_order(spiral_order: Callable, seed: int) -> Result:
    size = int(np.random.default_rng(seed).choice([7, 11, 13]))
    result = _spiral_verdict(spiral_order, (size,))
    if result.ok or result.message.startswith("not attempted"):
        return Result(True, f"also right at size {size}") if result.ok else result
    return Result(False, not_on_random(f"(size {size}): {result.message}"))


def random_copy_map(copy_map: Callable, seed: int) -> Result:
    rng = np.random.default_rng(seed)
    sample = rng.random((18, 18))
    out = rng.choice(sample.ravel(), (15, 15))  # sample values, as in a synthesis
    size = int(rng.choice([3, 4, 5]))
    for _ in range(2):
        h, w = rng.integers(size, size + 4, 2)
        y, x, sy, sx = rng.integers(0, 15 - h), rng.integers(0, 15 - w), \
            rng.integers(0, 18 - h), rng.integers(0, 18 - w)
        out[y:y + h, x:x + w] = sample[sy:sy + h, sx:sx + w]
    right = np.zeros(out.shape, dtype=bool)
    for i, j in np.argwhere(_patch_hits(out, sample, size)):
        right[i:i + size, j:j + size] = True

    def same(value, _) -> bool:
        value = np.asarray(value)
        return value.dtype == bool and np.array_equal(value, right)

    return on_random_inputs(copy_map, [((out.copy(), sample.copy(), size), right,
                                        f"a random 15x15 output, patches of {size}x{size}")],
                            same)


EXERCISES = [
    Exercise("Exercise 1", "exercise_next_pixel", check_next_pixel, random_next_pixel),
    Exercise("Exercise 2", "exercise_spiral_order", check_spiral_order, random_spiral_order),
    Exercise("Exercise 3", "exercise_copy_map", check_copy_map, random_copy_map),
]
