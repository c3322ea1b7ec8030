"""Test bits per pixel of a VQ-VAE-2 + prior on quantized images, comparable with a pixel model.

A PixelCNN over 16-level pixels gives -log2 p(x) exactly. The VQ model gives a bound: with the
encoder's codes z(x), p(x) = sum_z p(z) p(x | z) >= p(z(x)) p(x | z(x)), so
bits(x) <= bits of the codes under the prior + bits of the pixels given the codes. The decoder
is trained with L2, so p(x | z) is taken as a discretized Gaussian around the decoded image
with one sigma, the RMS error of the training reconstructions. Taught in notebooks/06_vqvae2,
"4. Generation"; measured by benchmarks/bench_vqvae.py.
"""
from __future__ import annotations

import math

import torch

__all__ = ["decoder_sigma", "pixel_bits_given_codes", "vq_bits_per_dim"]


@torch.no_grad()
def decoder_sigma(vqvae, x: torch.Tensor) -> float:
    """RMS reconstruction error of images x in [0, 1] through their own codes."""
    return float(((vqvae.decode_codes(*vqvae.encode(x)) - x) ** 2).mean().sqrt())


def pixel_bits_given_codes(x_levels: torch.Tensor, mean: torch.Tensor, sigma: float,
                           levels: int) -> torch.Tensor:
    """-log2 p(x | z) per image: each level's Gaussian mass around ``mean`` (in [0, 1] units),
    the end levels taking the tails. x_levels: ints 0..levels-1 (N, C, H, W)."""
    if sigma <= 0:
        raise ValueError(f"sigma must be > 0, got {sigma}")
    step = 1.0 / (levels - 1)
    centre = x_levels.double() * step
    normal = torch.distributions.Normal(mean.double(), sigma)
    upper = torch.where(x_levels == levels - 1, torch.ones_like(centre),
                        normal.cdf(centre + step / 2))
    lower = torch.where(x_levels == 0, torch.zeros_like(centre), normal.cdf(centre - step / 2))
    return -(upper - lower).clamp_min(1e-300).log2().flatten(1).sum(dim=1)


@torch.no_grad()
def vq_bits_per_dim(vqvae, prior, x: torch.Tensor, label: torch.Tensor, sigma: float,
                    levels: int = 16) -> dict[str, float]:
    """Bits per pixel of images x in [0, 1] quantized to ``levels``: {"codes", "pixels", "total"}
    (the total is the upper bound above). The codes are those of the quantized images."""
    x_levels = (x.clamp(0, 1) * (levels - 1)).round().long()
    x_q = x_levels.float() / (levels - 1)
    top, bottom = vqvae.encode(x_q)
    bits_top, bits_bottom = prior.bits_per_code(top, bottom, label)
    pixels = x[0].numel()
    codes = (top[0].numel() * bits_top + bottom[0].numel() * bits_bottom) / pixels
    given = float(pixel_bits_given_codes(x_levels, vqvae.decode_codes(top, bottom), sigma,
                                         levels).mean()) / pixels
    return {"codes": codes, "pixels": given, "total": codes + given,
            "uniform": math.log2(levels)}
