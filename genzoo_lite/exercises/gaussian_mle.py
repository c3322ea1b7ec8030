"""Self-checks for notebooks/01_gaussian_mle."""
from __future__ import annotations

import math
from collections.abc import Callable

import torch

from genzoo_lite.exercises._report import (
    Exercise,
    Result,
    as_number,
    confirm,
    not_attempted,
    on_random_inputs,
    report,
    same_number,
)
from genzoo_lite.exercises._report import call_answer as _call

__all__ = ["check_mle_variance", "check_lognormal_fit", "check_full_minus_diag", "EXERCISES"]

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
    value, error = as_number(value)
    if error:
        return report(Result(False, error), "Exercise 1")
    n, mu = len(_X), _X.mean()
    right = ((_X - mu) ** 2).sum() / n
    if _close(value, right):
        return report(confirm(Result(True, f"sigma^2 = {value:.4f}, the 1/N maximum-likelihood "
                                           "variance"), random_mle_variance, mle_sigma2),
                      "Exercise 1")
    if _close(value, right * n / (n - 1)):
        msg = ("you divided by N - 1: that is the unbiased estimator; maximum likelihood "
               "divides by N (set the derivative of the log-likelihood to zero and see)")
    elif _close(value, right.sqrt()):
        msg = "that is sigma, the standard deviation; the exercise asks for sigma^2"
    elif _close(value, (_X ** 2).mean()):
        msg = "you forgot to subtract the mean mu before squaring"
    else:
        msg = f"got {value:.4f}, expected {float(right):.4f}; recheck the formula"
    return report(Result(False, msg), "Exercise 1")


def _lognormal_data() -> torch.Tensor:
    """20 positive, skewed values: exp of a Gaussian (mean 0.5, std 0.8), fixed seed (few, so
    that the 1/(N-1) variance gives a visibly different log-likelihood)."""
    g = torch.Generator().manual_seed(5)
    return (0.5 + 0.8 * torch.randn(20, generator=g, dtype=torch.float64)).exp()


def _gauss_max_ll(v: torch.Tensor, unbiased: bool = False) -> float:
    """The maximized average log-likelihood of a 1-D Gaussian fitted to v: -log(2 pi e s^2)/2."""
    var = v.var(unbiased=unbiased)
    return (-0.5 * torch.log(2 * math.pi * var) - 0.5 * v.var(unbiased=False) / var).item()


def check_lognormal_fit(lognormal_fit: Callable[[torch.Tensor], float]) -> Result:
    """Exercise 2: ``lognormal_fit(y)`` for positive y: fit log y ~ N(mu, sigma^2) by maximum
    likelihood and return the average log-likelihood of **y** (nats per point), which needs the
    Jacobian of z = log y: log p(y) = log N(log y; mu, sigma^2) - log y."""
    name = "Exercise 2"
    y = _lognormal_data()
    value, error = _call(lognormal_fit, y.clone())
    if error == "not_attempted":
        return report(not_attempted("fit the Gaussian to log y, then change variables back to y"),
                      name)
    if error:
        return report(Result(False, error), name)
    value, error = as_number(value)
    if error:
        return report(Result(False, error), name)
    z = y.log()
    jacobian = z.mean().item()  # mean log |dz/dy|^-1 = mean log y
    right = _gauss_max_ll(z) - jacobian
    if _close(value, right):
        return report(confirm(Result(True, f"{value:.4f} nats per point; a Gaussian fitted to "
                                           f"y itself scores {_gauss_max_ll(y):.4f}"),
                              random_lognormal_fit, lognormal_fit), name)
    wrong = {
        "the Jacobian is missing: that is the log-likelihood of log y; a density of y needs "
        "log p(y) = log p_z(log y) + log |dz/dy| = log p_z(log y) - log y": _gauss_max_ll(z),
        "the Jacobian has the wrong sign: dz/dy = 1/y, so log |dz/dy| = -log y is subtracted":
            _gauss_max_ll(z) + jacobian,
        "that is a Gaussian fitted to y directly; the model is a Gaussian on log y":
            _gauss_max_ll(y),
        "you used the unbiased variance (1/(N-1)); maximum likelihood divides by N":
            _gauss_max_ll(z, unbiased=True) - jacobian,
        "that is the total over all points; the exercise asks for the average per point":
            len(y) * right,
    }
    for msg, candidate in wrong.items():
        if _close(value, candidate):
            return report(Result(False, msg), name)
    return report(Result(False, f"got {value:.4f}, expected {right:.4f}; fit mu and sigma^2 of "
                                "log y, average log N(log y; mu, sigma^2) - log y"), name)


def _correlated_data() -> torch.Tensor:
    """400 points in 3-D with strongly correlated coordinates, fixed seed."""
    g = torch.Generator().manual_seed(4)
    mix = torch.tensor([[1.0, 0.0, 0.0], [0.8, 0.5, 0.0], [-0.3, 0.4, 0.6]], dtype=torch.float64)
    return torch.randn(400, 3, generator=g, dtype=torch.float64) @ mix.T + 2.0


def check_full_minus_diag(full_minus_diag: Callable[[torch.Tensor], float]) -> Result:
    """Exercise 3: ``full_minus_diag(x)`` for x (N, D): the maximized average log-likelihood of a
    full-covariance Gaussian minus that of a diagonal one, both fitted by maximum likelihood.
    Closed form: (sum_d log Sigma_dd - log det Sigma) / 2 = -log det(correlation matrix) / 2."""
    name = "Exercise 3"
    x = _correlated_data()
    value, error = _call(full_minus_diag, x.clone())
    if error == "not_attempted":
        return report(not_attempted("compare the two maximized log-likelihoods"), name)
    if error:
        return report(Result(False, error), name)
    value, error = as_number(value)
    if error:
        return report(Result(False, error), name)
    xc = x - x.mean(0)
    cov = xc.T @ xc / len(x)
    log_det, log_diag = torch.logdet(cov).item(), cov.diagonal().log().sum().item()
    right = 0.5 * (log_diag - log_det)
    if _close(value, right):
        return report(confirm(Result(True, f"full covariance gains {value:.4f} nats per point; "
                                           "the gain is never negative and 0 only for "
                                           "uncorrelated data"),
                              random_full_minus_diag, full_minus_diag), name)
    wrong = {
        "wrong sign: the full covariance contains the diagonal one as a special case, so its "
        "maximum likelihood cannot be lower": -right,
        "the factor 1/2 is missing: log N has -log det(Sigma) / 2": 2 * right,
        "that is the total over all points; the exercise asks for the average per point":
            len(x) * right,
        "you kept only the off-diagonal correlation of the first pair of coordinates; use all D":
            -0.5 * math.log(1 - (cov[0, 1] ** 2 / (cov[0, 0] * cov[1, 1])).item()),
    }
    for msg, candidate in wrong.items():
        if _close(value, candidate):
            return report(Result(False, msg), name)
    return report(Result(False, f"got {value:.4f}, expected {right:.4f}; at the MLE the "
                                "quadratic term of the average log-likelihood is -D/2 for both "
                                "models, so only the log-determinants differ"), name)


# ----- the grader's random inputs (genzoo-grade draws a new seed for every run) ---------------
def random_mle_variance(mle_sigma2: Callable, seed: int) -> Result:
    gen = torch.Generator().manual_seed(seed)
    cases = []
    for n in (7, 31):
        x = 3 * torch.randn(n, generator=gen, dtype=torch.float64) + 2
        cases.append(((x.clone(),), ((x - x.mean()) ** 2).mean(), f"{n} random values"))
    return on_random_inputs(mle_sigma2, cases, same_number())


def random_lognormal_fit(lognormal_fit: Callable, seed: int) -> Result:
    gen = torch.Generator().manual_seed(seed)
    cases = []
    for n in (12, 40):
        y = (torch.randn(1, generator=gen, dtype=torch.float64)
             + (0.3 + torch.rand(1, generator=gen, dtype=torch.float64))
             * torch.randn(n, generator=gen, dtype=torch.float64)).exp()
        z = y.log()
        cases.append(((y.clone(),), _gauss_max_ll(z) - z.mean().item(), f"{n} random values"))
    return on_random_inputs(lognormal_fit, cases, same_number())


def random_full_minus_diag(full_minus_diag: Callable, seed: int) -> Result:
    gen = torch.Generator().manual_seed(seed)
    cases = []
    for n, d in ((300, 2), (500, 4)):
        mix = torch.randn(d, d, generator=gen, dtype=torch.float64) + 2 * torch.eye(
            d, dtype=torch.float64)
        x = torch.randn(n, d, generator=gen, dtype=torch.float64) @ mix.T - 1.0
        xc = x - x.mean(0)
        cov = xc.T @ xc / n
        right = 0.5 * (cov.diagonal().log().sum() - torch.logdet(cov)).item()
        cases.append(((x.clone(),), right, f"{n} random points in {d}-D"))
    return on_random_inputs(full_minus_diag, cases, same_number())


EXERCISES = [
    Exercise("Exercise 1", "exercise_mle_variance", check_mle_variance, random_mle_variance),
    Exercise("Exercise 2", "exercise_lognormal_fit", check_lognormal_fit, random_lognormal_fit),
    Exercise("Exercise 3", "exercise_full_minus_diag", check_full_minus_diag,
             random_full_minus_diag),
]
