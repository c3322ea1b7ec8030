"""A plain (deterministic) autoencoder on 8x8 digits, the VAE's point of comparison.

Taught in notebooks/03_vae, "Autoencoder against VAE": the same networks as
:class:`~genzoo_lite.models.latent.vae.VAE`, trained on reconstruction alone, so nothing makes its
codes look like N(0, I) and decoding prior samples lands where no digit was ever encoded.
"""
from __future__ import annotations

import torch
from torch import nn

from genzoo_lite.core.checks import check_int
from genzoo_lite.core.train import History, fit
from genzoo_lite.models.latent.vae import Decoder, encoder_input, mlp

__all__ = ["Autoencoder", "train_autoencoder"]


class Autoencoder(nn.Module):
    """A deterministic autoencoder (Hinton and Salakhutdinov 2006): z = f(x), x ~ p(x | z).

    Taught in notebooks/03_vae, "Autoencoder against VAE". The decoder is the VAE's categorical
    :class:`~genzoo_lite.models.latent.vae.Decoder`.
    """

    def __init__(self, latent_dim: int = 2, hidden: int = 200) -> None:
        super().__init__()
        self.latent_dim = check_int("latent_dim", latent_dim)
        check_int("hidden", hidden)
        self.encoder = mlp(64, hidden, latent_dim)
        self.decoder = Decoder(latent_dim, hidden, "categorical")

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The code z = f(x): (N, latent_dim)."""
        return self.encoder(encoder_input(x, self.encoder))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """The expected image under the decoder: float (..., 1, 8, 8) in [0, 16]."""
        return self.decoder.mean(z)

    def reconstruction_log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x | z = f(x)) per image, nats (N,): the only training signal."""
        log_probs = self.decoder.level_log_probs(self.encode(x))  # (N, 1, 8, 8, 17)
        return log_probs.gather(-1, x.long()[..., None])[..., 0].flatten(1).sum(dim=1)


def train_autoencoder(model: Autoencoder, x: torch.Tensor, *, num_epochs: int, lr: float,
                      batch_size: int, generator: torch.Generator | None = None,
                      progress: bool = True) -> History:
    """Minimize the reconstruction loss -log p(x | f(x)) with Adam, through :func:`fit`.

    Taught in notebooks/03_vae, "Autoencoder against VAE"; the shipped settings are
    ``RECIPES["vae_autoencoder_2d"]``. ``generator`` draws the shuffling.

    Returns:
        ``"loss"``: the mean reconstruction loss (nats per digit) of each epoch.
    """
    def step(batch: torch.Tensor) -> torch.Tensor:
        return -model.reconstruction_log_prob(batch).mean()

    return fit(model, step, x, num_epochs, lr=lr, batch_size=batch_size, generator=generator,
               progress=progress, desc="Autoencoder")
