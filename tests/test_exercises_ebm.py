"""Notebook 02's self-checks: the instructor's solutions pass, the usual mistakes are named."""
import math

import torch
from solutions import load_solutions

from genzoo_lite.exercises import ebm as ex
from genzoo_lite.models.energy.ebm import grid_points

SOL = load_solutions("02_ebm")


def todo(*_):
    raise NotImplementedError()


def grid(features, theta, lim, n):
    points, area = grid_points(lim, n)
    phi = features(points.double())
    return phi, phi @ theta, area


def test_registry_matches_solutions():
    assert [e.function for e in ex.EXERCISES] == [
        "exercise_grad_log_partition", "exercise_hessian_log_partition", "exercise_max_step_size"]
    for e in ex.EXERCISES:
        assert e.check(getattr(SOL, e.function)).ok, e.label


def test_grad_log_partition_check(capsys):
    assert ex.check_grad_log_partition(SOL.exercise_grad_log_partition).ok
    assert "✓ Exercise 1" in capsys.readouterr().out

    def weighted(weights):
        def answer(features, theta, lim, n):
            phi, e, area = grid(features, theta, lim, n)
            return weights(e, area) @ phi
        return answer

    named = {
        "wrong sign": weighted(lambda e, a: torch.softmax(-e, 0)),
        "uniformly": weighted(lambda e, a: -torch.full_like(e, 1 / len(e))),
        "exp(+E)": weighted(lambda e, a: -torch.softmax(e, 0)),
        "d Z / d theta": weighted(lambda e, a: -torch.exp(-e) * a),
    }
    for phrase, answer in named.items():
        result = ex.check_grad_log_partition(answer)
        assert not result.ok and phrase in result.message, (phrase, result.message)
    assert "expected shape" in ex.check_grad_log_partition(lambda f, t, lim, n: t[:2]).message
    assert "torch.Tensor" in ex.check_grad_log_partition(lambda f, t, lim, n: 1.0).message
    assert "not attempted" in ex.check_grad_log_partition(todo).message
    assert "ZeroDivisionError" in ex.check_grad_log_partition(lambda *a: 1 / 0).message


def test_hessian_log_partition_check(capsys):
    assert ex.check_hessian_log_partition(SOL.exercise_hessian_log_partition).ok
    assert "✓ Exercise 2" in capsys.readouterr().out

    def second_moment(features, theta, lim, n):
        phi, e, _ = grid(features, theta, lim, n)
        p = torch.softmax(-e, 0)
        return phi.T @ (p[:, None] * phi)

    def uniform_cov(features, theta, lim, n):
        phi, _, _ = grid(features, theta, lim, n)
        c = phi - phi.mean(0)
        return c.T @ c / len(phi)

    right = SOL.exercise_hessian_log_partition
    named = {
        "wrong sign": lambda *a: -right(*a),
        "second moment": second_moment,
        "-E_p[phi phi^T]": lambda *a: -second_moment(*a),
        "uniformly": uniform_cov,
        "only the diagonal": lambda *a: torch.diag(right(*a).diagonal()),
    }
    for phrase, answer in named.items():
        result = ex.check_hessian_log_partition(answer)
        assert not result.ok and phrase in result.message, (phrase, result.message)
    assert "expected shape" in ex.check_hessian_log_partition(
        SOL.exercise_grad_log_partition).message
    assert "not attempted" in ex.check_hessian_log_partition(todo).message
    assert "IndexError" in ex.check_hessian_log_partition(lambda *a: [][0]).message


def test_max_step_size_check(capsys):
    assert ex.check_max_step_size(SOL.exercise_max_step_size).ok
    assert "✓ Exercise 3" in capsys.readouterr().out
    named = {
        "stability limit": lambda s, t: 2 * min(s) ** 2,
        "not the spread": lambda s, t: 2 * min(s) ** 2 * (1 - 1 / (1 + t)),
        "first-order": lambda s, t: 4 * min(s) ** 2 * t,
        "first coordinate": lambda s, t: 2 * s[0] ** 2 * (1 - 1 / (1 + t) ** 2),
        "widest well": lambda s, t: 2 * max(s) ** 2 * (1 - 1 / (1 + t) ** 2),
        "mean width": lambda s, t: 2 * (sum(s) / len(s)) ** 2 * (1 - 1 / (1 + t) ** 2),
        "sigma where sigma^2": lambda s, t: 2 * min(s) * (1 - 1 / (1 + t) ** 2),
    }
    for phrase, answer in named.items():
        result = ex.check_max_step_size(answer)
        assert not result.ok and phrase in result.message, (phrase, result.message)
    assert "expected 0.0" in ex.check_max_step_size(lambda s, t: 1.0).message
    assert "expected a number" in ex.check_max_step_size(lambda s, t: "big").message
    assert "not attempted" in ex.check_max_step_size(todo).message


def test_step_size_keeps_the_spread_within_tolerance():
    """The formula the check relies on: a long chain at that step has the promised spread."""
    sigma, tol = 0.5, 0.1
    eta = SOL.exercise_max_step_size([sigma], tol)
    g = torch.Generator().manual_seed(0)
    x = torch.zeros(4000, dtype=torch.float64)
    for _ in range(300):  # x <- x - eta x / sigma^2 + sqrt(2 eta) xi, well mixed after ~50 steps
        x = x - eta * x / sigma**2 + math.sqrt(2 * eta) * torch.randn(4000, generator=g,
                                                                      dtype=torch.float64)
    assert abs(x.std().item() / sigma - (1 + tol)) < 0.03


def _autograd_grad(features, theta, lim, n):
    """The gradient the long way round: autograd on the grid's log Z."""
    phi, _, area = grid(features, torch.zeros_like(theta), lim, n)
    t = theta.clone().requires_grad_(True)
    return torch.autograd.grad(torch.logsumexp(-phi @ t, 0) + math.log(area), t)[0]


def _autograd_grad_enabled(features, theta, lim, n):
    """The same, switching gradients back on and using backward()."""
    phi, _, area = grid(features, torch.zeros_like(theta), lim, n)
    with torch.enable_grad():
        t = torch.tensor(theta.tolist(), dtype=torch.float64, requires_grad=True)
        (torch.logsumexp(-phi @ t, 0) + math.log(area)).backward()
    return t.grad


def _functional_hessian(features, theta, lim, n):
    phi, _, area = grid(features, torch.zeros_like(theta), lim, n)
    return torch.autograd.functional.hessian(
        lambda t: torch.logsumexp(-phi @ t, 0) + math.log(area), theta)


def test_autograd_answers_fail(capsys):
    """Exercises 1 and 2 ask for the derivatives by hand; autograd is refused inside the call
    (an exception there, which the grader's record keeps)."""
    for answer in (_autograd_grad, _autograd_grad_enabled):
        result = ex.check_grad_log_partition(answer)
        assert not result.ok and "autograd" in result.message, result
        assert "AutogradUsed" in result.message
        result = ex.random_grad_log_partition(answer, 3)
        assert not result.ok and "autograd" in result.message, result
    result = ex.check_hessian_log_partition(_functional_hessian)
    assert not result.ok and "autograd" in result.message, result
    # the refusal is only inside the student's call: torch works as before afterwards
    t = torch.ones(2, requires_grad=True)
    (t ** 2).sum().backward()
    assert t.grad.tolist() == [2.0, 2.0]
    capsys.readouterr()


def test_the_grader_sees_the_autograd_refusal():
    """The refusal is an exception in the student's call, so the kernel's record carries it to
    the judge, which replays the check without the student's code."""
    import json

    from genzoo_lite.grading.in_kernel import probe_function
    from genzoo_lite.grading.judge import judge_exercise

    exercise = ex.EXERCISES[0]
    for answer, status in ((_autograd_grad, "wrong"), (SOL.exercise_grad_log_partition,
                                                       "correct")):
        record = json.loads(json.dumps(probe_function(exercise, answer, 60, 5)))
        row = judge_exercise(exercise, record, 5)
        assert row["status"] == status, row
        if status == "wrong":
            assert row["score"] == 0 and "autograd" in row["detail"], row
