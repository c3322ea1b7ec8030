"""Gaussian maximum likelihood and a mixture of Gaussians fitted by EM.

Taught in notebooks/01_gaussian_mle ("Maximum likelihood for a Gaussian", "A mixture of
Gaussians by EM"); the GMM is the baseline of notebook 02 and the latent-variable bridge to 03.
EM is written out here because it is what notebook 01 teaches, step by step; the tests check it
against scikit-learn's ``GaussianMixture`` from the same starting point.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch.distributions import MultivariateNormal

from genzoo_lite.core.checks import check_int, check_levels, check_points
from genzoo_lite.core.distributions import discretized_gaussian_log_probs

__all__ = ["fit_gaussian", "gaussian_log_prob", "discretized_gaussian_log_prob", "GMM", "init_gmm",
           "em_step", "fit_gmm"]


def fit_gaussian(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Maximum-likelihood Gaussian: mu = mean(x), cov = mean((x - mu)(x - mu)^T).

    Note the 1/N of maximum likelihood, not the unbiased 1/(N - 1).

    Args:
        x: float tensor (N, D).

    Returns:
        ``mu`` (D,) and ``cov`` (D, D), in x's dtype.
    """
    check_points(x)
    mu = x.mean(dim=0)
    centred = x - mu  # (N, D)
    cov = centred.T @ centred / x.shape[0]
    return mu, cov


def gaussian_log_prob(x: torch.Tensor, mu: torch.Tensor, cov: torch.Tensor) -> torch.Tensor:
    """log N(x; mu, cov) of each row of x (N, D): a tensor (N,) in nats."""
    check_points(x)
    if mu.shape != (x.shape[1],) or cov.shape != (x.shape[1], x.shape[1]):
        raise ValueError(f"mu {tuple(mu.shape)} / cov {tuple(cov.shape)} do not fit "
                         f"D = {x.shape[1]}: expected ({x.shape[1]},) and {(x.shape[1],) * 2}")
    return MultivariateNormal(mu, covariance_matrix=cov).log_prob(x)


def discretized_gaussian_log_prob(x: torch.Tensor, mu: torch.Tensor, sigma: torch.Tensor,
                                  levels: int) -> torch.Tensor:
    """Exact log P(x) of integer levels under independent Gaussians binned to unit bins.

    P(x_d = k) = Phi((k + 1/2 - mu_d) / sigma_d) - Phi((k - 1/2 - mu_d) / sigma_d), with the
    first and last bins extended to -inf and +inf so the probabilities of the ``levels`` values
    sum to one. Taught in notebooks/07_zoo_comparison ("One test set, bits per dimension").

    Args:
        x: integer tensor (N, D) with values in 0..levels-1.
        mu, sigma: (D,) per-dimension mean and standard deviation (sigma > 0).
        levels: number of values each dimension takes.

    Returns:
        (N,) log-probabilities in nats.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be an integer tensor (N, D), got {type(x).__name__}")
    if x.ndim != 2:
        raise ValueError(f"x must have shape (N, D), got {tuple(x.shape)}")
    check_levels(x[:, None, None, :], check_int("levels", levels, minimum=2))  # as (N, 1, 1, D)
    d = x.shape[1]
    if mu.shape != (d,) or sigma.shape != (d,):
        raise ValueError(f"mu {tuple(mu.shape)} and sigma {tuple(sigma.shape)} must both have "
                         f"shape ({d},), one value per dimension of x")
    log_probs = discretized_gaussian_log_probs(mu.double(), sigma.double(), levels)  # (D, levels)
    return log_probs[torch.arange(d, device=x.device), x].sum(dim=1)  # (N, D) -> (N,)


@dataclass
class GMM:
    """A fitted mixture p(x) = sum_k w_k N(x; mu_k, Sigma_k)."""

    weights: torch.Tensor  # (K,)
    means: torch.Tensor  # (K, D)
    covs: torch.Tensor  # (K, D, D)
    log_likelihoods: list[float] = field(default_factory=list)  # mean log p(x) after each iteration

    def log_joint(self, x: torch.Tensor) -> torch.Tensor:
        """log w_k + log N(x_n; mu_k, Sigma_k) for every point and component: (N, K)."""
        check_points(x)
        x = x.to(self.means.dtype)
        # one component at a time: the same numbers as one batched MultivariateNormal, bit for
        # bit, without its (N, K, D) temporaries (14 MB for 1000 digits and 10 components)
        log_densities = [MultivariateNormal(mean, covariance_matrix=cov).log_prob(x)
                         for mean, cov in zip(self.means, self.covs)]
        return self.weights.log() + torch.stack(log_densities, dim=1)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) of each row of x (N, D): a tensor (N,) in nats."""
        return torch.logsumexp(self.log_joint(x), dim=1)

    def responsibilities(self, x: torch.Tensor) -> torch.Tensor:
        """The E-step: p(component k | x_n), rows sum to 1: (N, K)."""
        return torch.softmax(self.log_joint(x), dim=1)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw n points: pick a component by its weight, then sample its Gaussian. (n, D)."""
        k = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        eps = torch.randn(n, self.means.shape[1], generator=generator, dtype=self.means.dtype)
        chol = torch.linalg.cholesky(self.covs)  # (K, D, D)
        return self.means[k] + (chol[k] @ eps[:, :, None])[:, :, 0]


def init_gmm(x: torch.Tensor, k: int, seed: int = 0, reg_covar: float = 1e-6) -> GMM:
    """EM's starting point: k distinct data points (chosen with ``seed``) as means, the data
    covariance for every component, equal weights. Float64."""
    check_points(x)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= x.shape[0]:
        raise ValueError(f"k must be an int in [1, N={x.shape[0]}], got {k!r}")
    if not reg_covar >= 0:
        raise ValueError(f"reg_covar must be >= 0, got {reg_covar!r}")
    x = x.double()
    n, d = x.shape
    first = torch.randperm(n, generator=torch.Generator().manual_seed(seed))[:k]
    _, data_cov = fit_gaussian(x)
    covs = (data_cov + reg_covar * torch.eye(d, dtype=x.dtype)).expand(k, d, d).clone()
    return GMM(weights=torch.full((k,), 1.0 / k, dtype=x.dtype), means=x[first].clone(),
               covs=covs)


def em_step(gmm: GMM, x: torch.Tensor, reg_covar: float = 1e-6) -> GMM:
    """One EM iteration: the E-step's responsibilities, then the M-step's weighted MLE.

    Returns a new :class:`GMM` (``gmm`` is not modified) whose ``log_likelihoods`` extends the
    old list by the mean log-likelihood of x under the new parameters.
    """
    x = check_points(x).double()
    n, d = x.shape
    resp = gmm.responsibilities(x)  # E-step: r_nk = p(k | x_n), (N, K)
    counts = resp.sum(dim=0) + 10 * torch.finfo(x.dtype).tiny  # N_k, (K,)
    means = resp.T @ x / counts[:, None]  # M-step: (K, D)
    centred = x[None, :, :] - means[:, None, :]  # (K, N, D)
    covs = torch.einsum("nk,kni,knj->kij", resp, centred, centred) / counts[:, None, None]
    new = GMM(weights=counts / n, means=means,
              covs=covs + reg_covar * torch.eye(d, dtype=x.dtype))
    new.log_likelihoods = [*gmm.log_likelihoods, new.log_prob(x).mean().item()]
    return new


def fit_gmm(x: torch.Tensor, k: int, n_iter: int = 100, seed: int = 0,
            reg_covar: float = 1e-6) -> GMM:
    """Fit a K-component GMM to x (N, D) by expectation-maximisation, in float64.

    Args:
        x: float tensor (N, D).
        k: number of components, 1 <= k <= N.
        n_iter: EM iterations (each one E-step and one M-step), from :func:`init_gmm`.
        seed: seeds the choice of initial means.
        reg_covar: added to each covariance's diagonal so no component collapses onto a point.

    Returns:
        A :class:`GMM` whose ``log_likelihoods[i]`` is the mean log-likelihood after iteration i.
    """
    check_int("n_iter", n_iter)
    gmm = init_gmm(x, k, seed=seed, reg_covar=reg_covar)
    for _ in range(n_iter):
        gmm = em_step(gmm, x, reg_covar=reg_covar)
    if not math.isfinite(gmm.log_likelihoods[-1]):
        raise FloatingPointError(f"EM diverged (log-likelihood {gmm.log_likelihoods[-1]}); "
                                 "raise reg_covar or use fewer components")
    return gmm
