"""notebooks/04_efros_leung: the solutions pass their checks, and the checks name the usual
mistakes."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.ndimage import binary_opening
from solutions import load_solutions

from genzoo_lite.exercises import efros_leung as el
from genzoo_lite.models.nonparametric.efros_leung import gaussian_weights

sol = load_solutions("04_efros_leung")


def test_next_pixel_check():
    def three_by_three(filled, window):
        return sol.exercise_next_pixel(filled, 3)

    assert "3x3" in el.check_next_pixel(three_by_three).message

    def gaussian_weighted(filled, window):
        counts = sliding_window_view(np.pad(filled.astype(float), window // 2), (window, window))
        counts = (counts * gaussian_weights(window)).sum(axis=(2, 3))
        return np.unravel_index(np.where(filled, -1, counts).argmax(), filled.shape)

    result = el.check_next_pixel(gaussian_weighted)
    assert not result.ok and "you counted" not in result.message, result
    assert "already filled" in el.check_next_pixel(lambda f, w: (0, 0)).message
    assert "pair (y, x)" in el.check_next_pixel(lambda f, w: None).message


def rings(size, key):
    c = size // 2
    pixels = [(y, x) for y in range(size) for x in range(size)]
    return sorted(pixels, key=lambda p: (max(abs(p[0] - c), abs(p[1] - c)), key(p, c)))


def test_spiral_order_check():
    def message(fn):
        result = el.check_spiral_order(fn)
        assert not result.ok
        return result.message

    assert "raster order" in message(lambda n: [(y, x) for y in range(n) for x in range(n)])
    # rings listed row by row start at a corner, which touches the inner ring only diagonally
    assert "corner" in message(lambda n: rings(n, lambda p, c: p))
    assert "diamond" in message(lambda n: sorted(
        [(y, x) for y in range(n) for x in range(n)],
        key=lambda p: (abs(p[0] - n // 2) + abs(p[1] - n // 2), p)))
    assert "exactly once" in message(lambda n: sol.exercise_spiral_order(n)[:-1])
    assert "outside" in message(lambda n: [(y + 1, x) for y, x in sol.exercise_spiral_order(n)])
    assert "shape" in message(lambda n: list(range(n * n)))
    # square rings, but sorted inside each ring instead of walked around it
    def corner_last(p, c):
        return abs(p[0] - c) == abs(p[1] - c), p

    def by_l1(p, c):
        return abs(p[0] - c) + abs(p[1] - c), p

    assert "jumps" in message(lambda n: rings(n, corner_last))
    assert "jumps" in message(lambda n: rings(n, by_l1))
    # another right answer: the mirror image of the key's spiral (counter-clockwise)
    assert el.check_spiral_order(
        lambda n: [(y, n - 1 - x) for y, x in sol.exercise_spiral_order(n)]).ok


def test_copy_map_check():
    def hits(out, sample, size):
        seen = {v.tobytes() for v in
                sliding_window_view(sample, (size, size)).reshape(-1, size, size)}
        view = sliding_window_view(out, (size, size))
        return np.array([[view[i, j].tobytes() in seen for j in range(view.shape[1])]
                         for i in range(view.shape[0])])

    def corner(out, sample, size):
        padded = np.zeros(out.shape, dtype=bool)
        h = hits(out, sample, size)
        padded[:h.shape[0], :h.shape[1]] = h
        return padded

    def message(fn):
        result = el.check_copy_map(fn)
        assert not result.ok
        return result.message

    assert "one value per patch" in message(hits)
    assert "top-left" in message(corner)
    assert "value occurs in the sample" in message(lambda o, s, k: np.isin(o, s))
    assert "bool map" in message(lambda o, s, k: sol.exercise_copy_map(o, s, k).astype(int))
    assert "strip" in message(lambda o, s, k: sol.exercise_copy_map(o, s, k - 1))
    # a short cut: pixels whose value occurs in the sample, opened by the patch shape
    assert "value occurs in the sample" in message(
        lambda o, s, k: binary_opening(np.isin(o, s), np.ones((k, k))))
    assert el.check_copy_map(sol.exercise_copy_map).ok


def inner_only(filled, window):
    """Counts only for pixels whose whole window lies inside the image: the border is skipped."""
    p = window // 2
    h, w = filled.shape
    best, where = -1, None
    for y in range(p, h - p):
        for x in range(p, w - p):
            if not filled[y, x]:
                count = filled[y - p:y + p + 1, x - p:x + p + 1].sum()
                if count > best:
                    best, where = count, (y, x)
    return where


def test_next_pixel_short_cuts_fail():
    result = el.check_next_pixel(inner_only)
    assert not result.ok and "at the border" in result.message, result
    assert not el.check_next_pixel(lambda f, w: (5, 5)).ok
    # the right pixel of the check's fixed mask, hard-coded, fails on the check's random mask
    filled, window = el._next_pixel_case()
    here = tuple(int(v) for v in sol.exercise_next_pixel(filled, window))
    result = el.check_next_pixel(lambda f, w: here)
    assert not result.ok and "not on the check's random inputs" in result.message, result
    assert sol.exercise_next_pixel(filled, window) != inner_only(filled, window)
