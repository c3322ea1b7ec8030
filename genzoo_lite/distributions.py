"""Log-densities shared by several models (one numerically careful copy of each).

Taught first in notebooks/00_zoo_overview ("One test set, every model") for the discretized
Gaussian, and in notebooks/03_vae for the Gaussian decoder, which uses the same function.
"""
from __future__ import annotations

import torch

__all__ = ["discretized_gaussian_log_probs"]


def discretized_gaussian_log_probs(mu: torch.Tensor, sigma: torch.Tensor,
                                   levels: int) -> torch.Tensor:
    """log P(x = k), k = 0..levels-1, of a Gaussian N(mu, sigma^2) binned to unit bins.

    P(x = k) = Phi((k + 1/2 - mu) / sigma) - Phi((k - 1/2 - mu) / sigma), with the first and
    last bins stretched to -inf and +inf, so the ``levels`` probabilities sum to one. Where a bin
    lies above the mean both CDFs round to 1 in the far tail, so there the difference is taken
    of the upper tails, Phi((mu - lower) / sigma) - Phi((mu - upper) / sigma), instead.

    Args:
        mu, sigma: tensors of the same shape (...), sigma > 0, in units of levels.
        levels: the number of values x takes.

    Returns:
        (..., levels) log-probabilities in nats, in mu's dtype.
    """
    if not bool((sigma > 0).all()):
        raise ValueError("sigma must be positive everywhere, got a value <= 0")
    edges = torch.arange(1, levels, dtype=mu.dtype, device=mu.device) - 0.5  # inner edges
    mu_, sigma_ = mu[..., None], sigma[..., None]
    zeros, ones = torch.zeros_like(mu_), torch.ones_like(mu_)
    # The outer edges are -inf and +inf: their CDF values are the constants 0 and 1 (computing
    # them through ndtr would give 0 * inf = NaN gradients).
    cdf = torch.cat([zeros, torch.special.ndtr((edges - mu_) / sigma_), ones], -1)  # (..., L+1)
    sf = torch.cat([ones, torch.special.ndtr((mu_ - edges) / sigma_), zeros], -1)  # 1 - cdf
    k = torch.arange(levels, dtype=mu.dtype, device=mu.device)
    prob = torch.where(mu_ > k, cdf[..., 1:] - cdf[..., :-1], sf[..., :-1] - sf[..., 1:])
    return prob.clamp_min(torch.finfo(mu.dtype).tiny).log()
