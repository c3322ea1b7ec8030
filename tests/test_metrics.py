import pytest
import torch

from genzoo_lite import load_digits
from genzoo_lite.evaluation.metrics import edge_distance


def test_real_images_are_close_and_noise_and_blur_are_far():
    train, test = load_digits("train")[0], load_digits("test")[0]
    noise = torch.randint(0, 17, test.shape, generator=torch.Generator().manual_seed(0))
    blur = torch.nn.functional.avg_pool2d(test.float(), 3, 1, 1)
    real = edge_distance(test, train)
    assert real < 0.2
    assert edge_distance(noise, train) > 5 * real  # a sharpness number would rank noise first
    assert edge_distance(blur, train) > 5 * real


def test_identical_sets_score_zero_and_bad_shapes_are_named():
    x = load_digits("val")[0]
    assert edge_distance(x, x) == 0.0
    with pytest.raises(ValueError, match=r"images \(N, C, H, W\), got \(8, 8\)"):
        edge_distance(torch.zeros(8, 8), x)

