"""Self-checks for notebooks/01_gaussian_mle."""
from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ..models.gaussian import GMM
from ._report import call_answer as _call, not_attempted, report, Result

__all__ = ["check_mle_variance", "check_log_density", "check_responsibilities"]

_X = torch.tensor([0.3, 2.1, -1.4, 0.9, 3.3, -0.2, 1.7, 0.4], dtype=torch.float64)


def _close(a, b) -> bool:
    return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-9)


def check_mle_variance(mle_sigma2: Callable[[torch.Tensor], torch.Tensor]) -> Result:
    """Exercise 1: ``mle_sigma2(x)`` must return the maximum-likelihood variance of a 1-D x."""
    value, error = _call(mle_sigma2, _X.clone())
    if error == "not_attempted":
        return report(not_attempted("replace the `raise NotImplementedError` with your formula"),
                      "Exercise 1")
    if error:
        return report(Result(False, error), "Exercise 1")
    n, mu = len(_X), _X.mean()
    right = ((_X - mu) ** 2).sum() / n
    if _close(value, right):
        return report(Result(True, f"sigma^2 = {float(value):.4f}, the 1/N maximum-likelihood "
                                   "variance"), "Exercise 1")
    if _close(value, right * n / (n - 1)):
        msg = ("you divided by N - 1: that is the unbiased estimator; maximum likelihood "
               "divides by N (set the derivative of the log-likelihood to zero and see)")
    elif _close(value, right.sqrt()):
        msg = "that is sigma, the standard deviation; the exercise asks for sigma^2"
    elif _close(value, (_X ** 2).mean()):
        msg = "you forgot to subtract the mean mu before squaring"
    else:
        msg = f"got {float(value):.4f}, expected {float(right):.4f}; recheck the formula"
    return report(Result(False, msg), "Exercise 1")


def check_log_density(log_normal: Callable[[torch.Tensor, float, float], torch.Tensor]) -> Result:
    """Exercise 2: ``log_normal(x, mu, sigma)`` must return log N(x; mu, sigma^2) elementwise."""
    mu, sigma = 0.5, 1.7
    value, error = _call(log_normal, _X.clone(), mu, sigma)
    if error == "not_attempted":
        return report(not_attempted("write the Gaussian log-density"), "Exercise 2")
    if error:
        return report(Result(False, error), "Exercise 2")
    value = torch.as_tensor(value, dtype=torch.float64)
    if value.shape != _X.shape:
        return report(Result(False, f"expected one value per point, shape {tuple(_X.shape)}, "
                                    f"got {tuple(value.shape)}"), "Exercise 2")
    right = torch.distributions.Normal(mu, sigma).log_prob(_X)
    if torch.allclose(value, right):
        return report(Result(True, "matches torch.distributions.Normal.log_prob"), "Exercise 2")
    diff = value - right
    if torch.allclose(diff, torch.full_like(diff, math.log(sigma))):
        msg = "missing the -log(sigma) normalisation term"
    elif torch.allclose(diff.abs(), torch.full_like(diff, 0.5 * math.log(2 * math.pi))):
        msg = "missing (or doubled) the -1/2 log(2 pi) constant"
    elif torch.allclose(value, torch.distributions.Normal(mu, math.sqrt(sigma)).log_prob(_X)):
        msg = "you used sigma where sigma^2 belongs (the exponent is -(x - mu)^2 / (2 sigma^2))"
    elif torch.allclose(value, right.exp()):
        msg = "that is the density p(x); take its log"
    else:
        msg = f"max error {diff.abs().max().item():.3g}; compare term by term with the formula"
    return report(Result(False, msg), "Exercise 2")


def check_responsibilities(e_step: Callable[[torch.Tensor, GMM], torch.Tensor], gmm: GMM,
                           x: torch.Tensor) -> Result:
    """Exercise 3: ``e_step(x, gmm)`` must return p(k | x_n), shape (N, K), rows summing to 1."""
    value, error = _call(e_step, x, gmm)
    if error == "not_attempted":
        return report(not_attempted("compute the responsibilities"), "Exercise 3")
    if error:
        return report(Result(False, error), "Exercise 3")
    value = torch.as_tensor(value, dtype=torch.float64)
    right = gmm.responsibilities(x)
    if value.shape != right.shape:
        return report(Result(False, f"expected shape {tuple(right.shape)} (points x components), "
                                    f"got {tuple(value.shape)}"), "Exercise 3")
    if torch.allclose(value, right, atol=1e-6):
        return report(Result(True, "responsibilities match the library's E-step"), "Exercise 3")
    if not torch.allclose(value.sum(dim=1), torch.ones(len(x), dtype=value.dtype), atol=1e-6):
        msg = "rows do not sum to 1: normalise over components (softmax over k, dim=1)"
    else:
        unweighted = torch.softmax(gmm.log_joint(x) - gmm.weights.log(), dim=1)
        msg = ("you left out the mixture weights w_k" if torch.allclose(value, unweighted,
                                                                         atol=1e-6)
               else "normalised, but not the posterior p(k | x); use log w_k + log N(x; mu_k, S_k)")
    return report(Result(False, msg), "Exercise 3")
