"""Scores of models and samples: bits/dim of a likelihood or of a bound, and sample-quality
measures that compare samples with real images and do not reward noise.

Bits per dimension (:func:`bits_per_dim`, :func:`model_bits_per_dim`): the negative log
likelihood in nats per image, averaged over the images, divided by the number of pixels and by
ln 2. One function for the notebooks (notebooks/07_zoo_comparison's table) and the benchmarks
(benchmarks/bench_zoo.py), so both compute the same number.

A "sharpness" number (the mean difference of neighbouring pixels) is highest for pure noise, so
it ranks salt-and-pepper samples above clean ones. The measures here compare the *distribution*
of a local statistic in the samples with the one in real images: too blurry and too noisy both
score badly, and real held-out images score near 0. Taught in notebooks/03_vae ("VAE + GAN")
and notebooks/06_vqvae2 ("4. Generation").

:func:`auroc` scores a likelihood as a detector of abnormal inputs (notebooks/01_gaussian_mle,
"5. Abnormality detection"). It is scikit-learn's ``roc_auc_score`` for two classes, written
out in numpy because importing ``sklearn.metrics`` costs a kernel 75 MB (benchmarks/RESULTS.md,
"Live at frame rate, and a class on one server"); tests/test_metrics.py compares the two.
"""
from __future__ import annotations

import math

import numpy as np
import torch

__all__ = ["bits_per_dim", "model_bits_per_dim", "edge_magnitudes", "edge_distance", "auroc"]


def bits_per_dim(log_p: torch.Tensor, num_dims: int) -> float:
    """-mean(log_p) / (num_dims ln 2): bits per dimension of per-image log likelihoods (or of
    per-image lower bounds on them, such as the ELBO or IWAE) ``log_p`` (N,) in nats."""
    if not isinstance(log_p, torch.Tensor) or log_p.ndim != 1 or len(log_p) == 0:
        raise ValueError("log_p must be a non-empty 1-D tensor of per-image log likelihoods, got "
                         f"{tuple(log_p.shape) if isinstance(log_p, torch.Tensor) else log_p!r}")
    if int(num_dims) != num_dims or num_dims < 1:
        raise ValueError(f"num_dims must be a positive integer, got {num_dims!r}")
    return -log_p.double().mean().item() / (num_dims * math.log(2))


@torch.no_grad()
def model_bits_per_dim(model: torch.nn.Module, x: torch.Tensor, k: int = 1000,
                       seed: int = 0) -> tuple[float, str]:
    """Test bits/dim of ``model`` on images ``x`` (N, ...) and whether it is exact or a bound.

    A model with ``bits_per_dim(x)`` (the autoregressive ones) gives ``(its value, "exact")``;
    a model with only ``iwae_bound(x, k, generator=)`` (the VAE) gives the bits/dim of that
    bound, drawn with a generator seeded by ``seed``, and ``"bound, IWAE k=<k>"`` (k = 1 is the
    ELBO).
    """
    if hasattr(model, "bits_per_dim"):
        return float(model.bits_per_dim(x)), "exact"
    if not hasattr(model, "iwae_bound"):
        raise ValueError(f"{type(model).__name__} has neither bits_per_dim nor iwae_bound")
    bound = model.iwae_bound(x, k, generator=torch.Generator().manual_seed(seed))  # (N,) nats
    return bits_per_dim(bound, x[0].numel()), f"bound, IWAE k={k}"


def edge_magnitudes(x: torch.Tensor) -> torch.Tensor:
    """|horizontal| and |vertical| neighbour differences of images (N, C, H, W), flattened."""
    if not isinstance(x, torch.Tensor) or x.ndim != 4:
        raise ValueError(f"x must be a tensor of images (N, C, H, W), got "
                         f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
    x = x.double()
    vertical, horizontal = x[..., 1:, :], x[..., 1:]  # shapes of the two sets of differences
    # Written straight into one buffer: 2400 crops of 32x32 otherwise hold ~100 MB of copies.
    out = torch.empty(vertical.numel() + horizontal.numel(), dtype=x.dtype, device=x.device)
    torch.sub(vertical, x[..., :-1, :], out=out[:vertical.numel()].view(vertical.shape))
    torch.sub(horizontal, x[..., :-1], out=out[vertical.numel():].view(horizontal.shape))
    return out.abs_()


def edge_distance(samples: torch.Tensor, reference: torch.Tensor,
                  quantiles: int = 99) -> float:
    """Wasserstein-1 distance between the edge-magnitude distributions of samples and reference.

    Both images must share one intensity scale (levels 0..16 for the digits, [0, 1] for crops).
    Computed from ``quantiles`` evenly spaced quantiles of each distribution: the mean absolute
    difference of matching quantiles. 0 for identical statistics; blur (too few strong edges)
    and noise (too many) both raise it.
    """
    q = torch.linspace(0.005, 0.995, quantiles, dtype=torch.float64)
    a = _quantiles(edge_magnitudes(samples), q)
    b = _quantiles(edge_magnitudes(reference), q)
    return float((a - b).abs().mean())


def _quantiles(values: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """torch.quantile(values, q) (linear interpolation), sorting ``values`` in place: no sorted
    copy and no int64 indices, which for the 2400 training crops of notebook 06 were ~80 MB."""
    values = values.detach().cpu()
    values.numpy().sort()  # in place; ``values`` is a fresh array from edge_magnitudes
    ranks = q * (values.numel() - 1)
    below = ranks.long()  # ranks >= 0: truncation is the floor, as in torch.quantile
    return torch.lerp(values[below], values[ranks.ceil().long()], ranks - below)


def auroc(labels, scores) -> float:
    """The area under the ROC curve: the chance that a random positive (label 1) scores higher
    than a random negative (label 0), ties counted half (the Mann-Whitney statistic).

    Args:
        labels: 1-D, each 0 or 1 (bool allowed), both present.
        scores: 1-D, finite, one per label; higher means "more likely positive".

    Returns:
        A float in [0, 1]: 1 when every positive scores above every negative, 0.5 for chance.
    """
    labels, scores = np.asarray(labels), np.asarray(scores, dtype=np.float64)
    if labels.ndim != 1 or scores.shape != labels.shape:
        raise ValueError(f"labels and scores must be 1-D and of one length, got shapes "
                         f"{labels.shape} and {scores.shape}")
    if not np.isin(labels, (0, 1)).all():
        raise ValueError(f"labels must be 0 or 1, got the values {np.unique(labels)[:5]}")
    if not np.isfinite(scores).all():
        raise ValueError("scores must be finite, got NaN or infinity")
    positive, negative = scores[labels == 1], np.sort(scores[labels == 0])
    if len(positive) == 0 or len(negative) == 0:
        raise ValueError(f"both labels must occur, got {len(positive)} positives and "
                         f"{len(negative)} negatives")
    below = np.searchsorted(negative, positive, side="left")  # negatives under each positive
    tied = np.searchsorted(negative, positive, side="right") - below
    return float((below.sum() + 0.5 * tied.sum()) / (len(positive) * len(negative)))
