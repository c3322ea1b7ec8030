"""The notebooks' self-checks accept right answers and name the usual mistakes."""
import math

import numpy as np
import torch
from numpy.lib.stride_tricks import sliding_window_view

from genzoo_lite.data import toy2d
from genzoo_lite.exercises import efros_leung as el
from genzoo_lite.exercises import gaussian_mle as ex
from genzoo_lite.models.efros_leung import gaussian_weights
from genzoo_lite.models.gaussian import fit_gmm


def todo(*_):
    raise NotImplementedError


def test_mle_variance_check(capsys):
    assert ex.check_mle_variance(lambda x: ((x - x.mean()) ** 2).mean()).ok
    assert "N - 1" in ex.check_mle_variance(lambda x: x.var()).message
    assert "standard deviation" in ex.check_mle_variance(lambda x: x.std(unbiased=False)).message
    assert "not attempted" in ex.check_mle_variance(todo).message
    assert "ZeroDivisionError" in ex.check_mle_variance(lambda x: 1 / 0).message
    assert "✓ Exercise 1" in capsys.readouterr().out


def test_log_density_check():
    def right(x, mu, s):
        return -0.5 * math.log(2 * math.pi * s**2) - (x - mu) ** 2 / (2 * s**2)

    assert ex.check_log_density(right).ok
    assert "log(sigma)" in ex.check_log_density(
        lambda x, mu, s: -0.5 * math.log(2 * math.pi) - (x - mu) ** 2 / (2 * s**2)).message
    assert "sigma^2 belongs" in ex.check_log_density(
        lambda x, mu, s: -0.5 * math.log(2 * math.pi * s) - (x - mu) ** 2 / (2 * s)).message
    assert "density p(x)" in ex.check_log_density(lambda x, mu, s: right(x, mu, s).exp()).message


def test_responsibilities_check():
    x = toy2d("two_moons", 200)
    gmm = fit_gmm(x, k=3, n_iter=5)
    assert ex.check_responsibilities(lambda x, g: g.responsibilities(x), gmm, x).ok
    assert "sum to 1" in ex.check_responsibilities(
        lambda x, g: g.log_joint(x).exp(), gmm, x).message
    assert "mixture weights" in ex.check_responsibilities(
        lambda x, g: torch.softmax(g.log_joint(x) - g.weights.log(), 1), gmm, x).message


def test_bits_per_dim_check():
    from genzoo_lite.exercises import zoo

    assert zoo.check_bits_per_dim(lambda lp, n: -lp / (n * math.log(2))).ok
    assert "nats per dimension" in zoo.check_bits_per_dim(lambda lp, n: -lp / n).message
    assert "wrong sign" in zoo.check_bits_per_dim(lambda lp, n: lp / (n * math.log(2))).message
    assert "bits per image" in zoo.check_bits_per_dim(lambda lp, n: -lp / math.log(2)).message
    assert "not attempted" in zoo.check_bits_per_dim(todo).message
    assert "ZeroDivisionError" in zoo.check_bits_per_dim(lambda lp, n: 1 / 0).message
    assert "expected a number" in zoo.check_bits_per_dim(lambda lp, n: None).message


# notebooks/04_efros_leung

def test_weighted_ssd_check(capsys):
    def right(t, m, s):
        g = gaussian_weights(len(t)) * m
        return np.sum(g * np.where(m, t - s, 0) ** 2) / g.sum()

    assert el.check_weighted_ssd(right).ok
    assert "✓ Exercise 1" in capsys.readouterr().out
    assert "unknown pixels changed" in el.check_weighted_ssd(
        lambda t, m, s: np.sum(gaussian_weights(len(t)) * (t - s) ** 2)).message
    assert "total weight" in el.check_weighted_ssd(
        lambda t, m, s: np.sum(gaussian_weights(len(t)) * m * np.where(m, t - s, 0) ** 2)).message
    assert "plain mean" in el.check_weighted_ssd(lambda t, m, s: np.mean((t - s)[m] ** 2)).message
    assert "not attempted" in el.check_weighted_ssd(todo).message


def test_candidates_check():
    assert el.check_candidates(lambda d, e: d <= (1 + e) * d.min()).ok
    assert "(1 + error_threshold)" in el.check_candidates(lambda d, e: d <= e * d.min()).message
    assert "use <=" in el.check_candidates(lambda d, e: d < (1 + e) * d.min()).message
    assert "only the best" in el.check_candidates(lambda d, e: d == d.min()).message
    assert "bool mask" in el.check_candidates(lambda d, e: np.flatnonzero(d <= d.min())).message


def test_next_pixel_check():
    def right(filled, window):
        counts = sliding_window_view(np.pad(filled, window // 2), (window, window)).sum((2, 3))
        return np.unravel_index(np.where(filled, -1, counts).argmax(), filled.shape)

    def three_by_three(filled, window):
        return right(filled, 3)

    assert el.check_next_pixel(right).ok
    assert "3x3" in el.check_next_pixel(three_by_three).message
    assert "already filled" in el.check_next_pixel(lambda f, w: (0, 0)).message
    assert "ZeroDivisionError" in el.check_next_pixel(lambda f, w: 1 / 0).message


# ----- notebooks/06_vqvae2 ------------------------------------------------------------------
def test_vq_checks_accept_right_answers_and_name_common_mistakes():
    from genzoo_lite.exercises import vqvae as vq
    from genzoo_lite.models.quantizer import perplexity

    def todo(*args):
        raise NotImplementedError

    assert vq.check_nearest_code(lambda z, e: torch.cdist(z, e).argmin(1)).ok
    assert "argmax" in vq.check_nearest_code(lambda z, e: torch.cdist(z, e).argmax(1)).message
    assert "+||e_k||^2" in vq.check_nearest_code(lambda z, e: (z @ e.T).argmax(1)).message
    assert vq.check_straight_through(lambda z, e: z + (e - z).detach()).ok
    assert "forward value" in vq.check_straight_through(lambda z, e: z).message
    assert "detach e" in vq.check_straight_through(lambda z, e: z + (e - z.detach())).message
    assert vq.check_perplexity(perplexity).ok
    assert "entropy in nats" in vq.check_perplexity(
        lambda i, k: perplexity(i, k).log()).message
    assert "number of codes used" in vq.check_perplexity(
        lambda i, k: float(len(i.unique()))).message
    assert all("not attempted" in check(todo).message for check in (
        vq.check_nearest_code, vq.check_straight_through, vq.check_perplexity))
