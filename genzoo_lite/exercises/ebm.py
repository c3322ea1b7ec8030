"""Self-checks for notebooks/02_ebm."""
from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch.overrides import TorchFunctionMode

from genzoo_lite.exercises._report import (
    Exercise,
    Result,
    confirm,
    not_attempted,
    on_random_inputs,
    report,
    same_number,
    same_tensor,
)
from genzoo_lite.exercises._report import call_answer as _call
from genzoo_lite.models.energy.ebm import grid_points

__all__ = ["check_grad_log_partition", "check_hessian_log_partition", "check_max_step_size",
           "EXERCISES"]

# E_theta(x) = theta . phi(x): an exponential family whose log Z autograd can differentiate twice
_THETA = torch.tensor([0.3, -0.2, 0.5, 0.8, 1.0], dtype=torch.float64)
_LIM, _N = 3.0, 60


def _features(x: torch.Tensor) -> torch.Tensor:
    """phi(x) for x (N, 2): (x0, x1, x0^2, x1^2, sin(2 x0) cos(x1)), shape (N, 5)."""
    return torch.stack([x[:, 0], x[:, 1], x[:, 0] ** 2, x[:, 1] ** 2,
                        torch.sin(2 * x[:, 0]) * torch.cos(x[:, 1])], dim=1)


def _grid_terms():
    """(phi on the grid (G, J), p on the grid (G,), log Z as a function of theta)."""
    points, area = grid_points(_LIM, _N)
    phi = _features(points.double())

    def log_z(theta):
        return torch.logsumexp(-phi @ theta, 0) + math.log(area)

    return phi, torch.softmax(-phi @ _THETA, 0), log_z, area


class AutogradUsed(RuntimeError):
    """Raised inside a student's function that reaches for autograd where the exercise asks for
    the derivative by hand."""


class _NoAutograd(TorchFunctionMode):
    """Every torch call inside: refuse ``requires_grad`` tensors, ``backward`` and
    ``autograd.grad``; an exception in the student's call, so the grader's record keeps it."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", str(func))
        grads = any(isinstance(a, torch.Tensor) and a.requires_grad
                    for a in (*args, *kwargs.values()))
        if grads or kwargs.get("requires_grad") or name in ("requires_grad_", "backward",
                                                              "grad"):
            raise AutogradUsed(f"autograd ({name}): the exercise asks for the derivative by "
                               "hand, from the weights p = softmax(-E) on the grid")
        return func(*args, **kwargs)


def _by_hand(fn: Callable) -> Callable:
    """``fn`` run with autograd switched off and refused (the check calls this, not ``fn``)."""
    def run(*args):
        with torch.no_grad(), _NoAutograd():
            return fn(*args)
    return run


def _tensor(value, shape: tuple[int, ...]) -> tuple[torch.Tensor | None, str | None]:
    if not isinstance(value, torch.Tensor):
        return None, f"expected a torch.Tensor, got {type(value).__name__}"
    if tuple(value.shape) != shape:
        return None, f"expected shape {shape}, got {tuple(value.shape)}"
    return value.detach().double(), None


def _attempt(fn, name, what, shape, *args):
    value, error = _call(_by_hand(fn), *args)
    if error == "not_attempted":
        return None, report(not_attempted(what), name)
    if error:
        return None, report(Result(False, error), name)
    value, error = _tensor(value, shape)
    if error:
        return None, report(Result(False, error), name)
    return value, None


def check_grad_log_partition(grad_log_partition: Callable) -> Result:
    """Exercise 1: ``grad_log_partition(features, theta, lim, n)`` must return d log Z / d theta
    = -E_p[phi(x)] for E_theta(x) = phi(x) @ theta, with p and Z taken on grid_points(lim, n)."""
    name = "Exercise 1"
    value, done = _attempt(grad_log_partition, name, "write -E_p[phi] with p on the grid",
                           tuple(_THETA.shape), _features, _THETA.clone(), _LIM, _N)
    if done:
        return done
    phi, p, log_z, area = _grid_terms()
    theta = _THETA.clone().requires_grad_(True)
    (right,) = torch.autograd.grad(log_z(theta), theta)
    if torch.allclose(value, right, atol=1e-6):
        return report(confirm(Result(True, "-E_p[phi] equals autograd's d log Z / d theta"),
                              random_grad_log_partition, grad_log_partition), name)
    wrong = {
        "wrong sign: Z = sum exp(-phi . theta) dA falls as theta . phi grows, so "
        "d log Z / d theta = -E_p[phi]": p @ phi,
        "you averaged phi uniformly over the grid; the expectation is under p_theta, weights "
        "exp(-E) / Z": -phi.mean(0),
        "the weights use exp(+E); p_theta is proportional to exp(-E)":
            -torch.softmax(phi @ _THETA, 0) @ phi,
        "that is d Z / d theta (weights exp(-E) dA, not divided by Z): log Z needs p = "
        "exp(-E) / Z": -(torch.exp(-phi @ _THETA) * area) @ phi,
    }
    for msg, candidate in wrong.items():
        if torch.allclose(value, candidate, atol=1e-6):
            return report(Result(False, msg), name)
    err = (value - right).abs().max().item()
    return report(Result(False, f"max error {err:.3g}; p = softmax(-E) over the grid cells, "
                                "then -sum_g p_g phi(x_g)"), name)


def check_hessian_log_partition(hessian_log_partition: Callable) -> Result:
    """Exercise 2: ``hessian_log_partition(features, theta, lim, n)`` must return the (J, J)
    matrix d^2 log Z / d theta^2 = Cov_p[phi] (so the log-likelihood is concave in theta)."""
    name = "Exercise 2"
    j = len(_THETA)
    value, done = _attempt(hessian_log_partition, name,
                           "differentiate -E_p[phi] once more (p depends on theta too)", (j, j),
                           _features, _THETA.clone(), _LIM, _N)
    if done:
        return done
    phi, p, log_z, _ = _grid_terms()
    right = torch.autograd.functional.hessian(log_z, _THETA.clone())
    if torch.allclose(value, right, atol=1e-6):
        eig = torch.linalg.eigvalsh(right)
        return report(confirm(Result(True, f"Cov_p[phi] equals autograd's Hessian; its "
                                           f"eigenvalues {eig.min():.3g} ... {eig.max():.3g} "
                                           "are >= 0, so the log-likelihood is concave in "
                                           "theta"),
                              random_hessian_log_partition, hessian_log_partition), name)
    mean = p @ phi
    second = phi.T @ (p[:, None] * phi)
    uniform = phi - phi.mean(0)
    wrong = {
        "wrong sign: the Hessian of log Z is +Cov_p[phi], positive semi-definite (log Z is "
        "convex)": -right,
        "that is E_p[phi phi^T], the second moment: subtract E_p[phi] E_p[phi]^T (p depends on "
        "theta through Z too)": second,
        "that is -E_p[phi phi^T]: differentiating the weights p = exp(-E)/Z gives "
        "+E_p[phi phi^T] - E_p[phi] E_p[phi]^T": -second,
        "you took the covariance over the grid uniformly; weight each cell by p_theta":
            uniform.T @ uniform / len(phi),
        "only the diagonal (the variances): the Hessian has the covariances off the diagonal too":
            torch.diag(right.diagonal()),
        "that is the outer product of the gradient, E_p[phi] E_p[phi]^T": torch.outer(mean, mean),
    }
    for msg, candidate in wrong.items():
        if torch.allclose(value, candidate, atol=1e-6):
            return report(Result(False, msg), name)
    err = (value - right).abs().max().item()
    return report(Result(False, f"max error {err:.3g}; differentiate -sum_g p_g phi_g in theta "
                                "using d p_g / d theta = p_g (E_p[phi] - phi_g)"), name)


# (per-coordinate well widths sigma_d, tolerance on the spread): cases that tell the narrowest
# width from the first or the mean one, and the spread's tolerance from the variance's.
_STEP_CASES = [((0.35, 0.35), 0.05), ((1.0, 0.25), 0.2), ((0.5, 2.0, 0.8), 0.1)]


def _step_for(width: float, tol: float) -> float:
    """The step whose stationary spread on one well of width ``width`` is (1 + tol) width:
    width / sqrt(1 - eta / (2 width^2)) = (1 + tol) width."""
    return 2 * width**2 * (1 - 1 / (1 + tol) ** 2)


def check_max_step_size(max_step_size: Callable) -> Result:
    """Exercise 3: ``max_step_size(sigmas, tol)``: the largest Langevin step for which every
    coordinate of E(x) = sum_d x_d^2 / (2 sigma_d^2) is sampled with a spread at most
    (1 + tol) sigma_d; the narrowest well decides: 2 min(sigma)^2 (1 - 1/(1 + tol)^2)."""
    name = "Exercise 3"
    values = []
    for sigmas, tol in _STEP_CASES:
        value, error = _call(max_step_size, list(sigmas), tol)
        if error == "not_attempted":
            return report(not_attempted("invert the finite-step spread formula of section 4"),
                          name)
        if error:
            return report(Result(False, error), name)
        try:
            values.append(float(value))
        except (TypeError, ValueError, RuntimeError):
            return report(Result(False, f"expected a number (the step size), got "
                                        f"{type(value).__name__}"), name)

    def matches(rule) -> bool:
        return all(math.isclose(v, rule(s, t), rel_tol=1e-6)
                   for v, (s, t) in zip(values, _STEP_CASES))

    if matches(lambda s, t: _step_for(min(s), t)):
        s, t = _STEP_CASES[0]
        return report(confirm(Result(True, f"eta = {values[0]:.4f} for sigma = {s[0]} and a "
                                           f"{100 * t:.0f}% tolerance"),
                              random_max_step_size, max_step_size), name)
    wrong = [
        (lambda s, t: 2 * min(s) ** 2,
         "that is the stability limit 2 sigma^2, where the spread becomes infinite; the spread "
         "(1 + tol) sigma is reached well before it"),
        (lambda s, t: 2 * min(s) ** 2 * (1 - 1 / (1 + t)),
         "you let the variance, not the spread, grow by (1 + tol): the spread is a standard "
         "deviation, so square (1 + tol)"),
        (lambda s, t: 4 * min(s) ** 2 * t,
         "that is the first-order approximation 4 sigma^2 tol; solve the formula exactly"),
        (lambda s, t: _step_for(s[0], t),
         "you used the first coordinate's width; the narrowest well (smallest sigma) limits the "
         "step"),
        (lambda s, t: _step_for(max(s), t),
         "you used the widest well; the narrowest one (smallest sigma) limits the step, since "
         "its spread is the first to exceed the tolerance"),
        (lambda s, t: _step_for(sum(s) / len(s), t),
         "you used the mean width; the narrowest well (smallest sigma) limits the step"),
        (lambda s, t: 2 * min(s) * (1 - 1 / (1 + t) ** 2),
         "sigma where sigma^2 belongs: the curvature of the well is 1 / sigma^2"),
    ]
    for rule, msg in wrong:
        if matches(rule):
            return report(Result(False, msg), name)
    s, t = _STEP_CASES[1]
    return report(Result(False, f"for sigmas {list(s)} and tol {t} you gave {values[1]:.4g}, "
                                f"expected {_step_for(min(s), t):.4g}"), name)


# ----- the grader's random inputs (genzoo-grade draws a new seed for every run) ---------------
def _random_theta(seed: int) -> tuple[torch.Tensor, float, int]:
    gen = torch.Generator().manual_seed(seed)
    u = torch.rand(5, generator=gen, dtype=torch.float64)
    theta = torch.stack([u[0] - 0.5, u[1] - 0.5, 0.3 + u[2], 0.3 + u[3], 2 * u[4] - 1])
    return theta, 2.5 + 0.5 * float(u[0] > 0.5), 40 + 10 * int(u[1] > 0.5)


def _log_z_on(lim: float, n: int) -> Callable:
    points, area = grid_points(lim, n)
    phi = _features(points.double())
    return lambda theta: torch.logsumexp(-phi @ theta, 0) + math.log(area)


def random_grad_log_partition(grad_log_partition: Callable, seed: int) -> Result:
    theta, lim, n = _random_theta(seed)
    t = theta.clone().requires_grad_(True)
    (right,) = torch.autograd.grad(_log_z_on(lim, n)(t), t)
    what = f"theta = {[round(v, 3) for v in theta.tolist()]}, lim = {lim}, n = {n}"
    return on_random_inputs(_by_hand(grad_log_partition),
                            [((_features, theta.clone(), lim, n), right, what)],
                            same_tensor(atol=1e-6))


def random_hessian_log_partition(hessian_log_partition: Callable, seed: int) -> Result:
    theta, lim, n = _random_theta(seed)
    right = torch.autograd.functional.hessian(_log_z_on(lim, n), theta.clone())
    what = f"theta = {[round(v, 3) for v in theta.tolist()]}, lim = {lim}, n = {n}"
    return on_random_inputs(_by_hand(hessian_log_partition),
                            [((_features, theta.clone(), lim, n), right, what)],
                            same_tensor(atol=1e-6))


def random_max_step_size(max_step_size: Callable, seed: int) -> Result:
    gen = torch.Generator().manual_seed(seed)
    cases = []
    for d in (2, 4):
        sigmas = [round(0.2 + 1.8 * v, 4) for v in torch.rand(d, generator=gen).tolist()]
        tol = round(0.02 + 0.3 * torch.rand(1, generator=gen).item(), 4)
        cases.append(((list(sigmas), tol), _step_for(min(sigmas), tol),
                      f"sigmas {sigmas}, tol {tol}"))
    return on_random_inputs(max_step_size, cases, same_number(abs_=0))


EXERCISES = [
    Exercise("Exercise 1", "exercise_grad_log_partition", check_grad_log_partition,
             random_grad_log_partition),
    Exercise("Exercise 2", "exercise_hessian_log_partition", check_hessian_log_partition,
             random_hessian_log_partition),
    Exercise("Exercise 3", "exercise_max_step_size", check_max_step_size, random_max_step_size),
]
