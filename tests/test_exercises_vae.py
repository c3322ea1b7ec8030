"""notebooks/03_vae: the solutions pass their checks, and the checks name the usual mistakes."""
import math

import torch
from solutions import load_solutions

from genzoo_lite.exercises import vae as ex

sol = load_solutions("03_vae")


def test_kl_gaussians_names_mistakes():
    kl = sol.exercise_kl_gaussians

    def message(fn):
        result = ex.check_kl_gaussians(fn)
        assert not result.ok
        return result.message

    assert "KL(p || q)" in message(lambda mq, vq, mp, vp: kl(mp, vp, mq, vq))
    assert "N(0, I)" in message(lambda mq, vq, mp, vp: kl(mq, vq, 0 * mp, 0 * vp))
    assert "1/2" in message(lambda mq, vq, mp, vp: 2 * kl(mq, vq, mp, vp))
    assert "prior's variance" in message(lambda mq, vq, mp, vp: 0.5 * (
        vp - vq + vq.exp() / vp.exp() + (mq - mp) ** 2 - 1).sum(1))
    assert "swapped" in message(lambda mq, vq, mp, vp: 0.5 * (
        vq - vp + (vq.exp() + (mq - mp) ** 2) / vp.exp() - 1).sum(1))
    assert "expected shape (2,)" in message(lambda mq, vq, mp, vp: 0.5 * (
        vp - vq + (vq.exp() + (mq - mp) ** 2) / vp.exp() - 1))


def loo(f):
    return (f.sum() - f) / (len(f) - 1)


def test_score_grad_log_sigma_names_mistakes():
    def message(fn):
        result = ex.check_score_grad_log_sigma(fn)
        assert not result.ok
        return result.message

    def score(z, m, s):
        return (z - m) ** 2 / s**2 - 1

    assert "subtract a baseline" in message(lambda f, z, m, s: f[:, None] * score(z, m, s))
    assert "own f" in message(lambda f, z, m, s: (f - f.mean())[:, None] * score(z, m, s))
    assert "gradient in sigma" in message(
        lambda f, z, m, s: (f - loo(f))[:, None] * score(z, m, s) / s)
    assert "gradient in mu" in message(lambda f, z, m, s: (f - loo(f))[:, None] * (z - m) / s**2)
    assert "biased by E[f]" in message(lambda f, z, m, s: f[:, None] * (z - m) ** 2 / s**2)
    assert "shape" in message(lambda f, z, m, s: (f - loo(f)) * score(z, m, s)[:, 0])
    # without the -1 the score still has mean zero once a baseline is subtracted: accepted
    assert ex.check_score_grad_log_sigma(lambda f, z, m, s: (f - loo(f))[:, None] * (z - m) ** 2
                                         / s**2).ok


def test_elbo_gap_names_mistakes():
    def kl1(m1, s1, m2, s2):
        return (s2 / s1).log() + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5

    def post(x, w, b, s):
        var = 1 / (1 + (w**2).sum() / s**2)
        return var * ((x - b) @ w) / s**2, var.sqrt()

    def message(fn):
        result = ex.check_elbo_gap(fn)
        assert not result.ok
        return result.message

    assert "KL(p(z|x) || q)" in message(lambda x, w, b, s, qm, qs: kl1(*post(x, w, b, s), qm, qs))
    assert "ignores the prior" in message(lambda x, w, b, s, qm, qs: kl1(
        qm, qs, (x - b) @ w / (w**2).sum(), s / (w**2).sum().sqrt()))
    assert "x - b" in message(lambda x, w, b, s, qm, qs: kl1(qm, qs, *post(x, w, 0 * b, s)))
    assert "wrong sign" in message(lambda *a: -sol.exercise_elbo_gap(*a))
    assert "variance where" in message(lambda x, w, b, s, qm, qs: kl1(
        qm, qs, post(x, w, b, s)[0], post(x, w, b, s)[1] ** 2))
    assert "one gap per data point" in message(lambda *a: torch.zeros(3))


def _long_way(x, w, b, s, q_mu, q_std):
    """log p(x) from the marginal N(b, w w^T + s^2 I) minus the ELBO in closed form."""
    d = len(w)
    cov = torch.outer(w, w) + s**2 * torch.eye(d, dtype=torch.float64)
    log_px = torch.distributions.MultivariateNormal(b, cov).log_prob(x)
    resid = ((x - b - q_mu[:, None] * w) ** 2).sum(1) + (w**2).sum() * q_std**2
    recon = -0.5 * d * math.log(2 * math.pi * s**2) - resid / (2 * s**2)
    return log_px - (recon - 0.5 * (q_mu**2 + q_std**2 - 1 - 2 * q_std.log()))


def _long_way_low_rank(x, w, b, s, q_mu, q_std):
    """The same with the marginal as a low-rank Gaussian (Woodbury inside)."""
    d = len(w)
    marginal = torch.distributions.LowRankMultivariateNormal(
        b, w[:, None], torch.full((d,), s**2, dtype=torch.float64))
    resid = ((x - b - q_mu[:, None] * w) ** 2).sum(1) + (w**2).sum() * q_std**2
    recon = -0.5 * d * math.log(2 * math.pi * s**2) - resid / (2 * s**2)
    return marginal.log_prob(x) - (recon - 0.5 * (q_mu**2 + q_std**2 - 1 - 2 * q_std.log()))


def test_the_long_way_fails_exercise_3():
    """Exercise 3 asks for the gap from the posterior, KL(q || p(z|x)); log p(x) - ELBO computed
    the long way is right near the data but cancels catastrophically far from it."""
    args = (ex._X, ex._W, ex._B, ex._S, ex._Q_MU, ex._Q_STD)
    for long_way in (_long_way, _long_way_low_rank):
        assert torch.allclose(long_way(*args), sol.exercise_elbo_gap(*args))  # same maths
        result = ex.check_elbo_gap(long_way)
        assert not result.ok and "KL(q || p(z|x)) from the posterior" in result.message, result
    assert "orthogonal" in ex.check_elbo_gap(
        lambda x, *a: sol.exercise_elbo_gap(x, *a) + 1e-14 * (x**2).sum(1)).message
