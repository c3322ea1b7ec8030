"""The VQ-VAE-2 bits-per-pixel bound, and the fair pixel-space baseline of notebook 06."""
import math

import pytest
import torch

from genzoo_lite import load_pretrained
from genzoo_lite.evaluation.vq_bits import decoder_sigma, pixel_bits_given_codes, vq_bits_per_dim
from genzoo_lite.models.autoregressive.pixelcnn import pixel_levels
from genzoo_lite.registry.recipes import vq_crops


def test_pixel_bits_given_codes_is_a_discretized_gaussian():
    levels = torch.tensor([[[[0, 7, 15]]]])  # (1, 1, 1, 3)
    exact = levels / 15.0
    # A narrow Gaussian on the right level costs almost nothing; a wider one about
    # -log2(level width x density) for a middle level.
    assert float(pixel_bits_given_codes(levels, exact, 1e-3, 16)) < 1e-6
    wide = float(pixel_bits_given_codes(torch.tensor([[[[7]]]]), torch.tensor([[[[7 / 15]]]]),
                                        0.3, 16))
    assert wide == pytest.approx(-math.log2(1 / 15 / (0.3 * math.sqrt(2 * math.pi))), rel=0.01)
    # The probabilities of all 16 levels sum to 1 (the end levels take the tails).
    mean = torch.full((1, 1, 1, 16), 0.9)
    bits = pixel_bits_given_codes(torch.arange(16).reshape(1, 1, 1, 16), mean, 0.2, 16)
    per_level = [float(pixel_bits_given_codes(torch.tensor([[[[v]]]]), mean[..., :1], 0.2, 16))
                 for v in range(16)]
    assert sum(2 ** -b for b in per_level) == pytest.approx(1.0, abs=1e-9)
    assert float(bits) == pytest.approx(sum(per_level))
    with pytest.raises(ValueError, match="sigma must be > 0, got 0"):
        pixel_bits_given_codes(levels, exact, 0, 16)


def test_pixel_baseline_beats_the_vq_bound_on_the_same_test_crops():
    torch.manual_seed(0)
    x_train, _ = vq_crops("train")
    x_test, labels_test = vq_crops("test")
    x_test, labels_test = x_test[:160], labels_test[:160]  # 20 crops of each image
    vqvae, prior = load_pretrained("vqvae2"), load_pretrained("vqvae2_prior")
    pixel = load_pretrained("vqvae2_pixel_pixelcnn")
    vq = vq_bits_per_dim(vqvae, prior, x_test, labels_test, decoder_sigma(vqvae, x_train[:400]))
    assert 0 < vq["codes"] < 0.5 < vq["total"] < vq["uniform"]
    pixel_bits = pixel.bits_per_dim(pixel_levels(x_test, pixel.levels), labels_test)
    assert pixel_bits < 1.5 < vq["total"]  # the baseline trained 2 epochs scored about 2.5
