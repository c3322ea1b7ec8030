"""Log-densities shared by several models (one numerically careful copy of each).

Taught first in notebooks/07_zoo_comparison ("One test set, bits per dimension") for the discretized
Gaussian, and in notebooks/03_vae for the Gaussian decoder, which uses the same function.
"""
from __future__ import annotations

import math

import torch

__all__ = ["discretized_gaussian_log_probs", "discretized_gaussian_log_prob_at", "normal_cdf"]


def normal_cdf(t: torch.Tensor) -> torch.Tensor:
    """Phi(t), accurate to its last digits in the lower tail too.

    ``torch.special.ndtr`` computes 1 + erf(t / sqrt 2), which cancels for negative t: in
    float32 it keeps only a few digits below t = -4 and is exactly 0 from t = -5.5 (float64:
    from -8.3), and which digits survive depends on the CPU's erf kernel. erfc has no such
    cancellation: Phi(t) = erfc(-t / sqrt 2) / 2 underflows only below t = -37 in float64.
    """
    return 0.5 * torch.special.erfc(-t / math.sqrt(2))


def discretized_gaussian_log_probs(mu: torch.Tensor, sigma: torch.Tensor,
                                   levels: int) -> torch.Tensor:
    """log P(x = k), k = 0..levels-1, of a Gaussian N(mu, sigma^2) binned to unit bins.

    P(x = k) = Phi((k + 1/2 - mu) / sigma) - Phi((k - 1/2 - mu) / sigma), with the first and
    last bins stretched to -inf and +inf, so the ``levels`` probabilities sum to one. Where a bin
    lies above the mean both CDFs round to 1 in the far tail, so there the difference is taken
    of the upper tails, Phi((mu - lower) / sigma) - Phi((mu - upper) / sigma), instead: every
    difference is then one of two lower tails, each computed without cancellation
    (:func:`normal_cdf`) and in float64, so a pixel 30 sigmas from the mean still gets its
    log-probability (about -450 nats), not a floor, and the result is the same on every CPU
    to float32's last digits.

    Args:
        mu, sigma: tensors of the same shape (...), sigma > 0, in units of levels.
        levels: the number of values x takes.

    Returns:
        (..., levels) log-probabilities in nats, in mu's dtype.
    """
    if not bool((sigma > 0).all()):
        raise ValueError("sigma must be positive everywhere, got a value <= 0")
    dtype, mu, sigma = mu.dtype, mu.double(), sigma.double()
    edges = torch.arange(1, levels, dtype=mu.dtype, device=mu.device) - 0.5  # inner edges
    mu_, sigma_ = mu[..., None], sigma[..., None]
    zeros, ones = torch.zeros_like(mu_), torch.ones_like(mu_)
    # The outer edges are -inf and +inf: their CDF values are the constants 0 and 1 (computing
    # them through ndtr would give 0 * inf = NaN gradients).
    cdf = torch.cat([zeros, normal_cdf((edges - mu_) / sigma_), ones], -1)  # (..., L+1)
    sf = torch.cat([ones, normal_cdf((mu_ - edges) / sigma_), zeros], -1)  # 1 - cdf
    k = torch.arange(levels, dtype=mu.dtype, device=mu.device)
    prob = torch.where(mu_ > k, cdf[..., 1:] - cdf[..., :-1], sf[..., :-1] - sf[..., 1:])
    return prob.clamp_min(torch.finfo(mu.dtype).tiny).log().to(dtype)


def discretized_gaussian_log_prob_at(k: torch.Tensor, mu: torch.Tensor, sigma: torch.Tensor,
                                     levels: int) -> torch.Tensor:
    """log P(x = k) of :func:`discretized_gaussian_log_probs` at one level k per entry.

    The same formula, evaluated only at the observed levels ``k`` (integers in 0..levels-1,
    broadcast with mu and sigma): ``levels`` times less memory than the full table, which is
    what lets the VAE's importance weights (k = 1000 samples) run on the test split in chunks
    of 25 samples within a Binder session's memory.
    """
    if not bool((sigma > 0).all()):
        raise ValueError("sigma must be positive everywhere, got a value <= 0")
    dtype, mu, sigma = mu.dtype, mu.double(), sigma.double()
    k = k.to(mu.dtype)
    first, last = k == 0, k == levels - 1
    lower, upper = k - 0.5, k + 0.5  # the bin's edges; the outer bins reach -inf and +inf
    cdf_lower = torch.where(first, 0.0, normal_cdf((lower - mu) / sigma))
    cdf_upper = torch.where(last, 1.0, normal_cdf((upper - mu) / sigma))
    sf_lower = torch.where(first, 1.0, normal_cdf((mu - lower) / sigma))
    sf_upper = torch.where(last, 0.0, normal_cdf((mu - upper) / sigma))
    prob = torch.where(mu > k, cdf_upper - cdf_lower, sf_lower - sf_upper)
    return prob.clamp_min(torch.finfo(mu.dtype).tiny).log().to(dtype)
