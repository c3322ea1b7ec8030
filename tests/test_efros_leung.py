"""Efros-Leung synthesis copies texels, keeps what is known, and the fast version is the loop."""
import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from genzoo_lite.core.data import load_texture
from genzoo_lite.models.nonparametric.efros_leung import (
    candidate_mask,
    efros_leung_reference,
    gaussian_weights,
    patch_distances,
)
from genzoo_lite.models.nonparametric.efros_leung_fast import efros_leung

BOTH = [efros_leung, efros_leung_reference]


def random_sample(shape, seed=0):
    """Values that blending or an off-by-one would not reproduce: distinct random floats."""
    return np.random.default_rng(seed).random(shape)


@pytest.fixture(scope="module")
def brick():
    return load_texture("brick")[:32, :32]


@pytest.mark.parametrize("synth", BOTH)
def test_every_synthesized_value_is_a_sample_value(synth):
    sample = random_sample((14, 15))
    out = synth(sample, (9, 11), window=5, seed=3)
    assert out.shape == (9, 11) and out.dtype == sample.dtype
    assert np.isin(out, sample).all()


def test_colour_output_copies_whole_pixels():
    sample = random_sample((16, 16, 3))
    out = efros_leung(sample, (12, 10), window=5, seed=1)
    assert out.shape == (12, 10, 3)
    texels = {tuple(px) for px in sample.reshape(-1, 3)}
    assert all(tuple(px) in texels for px in out.reshape(-1, 3))  # no channel from elsewhere


def test_uint8_sample_gives_uint8_output_of_sample_values():
    sample = (load_texture("text")[:30, :30] * 255).round().astype(np.uint8)
    out = efros_leung(sample, (20, 20), window=7, seed=0)
    assert out.dtype == np.uint8 and np.isin(out, sample).all()


def test_periodic_texture_is_continued_exactly():
    # With error_threshold 0 every new pixel must extend the one tiling its neighbours fit:
    # the output is a shifted copy of the period. A misaligned window or centre breaks this.
    tile = random_sample((4, 5), seed=7)
    sample = np.tile(tile, (6, 5))  # 24 x 25
    out = efros_leung(sample, (17, 19), window=7, error_threshold=0.0, seed=2)
    shifts = [(a, b) for a in range(4) for b in range(5)
              if np.array_equal(out, np.roll(np.tile(tile, (5, 4)), (-a, -b), (0, 1))[:17, :19])]
    assert len(shifts) == 1


@pytest.mark.parametrize("synth", BOTH)
def test_fill_order_takes_the_pixel_with_most_filled_neighbours(synth):
    window, (h, w) = 5, (8, 9)
    _, order = synth(random_sample((12, 12)), (h, w), window=window, seed=4, return_order=True)
    assert (order == -1).sum() == 9 and sorted(order[order >= 0]) == list(range(h * w - 9))
    p = window // 2
    filled = np.pad(order == -1, p)
    for step in range(h * w - 9):
        counts = sliding_window_view(filled, (window, window)).sum(axis=(2, 3))
        counts[filled[p:-p, p:-p]] = -1
        y, x = np.argwhere(order == step)[0]
        assert counts[y, x] == counts.max(), f"step {step} did not take a most-constrained pixel"
        filled[y + p, x + p] = True


@pytest.mark.parametrize("synth", BOTH)
def test_hole_filling_keeps_known_pixels_and_never_reads_the_hole(synth, brick):
    image = load_texture("brick")[100:124, 200:226].copy()
    mask = np.ones(image.shape, dtype=bool)
    mask[8:16, 9:19] = False
    first = synth(brick, None, window=7, seed=5, image=image, mask=mask)
    np.testing.assert_array_equal(first[mask], image[mask])
    assert np.isin(first[~mask], brick).all()
    for garbage in (np.nan, 1e9, -np.inf):
        spoiled = image.copy()
        spoiled[~mask] = garbage
        again = synth(brick, image.shape, window=7, seed=5, image=spoiled, mask=mask)
        np.testing.assert_array_equal(again, first)


def test_same_seed_same_output_other_seed_other_output(brick):
    a = efros_leung(brick, (20, 20), window=7, seed=11)
    np.testing.assert_array_equal(a, efros_leung(brick, (20, 20), window=7, seed=11))
    assert not np.array_equal(a, efros_leung(brick, (20, 20), window=7, seed=12))
    gen = np.random.default_rng(11)
    assert efros_leung(brick, (6, 6), window=5, seed=gen).shape == (6, 6)


@pytest.mark.parametrize("window,threshold,seed", [(3, 0.1, 0), (5, 0.0, 1), (7, 0.3, 2),
                                                   (9, 0.1, 3)])
def test_fast_equals_reference_on_brick(brick, window, threshold, seed):
    args = dict(window=window, error_threshold=threshold, seed=seed, return_order=True)
    fast, fast_order = efros_leung(brick[:24, :24], (11, 13), **args)
    ref, ref_order = efros_leung_reference(brick[:24, :24], (11, 13), **args)
    np.testing.assert_array_equal(fast, ref)
    np.testing.assert_array_equal(fast_order, ref_order)


def test_fast_equals_reference_with_ties_colour_and_holes():
    text = load_texture("text")[:26, :26]  # large flat areas: many exactly equal distances
    np.testing.assert_array_equal(efros_leung(text, (12, 12), 5, 0.0, seed=3),
                                  efros_leung_reference(text, (12, 12), 5, 0.0, seed=3))
    colour = (random_sample((14, 14, 3), seed=5) * 4).round() / 4  # coarse levels, many ties
    np.testing.assert_array_equal(efros_leung(colour, (9, 8), 5, seed=6),
                                  efros_leung_reference(colour, (9, 8), 5, seed=6))
    image, mask = random_sample((10, 12)), np.ones((10, 12), dtype=bool)
    mask[3:7, 2:9] = False
    np.testing.assert_array_equal(
        efros_leung(text, None, 5, seed=1, image=image, mask=mask),
        efros_leung_reference(text, None, 5, seed=1, image=image, mask=mask))


def test_patch_distances_is_the_weighted_ssd_over_known_pixels():
    sample, template = random_sample((9, 10)), random_sample((5, 5), seed=1)
    known = random_sample((5, 5), seed=2) > 0.4
    g = gaussian_weights(5) * known
    brute = np.array([[np.sum(g * (sample[i:i + 5, j:j + 5] - template) ** 2) / g.sum()
                       for j in range(6)] for i in range(5)])
    template[~known] = np.nan  # unknown values are not read
    np.testing.assert_allclose(patch_distances(sample, template, known), brute, rtol=1e-12)
    assert patch_distances(sample, sample[2:7, 3:8], known)[2, 3] == 0.0


def test_gaussian_weights_follow_the_paper():
    g = gaussian_weights(11)
    assert g.sum() == pytest.approx(1.0) and np.array_equal(g, g.T) and np.array_equal(g, g[::-1])
    sigma = 11 / 6.4
    assert g[5, 6] / g[5, 5] == pytest.approx(np.exp(-1 / (2 * sigma**2)))


def test_candidate_mask_uses_one_plus_epsilon_and_keeps_ties():
    d = np.array([0.5, 0.2, 0.2, 0.219, 0.221, 0.0 + 0.2 * 1.1])
    np.testing.assert_array_equal(candidate_mask(d, 0.1), [0, 1, 1, 1, 0, 1])
    np.testing.assert_array_equal(candidate_mask(d, 0.0), [0, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(candidate_mask(np.array([0.0, 0.0, 1e-6]), 0.5), [1, 1, 0])


@pytest.mark.parametrize("kwargs,message", [
    (dict(window=4), r"odd int >= 3, got 4"),
    (dict(window=1), r"odd int >= 3, got 1"),
    (dict(window=7.0), r"odd int >= 3, got 7.0"),
    (dict(window=True), r"odd int >= 3, got True"),
    (dict(window=13), r"window 13 is larger than the sample 12x12; allowed: odd sizes 3..12"),
    (dict(out_shape=(0, 5)), r"out_shape height must be an int >= 1, got 0"),
    (dict(out_shape=(5, 2.0)), r"out_shape width must be an int >= 1, got 2.0"),
    (dict(out_shape=(5,)), r"out_shape must be a pair \(height, width\), got \(5,\)"),
    (dict(error_threshold=-0.1), r"error_threshold must be a finite number >= 0, got -0.1"),
    (dict(error_threshold=float("nan")), r"finite number >= 0, got nan"),
    (dict(seed=-1), r"seed must be an int >= 0, got -1"),
    (dict(seed=1.5), r"seed must be an int >= 0, got 1.5"),
    (dict(sample=np.zeros(12)),
     r"\(H, W\) grayscale or \(H, W, C\) colour image, got shape \(12,\)"),
    (dict(sample=np.zeros((12, 12, 3, 1))), r"got shape \(12, 12, 3, 1\)"),
    (dict(sample=np.zeros((12, 12), dtype=bool)), r"float or integer dtype\), got dtype bool"),
    (dict(sample=np.zeros((12, 12), dtype=complex)), r"got dtype complex128"),
])
def test_bad_arguments_name_the_value(kwargs, message):
    args = dict(sample=random_sample((12, 12)), out_shape=(6, 6), window=5)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        efros_leung(**args)
    with pytest.raises(ValueError, match=message):
        efros_leung_reference(**args)


def test_nan_in_sample_is_rejected_with_its_position():
    sample = random_sample((12, 12))
    sample[3, 4] = np.nan
    with pytest.raises(ValueError, match=r"sample contains 1 NaN or infinite values \(the first "
                                         r"at \(3, 4\)\)"):
        efros_leung(sample, (5, 5), window=5)


def test_bad_image_and_mask_are_rejected():
    sample, image = random_sample((12, 12)), random_sample((8, 8))
    mask = np.ones((8, 8), dtype=bool)
    mask[2:5, 2:5] = False
    with pytest.raises(ValueError, match=r"mask shape \(8, 7\) must equal the image's \(H, W\) "
                                         r"\(8, 8\)"):
        efros_leung(sample, None, 5, image=image, mask=mask[:, :7])
    with pytest.raises(ValueError, match="mask must be a bool array .* got dtype int64"):
        efros_leung(sample, None, 5, image=image, mask=mask.astype(np.int64))
    with pytest.raises(ValueError, match="image and mask together"):
        efros_leung(sample, (8, 8), 5, image=image)
    with pytest.raises(ValueError, match="mask has no known pixel"):
        efros_leung(sample, None, 5, image=image, mask=np.zeros((8, 8), dtype=bool))
    with pytest.raises(ValueError, match=r"out_shape \(9, 9\) must be None or the image's"):
        efros_leung(sample, (9, 9), 5, image=image, mask=mask)
    with pytest.raises(ValueError, match=r"layout \(H, W\), got shape \(8, 8, 3\)"):
        efros_leung(sample, None, 5, image=np.zeros((8, 8, 3)), mask=mask)
    spoiled = image.copy()
    spoiled[0, 0] = np.nan  # a NaN under a *known* pixel is an error, under the hole it is not
    with pytest.raises(ValueError, match="image \\(known pixels\\) contains 1 NaN"):
        efros_leung(sample, None, 5, image=spoiled, mask=mask)
