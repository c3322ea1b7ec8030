"""VAE/GAN (Larsen et al. 2015) on 8x8 digits: a VAE whose pixel likelihood is replaced by a
distance in a discriminator's hidden layer, plus a GAN loss that makes decodes look real.

Taught in notebooks/03_vae, "VAE + GAN". The model is an explicit
``nn.ModuleDict({"vae": VAE, "discriminator": Discriminator})``; training alternates a
discriminator step and an encoder/decoder step (two :class:`~genzoo_lite.core.train.Phase` s), with
the GAN losses of :mod:`genzoo_lite.core.losses`. VAE_Disl, Larsen et al.'s second column, has the
same ModuleDict and the same feature-matching loss, but no GAN term: its discriminator is a
trained GAN's, kept fixed (:func:`train_vae_disl`; the GAN is :mod:`.digits_gan`).
"""
from __future__ import annotations

import torch
from torch import nn

from genzoo_lite.core.checks import check_int, check_number
from genzoo_lite.core.data import DIGIT_LEVELS
from genzoo_lite.core.losses import discriminator_loss, generator_loss
from genzoo_lite.core.train import History, Phase, fit
from genzoo_lite.models.latent.vae import VAE, gaussian_kl, reparameterize, standard_normal

__all__ = ["Discriminator", "build_vaegan", "feature_distance", "train_vaegan",
           "train_vae_disl"]


class Discriminator(nn.Module):
    """D(x): is this 8x8 image real? A small CNN whose hidden layer Dis_l(x) also serves as the
    feature space of VAE/GAN's reconstruction loss. Taught in notebooks/03_vae, "VAE + GAN".

    Inputs are float images (N, 1, 8, 8) scaled to [0, 1].
    """

    def __init__(self, channels: int = 32) -> None:
        super().__init__()
        check_int("channels", channels)
        self.features = nn.Sequential(  # Dis_l: (N, 1, 8, 8) -> (N, 2C * 4 * 4)
            nn.Conv2d(1, channels, 3, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(channels, 2 * channels, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Flatten())
        self.head = nn.Linear(2 * channels * 16, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(logit of "real", Dis_l(x) features)``: shapes (N,) and (N, F)."""
        h = self.features(x)
        return self.head(h)[:, 0], h


def build_vaegan(latent_dim: int = 8, hidden: int = 200, sigma: float = 2.0,
                 channels: int = 32) -> nn.ModuleDict:
    """The untrained VAE/GAN: ``{"vae": VAE(gaussian, sigma), "discriminator": Discriminator}``.

    The VAE has the architecture of the Gaussian (fixed sigma) VAE it is compared with.
    """
    return nn.ModuleDict({"vae": VAE(latent_dim, hidden, likelihood="gaussian", sigma=sigma),
                          "discriminator": Discriminator(channels)})


def feature_distance(feat: torch.Tensor, feat_real: torch.Tensor) -> torch.Tensor:
    """L_llike^Disl = 1/2 ||Dis_l(x) - Dis_l(x_tilde)||^2 per image (N,), from the features
    Dis_l(x_tilde) and Dis_l(x) (N, F) of the decodes and of the digits."""
    return 0.5 * (feat - feat_real).pow(2).sum(dim=1)


def train_vaegan(model: nn.ModuleDict, x: torch.Tensor, *, num_epochs: int, lr: float,
                 gamma: float, batch_size: int, generator: torch.Generator | None = None,
                 progress: bool = True) -> History:
    """Train VAE/GAN: each batch, a discriminator step, then an encoder and a decoder step.

    Taught in notebooks/03_vae, "VAE + GAN"; the shipped settings are
    ``RECIPES["vae_vaegan_8d"]``. With x_tilde = decode(z), z ~ q(z|x), and x_p = decode(z_p),
    z_p ~ N(0, I) (images scaled to [0, 1]):

    * L_prior = KL(q(z|x) || p(z)),  L_Disl = 1/2 ||Dis_l(x) - Dis_l(x_tilde)||^2,
    * encoder: L_prior + L_Disl;  decoder: gamma * L_Disl + the non-saturating GAN loss on
      x_tilde and x_p;  discriminator: the GAN loss, x real, x_tilde and x_p fake.

    Args:
        model: ``build_vaegan()``; its VAE's mean ``decode(z)`` is the generator's image.
        gamma: weight of the feature-matching loss in the decoder's objective.
        generator: draws the shuffling and the noise z, z_p; it alone fixes the weights.

    Returns:
        Per-epoch means of ``"discriminator"``, ``"encoder"``, ``"decoder"`` and of their
        parts ``"prior"``, ``"disl"``, ``"gan_decoder"``.
    """
    vae, disc = model["vae"], model["discriminator"]
    check_number("gamma", gamma)
    generator = generator if generator is not None else torch.Generator().manual_seed(0)
    adam = dict(lr=lr, betas=(0.5, 0.999))
    opt_enc = torch.optim.Adam(vae.encoder.parameters(), **adam)
    opt_dec = torch.optim.Adam(vae.decoder.parameters(), **adam)
    opt_dis = torch.optim.Adam(disc.parameters(), **adam)

    def decodes(batch: torch.Tensor):
        """(fakes, mu, log_var): fakes (2n, 1, 8, 8) in [0, 1] are x_tilde (a reconstruction of
        each digit, z ~ q(z|x)) then x_p (a decoded prior sample z_p ~ N(0, I) per digit)."""
        mu, log_var = vae.encode(batch)  # (n, L) each
        eps = standard_normal((2 * len(batch), vae.latent_dim), generator, mu)
        z = torch.cat([reparameterize(mu, log_var, eps[:len(batch)]), eps[len(batch):]])
        return vae.decode(z) / (DIGIT_LEVELS - 1), mu, log_var

    def discriminator_step(batch: torch.Tensor) -> dict[str, torch.Tensor]:
        with torch.no_grad():
            fakes, _, _ = decodes(batch)
        real = batch.float() / (DIGIT_LEVELS - 1)
        return {"discriminator": discriminator_loss(disc(real)[0], disc(fakes)[0])}

    def vae_step(batch: torch.Tensor) -> dict[str, torch.Tensor]:
        fakes, mu, log_var = decodes(batch)  # x_tilde = fakes[:n], x_p = fakes[n:]
        with torch.no_grad():
            _, feat_real = disc(batch.float() / (DIGIT_LEVELS - 1))
        logits, feat = disc(fakes)
        disl = feature_distance(feat[:len(batch)], feat_real).mean()
        prior, gan = gaussian_kl(mu, log_var).mean(), generator_loss(logits)
        return {"encoder": prior + disl, "decoder": gamma * disl + gan,
                "prior": prior, "disl": disl, "gan_decoder": gan}

    return fit(model, [Phase(discriminator_step, opt_dis, minimize="discriminator"),
                       Phase(vae_step, {"encoder": opt_enc, "decoder": opt_dec})], x,
               num_epochs, lr=lr, batch_size=batch_size, generator=generator,
               progress=progress, desc="VAE/GAN")


def train_vae_disl(model: nn.ModuleDict, x: torch.Tensor, discriminator: Discriminator, *,
                   num_epochs: int, lr: float, batch_size: int,
                   generator: torch.Generator | None = None, progress: bool = True) -> History:
    """Train VAE_Disl: a VAE whose reconstruction loss is L_llike^Disl in a *fixed* discriminator.

    Taught in notebooks/03_vae, "VAE + GAN"; the shipped settings are ``RECIPES["vae_disl_8d"]``.
    As in Larsen et al., a GAN is trained first (``discriminator`` is its critic, e.g.
    ``load_pretrained("gan_digits_8d")["discriminator"]``); its weights are copied into
    ``model["discriminator"]`` and frozen. The VAE then minimises
    L_prior + L_llike^Disl (:func:`feature_distance`, one z ~ q(z|x) per digit): VAE/GAN's
    encoder loss, and its decoder loss without the GAN term.

    Returns:
        Per-epoch means of ``"loss"`` and its parts ``"prior"`` and ``"disl"``.
    """
    vae, disc = model["vae"], model["discriminator"]
    disc.load_state_dict(discriminator.state_dict())
    disc.requires_grad_(False)
    generator = generator if generator is not None else torch.Generator().manual_seed(0)

    def step(batch: torch.Tensor) -> dict[str, torch.Tensor]:
        mu, log_var = vae.encode(batch)  # (n, L) each
        z = reparameterize(mu, log_var, standard_normal(mu.shape, generator, mu))
        with torch.no_grad():
            _, feat_real = disc(batch.float() / (DIGIT_LEVELS - 1))
        _, feat = disc(vae.decode(z) / (DIGIT_LEVELS - 1))
        disl = feature_distance(feat, feat_real).mean()
        prior = gaussian_kl(mu, log_var).mean()
        return {"loss": prior + disl, "prior": prior, "disl": disl}

    return fit(model, step, x, num_epochs, lr=lr, batch_size=batch_size, generator=generator,
               optimizer=torch.optim.Adam(vae.parameters(), lr=lr, betas=(0.5, 0.999)),
               progress=progress, desc="VAE_Disl")
