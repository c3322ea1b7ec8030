"""Sample-quality measures that compare samples with real images and do not reward noise.

A "sharpness" number (the mean difference of neighbouring pixels) is highest for pure noise, so
it ranks salt-and-pepper samples above clean ones. The measures here compare the *distribution*
of a local statistic in the samples with the one in real images: too blurry and too noisy both
score badly, and real held-out images score near 0. Taught in notebooks/03_vae ("VAE + GAN")
and notebooks/06_vqvae2 ("4. Generation").
"""
from __future__ import annotations

import torch

__all__ = ["edge_magnitudes", "edge_distance"]


def edge_magnitudes(x: torch.Tensor) -> torch.Tensor:
    """|horizontal| and |vertical| neighbour differences of images (N, C, H, W), flattened."""
    if not isinstance(x, torch.Tensor) or x.ndim != 4:
        raise ValueError(f"x must be a tensor of images (N, C, H, W), got "
                         f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
    x = x.double()
    return torch.cat([(x[..., 1:, :] - x[..., :-1, :]).abs().reshape(-1),
                      (x[..., 1:] - x[..., :-1]).abs().reshape(-1)])


def edge_distance(samples: torch.Tensor, reference: torch.Tensor,
                  quantiles: int = 99) -> float:
    """Wasserstein-1 distance between the edge-magnitude distributions of samples and reference.

    Both images must share one intensity scale (levels 0..16 for the digits, [0, 1] for crops).
    Computed from ``quantiles`` evenly spaced quantiles of each distribution: the mean absolute
    difference of matching quantiles. 0 for identical statistics; blur (too few strong edges)
    and noise (too many) both raise it.
    """
    q = torch.linspace(0.005, 0.995, quantiles, dtype=torch.float64)
    a = torch.quantile(edge_magnitudes(samples), q)
    b = torch.quantile(edge_magnitudes(reference), q)
    return float((a - b).abs().mean())
