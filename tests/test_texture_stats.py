"""The patch distance ranks real texture crops near the floor and noise, blur, repeats far off."""
import pytest
import torch

from genzoo_lite.evaluation.texture_stats import patch_distance, patches
from genzoo_lite.registry.recipes import vq_crops


@pytest.fixture(scope="module")
def brick_gravel():
    """(held-out test crops, three disjoint sets of 8 training crops), brick and gravel."""
    x, labels = vq_crops("train")
    x_test, labels_test = vq_crops("test")
    keep = torch.isin(labels_test, torch.tensor([0, 2]))  # brick, gravel
    sets = [torch.cat([x[labels == 0][i:i + 4], x[labels == 2][i:i + 4]]) for i in (0, 4, 8)]
    return x_test[keep], sets


def test_noise_scores_worse_than_real_held_out_crops(brick_gravel):
    reference, sets = brick_gravel
    real = [patch_distance(s, reference) for s in sets]
    noise = torch.rand(8, 1, 32, 32, generator=torch.Generator().manual_seed(0))
    assert patch_distance(noise, reference) > 10 * max(real)  # sharpness would rank noise first
    # Mild noise on real crops, blur and one crop repeated are all worse than any real set.
    g = torch.Generator().manual_seed(1)
    noisy = (sets[0] + 0.05 * torch.randn(sets[0].shape, generator=g)).clamp(0, 1)
    blur = torch.nn.functional.avg_pool2d(sets[0], 3, 1, 1, count_include_pad=False)
    repeated = sets[0][:1].repeat(8, 1, 1, 1)
    for bad in (noisy, blur, repeated):
        assert patch_distance(bad, reference) > max(real)


def test_reference_scores_near_the_floor(brick_gravel):
    reference, sets = brick_gravel
    floor = min(patch_distance(s, reference) for s in sets)
    assert patch_distance(reference, reference) <= floor  # only subsampling noise: about 0.002
    # Two halves of the held-out crops (each mixes brick and gravel: labels alternate).
    assert patch_distance(reference[:100], reference[100:]) < 2 * floor


def test_identical_patch_sets_score_zero_and_brightness_is_ignored():
    x = torch.rand(2, 1, 12, 12, generator=torch.Generator().manual_seed(2))
    assert patch_distance(x, x, max_patches=10**6) == 0.0
    shifted = patch_distance(x + 0.3, x, max_patches=10**6)
    assert shifted == pytest.approx(0.0, abs=1e-6)  # float32 rounding of x + 0.3


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="tensor of images"):
        patch_distance(torch.zeros(8, 8), torch.zeros(1, 1, 8, 8))
    with pytest.raises(ValueError, match="patch size 5 is larger"):
        patches(torch.zeros(1, 1, 4, 4))
    with pytest.raises(ValueError, match="same channels"):
        patch_distance(torch.zeros(1, 3, 8, 8), torch.zeros(1, 1, 8, 8))


def test_drawn_patches_equal_drawing_from_all_patches():
    """The memory-light draw picks exactly the rows a permutation of all patches would."""
    from genzoo_lite.evaluation.texture_stats import _drawn_patches, patches

    x = torch.rand(7, 3, 12, 10, generator=torch.Generator().manual_seed(1))
    every = patches(x, 5)
    expected = every[torch.randperm(len(every), generator=torch.Generator().manual_seed(3))[:50]]
    torch.testing.assert_close(_drawn_patches(x, 5, 50, torch.Generator().manual_seed(3)),
                               expected, rtol=0, atol=0)
