"""Notebook 01's self-checks: the instructor's solutions pass, the usual mistakes are named."""
import math

import torch
from solutions import load_solutions

from genzoo_lite.exercises import gaussian_mle as ex

SOL = load_solutions("01_gaussian_mle")


def todo(*_):
    raise NotImplementedError()


def gauss_ll(v, unbiased=False):
    var = v.var(unbiased=unbiased)
    return -0.5 * torch.log(2 * math.pi * var) - 0.5 * v.var(unbiased=False) / var


def test_registry_matches_solutions():
    assert [e.label for e in ex.EXERCISES] == ["Exercise 1", "Exercise 2", "Exercise 3"]
    for e in ex.EXERCISES:
        assert e.check(getattr(SOL, e.function)).ok, e.label


def test_mle_variance_check(capsys):
    assert ex.check_mle_variance(SOL.exercise_mle_variance).ok
    assert "✓ Exercise 1" in capsys.readouterr().out
    assert "N - 1" in ex.check_mle_variance(lambda x: x.var()).message
    assert "standard deviation" in ex.check_mle_variance(lambda x: x.std(unbiased=False)).message
    assert "subtract the mean" in ex.check_mle_variance(lambda x: (x ** 2).mean()).message
    assert "not attempted" in ex.check_mle_variance(todo).message
    assert "ZeroDivisionError" in ex.check_mle_variance(lambda x: 1 / 0).message
    assert "expected a number" in ex.check_mle_variance(lambda x: x).message


def test_lognormal_fit_check(capsys):
    assert ex.check_lognormal_fit(SOL.exercise_lognormal_fit).ok
    assert "✓ Exercise 2" in capsys.readouterr().out
    named = {
        "Jacobian is missing": lambda y: gauss_ll(y.log()),
        "wrong sign": lambda y: gauss_ll(y.log()) + y.log().mean(),
        "fitted to y directly": lambda y: gauss_ll(y),
        "unbiased variance": lambda y: gauss_ll(y.log(), unbiased=True) - y.log().mean(),
        "total over all points": lambda y: len(y) * (gauss_ll(y.log()) - y.log().mean()),
    }
    for phrase, answer in named.items():
        result = ex.check_lognormal_fit(answer)
        assert not result.ok and phrase in result.message, (phrase, result.message)
    assert "not attempted" in ex.check_lognormal_fit(todo).message
    assert "RuntimeError" in ex.check_lognormal_fit(lambda y: y @ torch.ones(3)).message
    assert "expected" in ex.check_lognormal_fit(lambda y: 0.0).message


def test_full_minus_diag_check(capsys):
    assert ex.check_full_minus_diag(SOL.exercise_full_minus_diag).ok
    assert "✓ Exercise 3" in capsys.readouterr().out
    right = SOL.exercise_full_minus_diag
    named = {
        "wrong sign": lambda x: -right(x),
        "factor 1/2": lambda x: 2 * right(x),
        "total over all points": lambda x: len(x) * right(x),
    }
    for phrase, answer in named.items():
        result = ex.check_full_minus_diag(answer)
        assert not result.ok and phrase in result.message, (phrase, result.message)
    # an unbiased covariance gives the same difference: both log-determinants shift alike
    assert ex.check_full_minus_diag(
        lambda x: 0.5 * (torch.cov(x.T).diagonal().log().sum() - torch.logdet(torch.cov(x.T)))).ok
    assert "not attempted" in ex.check_full_minus_diag(todo).message
    assert "ZeroDivisionError" in ex.check_full_minus_diag(lambda x: 1 / 0).message


def test_a_hard_coded_variance_fails():
    """The right variance of the check's first input, returned for any input."""
    right_here = float(((ex._X - ex._X.mean()) ** 2).mean())
    result = ex.check_mle_variance(lambda x: right_here)
    assert not result.ok and "not on the check's random inputs" in result.message, result
    # the other two exercises, likewise
    right2 = SOL.exercise_lognormal_fit(ex._lognormal_data())
    assert not ex.check_lognormal_fit(lambda y: right2).ok
    right3 = SOL.exercise_full_minus_diag(ex._correlated_data())
    assert not ex.check_full_minus_diag(lambda x: right3).ok
