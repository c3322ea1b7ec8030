"""The prior over VQ-VAE-2 codes: p(top) p(bottom | top), two Gated PixelCNNs, and its trainer.

Taught in notebooks/06_vqvae2, "4. Generation: a PixelCNN over codes". The PixelCNN is the one of
notebooks/05_pixelcnn (:mod:`genzoo_lite.models.autoregressive.gated_pixelcnn`), unchanged, over
code maps instead of pixels.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from genzoo_lite.core.checks import check_int
from genzoo_lite.core.train import History, fit
from genzoo_lite.models.autoregressive.gated_pixelcnn import GatedPixelCNN
from genzoo_lite.models.quantized.vqvae2 import VQVAE2

__all__ = ["VQVAE2Prior", "train_prior"]


class VQVAE2Prior(nn.Module):
    """The prior over VQ-VAE-2 codes: p(top) p(bottom | top), two Gated PixelCNNs.

    The top PixelCNN models the top map in raster order; the bottom one models the bottom
    map given the one-hot top codes as a spatial ``cond`` (upsampled 2x by the PixelCNN).
    Both may also take a class ``label`` (which image a crop came from).
    Taught in notebooks/06_vqvae2, "4. Generation: a PixelCNN over codes".

    Args:
        num_codes_top, num_codes_bottom: the codebook sizes of the VQ-VAE-2.
        num_classes: None, or the number of labels to condition on.
        channels, num_layers, dropout: of each Gated PixelCNN.
    """

    def __init__(self, num_codes_top: int, num_codes_bottom: int, num_classes: int | None = None,
                 channels: int = 32, num_layers: int = 5, dropout: float = 0.1) -> None:
        super().__init__()
        self.num_codes_top = check_int("num_codes_top", num_codes_top, 2)
        self.num_codes_bottom = check_int("num_codes_bottom", num_codes_bottom, 2)
        self.top = GatedPixelCNN(levels=num_codes_top, channels=channels, num_layers=num_layers,
                                 embed_dim=16, first_kernel=5, dropout=dropout,
                                 num_classes=num_classes)
        self.bottom = GatedPixelCNN(levels=num_codes_bottom, channels=channels,
                                    num_layers=num_layers, embed_dim=16, first_kernel=5,
                                    dropout=dropout, num_classes=num_classes,
                                    cond_channels=num_codes_top)

    def top_cond(self, top: torch.Tensor) -> torch.Tensor:
        """The one-hot top codes (N, K_top, h, w) that condition the bottom PixelCNN."""
        return F.one_hot(top.long(), self.num_codes_top).permute(0, 3, 1, 2).float()

    def losses(self, top: torch.Tensor, bottom: torch.Tensor,
               label: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean cross-entropy (nats per code) of the top map, and of the bottom map given it."""
        return (self.top.loss(top[:, None], label=label),
                self.bottom.loss(bottom[:, None], label=label, cond=self.top_cond(top)))

    def loss(self, top: torch.Tensor, bottom: torch.Tensor,
             label: torch.Tensor | None = None) -> torch.Tensor:
        """Training loss: the sum of the two mean cross-entropies of :meth:`losses`."""
        nll_top, nll_bottom = self.losses(top, bottom, label)
        return nll_top + nll_bottom

    @torch.no_grad()
    def bits_per_code(self, top: torch.Tensor, bottom: torch.Tensor,
                      label: torch.Tensor | None = None) -> tuple[float, float]:
        """(bits per top code, bits per bottom code given the top) on held-out code maps."""
        return (self.top.bits_per_dim(top[:, None], label=label),
                self.bottom.bits_per_dim(bottom[:, None], label=label, cond=self.top_cond(top)))

    @torch.no_grad()
    def sample_codes(self, n: int, top_shape: tuple[int, int] = (4, 4),
                     generator: torch.Generator | None = None, temperature: float = 1.0,
                     label: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw (top (n, h, w), bottom (n, 2h, 2w)): top code by code, then bottom given top."""
        top = self.top.sample(n, top_shape, temperature, generator, label)[:, 0]  # (n, h, w)
        bottom_shape = (2 * top_shape[0], 2 * top_shape[1])
        bottom = self.bottom.sample(n, bottom_shape, temperature, generator, label,
                                    cond=self.top_cond(top))[:, 0]
        return top, bottom

    @torch.no_grad()
    def sample(self, vqvae: VQVAE2, n: int, top_shape: tuple[int, int] = (4, 4),
               generator: torch.Generator | None = None, temperature: float = 1.0,
               label: torch.Tensor | None = None) -> torch.Tensor:
        """Images (n, C, 8h, 8w): sample code maps from the prior, decode them with vqvae."""
        top, bottom = self.sample_codes(n, top_shape, generator, temperature, label)
        return vqvae.decode_codes(top, bottom)


def train_prior(prior: VQVAE2Prior, top: torch.Tensor, bottom: torch.Tensor,
                label: torch.Tensor | None = None, *, num_epochs: int, lr: float,
                batch_size: int, generator: torch.Generator | None = None,
                progress: bool = True) -> History:
    """Fit both PixelCNNs of the prior by maximum likelihood on code maps of training images;
    returns the per-epoch history (loss = nll_top + nll_bottom, in nats per code).

    ``generator`` draws the shuffling and seeds the PixelCNNs' dropout (through ``fit``).
    Taught in notebooks/06_vqvae2, "4. Generation"; the settings are ``RECIPES["vqvae2_prior"]``.
    """
    def step(top_b: torch.Tensor, bottom_b: torch.Tensor,
             label_b: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        nll_top, nll_bottom = prior.losses(top_b, bottom_b, label_b)
        return {"loss": nll_top + nll_bottom, "nll_top": nll_top, "nll_bottom": nll_bottom}

    data = (top, bottom) if label is None else (top, bottom, label)
    return fit(prior, step, data, num_epochs, lr=lr, batch_size=batch_size,
               generator=generator, progress=progress, desc="VQ-VAE-2 prior")
