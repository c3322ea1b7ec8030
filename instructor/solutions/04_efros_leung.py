"""Solutions to the exercises of notebooks/04_efros_leung (instructor key; tools/editions.py
merges the bodies between the markers into the notebook)."""
import numpy as np


def exercise_next_pixel(filled, window):
    """(y, x) of an unfilled pixel with the most filled pixels in its window."""
    ### BEGIN SOLUTION
    p = window // 2
    counts = np.lib.stride_tricks.sliding_window_view(np.pad(filled, p), (window, window))
    counts = counts.sum(axis=(2, 3))  # filled pixels in the window around every pixel
    return np.unravel_index(np.where(filled, -1, counts).argmax(), filled.shape)
    ### END SOLUTION


def exercise_spiral_order(size):
    """Every pixel (y, x) of a size x size image (size odd), from the centre outward in square
    rings, each new pixel sharing an edge with one listed before it."""
    ### BEGIN SOLUTION
    c = size // 2
    order = [(c, c)]
    for r in range(1, c + 1):
        # walk once around ring r, clockwise, starting just below its top-right corner: that
        # pixel touches ring r - 1, and every later one touches the pixel before it
        y, x = c - r + 1, c + r
        for dy, dx, steps in [(1, 0, 2 * r - 1), (0, -1, 2 * r), (-1, 0, 2 * r), (0, 1, 2 * r)]:
            for _ in range(steps):
                order.append((y, x))
                y, x = y + dy, x + dx
        order.append((y, x))  # the top-right corner closes the ring
    return order
    ### END SOLUTION


def exercise_copy_map(out, sample, size):
    """Bool (H, W): True where the output pixel lies in a size x size patch of ``out`` that occurs
    verbatim in ``sample``."""
    ### BEGIN SOLUTION
    windows = np.lib.stride_tricks.sliding_window_view
    seen = {patch.tobytes() for patch in windows(sample, (size, size)).reshape(-1, size, size)}
    view = windows(out, (size, size))
    covered = np.zeros(out.shape, dtype=bool)
    for i in range(view.shape[0]):
        for j in range(view.shape[1]):
            if view[i, j].tobytes() in seen:
                covered[i:i + size, j:j + size] = True  # the patch's pixels, not only its corner
    return covered
    ### END SOLUTION


# Exercise 4 (open): choosing the window from where it copies. Reference (seconds):
#
#     for w in windows:
#         covered = exercise_copy_map(grid[w, 0.1], grid_sample, 9)
#         print(w, f"{covered.mean():.0%}")   # plus imshow of the output and of `covered`
#
# prints 8%, 42%, 41% and 44% for windows 3, 5, 9 and 15 (the typical seed section 6 shows).
# What to see: at this seed window 3 covers least (under a tenth of the pixels, in scattered
# specks), and a 3x3 neighbourhood cannot keep a stroke going (broken dashes); windows 5 to 15
# paste pieces of the sample as large blocks (two fifths of the output covered: a texture that
# is largely a collage of the sample), and the copy map does not rank them. Section 6's medians
# over 8 seeds have the same shape (window 3's median lowest, 5 to 15 alike), but they do not
# rank the windows either: window 3's runs split (five copy 5% of the patches or less, three
# 42% to 80%; from seed 0 it covers 49% of the pixels, one large verbatim copy around its
# start), and how much any window copies depends on the seed as much as on the window.
# Reasonable choices: 9 or 15 (they keep the strokes, letter-sized), with
# the copy map to see which parts are pasted. With a sample four times larger there are many
# more windows to choose from; the point to draw out is that the window has to be judged
# against the sample's size and over several seeds, with the copy map as the measure, not on
# its own.
