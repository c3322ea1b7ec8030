"""Training an energy-based model with persistent chains: the replay buffer, the trained model
(energy plus snapshots), the step function and the trainer.

Taught in notebooks/02_ebm, "5. Training with persistent chains" and "6. Training on toy data".
The settings of the shipped EBMs are ``RECIPES["ebm_<data set>"].settings``.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from genzoo_lite.core.checks import check_fraction, check_int, check_number, check_points
from genzoo_lite.core.train import History, fit
from genzoo_lite.models.energy.ebm import EnergyMLP, contrastive_loss, langevin

__all__ = ["ReplayBuffer", "EBMRun", "ebm_step", "train_ebm"]


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
        generator: all of the buffer's randomness comes from it (drawn on its device); the
            training step also draws its Langevin noise from it.
        device: where the chains are stored (that of the energy they sample); default CPU.
    """

    def __init__(self, size: int, dim: int = 2, lim: float = 3.0, reinit_prob: float = 0.05,
                 generator: torch.Generator | None = None,
                 device: torch.device | str | None = None) -> None:
        check_int("size", size)
        self.dim = check_int("dim", dim)
        self.lim = check_number("lim", lim)
        self.reinit_prob = check_fraction("reinit_prob", reinit_prob)
        self.generator = generator
        self.device = torch.device(device or "cpu")
        self._draw_on = generator.device if generator is not None else self.device
        self.x = self.noise(size)  # (size, dim)

    def __len__(self) -> int:
        return len(self.x)

    def noise(self, n: int) -> torch.Tensor:
        """n points uniform on [-lim, lim]^dim: (n, dim), on the buffer's device."""
        u = torch.rand(n, self.dim, generator=self.generator, device=self._draw_on)
        return ((2 * u - 1) * self.lim).to(self.device)

    def sample(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw n chains (with replacement): their indices (n,) and starting points (n, dim)."""
        check_int("n", n)
        idx = torch.randint(len(self.x), (n,), generator=self.generator, device=self._draw_on)
        idx = idx.to(self.device)  # (n,)
        x = self.x[idx].clone()  # (n, dim)
        restart = torch.rand(n, generator=self.generator, device=self._draw_on) < self.reinit_prob
        restart = restart.to(self.device)  # (n,)
        x[restart] = self.noise(int(restart.sum()))
        return idx, x

    def push(self, idx: torch.Tensor, x: torch.Tensor) -> None:
        """Store the moved chains x (n, dim) back at their indices idx (n,)."""
        check_points(x, dim=self.dim)
        if idx.shape != (len(x),):
            raise ValueError(f"idx must have shape ({len(x)},), one index per row of x, "
                             f"got {tuple(idx.shape)}")
        self.x[idx.to(self.device)] = x.detach().to(self.device, self.x.dtype)


class EBMRun(nn.ModuleDict):
    """A trained energy and the copies of it kept during training: ``{"energy", "snapshots"}``.

    ``run["energy"]`` is the final :class:`EnergyMLP`; ``run["snapshots"][i]`` is the energy after
    ``snapshot_at[i]`` training steps (a setting of :func:`train_ebm`, for the shipped models in
    ``RECIPES[name].settings["snapshot_at"]``). Calling the run calls its energy. Taught in
    notebooks/02_ebm, "6. Training on toy data".

    Args:
        num_snapshots: how many snapshots it holds.
        hidden, depth: the :class:`EnergyMLP`'s size.
    """

    def __init__(self, num_snapshots: int = 0, hidden: int = 64, depth: int = 3) -> None:
        check_int("num_snapshots", num_snapshots, minimum=0)
        super().__init__({
            "energy": EnergyMLP(2, hidden, depth),
            "snapshots": nn.ModuleList(EnergyMLP(2, hidden, depth) for _ in range(num_snapshots)),
        })

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self["energy"](x)  # (N,)


def ebm_step(energy: nn.Module, buffer: ReplayBuffer, x: torch.Tensor, langevin_steps: int,
             step_size: float, noise_scale: float | None = None,
             alpha: float = 0.0) -> dict[str, torch.Tensor]:
    """The step function of EBM training: continue chains, then the contrastive loss.

    1. draw chains from ``buffer`` and run ``langevin_steps`` of Langevin on the current energy,
       with noise from ``buffer.generator`` (``noise_scale`` defaults to sqrt(2 * step_size));
    2. write them back (they persist into the next step);
    3. return :func:`contrastive_loss` of the data batch ``x`` against those samples as
       ``"loss"`` (what :func:`genzoo_lite.fit` minimises), and the mean energies of the data
       and of the samples, which are only logged.

    Taught (written out by hand, then checked against this function) in notebooks/02_ebm,
    "5. Training with persistent chains".
    """
    noise_scale = math.sqrt(2 * step_size) if noise_scale is None else noise_scale
    idx, x_start = buffer.sample(len(x))
    x_model = langevin(energy, x_start, langevin_steps, step_size, noise_scale,
                       generator=buffer.generator)  # (B, 2), approximately ~ p_theta
    buffer.push(idx, x_model)
    loss = contrastive_loss(energy, x, x_model, alpha)
    with torch.no_grad():  # logged only
        e_data, e_model = energy(x).mean(), energy(x_model).mean()
    return {"loss": loss, "energy_data": e_data, "energy_model": e_model}


def train_ebm(model: EBMRun, x: torch.Tensor, *, num_steps: int, batch_size: int = 256,
              lr: float = 2e-3, langevin_steps: int = 20, step_size: float = 0.01,
              noise_scale: float | None = None, alpha: float = 0.1, buffer_size: int = 8192,
              lim: float = 3.0, reinit_prob: float = 0.05, snapshot_at: Sequence[int] = (),
              generator: torch.Generator | None = None, progress: bool = True) -> History:
    """Train ``model["energy"]`` on 2-D points with persistent chains (:func:`ebm_step` in
    :func:`genzoo_lite.fit`), keeping a snapshot after each step in ``snapshot_at``.

    Taught in notebooks/02_ebm, "6. Training on toy data"; the shipped models' settings are
    ``RECIPES["ebm_<data set>"].settings``.

    Args:
        model: an :class:`EBMRun` with one snapshot per entry of ``snapshot_at``.
        x: training points (N, 2); each of the ``num_steps`` steps draws a random batch.
        lr: Adam's learning rate (betas (0, 0.999), as is usual for EBMs).
        langevin_steps, step_size, noise_scale: Langevin per training step; noise_scale
            defaults to sqrt(2 * step_size), so the chains target exp(-E).
        alpha: the squared-energy regularizer of :func:`contrastive_loss`.
        buffer_size, lim, reinit_prob: the :class:`ReplayBuffer`.
        snapshot_at: increasing steps in 1..num_steps after which the energy is copied.
        generator: draws the batches, the chains' restarts and the Langevin noise (default
            seeded with 0), so the same generator gives the same weights whatever the global seed.

    Returns:
        The per-step history: loss, energy_data and energy_model (the mean energies of the data
        batch and of the chains' samples).
    """
    if not isinstance(model, EBMRun):
        raise TypeError(f"model must be an EBMRun, got {type(model).__name__}")
    check_points(x, "x", dim=2)
    check_int("num_steps", num_steps)
    snapshot_at = list(snapshot_at)
    if (len(snapshot_at) != len(model["snapshots"]) or snapshot_at != sorted(set(snapshot_at))
            or any(isinstance(s, bool) or not isinstance(s, int) or not 1 <= s <= num_steps
                   for s in snapshot_at)):
        raise ValueError(f"snapshot_at must be {len(model['snapshots'])} increasing ints in "
                         f"1..num_steps={num_steps} (one per snapshot of the model), "
                         f"got {snapshot_at!r}")
    generator = generator if generator is not None else torch.Generator().manual_seed(0)
    energy = model["energy"]
    device = next(energy.parameters()).device
    buffer = ReplayBuffer(buffer_size, 2, lim, reinit_prob, generator=generator, device=device)
    optimizer = torch.optim.Adam(energy.parameters(), lr=lr, betas=(0.0, 0.999))

    def step(x_batch: torch.Tensor) -> dict[str, torch.Tensor]:
        return ebm_step(energy, buffer, x_batch, langevin_steps, step_size, noise_scale, alpha)

    def keep_snapshot(i: int, history: History) -> None:
        if i + 1 in snapshot_at:
            model["snapshots"][snapshot_at.index(i + 1)].load_state_dict(energy.state_dict())

    return fit(model, step, x.to(device), num_steps=num_steps, batch_size=batch_size, lr=lr,
               optimizer=optimizer, generator=generator, after_period=keep_snapshot,
               progress=progress, desc="EBM")
