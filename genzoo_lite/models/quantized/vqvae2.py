"""VQ-VAE-2: two levels of vector-quantized codes, fully convolutional, and its trainer.

Taught in notebooks/06_vqvae2, "3. Two levels of codes". The quantizer is :mod:`.quantizer`;
the prior over the codes is :mod:`.vqvae_prior`, the VQGAN-style decoder fine-tuning
:mod:`genzoo_lite.models.adversarial.vqgan`.
"""
from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from genzoo_lite.core.checks import check_fraction, check_int
from genzoo_lite.core.train import History, fit
from genzoo_lite.models.quantized.quantizer import VectorQuantizer, VQOutput, check_maps

__all__ = ["VQVAE2Output", "VQVAE2", "train_vqvae2"]


class _ResBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.ReLU(), nn.Conv2d(channels, channels // 2, 3, padding=1),
                                 nn.ReLU(), nn.Conv2d(channels // 2, channels, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.net(x)


class VQVAE2Output(NamedTuple):
    """What :meth:`VQVAE2.forward` returns: the reconstruction and the losses.

    loss = recon_loss + top.loss + bottom.loss (what training minimises).
    """

    x_hat: torch.Tensor
    loss: torch.Tensor
    recon_loss: torch.Tensor
    top: VQOutput
    bottom: VQOutput


class VQVAE2(nn.Module):
    """A variant of VQ-VAE-2 (Razavi et al. 2019), fully convolutional: a residual bottom level
    and bottom dropout (below) instead of the paper's bottom encoder conditioned on the top.

    For an image (N, C, H, W): the bottom encoder downsamples 4x to a map h_b (H/4); the top
    encoder downsamples h_b 2x more and quantizes it (top codes, H/8); the top codes are decoded
    back to H/4 and the bottom codes (H/4) quantize the residual h_b - (decoded top codes), what
    the top level missed. The decoder sees the sum of the bottom codes and the upsampled top
    codes. During training a fraction ``bottom_dropout`` of the crops is decoded from the top
    codes alone (bottom codes set to zero), so the top level has to carry the coarse image and
    the bottom level the detail; without it the decoder learns to ignore the top level.
    Taught in notebooks/06_vqvae2, "3. Two levels of codes".

    Args:
        in_channels: image channels (1 for grayscale).
        hidden: feature channels of encoders and decoders.
        dim: length of every code (both codebooks).
        num_codes_top, num_codes_bottom: codebook sizes K_top, K_bottom (each >= 2).
        beta, kmeans_init, restart_threshold: passed to both :class:`VectorQuantizer` s.
        bottom_dropout: in [0, 1], the fraction of training crops decoded without their
            bottom codes.
    """

    def __init__(self, in_channels: int = 1, hidden: int = 32, dim: int = 16,
                 num_codes_top: int = 32, num_codes_bottom: int = 64, beta: float = 0.25,
                 kmeans_init: bool = True, restart_threshold: float | None = 1.0,
                 bottom_dropout: float = 0.5) -> None:
        super().__init__()
        self.in_channels = check_int("in_channels", in_channels)
        check_int("hidden", hidden, 2)
        self.bottom_dropout = check_fraction("bottom_dropout", bottom_dropout)
        self.enc_bottom = nn.Sequential(
            nn.Conv2d(in_channels, hidden // 2, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(hidden // 2, hidden, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(hidden, hidden, 3, padding=1), _ResBlock(hidden), nn.ReLU())
        self.enc_top = nn.Sequential(
            nn.Conv2d(hidden, hidden, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(hidden, hidden, 3, padding=1), _ResBlock(hidden), nn.ReLU(),
            nn.Conv2d(hidden, dim, 1))
        self.quant_top = VectorQuantizer(num_codes_top, dim, beta, kmeans_init, restart_threshold)
        self.dec_top = nn.Sequential(  # top codes -> features at the bottom resolution
            nn.Conv2d(dim, hidden, 3, padding=1), _ResBlock(hidden), nn.ReLU(),
            nn.ConvTranspose2d(hidden, hidden, 4, stride=2, padding=1))
        self.pre_bottom = nn.Conv2d(hidden, dim, 1)
        self.quant_bottom = VectorQuantizer(num_codes_bottom, dim, beta, kmeans_init,
                                            restart_threshold)
        self.up_top = nn.ConvTranspose2d(dim, dim, 4, stride=2, padding=1)
        self.decoder = nn.Sequential(
            nn.Conv2d(dim, hidden, 3, padding=1), _ResBlock(hidden), nn.ReLU(),
            nn.ConvTranspose2d(hidden, hidden // 2, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(hidden // 2, in_channels, 4, stride=2, padding=1))

    def check_x(self, x: torch.Tensor) -> None:
        """Raise TypeError/ValueError unless x is float (N, in_channels, H, W), H, W % 8 == 0."""
        check_maps(x, "x", self.in_channels, "the model takes in_channels")
        if x.shape[2] % 8 or x.shape[3] % 8:
            raise ValueError(f"x's height and width must be multiples of 8 (two code levels, "
                             f"8x downsampling), got {tuple(x.shape[2:])}")

    def _quantize(self, x: torch.Tensor, generator: torch.Generator | None = None
                  ) -> tuple[VQOutput, VQOutput]:
        h_b = self.enc_bottom(x)  # (N, hidden, H/4, W/4)
        top = self.quant_top(self.enc_top(h_b), generator)  # quantized (N, D, H/8, W/8)
        z_b = self.pre_bottom(h_b - self.dec_top(top.quantized))  # the residual, H/4
        return top, self.quant_bottom(z_b, generator)

    def _decode(self, q_top: torch.Tensor, q_bottom: torch.Tensor) -> torch.Tensor:
        return self.decoder(q_bottom + self.up_top(q_top))  # (N, C, H, W)

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None
                ) -> VQVAE2Output:
        """Encode, quantize both levels, decode; losses for training (L2 reconstruction).

        In training mode a random fraction ``bottom_dropout`` of the crops is decoded from the
        top codes alone; that choice, the k-means start and the code restarts draw from
        ``generator`` (on its own device; the global stream if None).
        """
        self.check_x(x)
        top, bottom = self._quantize(x, generator)
        q_bottom = bottom.quantized
        if self.training and self.bottom_dropout > 0:
            u = torch.rand(x.shape[0], 1, 1, 1, generator=generator,
                           device=generator.device if generator is not None else x.device)
            q_bottom = q_bottom * (u.to(x.device) >= self.bottom_dropout)
        x_hat = self._decode(top.quantized, q_bottom)
        recon = F.mse_loss(x_hat, x)
        return VQVAE2Output(x_hat, recon + top.loss + bottom.loss, recon, top, bottom)

    @torch.no_grad()
    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Code maps of x: (top (N, H/8, W/8), bottom (N, H/4, W/4)), both int64.

        Encoding never changes the codebooks: the quantizers run in eval mode here.
        """
        self.check_x(x)
        modes = self.quant_top.training, self.quant_bottom.training
        self.quant_top.eval(), self.quant_bottom.eval()
        try:
            top, bottom = self._quantize(x)
        finally:
            self.quant_top.train(modes[0]), self.quant_bottom.train(modes[1])
        return top.indices, bottom.indices

    def decode_codes(self, top: torch.Tensor, bottom: torch.Tensor) -> torch.Tensor:
        """Images (N, C, H, W) from code maps top (N, h, w) and bottom (N, 2h, 2w)."""
        for name, t in (("top", top), ("bottom", bottom)):
            if isinstance(t, torch.Tensor) and t.ndim != 3:
                raise ValueError(f"{name} codes must be (N, h, w), got shape {tuple(t.shape)}")
        self.quant_top.check_indices(top, "top")
        self.quant_bottom.check_indices(bottom, "bottom")
        if bottom.shape[0] != top.shape[0] or bottom.shape[1:] != (2 * top.shape[1],
                                                                   2 * top.shape[2]):
            raise ValueError(f"bottom codes must be (N, 2h, 2w) for top codes (N, h, w): got "
                             f"top {tuple(top.shape)}, bottom {tuple(bottom.shape)}")
        return self._decode(self.quant_top.lookup(top), self.quant_bottom.lookup(bottom))


def train_vqvae2(model: VQVAE2, x: torch.Tensor, *, num_epochs: int, lr: float, batch_size: int,
                 generator: torch.Generator | None = None, progress: bool = True) -> History:
    """Minimise L2 reconstruction + both VQ losses with Adam; returns the per-epoch history
    (loss, recon_loss and each level's perplexity).

    ``generator`` draws the shuffling, the bottom dropout, the k-means start and the code
    restarts, so the same generator gives the same weights whatever the global seed.
    Taught in notebooks/06_vqvae2, "3. Two levels of codes"; the settings are ``RECIPES["vqvae2"]``.
    """
    generator = generator if generator is not None else torch.Generator().manual_seed(0)

    def step(xb: torch.Tensor) -> dict[str, torch.Tensor]:
        out = model(xb, generator=generator)
        return {"loss": out.loss, "recon_loss": out.recon_loss,
                "perplexity_top": out.top.perplexity, "perplexity_bottom": out.bottom.perplexity}

    return fit(model, step, x, num_epochs, lr=lr, batch_size=batch_size, generator=generator,
               progress=progress, desc="VQ-VAE-2")
