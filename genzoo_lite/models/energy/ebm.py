"""Energy-based models on 2-D points: the energy network, Langevin sampling, the contrastive loss
and the density normalized on a box.

Taught in notebooks/02_ebm. An EBM defines p_theta(x) = exp(-E_theta(x)) / Z(theta); nothing here
computes Z(theta) except :func:`grid_log_prob` and :func:`box_log_prob`, which integrate over a
bounded 2-D box. Z over the whole plane need not be finite (a network's energy may fall without
bound far from the data), so the notebook's densities are defined on the box: :func:`box_log_prob`.
Training with persistent chains is in :mod:`genzoo_lite.models.energy.training`.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from genzoo_lite.core.checks import check_int, check_number, check_points
from genzoo_lite.core.train import DivergedError
from genzoo_lite.core.utils import grid_points

__all__ = ["EnergyMLP", "LangevinDivergedError", "langevin", "contrastive_loss", "grid_points",
           "grid_log_prob", "box_log_prob"]

_GRID_CHUNK = 40_000  # points per energy evaluation in grid_log_prob (~10 MB per layer)

Energy = Callable[[torch.Tensor], torch.Tensor]


class LangevinDivergedError(DivergedError):
    """A Langevin chain reached NaN or infinity; the message says at which step and what to do."""


def _energies(energy: Energy, x: torch.Tensor) -> torch.Tensor:
    e = energy(x)
    if not isinstance(e, torch.Tensor) or e.shape != (x.shape[0],):
        shape = tuple(e.shape) if isinstance(e, torch.Tensor) else type(e).__name__
        raise ValueError(f"energy must map points (N, D) to one energy per point (N,) = "
                         f"({x.shape[0]},), got {shape}")
    return e


class EnergyMLP(nn.Module):
    """E_theta(x): an MLP with smooth (SiLU) activations mapping points (N, dim) to energies (N,).

    Smooth, so that grad_x E exists everywhere for Langevin dynamics. Taught in notebooks/02_ebm,
    "1. An energy defines a density".

    Args:
        dim: dimension of the points (2 for the toy data sets).
        hidden: width of each hidden layer.
        depth: number of hidden layers.
    """

    def __init__(self, dim: int = 2, hidden: int = 64, depth: int = 3) -> None:
        super().__init__()
        self.dim = check_int("dim", dim)
        check_int("hidden", hidden)
        width, layers = dim, []
        for _ in range(check_int("depth", depth)):
            layers += [nn.Linear(width, hidden), nn.SiLU()]
            width = hidden
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_points(x, dim=self.dim)
        return self.net(x).squeeze(1)  # (N,)


def langevin(energy: Energy, x: torch.Tensor, n_steps: int, step_size: float,
             noise_scale: float, generator: torch.Generator | None = None,
             return_chain: bool = False) -> torch.Tensor:
    """Run Langevin dynamics x <- x - step_size * grad_x E(x) + noise_scale * xi, xi ~ N(0, I).

    With ``noise_scale = sqrt(2 * step_size)`` the chain samples p(x) proportional to exp(-E(x))
    in the limit of small steps and many of them (the unadjusted Langevin algorithm; a finite step
    adds a bias that grows with the step). With ``noise_scale = 0`` it is plain gradient descent on
    E and collapses onto the minima. Taught in notebooks/02_ebm, "4. Langevin dynamics".

    Args:
        energy: any callable mapping points (N, D) to energies (N,), e.g. an :class:`EnergyMLP`.
        x: starting points (N, D); not modified. The chains run on x's device.
        n_steps: number of updates (0 returns a copy of x).
        step_size: the gradient step, > 0.
        noise_scale: standard deviation of the added noise, >= 0.
        generator: draws the noise (on its own device), so the same generator state gives the
            same chains.
        return_chain: return every state, (n_steps + 1, N, D), instead of the last (N, D).

    Raises:
        LangevinDivergedError: a chain reached NaN/inf (the step size is too large).
    """
    check_points(x)
    check_int("n_steps", n_steps, minimum=0)
    check_number("step_size", step_size)
    check_number("noise_scale", noise_scale, strict=False)
    noise_device = generator.device if generator is not None else x.device
    x = x.detach().clone()
    chain = [x]
    for step in range(1, n_steps + 1):
        with torch.enable_grad():  # also inside torch.no_grad(): the sampler needs grad_x E
            x_in = x.detach().requires_grad_(True)  # a new leaf: stored states stay grad-free
            (grad,) = torch.autograd.grad(_energies(energy, x_in).sum(), x_in)  # (N, D)
        noise = torch.randn(x.shape, generator=generator, dtype=x.dtype, device=noise_device)
        x = (x - step_size * grad + noise_scale * noise.to(x.device)).detach()
        bad = ~torch.isfinite(x).all(dim=1)
        if bad.any():
            raise LangevinDivergedError(
                f"Langevin diverged at step {step} of {n_steps}: {int(bad.sum())} of {len(x)} "
                f"chains are NaN/inf with step_size={step_size}; lower the step size "
                f"(e.g. step_size={step_size / 10:g})")
        if return_chain:
            chain.append(x)
    return torch.stack(chain) if return_chain else x


def contrastive_loss(energy: Energy, x_data: torch.Tensor, x_model: torch.Tensor,
                     alpha: float = 0.0) -> torch.Tensor:
    """mean E(x_data) - mean E(x_model) + alpha * (mean E(x_data)^2 + mean E(x_model)^2).

    Its gradient in theta (for alpha = 0) is the lecture's Monte-Carlo estimate of
    -grad_theta E_data[log p_theta]: -(1/N) sum grad E(x_i) + (1/N) sum grad E(x_hat_i), negated.
    Minimizing it is gradient ascent on the log-likelihood. ``x_model`` are samples treated as
    constants (no gradient flows through the sampler). The alpha term is the energy regularizer of
    Du & Mordatch (2019), which keeps energies near zero. Taught in notebooks/02_ebm,
    "2. The gradient of the log-likelihood".

    Args:
        energy: maps (N, D) to (N,).
        x_data: data samples (N, D).
        x_model: model samples (M, D), same D.
        alpha: weight of the squared-energy regularizer, >= 0.
    """
    check_points(x_data, "x_data")
    check_points(x_model, "x_model", dim=x_data.shape[1])
    check_number("alpha", alpha, strict=False)
    e_data = _energies(energy, x_data)  # (N,)
    e_model = _energies(energy, x_model.detach())  # (M,)
    loss = e_data.mean() - e_model.mean()
    if alpha:
        loss = loss + alpha * (e_data.pow(2).mean() + e_model.pow(2).mean())
    return loss


def grid_log_prob(energy: Energy, x: torch.Tensor, lim: float = 3.0,
                  n: int = 300) -> tuple[torch.Tensor, float]:
    """log p(x) = -E(x) - log Z with Z = sum over an n x n grid on [-lim, lim]^2 of exp(-E) dA.

    The density is normalized on the box only; points outside it get the same formula (use
    :func:`box_log_prob` for the density that is 0 outside the box). Taught in notebooks/02_ebm,
    "3. Checking the estimator on a grid".

    Returns:
        ``(log_prob (N,), log_Z)``.
    """
    check_points(x, dim=2)
    points, cell_area = grid_points(lim, n)  # (n*n, 2)
    with torch.no_grad():  # in chunks: a 600 x 600 grid at once holds ~100 MB per layer
        e_grid = torch.cat([_energies(energy, part).double()
                            for part in points.to(x.device, x.dtype).split(_GRID_CHUNK)])
        log_z = (torch.logsumexp(-e_grid, dim=0) + math.log(cell_area)).item()
        e_x = torch.cat([_energies(energy, part).double() for part in x.split(_GRID_CHUNK)])
        return -e_x - log_z, log_z


def box_log_prob(log_density: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor,
                 lim: float = 3.0, n: int = 300) -> tuple[torch.Tensor, float]:
    """log p_B(x) of a 2-D density restricted to the box B = [-lim, lim]^2 and normalized there.

    p_B(x) = f(x) / Z_B on B and 0 outside, with f = exp(log_density) and Z_B the sum of f dA over
    an n x n grid on B. For an EBM pass ``lambda x: -energy(x)``: p_B is then defined even when
    exp(-E) has no finite integral over the plane. For a normalized model (a Gaussian, a GMM) pass
    its log-density: Z_B is then its mass on the box, and every model is compared on the same
    footing. Taught in notebooks/02_ebm, "1. An energy defines a density" and "Held-out
    log-likelihood".

    Args:
        log_density: maps points (N, 2) to log f (N,), f >= 0 and not necessarily normalized.
        x: points (N, 2) to evaluate.
        lim: half the side of the box.
        n: grid points per side.

    Returns:
        ``(log p_B(x) (N,) in float64, -inf outside the box; log Z_B)``.
    """
    check_points(x, dim=2)
    check_number("lim", lim)
    points, cell_area = grid_points(lim, n)  # (n*n, 2)
    with torch.no_grad():
        log_f = torch.cat([log_density(part).double()
                           for part in points.to(x.device, x.dtype).split(_GRID_CHUNK)])
        log_z = (torch.logsumexp(log_f, dim=0) + math.log(cell_area)).item()
        log_p = torch.cat([log_density(part).double() for part in x.split(_GRID_CHUNK)]) - log_z
        inside = (x.abs() <= lim).all(dim=1)
        return torch.where(inside, log_p, torch.full_like(log_p, -math.inf)), log_z
