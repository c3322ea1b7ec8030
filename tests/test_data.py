import numpy as np
import pytest
import torch

from genzoo_lite.core.data import (
    DIGIT_SPLITS,
    TEXTURE_NAMES,
    TOY2D_NAMES,
    image_crops,
    load_digits,
    load_image,
    load_texture,
    toy2d,
)


def test_digit_splits_are_disjoint_fixed_and_cover_the_data():
    parts = {split: load_digits(split) for split in DIGIT_SPLITS}
    assert [len(parts[s][0]) for s in ("train", "val", "test")] == [1000, 350, 447]
    flat = {s: {tuple(img.flatten().tolist()) for img in parts[s][0]} for s in parts}
    # sklearn's digits contain no exact duplicates across these splits
    assert not flat["train"] & flat["test"] and not flat["val"] & flat["test"]
    # fixed order: the first training and test digits never change
    assert parts["train"][1][:10].tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert parts["test"][1][:5].tolist() == [3, 4, 6, 6, 6]


def test_digits_are_uint8_levels_and_int64_labels():
    images, labels = load_digits("val")
    assert images.dtype == torch.uint8 and images.shape[1:] == (1, 8, 8)
    assert int(images.max()) == 16 and int(images.min()) == 0
    assert labels.dtype == torch.int64 and set(labels.tolist()) == set(range(10))


def test_bad_split_names_the_valid_ones():
    with pytest.raises(ValueError, match=r"'validation'.*'train', 'val', 'test'"):
        load_digits("validation")


@pytest.mark.parametrize("name", TOY2D_NAMES)
def test_toy2d_is_seeded_and_bounded(name):
    a, b, c = toy2d(name, 500, seed=3), toy2d(name, 500, seed=3), toy2d(name, 500, seed=4)
    assert a.dtype == torch.float32 and a.shape == (500, 2)
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert a.abs().max() < 3.0


def test_toy2d_shapes_are_what_their_names_say():
    rings = toy2d("rings", 3000).norm(dim=1)
    # three radii, nothing near the centre
    assert rings.min() > 0.2
    eight = toy2d("eight_gaussians", 3000)
    angles = torch.atan2(eight[:, 1], eight[:, 0]) / (np.pi / 4)
    assert (angles - angles.round()).abs().median() < 0.1
    board = toy2d("checkerboard", 4000)
    colour = (torch.floor(board[:, 0]) + torch.floor(board[:, 1])) % 2
    assert colour.unique().numel() == 1  # all points on squares of one colour


def test_toy2d_rejects_bad_input():
    with pytest.raises(ValueError, match="'spiral'.*'two_moons'"):
        toy2d("spiral", 10)
    with pytest.raises(ValueError, match="positive int, got 0"):
        toy2d("rings", 0)


@pytest.mark.parametrize("name", TEXTURE_NAMES)
def test_textures_are_grayscale_floats_in_unit_range(name):
    texture = load_texture(name)
    assert texture.ndim == 2 and texture.dtype == np.float64
    assert 0.0 <= texture.min() < texture.max() <= 1.0


def test_unknown_texture_or_image_is_a_clear_error():
    with pytest.raises(ValueError, match="'camera'.*'brick'"):
        load_texture("camera")  # a photo, not a texture
    assert load_image("camera").shape == (512, 512)
    with pytest.raises(ValueError, match="'lena'"):
        load_image("lena")


def test_image_crops_come_from_their_split_rows():
    train = image_crops(["brick", "camera"], 20, size=16, seed=0)
    assert train.dtype == torch.float32 and train.shape == (20, 1, 16, 16)
    assert torch.equal(train, image_crops(["brick", "camera"], 20, size=16, seed=0))
    brick = torch.from_numpy(load_texture("brick")).float()
    test = image_crops("brick", 30, size=16, seed=1, split="test")
    # every test crop is found in brick's bottom quarter, and no training crop is
    windows = brick.unfold(0, 16, 1).unfold(1, 16, 1)  # (H-15, W-15, 16, 16)
    for crop in test[:5]:
        rows = (windows == crop[0]).flatten(2).all(2).nonzero()[:, 0]
        assert len(rows) and rows.min() >= 384
    for crop in train[::2][:5]:
        rows = (windows == crop[0]).flatten(2).all(2).nonzero()[:, 0]
        assert len(rows) and rows.max() + 16 <= 384


def test_image_crops_reject_bad_sizes_and_splits():
    with pytest.raises(ValueError, match=r"size must be in \[4, 128\].*got 200"):
        image_crops("brick", 2, size=200, split="test")
    with pytest.raises(ValueError, match="'val'.*'train', 'test'"):
        image_crops("brick", 2, split="val")


def test_digits_and_moons_equal_scikit_learns_without_importing_it():
    import subprocess
    import sys

    from sklearn.datasets import load_digits as sk_digits
    from sklearn.datasets import make_moons

    from genzoo_lite.core.data import _two_moons

    bunch = sk_digits()
    images = torch.cat([load_digits(split)[0] for split in ("train", "val", "test")])
    labels = torch.cat([load_digits(split)[1] for split in ("train", "val", "test")])
    assert np.array_equal(images.squeeze(1).numpy(), bunch.images)
    assert np.array_equal(labels.numpy(), bunch.target)
    for n, seed in [(1000, 0), (999, 3), (1, 5)]:
        assert np.array_equal(_two_moons(n, 0.08, seed),
                              make_moons(n_samples=n, noise=0.08, random_state=seed)[0])
    # a notebook that loads both never pays for scikit-learn's import (75 MB per kernel)
    code = ("import sys; from genzoo_lite import load_digits, toy2d; load_digits('test'); "
            "toy2d('two_moons', 10); print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
