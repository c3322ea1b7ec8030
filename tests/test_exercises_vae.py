"""notebooks/03_vae: the solutions pass their checks, and the checks name the usual mistakes."""
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
