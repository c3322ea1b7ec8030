"""A texture statistic that does not reward noise: the patch distance to held-out real crops.

A "sharpness" number (the mean difference of neighbouring pixels) is highest for pure noise.
``patch_distance`` instead compares the *distribution* of small patches in the samples with the
one in real held-out crops of the texture: noise, blur and a sampler that repeats one patch all
change it. Real crops score near the floor, which is the score of other real crops of the same
count. Taught in notebooks/06_vqvae2 ("4. Generation") and
notebooks/04_efros_leung.
"""
from __future__ import annotations

import torch

from genzoo_lite.core.checks import check_int

__all__ = ["patches", "patch_distance"]


def patches(x: torch.Tensor, size: int = 5, stride: int = 1) -> torch.Tensor:
    """All ``size`` x ``size`` patches of images (N, C, H, W) at ``stride``: rows (P, C*size^2)."""
    if not isinstance(x, torch.Tensor) or x.ndim != 4:
        raise ValueError(f"x must be a tensor of images (N, C, H, W), got "
                         f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
    size, stride = check_int("size", size, minimum=1), check_int("stride", stride, minimum=1)
    if size > min(x.shape[2:]):
        raise ValueError(f"patch size {size} is larger than the images {tuple(x.shape[2:])}")
    unfolded = torch.nn.functional.unfold(x.double(), size, stride=stride)  # (N, C*s*s, L)
    return unfolded.transpose(1, 2).reshape(-1, unfolded.shape[1])


def patch_distance(samples: torch.Tensor, reference: torch.Tensor, size: int = 5,
                   directions: int = 128, max_patches: int = 4000, seed: int = 0) -> float:
    """Sliced Wasserstein distance between the patch distributions of samples and reference.

    Every ``size`` x ``size`` patch, its own mean removed (the statistic compares structure, not
    brightness), is projected on ``directions`` random unit vectors; for each direction the
    Wasserstein-1 distance between the two sets of projections is the mean gap between 99
    matching quantiles, and the result is its mean over directions (Karras et al. 2018 use the
    same on Laplacian-pyramid patches). 0 for identical patch distributions. Noise and blur
    change the spread along most directions and score badly; real crops score near the floor.
    Use one intensity scale (e.g. [0, 1]) for both. Each set is cut to ``max_patches`` patches
    drawn without replacement (seeded). Compare samplers at the same number of images: the
    floor grows as the samples get fewer.
    """
    for x in (samples, reference):
        patches(x[:1], size)  # the same checks and errors as for all patches
    if samples.shape[1] != reference.shape[1]:
        raise ValueError(f"samples and reference must have the same channels, got "
                         f"{samples.shape[1]} and {reference.shape[1]}")
    directions = check_int("directions", directions, minimum=1)
    max_patches = check_int("max_patches", max_patches, minimum=1)
    gen = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
    a, b = (_drawn_patches(x, size, max_patches, gen) for x in (samples, reference))
    a, b = a - a.mean(dim=1, keepdim=True), b - b.mean(dim=1, keepdim=True)
    unit = torch.randn(a.shape[1], directions, generator=gen, dtype=torch.float64)
    unit /= unit.norm(dim=0)
    q = torch.linspace(0.005, 0.995, 99, dtype=torch.float64)
    return float((torch.quantile(a @ unit, q, dim=0) - torch.quantile(b @ unit, q, dim=0))
                 .abs().mean())


def _drawn_patches(x: torch.Tensor, size: int, count: int, gen: torch.Generator) -> torch.Tensor:
    """``patches(x, size)[torch.randperm(P, generator=gen)[:count]]``, without building all P
    patches first (2400 crops of 32x32 make 2.4 million; this keeps the memory to ``count``)."""
    n, c, h, w = x.shape
    rows, cols = h - size + 1, w - size + 1
    chosen = torch.randperm(n * rows * cols, generator=gen)[:count]
    image, place = chosen // (rows * cols), chosen % (rows * cols)
    top, left = place // cols, place % cols
    offsets = torch.arange(size)
    ii = (top[:, None] + offsets)[:, None, :, None]  # (M, 1, s, 1)
    jj = (left[:, None] + offsets)[:, None, None, :]  # (M, 1, 1, s)
    picked = x[image[:, None, None, None], torch.arange(c)[None, :, None, None], ii, jj]
    return picked.reshape(len(chosen), -1).double()  # (M, C*s*s), unfold's order
