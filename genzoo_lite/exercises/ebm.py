"""Self-checks for notebooks/02_ebm."""
from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ..models.ebm import grid_points
from ._report import call_answer as _call, not_attempted, report, Result

__all__ = ["check_langevin_step", "check_contrastive_loss", "check_log_partition"]


def _quadratic(x: torch.Tensor) -> torch.Tensor:
    """E(x) = |x - (1, -0.5)|^2 / 2 + 0.3 x_0^3 / 3: a known energy with a known gradient."""
    shift = torch.tensor([1.0, -0.5], dtype=x.dtype)
    return 0.5 * ((x - shift) ** 2).sum(dim=1) + 0.1 * x[:, 0] ** 3


def _quadratic_grad(x: torch.Tensor) -> torch.Tensor:
    shift = torch.tensor([1.0, -0.5], dtype=x.dtype)
    grad = x - shift
    grad[:, 0] += 0.3 * x[:, 0] ** 2
    return grad


def _tensor(value, shape: tuple[int, ...]) -> tuple[torch.Tensor | None, str | None]:
    if not isinstance(value, torch.Tensor):
        return None, f"expected a torch.Tensor, got {type(value).__name__}"
    if tuple(value.shape) != shape:
        return None, f"expected shape {shape}, got {tuple(value.shape)}"
    return value.detach().double(), None


def check_langevin_step(langevin_step: Callable, step_size: float = 0.05) -> Result:
    """Exercise 1: ``langevin_step(energy, x, step_size, xi)`` must return
    x - step_size * grad E(x) + sqrt(2 * step_size) * xi, for given noise xi."""
    name = "Exercise 1"
    g = torch.Generator().manual_seed(1)
    x = torch.randn(6, 2, generator=g, dtype=torch.float64)
    xi = torch.randn(6, 2, generator=g, dtype=torch.float64)
    value, error = _call(langevin_step, _quadratic, x.clone(), step_size, xi.clone())
    if error == "not_attempted":
        return report(not_attempted("replace the `raise NotImplementedError` with the update"),
                      name)
    if error:
        return report(Result(False, error), name)
    value, error = _tensor(value, tuple(x.shape))
    if error:
        return report(Result(False, error), name)
    grad = _quadratic_grad(x)
    right = x - step_size * grad + math.sqrt(2 * step_size) * xi
    wrong = {
        "the gradient term has the wrong sign: Langevin goes downhill in energy, "
        "x - step_size * grad E": x + step_size * grad + math.sqrt(2 * step_size) * xi,
        "the noise is missing: without it Langevin is gradient descent and collapses onto "
        "the minima": x - step_size * grad,
        "the noise scale is step_size; it must be sqrt(2 * step_size)":
            x - step_size * grad + step_size * xi,
        "the noise scale is sqrt(step_size); it must be sqrt(2 * step_size)":
            x - step_size * grad + math.sqrt(step_size) * xi,
        "the noise scale is 2 * step_size; it must be sqrt(2 * step_size)":
            x - step_size * grad + 2 * step_size * xi,
        "the gradient step is missing step_size: x - step_size * grad E(x)":
            x - grad + math.sqrt(2 * step_size) * xi,
    }
    if torch.allclose(value, right, atol=1e-6):
        return report(Result(True, "x - step_size * grad E(x) + sqrt(2 step_size) xi"), name)
    for msg, candidate in wrong.items():
        if torch.allclose(value, candidate, atol=1e-6):
            return report(Result(False, msg), name)
    err = (value - right).abs().max().item()
    return report(Result(False, f"max error {err:.3g}; compare with the update in section 4 "
                                "(use torch.autograd.grad(energy(x).sum(), x))"), name)


def check_contrastive_loss(my_loss: Callable, energy: Callable[[torch.Tensor], torch.Tensor],
                           x_data: torch.Tensor, x_model: torch.Tensor) -> Result:
    """Exercise 2: ``my_loss(energy, x_data, x_model)`` must be mean E(x_data) - mean E(x_model),
    whose gradient in theta estimates -grad_theta E_data[log p_theta]."""
    name = "Exercise 2"
    value, error = _call(my_loss, energy, x_data, x_model)
    if error == "not_attempted":
        return report(not_attempted("write the loss whose gradient is the contrastive estimate"),
                      name)
    if error:
        return report(Result(False, error), name)
    value, error = _tensor(value, ())
    if error:
        return report(Result(False, error + " (a scalar loss)"), name)
    with torch.no_grad():
        e_data, e_model = energy(x_data).double(), energy(x_model).double()
    right = (e_data.mean() - e_model.mean()).item()
    wrong = {
        "the sign is flipped: minimizing mean E(model) - mean E(data) raises the data's energy; "
        "data energy goes first": -right,
        "you used sums: the estimator averages, (1/N) sum over each sample set":
            (e_data.sum() - e_model.sum()).item(),
        "the model term is missing: without + E_model[grad E] (the -grad log Z term) the energy "
        "is pushed down everywhere without limit": e_data.mean().item(),
    }
    if math.isclose(value.item(), right, rel_tol=1e-5, abs_tol=1e-6):
        return report(Result(True, f"loss = {right:.4f}, its gradient is the contrastive "
                                   "estimate"), name)
    for msg, candidate in wrong.items():
        if math.isclose(value.item(), candidate, rel_tol=1e-5, abs_tol=1e-6):
            return report(Result(False, msg), name)
    return report(Result(False, f"got {value.item():.4f}, expected {right:.4f}; "
                                "mean E(x_data) - mean E(x_model)"), name)


def check_log_partition(log_partition: Callable, energy: Callable[[torch.Tensor], torch.Tensor],
                        lim: float = 3.0, n: int = 100) -> Result:
    """Exercise 3: ``log_partition(energy, lim, n)`` must return log Z = log sum_grid exp(-E) dA
    over ``grid_points(lim, n)``."""
    name = "Exercise 3"
    value, error = _call(log_partition, energy, lim, n)
    if error == "not_attempted":
        return report(not_attempted("sum exp(-E) over the grid, times the cell area, in logs"),
                      name)
    if error:
        return report(Result(False, error), name)
    try:
        value = float(value)
    except (TypeError, ValueError, RuntimeError):
        return report(Result(False, f"expected a number (log Z), got {type(value).__name__}"),
                      name)
    points, area = grid_points(lim, n)
    with torch.no_grad():
        e = energy(points).double()
    right = (torch.logsumexp(-e, 0) + math.log(area)).item()
    wrong = {
        "the cell area dA is missing: Z = sum exp(-E) * dA": right - math.log(area),
        "exp(+E) instead of exp(-E)": (torch.logsumexp(e, 0) + math.log(area)).item(),
        "you took a mean over grid points; the integral is a sum times the cell area":
            right - math.log(area) - math.log(n * n),
        "that is Z, not log Z": math.exp(right),
    }
    if math.isclose(value, right, rel_tol=1e-5, abs_tol=1e-5):
        return report(Result(True, f"log Z = {right:.4f}"), name)
    for msg, candidate in wrong.items():
        if math.isclose(value, candidate, rel_tol=1e-5, abs_tol=1e-5):
            return report(Result(False, msg), name)
    return report(Result(False, f"got {value:.4f}, expected {right:.4f}; use torch.logsumexp "
                                "of -E plus log(cell_area)"), name)
