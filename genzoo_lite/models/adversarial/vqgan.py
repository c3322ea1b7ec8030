"""The VQGAN idea at small scale: fine-tune a VQ-VAE-2's decoder with a feature distance and a
patch discriminator, keeping its codes.

Taught in notebooks/06_vqvae2, "5. How to improve further". The model is an explicit
``nn.ModuleDict({"vqvae": VQVAE2, "discriminator": PatchDiscriminator})``; training alternates a
discriminator step and a decoder step (two :class:`~genzoo_lite.core.train.Phase` s), with the GAN
losses of :mod:`genzoo_lite.core.losses`.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from genzoo_lite.core.checks import check_int, check_number
from genzoo_lite.core.losses import discriminator_loss, generator_loss
from genzoo_lite.core.train import History, Phase, fit
from genzoo_lite.models.quantized.vqvae2 import VQVAE2

__all__ = ["PatchDiscriminator", "encoder_feature_distance", "build_vqgan",
           "train_vqgan_decoder"]


class PatchDiscriminator(nn.Module):
    """A small PatchGAN: one real/fake logit per overlapping patch (N, 1, H/4, W/4).

    Taught in notebooks/06_vqvae2, "5. How to improve further" (the VQGAN idea).
    """

    def __init__(self, in_channels: int = 1, hidden: int = 32) -> None:
        super().__init__()
        check_int("in_channels", in_channels)
        check_int("hidden", hidden)
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, hidden, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(hidden, 2 * hidden, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * hidden, 1, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def encoder_feature_distance(vqvae: VQVAE2, x: torch.Tensor, x_hat: torch.Tensor
                             ) -> torch.Tensor:
    """Mean squared distance between the VQ-VAE-2's own bottom-encoder features of x and x_hat.

    Not a perceptual loss in the LPIPS/VGG sense (those compare features of a network
    pretrained on natural images); it compares x and x_hat in the feature space the model
    itself learned. The gradient reaches x_hat; the encoder is held fixed by training only the
    decoder. Taught in notebooks/06_vqvae2, "5. How to improve further".
    """
    return F.mse_loss(vqvae.enc_bottom(x_hat), vqvae.enc_bottom(x))


def build_vqgan() -> nn.ModuleDict:
    """The untrained VQGAN: ``{"vqvae": VQVAE2(), "discriminator": PatchDiscriminator()}``."""
    return nn.ModuleDict({"vqvae": VQVAE2(), "discriminator": PatchDiscriminator()})


def train_vqgan_decoder(model: nn.ModuleDict, x: torch.Tensor, start: VQVAE2 | None = None,
                        *, num_epochs: int, lr: float, batch_size: int, feature_weight: float,
                        adversarial_weight: float, generator: torch.Generator | None = None,
                        progress: bool = True) -> History:
    """Fine-tune only the decoder of ``model["vqvae"]`` (codes stay fixed, so a prior trained
    on them still fits) with L2 + ``feature_weight`` x :func:`encoder_feature_distance` +
    ``adversarial_weight`` x the non-saturating GAN loss, alternating with a step of
    ``model["discriminator"]``. Taught in notebooks/06_vqvae2, "5. How to improve further";
    the settings are ``RECIPES["vqvae2_vqgan"]``.

    Args:
        start: a trained VQ-VAE-2 whose weights are copied into ``model["vqvae"]`` first
            (None: continue from ``model``'s own).
        generator: draws the shuffling (nothing else here is random), so the same generator
            gives the same weights whatever the global seed.

    Returns:
        The per-epoch history: loss (the decoder's), recon_loss, feature_distance,
        generator_loss, discriminator_loss.
    """
    vqvae, disc = model["vqvae"], model["discriminator"]
    check_number("feature_weight", feature_weight, 0.0, strict=False)
    check_number("adversarial_weight", adversarial_weight, 0.0, strict=False)
    if start is not None:
        vqvae.load_state_dict(start.state_dict())
    top, bottom = vqvae.encode(x)  # the codes never change: encode once
    decoder_params = [p for name, p in vqvae.named_parameters()
                      if name.startswith(("decoder.", "up_top."))]
    opt_dec = torch.optim.Adam(decoder_params, lr=lr, betas=(0.5, 0.9))
    opt_disc = torch.optim.Adam(disc.parameters(), lr=lr, betas=(0.5, 0.9))

    def disc_step(xb, top_b, bottom_b):
        with torch.no_grad():
            x_hat = vqvae.decode_codes(top_b, bottom_b)
        return {"discriminator_loss": discriminator_loss(disc(xb), disc(x_hat))}

    def decoder_step(xb, top_b, bottom_b):
        x_hat = vqvae.decode_codes(top_b, bottom_b)  # (B, 1, H, W)
        recon = F.mse_loss(x_hat, xb)
        feature = encoder_feature_distance(vqvae, xb, x_hat)
        adversarial = generator_loss(disc(x_hat))
        return {"loss": recon + feature_weight * feature + adversarial_weight * adversarial,
                "recon_loss": recon, "feature_distance": feature, "generator_loss": adversarial}

    return fit(model, [Phase(disc_step, opt_disc, minimize="discriminator_loss"),
                       Phase(decoder_step, opt_dec)], (x, top, bottom), num_epochs,
               lr=lr, batch_size=batch_size, generator=generator, progress=progress,
               desc="VQGAN decoder")
