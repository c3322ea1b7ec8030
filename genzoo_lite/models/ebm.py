"""Energy-based models on 2-D points: the energy network, the contrastive loss, Langevin sampling,
the replay buffer of persistent chains, and the training step that ties them together.

Taught in notebooks/02_ebm. An EBM defines p_theta(x) = exp(-E_theta(x)) / Z(theta); nothing here
computes Z(theta) except :func:`grid_log_prob`, which integrates over a bounded 2-D box.
"""
from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence

import torch
from torch import nn
from tqdm.auto import tqdm

from ..train import DivergedError
from ..viz import grid_points

__all__ = ["EnergyMLP", "LangevinDivergedError", "langevin", "contrastive_loss", "ReplayBuffer",
           "ebm_step", "EBMRun", "train_ebm", "grid_log_prob"]

Energy = Callable[[torch.Tensor], torch.Tensor]


class LangevinDivergedError(DivergedError):
    """A Langevin chain reached NaN or infinity; the message says at which step and what to do."""


def _check_points(x: torch.Tensor, name: str = "x", dim: int | None = None) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape (N, D), got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be floating point, got {x.dtype}; convert with .float()")
    if x.ndim != 2 or x.shape[0] < 1:
        raise ValueError(f"{name} must have shape (N, D) with N >= 1, got {tuple(x.shape)}")
    if dim is not None and x.shape[1] != dim:
        raise ValueError(f"{name} must have D = {dim} columns (points in {dim}-D), "
                         f"got shape {tuple(x.shape)}")


def _check_int(name: str, value: object, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")


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
        for name, value in (("dim", dim), ("hidden", hidden), ("depth", depth)):
            _check_int(name, value, 1)
        self.dim = dim
        layers: list[nn.Module] = []
        width = dim
        for _ in range(depth):
            layers += [nn.Linear(width, hidden), nn.SiLU()]
            width = hidden
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_points(x, dim=self.dim)
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
        x: starting points (N, D); not modified.
        n_steps: number of updates (0 returns a copy of x).
        step_size: the gradient step, > 0.
        noise_scale: standard deviation of the added noise, >= 0.
        generator: seeds the noise, so the same generator state gives the same chains.
        return_chain: return every state, (n_steps + 1, N, D), instead of the last (N, D).

    Raises:
        LangevinDivergedError: a chain reached NaN/inf (the step size is too large).
    """
    _check_points(x)
    _check_int("n_steps", n_steps, 0)
    if not (isinstance(step_size, (int, float)) and math.isfinite(step_size) and step_size > 0):
        raise ValueError(f"step_size must be a finite number > 0, got {step_size!r}")
    if not (isinstance(noise_scale, (int, float)) and math.isfinite(noise_scale)
            and noise_scale >= 0):
        raise ValueError(f"noise_scale must be a finite number >= 0, got {noise_scale!r}")
    x = x.detach().clone()
    chain = [x]
    for step in range(1, n_steps + 1):
        with torch.enable_grad():  # also inside torch.no_grad(): the sampler needs grad_x E
            x_in = x.detach().requires_grad_(True)  # a new leaf: stored states stay grad-free
            (grad,) = torch.autograd.grad(_energies(energy, x_in).sum(), x_in)  # (N, D)
        noise = torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)
        x = (x - step_size * grad + noise_scale * noise).detach()
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
    _check_points(x_data, "x_data")
    _check_points(x_model, "x_model", dim=x_data.shape[1])
    if not (isinstance(alpha, (int, float)) and math.isfinite(alpha) and alpha >= 0):
        raise ValueError(f"alpha must be a finite number >= 0, got {alpha!r}")
    e_data = _energies(energy, x_data)  # (N,)
    e_model = _energies(energy, x_model.detach())  # (M,)
    loss = e_data.mean() - e_model.mean()
    if alpha:
        loss = loss + alpha * (e_data.pow(2).mean() + e_model.pow(2).mean())
    return loss


class ReplayBuffer:
    """Persistent chains: a store of model samples that each training step continues.

    ``sample`` draws n stored chains at random, restarting each one with probability
    ``reinit_prob`` from uniform noise on [-lim, lim]^dim (so new modes can still be found);
    after a few Langevin steps ``push`` writes the moved chains back. Taught in notebooks/02_ebm,
    "5. Training with persistent chains".

    Args:
        size: number of stored chains.
        dim: dimension of the points.
        lim: the box [-lim, lim]^dim of the uniform restarts (and of the initial chains).
        reinit_prob: probability that a drawn chain restarts from noise, in [0, 1].
        generator: all of the buffer's randomness comes from it.
    """

    def __init__(self, size: int, dim: int = 2, lim: float = 3.0, reinit_prob: float = 0.05,
                 generator: torch.Generator | None = None) -> None:
        _check_int("size", size, 1)
        _check_int("dim", dim, 1)
        if not (isinstance(lim, (int, float)) and math.isfinite(lim) and lim > 0):
            raise ValueError(f"lim must be a finite number > 0, got {lim!r}")
        if not (isinstance(reinit_prob, (int, float)) and 0 <= reinit_prob <= 1):
            raise ValueError(f"reinit_prob must be in [0, 1], got {reinit_prob!r}")
        self.dim, self.lim, self.reinit_prob = dim, float(lim), reinit_prob
        self.generator = generator
        self.x = self.noise(size)  # (size, dim)

    def __len__(self) -> int:
        return len(self.x)

    def noise(self, n: int) -> torch.Tensor:
        """n points uniform on [-lim, lim]^dim: (n, dim)."""
        return (2 * torch.rand(n, self.dim, generator=self.generator) - 1) * self.lim

    def sample(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw n chains (with replacement): their indices (n,) and starting points (n, dim)."""
        _check_int("n", n, 1)
        idx = torch.randint(len(self.x), (n,), generator=self.generator)  # (n,)
        x = self.x[idx].clone()  # (n, dim)
        restart = torch.rand(n, generator=self.generator) < self.reinit_prob  # (n,)
        x[restart] = self.noise(int(restart.sum()))
        return idx, x

    def push(self, idx: torch.Tensor, x: torch.Tensor) -> None:
        """Store the moved chains x (n, dim) back at their indices idx (n,)."""
        _check_points(x, dim=self.dim)
        if idx.shape != (len(x),):
            raise ValueError(f"idx must have shape ({len(x)},), one index per row of x, "
                             f"got {tuple(idx.shape)}")
        self.x[idx] = x.detach().to(self.x.dtype)


def ebm_step(energy: nn.Module, optimizer: torch.optim.Optimizer, x_data: torch.Tensor,
             buffer: ReplayBuffer, n_steps: int, step_size: float, noise_scale: float,
             alpha: float) -> tuple[float, float, float]:
    """One training step with persistent chains: continue chains, contrast, update theta.

    1. draw chains from the buffer and run ``n_steps`` of Langevin on the current energy;
    2. write them back (they persist into the next step);
    3. one optimizer step on :func:`contrastive_loss` of the data batch against those samples.

    Noise comes from ``buffer.generator``. Taught (written out by hand, then checked against this
    function) in notebooks/02_ebm, "5. Training with persistent chains".

    Returns:
        ``(loss, mean E(x_data), mean E(x_model))`` as floats.
    """
    idx, x0 = buffer.sample(len(x_data))
    x_model = langevin(energy, x0, n_steps, step_size, noise_scale, generator=buffer.generator)
    buffer.push(idx, x_model)
    loss = contrastive_loss(energy, x_data, x_model, alpha)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        return loss.item(), energy(x_data).mean().item(), energy(x_model).mean().item()


class EBMRun(nn.Module):
    """A trained energy plus what the notebook shows of its training, in one state dict.

    ``energy`` is the final model; ``snapshots[i]`` is a copy of it after ``snapshot_iters[i]``
    training steps; ``history`` (n_iter, 3) holds each step's loss, mean data energy and mean
    model-sample energy. Saved and loaded as one safetensors file by
    :func:`genzoo_lite.load_or_train`. Taught in notebooks/02_ebm, "6. Training on toy data".

    Args:
        n_iter: number of training steps the history has room for.
        snapshot_at: the steps after which a snapshot is kept (each in 1..n_iter).
        hidden, depth: the :class:`EnergyMLP`'s size.
        seed: seeds the initial weights (without touching the global random state).
    """

    def __init__(self, n_iter: int, snapshot_at: Sequence[int] = (), hidden: int = 64,
                 depth: int = 3, seed: int = 0) -> None:
        super().__init__()
        _check_int("n_iter", n_iter, 1)
        snapshot_at = list(snapshot_at)
        if any(isinstance(s, bool) or not isinstance(s, int) or not 1 <= s <= n_iter
               for s in snapshot_at) or snapshot_at != sorted(set(snapshot_at)):
            raise ValueError(f"snapshot_at must be increasing ints in 1..{n_iter}, "
                             f"got {snapshot_at!r}")
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.energy = EnergyMLP(2, hidden, depth)
        self.snapshots = nn.ModuleList(EnergyMLP(2, hidden, depth) for _ in snapshot_at)
        self.register_buffer("snapshot_iters", torch.tensor(snapshot_at, dtype=torch.int64))
        self.register_buffer("history", torch.zeros(n_iter, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.energy(x)  # (N,)


def train_ebm(run: EBMRun, data: torch.Tensor, batch_size: int = 256, lr: float = 2e-3,
              n_steps: int = 20, step_size: float = 0.01, noise_scale: float | None = None,
              alpha: float = 0.1, buffer_size: int = 8192, lim: float = 3.0,
              reinit_prob: float = 0.05, seed: int = 0, progress: bool = True) -> ReplayBuffer:
    """Train ``run.energy`` on 2-D data with persistent chains (:func:`ebm_step`, repeated).

    Fills ``run.history`` and ``run.snapshots``; deterministic for a given ``seed``. Taught in
    notebooks/02_ebm, "6. Training on toy data".

    Args:
        run: an :class:`EBMRun`; it trains for ``len(run.history)`` steps.
        data: training points (N, 2); each step draws a random batch of ``batch_size``.
        lr: Adam's learning rate (betas (0, 0.999), as is usual for EBMs).
        n_steps, step_size, noise_scale: Langevin per training step; noise_scale defaults to
            sqrt(2 * step_size), so the chains target exp(-E).
        alpha: the squared-energy regularizer of :func:`contrastive_loss`.
        buffer_size, lim, reinit_prob: the :class:`ReplayBuffer`.
        seed: seeds batches, restarts and Langevin noise.
        progress: show a tqdm bar.

    Returns:
        The replay buffer at the end of training (its chains are model samples).
    """
    if not isinstance(run, EBMRun):
        raise TypeError(f"run must be an EBMRun, got {type(run).__name__}")
    _check_points(data, "data", dim=2)
    _check_int("batch_size", batch_size, 1)
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr!r}")
    noise_scale = math.sqrt(2 * step_size) if noise_scale is None else noise_scale
    generator = torch.Generator().manual_seed(seed)
    buffer = ReplayBuffer(buffer_size, 2, lim, reinit_prob, generator=generator)
    optimizer = torch.optim.Adam(run.energy.parameters(), lr=lr, betas=(0.0, 0.999))
    snapshot_at = run.snapshot_iters.tolist()
    run.train()
    for it in tqdm(range(1, len(run.history) + 1), desc="EBM", disable=not progress):
        batch = data[torch.randint(len(data), (batch_size,), generator=generator)]  # (B, 2)
        run.history[it - 1] = torch.tensor(ebm_step(run.energy, optimizer, batch, buffer,
                                                    n_steps, step_size, noise_scale, alpha))
        if it in snapshot_at:
            run.snapshots[snapshot_at.index(it)].load_state_dict(
                copy.deepcopy(run.energy.state_dict()))
    run.eval()
    return buffer


def grid_log_prob(energy: Energy, x: torch.Tensor, lim: float = 3.0,
                  n: int = 300) -> tuple[torch.Tensor, float]:
    """log p(x) = -E(x) - log Z with Z = sum over an n x n grid on [-lim, lim]^2 of exp(-E) dA.

    The density is normalized on the box only; points outside it get the same formula. Taught in
    notebooks/02_ebm, "3. Checking the estimator on a grid" and used for the held-out NLL.

    Returns:
        ``(log_prob (N,), log_Z)``.
    """
    _check_points(x, dim=2)
    points, cell_area = grid_points(lim, n)  # (n*n, 2)
    with torch.no_grad():
        e_grid = _energies(energy, points.to(x.dtype)).double()
        log_z = (torch.logsumexp(-e_grid, dim=0) + math.log(cell_area)).item()
        return -_energies(energy, x).double() - log_z, log_z
