"""Vector quantization, the two-level VQ-VAE-2, and its PixelCNN prior over codes.

Taught in notebooks/06_vqvae2. The prior is the Gated PixelCNN of
``genzoo_lite.models.pixelcnn`` (notebooks/05_pixelcnn), once over the top code map and once,
conditioned on the one-hot top codes, over the bottom code map.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from ..train import fit
from .pixelcnn import GatedPixelCNN

__all__ = ["VQOutput", "VectorQuantizer", "VQVAE2Output", "VQVAE2", "VQVAE2Prior",
           "perplexity", "train_vqvae2", "train_prior", "pixel_levels", "PatchDiscriminator",
           "train_vqgan_decoder", "perceptual_distance"]


class VQOutput(NamedTuple):
    """What :class:`VectorQuantizer` returns.

    quantized: (N, D, H, W), the nearest codes; its gradient flows straight through to z_e.
    indices: (N, H, W) int64, the index of the nearest code at every position.
    loss: codebook term + beta * commitment term (a scalar).
    perplexity: exp(entropy of the code usage in this batch), between 1 and num_codes.
    """

    quantized: torch.Tensor
    indices: torch.Tensor
    loss: torch.Tensor
    perplexity: torch.Tensor


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return value


def perplexity(indices: torch.Tensor, num_codes: int) -> torch.Tensor:
    """exp(H(p)) of the empirical code usage p: the "effective number of codes" in use.

    Equals num_codes when every code is used equally often and 1 when one code is used.
    Taught in notebooks/06_vqvae2, "2. VQ-VAE", "Code usage and perplexity".
    """
    counts = torch.bincount(indices.reshape(-1), minlength=num_codes).float()  # (K,)
    p = counts / counts.sum()
    entropy = -(p * torch.log(p.clamp_min(1e-30))).sum()  # 0 log 0 = 0
    return entropy.exp()


class VectorQuantizer(nn.Module):
    """Replace every D-dim vector of z_e (N, D, H, W) by its nearest of K codebook rows.

    Taught in notebooks/06_vqvae2, "2. VQ-VAE". Loss (van den Oord et al. 2017):
    ||sg[z_e] - e||^2 (codebook term: moves the codes) + beta ||z_e - sg[e]||^2 (commitment
    term: moves the encoder), each averaged over all entries.

    Args:
        num_codes: K >= 2, the codebook size.
        dim: D >= 1, the length of every code.
        beta: weight of the commitment term (the paper uses 0.25).
        kmeans_init: on the first training batch, set the codebook by k-means on that batch's
            vectors instead of keeping the random initialisation.
        restart_threshold: if not None, during training every code whose running usage
            (an exponential average of its count per batch) falls below this value is
            restarted on a random encoder output of the current batch (dead-code restart).
        usage_decay: decay of that running usage.
    """

    def __init__(self, num_codes: int, dim: int, beta: float = 0.25, kmeans_init: bool = False,
                 restart_threshold: float | None = None, usage_decay: float = 0.9) -> None:
        super().__init__()
        self.num_codes = _check_int("num_codes", num_codes, 2)
        self.dim = _check_int("dim", dim, 1)
        if not (isinstance(beta, (int, float)) and math.isfinite(beta) and beta >= 0):
            raise ValueError(f"beta must be a finite number >= 0, got {beta!r}")
        if restart_threshold is not None and not restart_threshold >= 0:
            raise ValueError(f"restart_threshold must be None or >= 0, got {restart_threshold!r}")
        if not 0 <= usage_decay < 1:
            raise ValueError(f"usage_decay must be in [0, 1), got {usage_decay!r}")
        self.beta, self.kmeans_init = float(beta), kmeans_init
        self.restart_threshold, self.usage_decay = restart_threshold, usage_decay
        self.codebook = nn.Parameter(torch.empty(num_codes, dim).uniform_(-1 / num_codes,
                                                                          1 / num_codes))
        self.register_buffer("usage", torch.ones(num_codes))  # running count per batch
        self.register_buffer("initialized", torch.tensor(0.0))  # 1 once k-means has run
        self.restarts = 0  # how many codes were restarted so far (not saved)

    def check_z(self, z_e: torch.Tensor) -> None:
        """Raise TypeError/ValueError unless z_e is a float tensor (N, dim, H, W)."""
        if not isinstance(z_e, torch.Tensor) or not z_e.is_floating_point():
            raise TypeError("z_e must be a float tensor (N, D, H, W), got "
                            + (str(z_e.dtype) if isinstance(z_e, torch.Tensor)
                               else type(z_e).__name__))
        if z_e.ndim != 4:
            raise ValueError(f"z_e must have 4 dimensions (N, D, H, W), got shape "
                             f"{tuple(z_e.shape)} ({z_e.ndim} dimensions)")
        if z_e.shape[1] != self.dim:
            raise ValueError(f"z_e has {z_e.shape[1]} channels, but this quantizer's codes have "
                             f"dim={self.dim}: z_e must be (N, {self.dim}, H, W)")

    def check_indices(self, indices: torch.Tensor, name: str = "indices") -> None:
        """Raise TypeError/ValueError unless indices is an integer tensor in 0..num_codes-1."""
        if not isinstance(indices, torch.Tensor) or indices.is_floating_point() or \
                indices.dtype == torch.bool:
            raise TypeError(f"{name} must be an integer tensor of code indices, got "
                            + (str(indices.dtype) if isinstance(indices, torch.Tensor)
                               else type(indices).__name__))
        if indices.numel() and (int(indices.min()) < 0 or int(indices.max()) >= self.num_codes):
            raise ValueError(f"{name} has values {int(indices.min())}..{int(indices.max())}, but "
                             f"the codebook has num_codes={self.num_codes}: allowed "
                             f"0..{self.num_codes - 1}")

    def nearest(self, flat: torch.Tensor) -> torch.Tensor:
        """Index of the nearest code for every row of flat (M, D): argmin_k ||z - e_k||^2."""
        d2 = (flat.pow(2).sum(1, keepdim=True) - 2 * flat @ self.codebook.T
              + self.codebook.pow(2).sum(1)[None, :])  # (M, K)
        return d2.argmin(dim=1)

    def lookup(self, indices: torch.Tensor) -> torch.Tensor:
        """The codes at indices (N, H, W): a tensor (N, D, H, W) of codebook rows."""
        self.check_indices(indices)
        return self.codebook[indices.long()].permute(0, 3, 1, 2)

    @torch.no_grad()
    def init_kmeans(self, flat: torch.Tensor, num_iters: int = 10,
                    generator: torch.Generator | None = None) -> None:
        """Set the codebook by k-means (Lloyd's iterations) on the vectors flat (M, D).

        Starts from K distinct random rows of flat, so every code begins on the data.
        """
        if flat.shape[0] < self.num_codes:
            raise ValueError(f"k-means needs at least num_codes={self.num_codes} vectors, "
                             f"got {flat.shape[0]}")
        start = torch.randperm(flat.shape[0], generator=generator)[:self.num_codes]
        self.codebook.copy_(flat[start.to(flat.device)])
        for _ in range(num_iters):
            idx = self.nearest(flat)  # (M,)
            counts = torch.bincount(idx, minlength=self.num_codes).float()  # (K,)
            sums = torch.zeros_like(self.codebook).index_add_(0, idx, flat)  # (K, D)
            used = counts > 0
            self.codebook[used] = sums[used] / counts[used, None]
        self.initialized.fill_(1.0)

    @torch.no_grad()
    def restart_dead_codes(self, flat: torch.Tensor,
                           generator: torch.Generator | None = None) -> int:
        """Move every code whose running usage is below ``restart_threshold`` onto a random
        row of flat (M, D); returns how many codes were restarted."""
        dead = self.usage < self.restart_threshold  # (K,)
        n_dead = int(dead.sum())
        if n_dead:
            pick = torch.randint(flat.shape[0], (n_dead,), generator=generator)
            self.codebook[dead] = flat[pick.to(flat.device)]
            self.usage[dead] = self.usage.mean()  # give a restarted code time to be used
            self.restarts += n_dead
        return n_dead

    def forward(self, z_e: torch.Tensor) -> VQOutput:
        self.check_z(z_e)
        n, d, h, w = z_e.shape
        flat = z_e.permute(0, 2, 3, 1).reshape(-1, d)  # (N H W, D)
        if self.training and self.kmeans_init and not self.initialized:
            self.init_kmeans(flat.detach())
        indices = self.nearest(flat.detach())  # (N H W,)
        if self.training:
            counts = torch.bincount(indices, minlength=self.num_codes).float()
            self.usage.mul_(self.usage_decay).add_((1 - self.usage_decay) * counts)
            if self.restart_threshold is not None and self.restart_dead_codes(flat.detach()):
                indices = self.nearest(flat.detach())
        e = self.codebook[indices].reshape(n, h, w, d).permute(0, 3, 1, 2)  # (N, D, H, W)
        codebook_loss = F.mse_loss(e, z_e.detach())  # ||sg[z_e] - e||^2
        commitment_loss = F.mse_loss(z_e, e.detach())  # ||z_e - sg[e]||^2
        # Straight-through: forward value e exactly (z_e - sg[z_e] is exactly 0),
        # backward d quantized / d z_e = identity.
        quantized = e.detach() + (z_e - z_e.detach())
        return VQOutput(quantized, indices.reshape(n, h, w),
                        codebook_loss + self.beta * commitment_loss,
                        perplexity(indices, self.num_codes))


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
    """A two-level VQ-VAE (Razavi et al. 2019), fully convolutional.

    For an image (N, C, H, W): the bottom encoder downsamples 4x to a map h_b (H/4); the top
    encoder downsamples h_b 2x more and quantizes it (top codes, H/8); the top codes are decoded
    back to H/4 and the bottom codes (H/4) quantize the residual h_b - (decoded top codes), what
    the top level missed. The decoder sees the sum of the bottom codes and the upsampled top
    codes. During training a fraction ``bottom_dropout`` of the crops is decoded from the top
    codes alone (bottom codes set to zero), so the top level has to carry the coarse image and
    the bottom level the detail; without it the decoder learns to ignore the top level.
    Taught in notebooks/06_vqvae2, "3. VQ-VAE-2".

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
        self.in_channels = _check_int("in_channels", in_channels, 1)
        _check_int("hidden", hidden, 2)
        if not (isinstance(bottom_dropout, (int, float)) and 0 <= bottom_dropout <= 1):
            raise ValueError(f"bottom_dropout must be a number in [0, 1], got {bottom_dropout!r}")
        self.bottom_dropout = float(bottom_dropout)
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
        if not isinstance(x, torch.Tensor) or not x.is_floating_point():
            raise TypeError("x must be a float image tensor (N, C, H, W) in [0, 1], got "
                            + (str(x.dtype) if isinstance(x, torch.Tensor) else type(x).__name__))
        if x.ndim != 4:
            raise ValueError(f"x must have 4 dimensions (N, C, H, W), got shape "
                             f"{tuple(x.shape)} ({x.ndim} dimensions)")
        if x.shape[1] != self.in_channels:
            raise ValueError(f"x has {x.shape[1]} channels, but the model takes "
                             f"in_channels={self.in_channels}")
        if x.shape[2] % 8 or x.shape[3] % 8:
            raise ValueError(f"x's height and width must be multiples of 8 (two code levels, "
                             f"8x downsampling), got {tuple(x.shape[2:])}")

    def _quantize(self, x: torch.Tensor) -> tuple[VQOutput, VQOutput]:
        h_b = self.enc_bottom(x)  # (N, hidden, H/4, W/4)
        top = self.quant_top(self.enc_top(h_b))  # quantized (N, D, H/8, W/8)
        z_b = self.pre_bottom(h_b - self.dec_top(top.quantized))  # the residual, H/4
        return top, self.quant_bottom(z_b)

    def _decode(self, q_top: torch.Tensor, q_bottom: torch.Tensor) -> torch.Tensor:
        return self.decoder(q_bottom + self.up_top(q_top))  # (N, C, H, W)

    def forward(self, x: torch.Tensor) -> VQVAE2Output:
        """Encode, quantize both levels, decode; losses for training (L2 reconstruction).

        In training mode a random fraction ``bottom_dropout`` of the crops is decoded from the
        top codes alone (drawn from the global generator).
        """
        self.check_x(x)
        top, bottom = self._quantize(x)
        q_bottom = bottom.quantized
        if self.training and self.bottom_dropout > 0:
            keep = torch.rand(x.shape[0], 1, 1, 1, device=x.device) >= self.bottom_dropout
            q_bottom = q_bottom * keep
        x_hat = self._decode(top.quantized, q_bottom)
        recon = F.mse_loss(x_hat, x)
        return VQVAE2Output(x_hat, recon + top.loss + bottom.loss, recon, top, bottom)

    @torch.no_grad()
    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Code maps of x: (top (N, H/8, W/8), bottom (N, H/4, W/4)), both int64."""
        self.check_x(x)
        top, bottom = self._quantize(x)
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


def train_vqvae2(model: VQVAE2, x: torch.Tensor, num_epochs: int = 30, lr: float = 2e-3,
                 batch_size: int = 64, seed: int = 0, progress: bool = True) -> list[float]:
    """Minimise L2 reconstruction + both VQ losses with Adam (``genzoo_lite.train.fit``).

    Taught in notebooks/06_vqvae2, "3. VQ-VAE-2"; the shipped weights come from this call.
    """
    torch.manual_seed(seed)  # the restarts draw from the global generator during training
    return fit(model, lambda m, xb: m(xb).loss, x, num_epochs=num_epochs, lr=lr,
               batch_size=batch_size, seed=seed, progress=progress)


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
        self.num_codes_top = _check_int("num_codes_top", num_codes_top, 2)
        self.num_codes_bottom = _check_int("num_codes_bottom", num_codes_bottom, 2)
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

    def loss(self, top: torch.Tensor, bottom: torch.Tensor,
             label: torch.Tensor | None = None) -> torch.Tensor:
        """Training loss: mean cross-entropy (nats per code) of the top and of the bottom map."""
        return (self.top.loss(top[:, None], label=label)
                + self.bottom.loss(bottom[:, None], label=label, cond=self.top_cond(top)))

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
                label: torch.Tensor | None = None, num_epochs: int = 30, lr: float = 2e-3,
                batch_size: int = 64, seed: int = 0, progress: bool = True) -> list[float]:
    """Fit both PixelCNNs of the prior by maximum likelihood on code maps of training images.

    Taught in notebooks/06_vqvae2, "4. Generation"; the shipped weights come from this call.
    """
    data = (top, bottom) if label is None else (top, bottom, label)
    return fit(prior, lambda m, *batch: m.loss(*batch), data, num_epochs=num_epochs, lr=lr,
               batch_size=batch_size, seed=seed, progress=progress)


def pixel_levels(x: torch.Tensor, levels: int = 16) -> torch.Tensor:
    """Quantize float images in [0, 1] to integer levels 0..levels-1 (for a pixel PixelCNN)."""
    return (x.clamp(0, 1) * (levels - 1)).round().long()


class PatchDiscriminator(nn.Module):
    """A small PatchGAN: one real/fake logit per overlapping patch (N, 1, H/4, W/4).

    Taught in notebooks/06_vqvae2, "5. How to improve further" (the VQGAN idea).
    """

    def __init__(self, in_channels: int = 1, hidden: int = 32) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, hidden, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(hidden, 2 * hidden, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * hidden, 1, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def perceptual_distance(features: nn.Module, x: torch.Tensor, x_hat: torch.Tensor
                        ) -> torch.Tensor:
    """Mean squared distance between the feature maps of a fixed network at x and x_hat.

    Taught in notebooks/06_vqvae2, "5. How to improve further".
    """
    return F.mse_loss(features(x_hat), features(x))


def train_vqgan_decoder(model: VQVAE2, discriminator: PatchDiscriminator,
                        features: nn.Module, x: torch.Tensor, num_epochs: int = 4,
                        lr: float = 5e-4, batch_size: int = 64, perceptual_weight: float = 1.0,
                        adversarial_weight: float = 0.02, seed: int = 0) -> list[float]:
    """Fine-tune only the decoder of a trained VQ-VAE-2 (codes stay fixed, so the prior still
    fits) with L2 + perceptual + patch-adversarial loss, alternating with the discriminator.

    ``features`` is a frozen network (the notebook uses the trained bottom encoder). Losses are
    non-saturating GAN losses. Returns the mean decoder loss per epoch. Taught in
    notebooks/06_vqvae2, "5. How to improve further".
    """
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    with torch.no_grad():  # the codes never change: encode once
        top, bottom = model.encode(x)
    for p in features.parameters():
        p.requires_grad_(False)
    decoder_params = [p for name, p in model.named_parameters()
                      if name.startswith(("decoder.", "up_top."))]
    opt_g = torch.optim.Adam(decoder_params, lr=lr, betas=(0.5, 0.9))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=lr, betas=(0.5, 0.9))
    history = []
    model.train()
    discriminator.train()
    for _ in range(num_epochs):
        order = torch.randperm(len(x), generator=g)
        total = 0.0
        for start in range(0, len(x), batch_size):
            idx = order[start:start + batch_size]
            xb = x[idx]  # (B, 1, H, W)
            x_hat = model.decode_codes(top[idx], bottom[idx])
            d_real, d_fake = discriminator(xb), discriminator(x_hat.detach())
            loss_d = (F.softplus(-d_real) + F.softplus(d_fake)).mean()
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
            loss_g = (F.mse_loss(x_hat, xb)
                      + perceptual_weight * perceptual_distance(features, xb, x_hat)
                      + adversarial_weight * F.softplus(-discriminator(x_hat)).mean())
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            total += loss_g.item() * len(idx)
        history.append(total / len(x))
    model.eval()
    discriminator.eval()
    return history
