"""A GAN on 8x8 digits whose generator has the VAE's decoder architecture: the "GAN" column of
Larsen et al.'s comparison (VAE, VAE_Disl, VAE/GAN, GAN).

Taught in notebooks/03_vae, "VAE + GAN". The generator is the :class:`~.vae.Decoder` of the
Gaussian (fixed sigma) VAE, and its image is that decoder's mean E[x|z], exactly as VAE/GAN
decodes; the discriminator is VAE/GAN's :class:`~.vaegan.Discriminator`. Only the training
differs: no encoder, no reconstruction, the GAN loss alone. The trained discriminator's hidden
layer Dis_l is then the learned similarity metric of VAE_Disl (:func:`.vaegan.train_vae_disl`).
"""
from __future__ import annotations

import torch
from torch import nn

from genzoo_lite.core.checks import check_int, check_levels
from genzoo_lite.core.data import DIGIT_LEVELS
from genzoo_lite.core.losses import discriminator_loss, generator_loss
from genzoo_lite.core.train import History, Phase, fit
from genzoo_lite.models.adversarial.vaegan import Discriminator
from genzoo_lite.models.latent.vae import Decoder, standard_normal

__all__ = ["build_digits_gan", "generate", "train_digits_gan"]


def build_digits_gan(latent_dim: int = 8, hidden: int = 200, sigma: float = 2.0,
                     channels: int = 32) -> nn.ModuleDict:
    """The untrained GAN: ``{"generator": Decoder(gaussian, sigma), "discriminator": ...}``,
    with the architectures of :func:`.vaegan.build_vaegan`'s decoder and discriminator."""
    return nn.ModuleDict({"generator": Decoder(latent_dim, hidden, "gaussian", sigma),
                          "discriminator": Discriminator(channels)})


def _latent_dim(decoder: Decoder) -> int:
    return decoder.net[0].in_features


def generate(model: nn.ModuleDict, z: torch.Tensor) -> torch.Tensor:
    """The generator's images G(z) = E[x|z]: float (N, 1, 8, 8) in [0, 16], like a VAE's decode."""
    return model["generator"].mean(z)


def train_digits_gan(model: nn.ModuleDict, x: torch.Tensor, *, num_epochs: int, lr: float,
                     batch_size: int, generator: torch.Generator | None = None,
                     progress: bool = True) -> History:
    """Train the digits GAN: each batch, a discriminator step, then a generator step.

    Taught in notebooks/03_vae, "VAE + GAN"; the shipped settings are
    ``RECIPES["gan_digits_8d"]``. Images are scaled to [0, 1] for the discriminator; the losses
    are :func:`~genzoo_lite.core.losses.discriminator_loss` (real x against G(z)) and the
    non-saturating :func:`~genzoo_lite.core.losses.generator_loss`, each phase with fresh noise z.
    Adam with betas (0.5, 0.999) for both.

    Args:
        model: :func:`build_digits_gan`.
        generator: draws the shuffling and the noise z (default seeded with 0); it alone fixes
            the weights.

    Returns:
        Per-epoch means of ``"discriminator"`` and ``"generator"``.
    """
    check_levels(x, DIGIT_LEVELS, shape=(1, 8, 8))
    check_int("num_epochs", num_epochs)
    g_net, d_net = model["generator"], model["discriminator"]
    generator = generator if generator is not None else torch.Generator().manual_seed(0)
    opt_g = torch.optim.Adam(g_net.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d_net.parameters(), lr=lr, betas=(0.5, 0.999))
    scale = DIGIT_LEVELS - 1

    def fakes(n: int) -> torch.Tensor:  # G(z) / 16: (n, 1, 8, 8) in [0, 1]
        z = standard_normal((n, _latent_dim(g_net)), generator, g_net.levels)
        return generate(model, z) / scale

    def discriminator_step(batch: torch.Tensor) -> dict[str, torch.Tensor]:
        with torch.no_grad():
            fake = fakes(len(batch))
        real = batch.float() / scale
        return {"discriminator": discriminator_loss(d_net(real)[0], d_net(fake)[0])}

    def generator_step(batch: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"generator": generator_loss(d_net(fakes(len(batch)))[0])}

    return fit(model, [Phase(discriminator_step, opt_d, minimize="discriminator"),
                       Phase(generator_step, opt_g, minimize="generator")], x, num_epochs,
               lr=lr, batch_size=batch_size, generator=generator, progress=progress,
               desc="digits GAN")
