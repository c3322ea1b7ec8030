"""A small GAN on 2-D points: the implicit model of the lecture's case study 2.

Taught in notebooks/00_zoo_overview ("Explicit and implicit models on toy data").
The generator maps noise to points; nothing here can evaluate p(x). The model is an explicit
``nn.ModuleDict({"generator": Generator(), "discriminator": Discriminator()})``
(:func:`build_gan`), trained by :func:`train_gan` with the losses of :mod:`genzoo_lite.core.losses`.
"""
from __future__ import annotations

import torch
from torch import nn

from genzoo_lite.core.checks import check_int, check_points
from genzoo_lite.core.losses import discriminator_loss, generator_loss
from genzoo_lite.core.train import History, Phase, fit

__all__ = ["Generator", "Discriminator", "build_gan", "train_gan"]


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
        self.latent_dim = check_int("latent_dim", latent_dim)
        self.net = _mlp([latent_dim, check_int("hidden", hidden), hidden, 2])

    def forward(self, z: torch.Tensor) -> torch.Tensor:  # (N, latent_dim) -> (N, 2)
        return self.net(z)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw n points: z ~ N(0, I) (from ``generator``, on its device), x = G(z). (n, 2),
        on the network's device."""
        device = next(self.parameters()).device
        z = torch.randn(check_int("n", n), self.latent_dim, generator=generator,
                        device=generator.device if generator is not None else device)
        with torch.no_grad():
            return self(z.to(device))


class Discriminator(nn.Module):
    """D(x): one logit per point, high for points it believes are real."""

    def __init__(self, hidden: int = 64) -> None:
        super().__init__()
        self.net = _mlp([2, check_int("hidden", hidden), hidden, 1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, 2) -> (N,)
        return self.net(x).squeeze(1)


def build_gan(latent_dim: int = 2, hidden: int = 64) -> nn.ModuleDict:
    """The untrained GAN: ``{"generator": Generator(), "discriminator": Discriminator()}``."""
    return nn.ModuleDict({"generator": Generator(latent_dim, hidden),
                          "discriminator": Discriminator(hidden)})


def train_gan(model: nn.ModuleDict, x: torch.Tensor, *, num_steps: int, batch_size: int = 256,
              lr: float = 1e-3, generator: torch.Generator | None = None,
              progress: bool = True) -> History:
    """Train ``model["generator"]`` and ``model["discriminator"]`` on points x (N, 2).

    Each step draws a batch of x, then runs two phases, each with fresh noise z: a step of the
    discriminator on :func:`~genzoo_lite.core.losses.discriminator_loss` (real batch against G(z)),
    then a step of the generator on the non-saturating
    :func:`~genzoo_lite.core.losses.generator_loss` against the *updated* discriminator. Adam with
    betas (0.5, 0.999) for both. Taught in notebooks/00_zoo_overview, "Explicit and implicit
    models"; the
    shipped model's settings are ``RECIPES["gan_eight_gaussians"].settings``.

    Args:
        model: a :func:`build_gan` ModuleDict (its networks' names, not arguments, so that
            ``generator`` stays the random number generator, as everywhere in genzoo_lite).
        generator: draws the batches and the noise z (default seeded with 0), so the same
            generator gives the same weights whatever the global seed.

    Returns:
        The per-step history: d_loss and g_loss.
    """
    g_net, d_net = model["generator"], model["discriminator"]
    check_points(x, "x", dim=2)
    generator = generator if generator is not None else torch.Generator().manual_seed(0)
    device = next(g_net.parameters()).device
    opt_g = torch.optim.Adam(g_net.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d_net.parameters(), lr=lr, betas=(0.5, 0.999))

    def noise(n: int) -> torch.Tensor:
        return torch.randn(n, g_net.latent_dim, generator=generator,
                           device=generator.device).to(device)  # (n, latent_dim)

    def discriminator_step(x_real: torch.Tensor) -> dict[str, torch.Tensor]:
        with torch.no_grad():
            x_fake = g_net(noise(len(x_real)))  # (B, 2), a constant for this phase
        return {"d_loss": discriminator_loss(d_net(x_real), d_net(x_fake))}

    def generator_step(x_real: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"g_loss": generator_loss(d_net(g_net(noise(len(x_real)))))}

    return fit(model, [Phase(discriminator_step, opt_d, minimize="d_loss"),
                       Phase(generator_step, opt_g, minimize="g_loss")],
               x.to(device), num_steps=num_steps, batch_size=batch_size, lr=lr,
               generator=generator, progress=progress, desc="GAN")
