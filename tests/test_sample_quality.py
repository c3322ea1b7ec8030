"""The digits FID (genzoo_lite/evaluation/sample_quality.py) and the shipped digit classifier
behind it."""
import math

import numpy as np
import pytest
import scipy.linalg
import torch

from genzoo_lite import load_digits, load_pretrained, train_recipe
from genzoo_lite.evaluation.digit_classifier import DigitClassifier, _shift
from genzoo_lite.evaluation.sample_quality import (
    DigitQuality,
    confidence_entropy,
    fid,
    frechet_distance,
    gaussian_stats,
)


def direct_fid(a: np.ndarray, b: np.ndarray) -> float:
    """The textbook formula with scipy's general matrix square root (may leave tiny imaginary
    parts, which are discarded)."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = scipy.linalg.sqrtm(cov_a @ cov_b)
    assert np.abs(root.imag).max() < 1e-6
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * root.real))


@pytest.fixture(scope="module")
def features():
    rng = np.random.default_rng(0)
    mixing = rng.standard_normal((16, 16))
    return rng.standard_normal((500, 16)) @ mixing, rng.standard_normal((400, 16)) @ mixing


@pytest.fixture(scope="module")
def quality():
    return DigitQuality(load_pretrained("digit_classifier", "shipped"), load_digits("train")[0])


def test_fid_of_a_set_with_itself_is_zero(features):
    a, _ = features
    assert fid(a, a) == pytest.approx(0.0, abs=1e-6)
    assert fid(a, a + 3.0) == pytest.approx(16 * 9.0, rel=1e-9)  # a shift: only the means move


def test_fid_matches_a_direct_computation(features):
    a, b = features
    b = 0.7 * b + 0.5  # different means and covariances
    assert fid(a, b) == pytest.approx(direct_fid(a, b), rel=1e-6)
    assert fid(a, b) == pytest.approx(fid(b, a), rel=1e-9)


def test_one_dimensional_gaussians_have_the_closed_form():
    # W2^2 between N(m1, s1^2) and N(m2, s2^2) is (m1 - m2)^2 + (s1 - s2)^2
    value = frechet_distance(np.array([1.0]), np.array([[4.0]]), np.array([-1.0]),
                             np.array([[9.0]]))
    assert value == pytest.approx(4.0 + 1.0)


def test_singular_covariances_are_handled(features):
    a, _ = features
    dead = np.concatenate([a, np.zeros((len(a), 3))], axis=1)  # dead ReLU units: rank-deficient
    assert math.isfinite(fid(dead, dead + 0.1)) and fid(dead, dead) == pytest.approx(0, abs=1e-6)


def test_fid_grows_with_noise(quality):
    x_test = load_digits("test")[0][:200].double()
    generator = torch.Generator().manual_seed(0)
    noise = torch.randn(x_test.shape, generator=generator, dtype=torch.float64)
    fids = [quality((x_test + scale * noise).clamp(0, 16)).fid for scale in (0.0, 3.0, 6.0, 10.0)]
    assert fids == sorted(fids) and fids[-1] > 3 * fids[0], fids


def test_real_digits_score_best_and_noise_worst(quality):
    x_test = load_digits("test")[0]
    noise = torch.randint(0, 17, (200, 1, 8, 8), generator=torch.Generator().manual_seed(0))
    real, random = quality(x_test[:200]), quality(noise)
    assert real.fid < 40 < 100 < random.fid
    assert real.confidence > 0.9 > random.confidence and real.entropy < 0.3 < random.entropy
    # blur: the mean of many digits is no digit
    blurred = torch.nn.functional.avg_pool2d(x_test[:200].double(), 3, 1, 1)
    assert quality(blurred).fid > 2 * real.fid


def test_shipped_classifier_accuracy():
    classifier = load_pretrained("digit_classifier", "shipped")
    x_test, y_test = load_digits("test")
    accuracy = (classifier.predict_proba(x_test).argmax(1) == y_test).float().mean()
    assert accuracy > 0.95
    assert classifier.features(x_test[:5]).shape == (5, 64)


def test_confidence_and_entropy():
    uniform = torch.full((4, 10), 0.1)
    assert confidence_entropy(uniform) == pytest.approx((0.1, math.log2(10)))
    certain = torch.eye(10)[:3]
    assert confidence_entropy(certain) == pytest.approx((1.0, 0.0))
    with pytest.raises(ValueError, match="rows summing to 1"):
        confidence_entropy(torch.ones(2, 10))


def test_bad_inputs_are_named(quality):
    bad = torch.full((2, 1, 8, 8), 16.0)
    bad[0, 0, 0, 0] = -1.0
    with pytest.raises(ValueError, match=r"values in \[-1, 16\].*\[0, 16\]"):
        DigitClassifier().features(bad)
    with pytest.raises(ValueError, match=r"shape \(N, 1, 8, 8\).*\(2, 64\)"):
        DigitClassifier().features(torch.zeros(2, 64))
    with pytest.raises(ValueError, match=r"N >= 2, got \(1, 16\)"):
        gaussian_stats(np.zeros((1, 16)))
    with pytest.raises(ValueError, match="one D"):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match="N >= 2"):
        quality(torch.zeros(1, 1, 8, 8))


def test_shift_moves_each_image_by_at_most_one_pixel():
    x = torch.zeros(50, 1, 8, 8)
    x[:, :, 3, 4] = 1.0
    moved = _shift(x, torch.Generator().manual_seed(0))
    rows, cols = (moved[:, 0] == 1).nonzero()[:, 1:].T
    assert len(rows) == 50 and set(rows.tolist()) == {2, 3, 4} and set(cols.tolist()) == {3, 4, 5}


def test_recipe_trains_one_epoch():
    model, history = train_recipe("digit_classifier", overrides={"num_epochs": 1},
                                  progress=False)
    assert isinstance(model, DigitClassifier) and not model.training
    assert len(history["loss"]) == 1 and 0 <= history["val_accuracy"][0] <= 1
