"""Self-checks for notebooks/03_vae."""
from __future__ import annotations

import math
from collections.abc import Callable

import torch

from genzoo_lite.exercises._report import (
    Exercise,
    Result,
    confirm,
    not_attempted,
    not_on_random,
    on_random_inputs,
    random_inputs,
    report,
    same_tensor,
)
from genzoo_lite.exercises._report import call_answer as _call

__all__ = ["check_kl_gaussians", "check_score_grad_log_sigma", "check_elbo_gap", "EXERCISES"]


def _as_tensor(value, shape: tuple[int, ...]) -> tuple[torch.Tensor | None, str | None]:
    try:
        value = torch.as_tensor(value, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError) as err:
        return None, f"expected a tensor, got {type(value).__name__} ({err})"
    if tuple(value.shape) != shape:
        return None, f"expected shape {shape}, got {tuple(value.shape)}"
    return value, None


# ----- Exercise 1: KL between two diagonal Gaussians ----------------------------------------
_MU_Q = torch.tensor([[0.5, -1.0, 2.0], [0.0, 0.3, -0.7]], dtype=torch.float64)
_LV_Q = torch.tensor([[0.2, -1.5, 0.7], [-0.4, 1.1, 0.0]], dtype=torch.float64)
_MU_P = torch.tensor([[1.0, 0.5, -0.5], [0.2, 0.3, 1.0]], dtype=torch.float64)
_LV_P = torch.tensor([[0.8, 0.4, -0.6], [1.0, -0.3, 0.5]], dtype=torch.float64)


def _kl(mu_q, lv_q, mu_p, lv_p):
    """KL(N(mu_q, e^lv_q) || N(mu_p, e^lv_p)), diagonal, summed over the last dim."""
    return 0.5 * (lv_p - lv_q + (lv_q.exp() + (mu_q - mu_p) ** 2) / lv_p.exp() - 1).sum(-1)


def check_kl_gaussians(kl: Callable) -> Result:
    """Exercise 1: ``kl(mu_q, log_var_q, mu_p, log_var_p)``, KL(q || p) per row, shape (N,)."""
    name = "Exercise 1"
    value, error = _call(kl, _MU_Q.clone(), _LV_Q.clone(), _MU_P.clone(), _LV_P.clone())
    if error == "not_attempted":
        return report(not_attempted("write KL(q || p) for two diagonal Gaussians"), name)
    if error:
        return report(Result(False, error), name)
    value, error = _as_tensor(value, (2,))
    if error:
        return report(Result(False, error + ": one KL per row, summed over the latent dims"), name)
    right = _kl(_MU_Q, _LV_Q, _MU_P, _LV_P)
    if torch.allclose(value, right):
        return report(confirm(Result(True, f"KL(q || p) = {right.numpy().round(4).tolist()} "
                                           "nats"), random_kl_gaussians, kl), name)
    var_q, var_p = _LV_Q.exp(), _LV_P.exp()
    if torch.allclose(value, _kl(_MU_P, _LV_P, _MU_Q, _LV_Q)):
        msg = "that is KL(p || q): the KL is not symmetric; the ELBO needs KL(q || p)"
    elif torch.allclose(value, _kl(_MU_Q, _LV_Q, torch.zeros_like(_MU_P), torch.zeros_like(_LV_P))):
        msg = ("that is the KL to N(0, I), the notebook's prior; here the prior has its own mean "
               "mu_p and variance exp(log_var_p)")
    elif torch.allclose(value, 2 * right):
        msg = "twice the right value: the KL has a factor 1/2 in front"
    elif torch.allclose(value, -right):
        msg = "wrong sign: a KL divergence is never negative"
    elif torch.allclose(value, 0.5 * (_LV_P - _LV_Q + var_q / var_p + (_MU_Q - _MU_P) ** 2
                                      - 1).sum(1)):
        msg = "divide the squared mean difference by the prior's variance too"
    elif torch.allclose(value, 0.5 * (_LV_Q - _LV_P + (var_q + (_MU_Q - _MU_P) ** 2) / var_p
                                      - 1).sum(1)):
        msg = "the log term is log(sigma_p^2 / sigma_q^2): you swapped the two variances"
    else:
        msg = (f"got {value.numpy().round(4).tolist()}, expected "
               f"{right.numpy().round(4).tolist()}; write KL(q || p) = E_q[log q - log p] "
               "for one dimension first")
    return report(Result(False, msg), name)


# ----- Exercise 2: score-function gradient in log sigma, with a baseline ---------------------
_MU = torch.tensor([0.5, -1.0], dtype=torch.float64)
_SIGMA = torch.tensor([0.8, 1.5], dtype=torch.float64)
_A = torch.tensor([1.0, 0.0], dtype=torch.float64)
_C = -30.0  # f is far from zero, like a log-likelihood: the case a baseline is for
_M = 20_000


def _toy_samples() -> tuple[torch.Tensor, torch.Tensor]:
    eps = torch.randn(_M, 2, generator=torch.Generator().manual_seed(13), dtype=torch.float64)
    z = _MU + _SIGMA * eps
    f = _C - 0.5 * ((z - _A) ** 2).sum(1)  # E_q[f] = C - (|mu - a|^2 + sum sigma^2) / 2
    return f, z


def check_score_grad_log_sigma(estimator: Callable) -> Result:
    """Exercise 2: ``estimator(f, z, mu, sigma)`` returns (M, L) single-sample estimates of
    d E_q[f] / d log sigma, unbiased, each with a baseline that does not use its own sample."""
    name = "Exercise 2"
    f, z = _toy_samples()
    value, error = _call(estimator, f.clone(), z.clone(), _MU.clone(), _SIGMA.clone())
    if error == "not_attempted":
        return report(not_attempted("write the score-function estimate with a baseline"), name)
    if error:
        return report(Result(False, error), name)
    value, error = _as_tensor(value, (_M, 2))
    if error:
        return report(Result(False, error + ": one estimate per sample and latent dim"), name)
    if not torch.isfinite(value).all():
        return report(Result(False, "got inf/nan in the estimates"), name)
    right = -_SIGMA**2  # d/d log sigma_j of -sigma_j^2 / 2
    mean, se = value.mean(0), value.std(0) / _M**0.5
    if not ((mean - right).abs() < 4 * se).all():
        got = mean.numpy().round(3).tolist()
        if ((mean + _SIGMA).abs() < 4 * se).all():
            msg = ("that is the gradient in sigma, not in log sigma: d/d log sigma = sigma "
                   "d/d sigma, so the score is (z - mu)^2 / sigma^2 - 1")
        elif ((mean + (_MU - _A)).abs() < 4 * se).all():
            msg = ("that is the gradient in mu ((z - mu) / sigma^2 is the score of mu); "
                   "differentiate log q(z) with respect to log sigma")
        elif ((mean - right - f.mean()).abs() < 4 * se + 0.05 * f.mean().abs()).all():
            msg = ("biased by E[f]: the score of log sigma is (z - mu)^2 / sigma^2 - 1; without "
                   "the -1 (or a baseline) its mean is not zero")
        else:
            msg = (f"biased: the mean of your estimates is {got}, the true gradient "
                   f"{right.numpy().round(3).tolist()} (beyond 4 standard errors)")
        return report(Result(False, msg), name)
    # Own-sample test: raising f_0 by 1 must move estimate 0 by exactly its score (baseline fixed).
    bumped = f.clone()
    bumped[0] += 1.0
    value2, error = _call(estimator, bumped, z.clone(), _MU.clone(), _SIGMA.clone())
    if error:
        return report(Result(False, f"second call failed: {error}"), name)
    value2, error = _as_tensor(value2, (_M, 2))
    if error:
        return report(Result(False, error), name)
    score0 = (z[0] - _MU) ** 2 / _SIGMA**2 - 1
    slope = (value2[0] - value[0]) / score0
    if torch.allclose(slope, torch.full_like(slope, 1 - 1 / _M), rtol=0, atol=1e-7):
        return report(Result(False, "your baseline includes the sample's own f (a plain mean): "
                                    "then b depends on z_i and the estimate is biased by a factor "
                                    "1 - 1/M; leave sample i out of its baseline"), name)
    plain = f[:, None] * ((z - _MU) ** 2 / _SIGMA**2 - 1)
    factor = (plain.var(0).sum() / value.var(0).sum()).item()
    if factor < 10:
        return report(Result(False, f"unbiased, but the variance is only {factor:.1f} times "
                                    "below the plain score function's: subtract a baseline "
                                    "b_i (the mean of f over the other samples)"), name)
    return report(confirm(Result(True, f"unbiased (mean {mean.numpy().round(2).tolist()}, "
                                       f"true {right.numpy().round(2).tolist()}), variance "
                                       f"{factor:.0f} times below the plain score function's"),
                          random_score_grad_log_sigma, estimator), name)


# ----- Exercise 3: linear-Gaussian model, the exact ELBO gap ---------------------------------
_W = torch.tensor([1.5, -0.5, 2.0], dtype=torch.float64)
_B = torch.tensor([0.2, 0.0, -0.3], dtype=torch.float64)
_S = 0.7
_X = torch.tensor([[1.0, -0.2, 1.5], [-2.0, 0.9, -3.1], [0.3, 0.1, 0.0], [2.5, -1.0, 3.0]],
                  dtype=torch.float64)
_Q_MU = torch.tensor([0.5, -0.8, 0.0, 1.6], dtype=torch.float64)
_Q_STD = torch.tensor([0.3, 0.25, 0.5, 0.1], dtype=torch.float64)


def _log_px_minus_elbo(w=_W, b=_B, s=_S, x=_X, q_mu=_Q_MU, q_std=_Q_STD) -> torch.Tensor:
    """log p(x) from the marginal N(b, w w^T + s^2 I) minus the ELBO in closed form."""
    d = len(w)
    cov = torch.outer(w, w) + s**2 * torch.eye(d, dtype=torch.float64)
    log_px = torch.distributions.MultivariateNormal(b, cov).log_prob(x)
    resid = ((x - b - q_mu[:, None] * w) ** 2).sum(1) + (w**2).sum() * q_std**2
    recon = -0.5 * d * math.log(2 * math.pi * s**2) - resid / (2 * s**2)
    kl_prior = 0.5 * (q_mu**2 + q_std**2 - 1 - 2 * q_std.log())
    return log_px - (recon - kl_prior)


def _kl_1d(m1, s1, m2, s2):
    return (s2 / s1).log() + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5


def _posterior_gap(x, w, b, s, q_mu, q_std) -> torch.Tensor:
    """The same gap the short way, KL(q || p(z|x)): exact where the long way cancels."""
    post_var = 1 / (1 + (w**2).sum() / s**2)
    return _kl_1d(q_mu, q_std, post_var * ((x - b) @ w) / s**2, post_var.sqrt())


def _far_case() -> tuple[torch.Tensor, ...]:
    """Two points a long way from the line w z + b (along [1, 3, 0], orthogonal to w): log p(x)
    and the ELBO are then both about -1e13 nats, and their difference in float64 is off in the
    third digit, while KL(q || p(z|x)) does not depend on that distance at all."""
    away = 1e6 * torch.tensor([1.0, 3.0, 0.0], dtype=torch.float64)
    x = torch.stack([_B + 0.8 * _W + away, _B - 1.2 * _W - away])
    return (x, _W.clone(), _B.clone(), _S, torch.tensor([0.9, -0.9], dtype=torch.float64),
            torch.tensor([0.2, 0.4], dtype=torch.float64))


def check_elbo_gap(gap: Callable) -> Result:
    """Exercise 3: ``gap(x, w, b, s, q_mu, q_std)`` = log p(x) - ELBO(q), shape (N,)."""
    name = "Exercise 3"
    value, error = _call(gap, _X.clone(), _W.clone(), _B.clone(), _S, _Q_MU.clone(),
                         _Q_STD.clone())
    if error == "not_attempted":
        return report(not_attempted("write the gap log p(x) - ELBO from the exact posterior"),
                      name)
    if error:
        return report(Result(False, error), name)
    value, error = _as_tensor(value, (len(_X),))
    if error:
        return report(Result(False, error + ": one gap per data point"), name)
    right = _log_px_minus_elbo()
    if torch.allclose(value, right):
        return report(confirm(_far_verdict(gap, Result(True, f"gap = KL(q || p(z|x)) = "
                                                             f"{right.numpy().round(3).tolist()} "
                                                             "nats, equal to log p(x) - ELBO")),
                              random_elbo_gap, gap), name)
    ww, proj = (_W**2).sum(), (_X - _B) @ _W
    post_std = (1 / (1 + ww / _S**2)).sqrt()
    post_mu = post_std**2 * proj / _S**2
    if torch.allclose(value, _kl_1d(post_mu, post_std, _Q_MU, _Q_STD)):
        msg = "that is KL(p(z|x) || q); the ELBO's gap is KL(q || p(z|x))"
    elif torch.allclose(value, _kl_1d(_Q_MU, _Q_STD, proj / ww, _S / ww.sqrt())):
        msg = ("your posterior ignores the prior (it is the likelihood alone): the precision is "
               "1 + |w|^2 / s^2, the 1 coming from p(z) = N(0, 1)")
    elif torch.allclose(value, _kl_1d(_Q_MU, _Q_STD, post_std**2 * (_X @ _W) / _S**2, post_std)):
        msg = "the posterior mean uses x - b, not x: subtract the decoder's offset b"
    elif torch.allclose(value, _kl_1d(_Q_MU, _Q_STD, post_mu, post_std**2)):
        msg = "you used the posterior variance where its standard deviation belongs"
    elif torch.allclose(value, -right):
        msg = "wrong sign: the ELBO is below log p(x), so the gap is >= 0"
    else:
        msg = (f"got {value.numpy().round(3).tolist()}, expected "
               f"{right.numpy().round(3).tolist()}; complete the square in z in log p(x|z) p(z) "
               "to get the posterior, then take KL(q || posterior)")
    return report(Result(False, msg), name)


def _far_verdict(gap: Callable, verdict: Result) -> Result:
    """``verdict`` if ``gap`` is also right at the two far points of :func:`_far_case`."""
    args = _far_case()
    value, error = _call(gap, *(a.clone() if isinstance(a, torch.Tensor) else a for a in args))
    if error:
        return Result(False, f"at two points far from the line w z + b: {error}")
    value, error = _as_tensor(value, (2,))
    if error:
        return Result(False, error)
    right = _posterior_gap(*args)
    if torch.allclose(value, right):
        return verdict
    err = (value - right).abs().max().item()
    if err < 0.05:
        return Result(False, f"right near the data, but off by {err:.1e} nats at two points far "
                             "from the line w z + b, where log p(x) and the ELBO are both about "
                             "-1e13 nats and their difference loses its digits in float64: "
                             "write the gap as KL(q || p(z|x)) from the posterior, as the "
                             "exercise asks")
    return Result(False, f"at two points far from the line w z + b you gave "
                         f"{value.numpy().round(3).tolist()}, expected "
                         f"{right.numpy().round(3).tolist()}: the gap does not depend on the part "
                         "of x - b orthogonal to w")


# ----- the grader's random inputs (genzoo-grade draws a new seed for every run) ---------------
def random_kl_gaussians(kl: Callable, seed: int) -> Result:
    gen = torch.Generator().manual_seed(seed)
    mu_q, lv_q, mu_p, lv_p = (torch.randn(3, 4, generator=gen, dtype=torch.float64)
                              for _ in range(4))
    return on_random_inputs(kl, [((mu_q.clone(), lv_q.clone(), mu_p.clone(), lv_p.clone()),
                                  _kl(mu_q, lv_q, mu_p, lv_p), "random (3, 4) Gaussians")],
                            same_tensor())


def random_score_grad_log_sigma(estimator: Callable, seed: int) -> Result:
    """Unbiased on random mu, sigma and samples: a baseline that differs, rightly, from one
    answer to the next rules out comparing with a reference, so the mean is tested (5 errors)."""
    gen = torch.Generator().manual_seed(seed)
    mu = torch.randn(2, generator=gen, dtype=torch.float64)
    sigma = 0.5 + torch.rand(2, generator=gen, dtype=torch.float64)
    z = mu + sigma * torch.randn(_M, 2, generator=gen, dtype=torch.float64)
    f = _C - 0.5 * ((z - _A) ** 2).sum(1)
    what = f"mu = {mu.numpy().round(3).tolist()}, sigma = {sigma.numpy().round(3).tolist()}"
    value, error = _call(estimator, f.clone(), z.clone(), mu.clone(), sigma.clone())
    if error == "not_attempted":
        return not_attempted("the function still raises NotImplementedError")
    if error:
        return Result(False, f"on {random_inputs()} ({what}): {error}")
    value, error = _as_tensor(value, (_M, 2))
    if error or not torch.isfinite(value).all():
        return Result(False, f"on {random_inputs()} ({what}): "
                             f"{error or 'got inf/nan in the estimates'}")
    right, mean, se = -sigma**2, value.mean(0), value.std(0) / _M**0.5
    if not ((mean - right).abs() < 5 * se).all():
        return Result(False, not_on_random(f"({what}), where it is biased: mean "
                                           f"{mean.numpy().round(3).tolist()}, true "
                                           f"{right.numpy().round(3).tolist()}"))
    return Result(True, f"also unbiased on {random_inputs()}")


def random_elbo_gap(gap: Callable, seed: int) -> Result:
    gen = torch.Generator().manual_seed(seed)
    w, b, x = (torch.randn(*s, generator=gen, dtype=torch.float64) for s in ((3,), (3,), (5, 3)))
    s = 0.5 + 0.5 * torch.rand(1, generator=gen).item()
    q_mu = torch.randn(5, generator=gen, dtype=torch.float64)
    q_std = 0.1 + 0.5 * torch.rand(5, generator=gen, dtype=torch.float64)
    right = _posterior_gap(x, w, b, s, q_mu, q_std)
    return on_random_inputs(gap, [((x.clone(), w.clone(), b.clone(), s, q_mu.clone(),
                                    q_std.clone()), right, "a random model and 5 points")],
                            same_tensor())


EXERCISES = [
    Exercise("Exercise 1", "exercise_kl_gaussians", check_kl_gaussians, random_kl_gaussians),
    Exercise("Exercise 2", "exercise_score_grad_log_sigma", check_score_grad_log_sigma,
             random_score_grad_log_sigma),
    Exercise("Exercise 3", "exercise_elbo_gap", check_elbo_gap, random_elbo_gap),
]
