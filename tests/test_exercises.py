"""The notebooks' self-checks accept right answers and name the usual mistakes."""
import math

import torch

from genzoo_lite.data import toy2d
from genzoo_lite.exercises import gaussian_mle as ex
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
