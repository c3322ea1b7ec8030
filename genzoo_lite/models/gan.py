"""A small GAN on 2-D points: the implicit model of the lecture's case study 2.

Taught in notebooks/00_zoo_overview ("Implicit models: a GAN samples but has no likelihood").
The generator maps noise to points; nothing here can evaluate p(x).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from ..train import DivergedError

__all__ = ["Generator", "Discriminator", "gan_losses", "train_gan"]


def _mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.LeakyReLU(0.2))
    return nn.Sequential(*layers)


class Generator(nn.Module):
    """x = G(z): an MLP from ``latent_dim`` noise to 2-D points."""

    def __init__(self, latent_dim: int = 2, hidden: int = 64) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.net = _mlp([latent_dim, hidden, hidden, 2])

    def forward(self, z: torch.Tensor) -> torch.Tensor:  # (N, latent_dim) -> (N, 2)
        return self.net(z)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw n points: z ~ N(0, I), x = G(z). (n, 2)."""
        z = torch.randn(n, self.latent_dim, generator=generator)
        with torch.no_grad():
            return self(z)


class Discriminator(nn.Module):
    """D(x): one logit per point, high for points it believes are real."""

    def __init__(self, hidden: int = 64) -> None:
        super().__init__()
        self.net = _mlp([2, hidden, hidden, 1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, 2) -> (N,)
        return self.net(x).squeeze(1)


def gan_losses(generator: Generator, discriminator: Discriminator, x_real: torch.Tensor,
               z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The discriminator's cross-entropy and the generator's non-saturating loss.

    Returns ``(d_loss, g_loss)``: d_loss = -log D(x) - log(1 - D(G(z))) and
    g_loss = -log D(G(z)), both averaged over the batch (D as a probability).
    """
    x_fake = generator(z)
    real_logits, fake_logits = discriminator(x_real), discriminator(x_fake.detach())
    d_loss = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
              + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
    gen_logits = discriminator(x_fake)
    g_loss = F.binary_cross_entropy_with_logits(gen_logits, torch.ones_like(gen_logits))
    return d_loss, g_loss


def train_gan(generator: Generator, discriminator: Discriminator, data: torch.Tensor,
              steps: int = 2000, batch_size: int = 256, lr: float = 1e-3, seed: int = 0,
              progress: bool = True) -> dict[str, list[float]]:
    """Alternate one discriminator step and one generator step, ``steps`` times.

    Returns the per-step losses ``{"d_loss": [...], "g_loss": [...]}``.
    """
    if data.ndim != 2 or data.shape[1] != 2 or not data.is_floating_point():
        raise ValueError(f"data must be float points (N, 2), got {tuple(data.shape)} {data.dtype}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    gen = torch.Generator().manual_seed(seed)
    opt_g = torch.optim.Adam(generator.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=lr, betas=(0.5, 0.999))
    history: dict[str, list[float]] = {"d_loss": [], "g_loss": []}
    for step in tqdm(range(steps), desc="GAN", disable=not progress):
        x_real = data[torch.randint(len(data), (batch_size,), generator=gen)]
        z = torch.randn(batch_size, generator.latent_dim, generator=gen)
        d_loss, _ = gan_losses(generator, discriminator, x_real, z)
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward(inputs=list(discriminator.parameters()))
        opt_d.step()
        _, g_loss = gan_losses(generator, discriminator, x_real, z)  # against the updated D
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward(inputs=list(generator.parameters()))
        opt_g.step()
        if not (torch.isfinite(d_loss) and torch.isfinite(g_loss)):
            raise DivergedError(f"GAN loss not finite at step {step} (lr={lr}); lower lr")
        history["d_loss"].append(d_loss.item())
        history["g_loss"].append(g_loss.item())
    return history
