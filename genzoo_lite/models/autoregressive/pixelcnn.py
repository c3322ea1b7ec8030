"""Masked convolutions and the plain PixelCNN, and the trainer of every autoregressive network.

A PixelCNN is one network whose output at pixel i is the softmax P(x_i | x_<i) (the chain rule
in raster order, :class:`~.autoregressive.AutoregressiveModel`); masked convolutions keep it
causal. Taught in notebooks/05_pixelcnn, "2. Masked convolutions" and "4. Independent
pixels against autoregressive"; :func:`train_autoregressive` and :func:`pixel_levels`
also train the pixel-level prior of notebooks/06_vqvae2.
"""
from __future__ import annotations

import torch
from torch import nn

from genzoo_lite.core.checks import check_int, check_levels
from genzoo_lite.core.train import History, fit
from genzoo_lite.models.autoregressive.base import (
    AutoregressiveModel,
    EmbeddedCNN,
    conditioning_bias,
    conditioning_layers,
)

__all__ = ["MaskedConv2d", "PixelCNN", "crop_kernels", "pixel_levels", "train_autoregressive"]


class MaskedConv2d(nn.Conv2d):
    """A convolution that only sees pixels before the centre in raster order.

    Mask ``"A"`` hides the centre pixel too (first layer: the output at pixel i must not see
    x_i); mask ``"B"`` keeps the centre (later layers: the feature at i already excludes x_i).
    Taught in notebooks/05_pixelcnn, "2. Masked convolutions".

    Args:
        in_channels, out_channels, kernel_size: as for ``nn.Conv2d`` (odd kernel sizes only).
        mask_type: ``"A"`` or ``"B"``.
        **kwargs: passed to ``nn.Conv2d``; ``padding`` defaults to "same" size.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 mask_type: str = "A", **kwargs) -> None:
        if mask_type not in ("A", "B"):
            raise ValueError(f"mask_type must be 'A' or 'B', got {mask_type!r}")
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        if kh % 2 == 0 or kw % 2 == 0:
            raise ValueError(f"kernel_size must be odd so that it has a centre, got {kernel_size}")
        kwargs.setdefault("padding", (kh // 2, kw // 2))
        super().__init__(in_channels, out_channels, (kh, kw), **kwargs)
        self.mask_type = mask_type
        # not persistent: the mask is rebuilt from mask_type, weight files hold only weights
        self.register_buffer("mask", self.build_mask(kh, kw, mask_type), persistent=False)
        rows, cols = self.mask.any(1).nonzero()[:, 0], self.mask.any(0).nonzero()[:, 0]
        #: the rows and columns of the kernel that the mask keeps (its bounding box)
        self.box = (int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1)

    @staticmethod
    def build_mask(kh: int, kw: int, mask_type: str) -> torch.Tensor:
        """The (kh, kw) 0/1 mask: rows above the centre, and the centre row left of centre."""
        mask = torch.zeros(kh, kw)
        mask[:kh // 2] = 1
        mask[kh // 2, :kw // 2 + (mask_type == "B")] = 1
        return mask

    #: With ``crop = True`` (see :func:`crop_kernels`) the convolution runs only the mask's
    #: bounding box (e.g. 2x3 of a vertical 3x3 kernel): the same function with fewer
    #: multiply-adds, but its sums run in another order, so results differ in the last bits.
    crop = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.crop and self.stride == (1, 1) and self.dilation == (1, 1) \
                and isinstance(self.padding, tuple):
            r0, r1, c0, c1 = self.box
            (kh, kw), (ph, pw) = self.kernel_size, self.padding
            mask = self.mask[r0:r1, c0:c1]
            weight = self.weight[:, :, r0:r1, c0:c1]
            weight = weight if bool(mask.all()) else weight * mask
            # pad (left, right, top, bottom) so that the output keeps the uncropped size
            x = nn.functional.pad(x, (pw - c0, pw - kw + c1, ph - r0, ph - kh + r1))
            return nn.functional.conv2d(x, weight, self.bias, groups=self.groups)
        return self._conv_forward(x, self.weight * self.mask, self.bias)


def crop_kernels(model: nn.Module, crop: bool = True) -> nn.Module:
    """Switch every :class:`MaskedConv2d` of ``model`` to (or from) its cropped computation:
    the same outputs up to rounding, in about two thirds of the multiply-adds. Returns
    ``model``."""
    for module in model.modules():
        if isinstance(module, MaskedConv2d):
            module.crop = crop
    return model


class PixelCNN(EmbeddedCNN):
    """The plain PixelCNN: a mask-A convolution, then mask-B convolutions, then 1x1 layers.

    Causal, but its receptive field has a blind spot above and to the right (the B masks grow
    it by one column per row). Taught in notebooks/05_pixelcnn, "2. Masked convolutions" and
    "3. The blind spot and the Gated PixelCNN".

    Args:
        levels: number of pixel values (classes); 17 for the digits, K codes for VQ-VAE-2.
        channels: feature channels of the hidden layers.
        num_layers: number of 3x3 mask-B layers after the 7x7 mask-A layer.
        embed_dim: each input level is first embedded as a learned vector of this size.
        first_kernel: kernel size of the mask-A layer.
        dropout: dropout rate on the hidden features (training only).
        num_classes, cond_channels: optional conditioning (see :class:`AutoregressiveModel`).
    """

    def __init__(self, levels: int = 17, channels: int = 48, num_layers: int = 5,
                 embed_dim: int = 16, first_kernel: int = 7, dropout: float = 0.0,
                 num_classes: int | None = None, cond_channels: int | None = None) -> None:
        super().__init__(levels, num_classes, cond_channels)
        check_int("num_layers", num_layers, minimum=0)
        self.embed = nn.Embedding(levels, check_int("embed_dim", embed_dim))
        self.first = MaskedConv2d(embed_dim, check_int("channels", channels), first_kernel, "A")
        self.hidden = nn.ModuleList(
            MaskedConv2d(channels, channels, 3, "B") for _ in range(num_layers))
        self.dropout = nn.Dropout(dropout)
        self.label_embed, self.cond_proj = conditioning_layers(
            num_classes, cond_channels, channels, num_layers + 1)
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(channels, channels, 1), nn.ReLU(),
                                  nn.Conv2d(channels, levels, 1))

    def forward_embedded(self, e: torch.Tensor, label: torch.Tensor | None = None,
                         cond: torch.Tensor | None = None) -> torch.Tensor:
        h = self.first(e) + conditioning_bias(0, self.label_embed, self.cond_proj, label, cond)
        for k, conv in enumerate(self.hidden, start=1):  # (N, C, H, W), residual
            bias = conditioning_bias(k, self.label_embed, self.cond_proj, label, cond)
            h = h + conv(self.dropout(torch.relu(h))) + bias
        return self.head(h)  # (N, levels, H, W)


def pixel_levels(x: torch.Tensor, levels: int = 16) -> torch.Tensor:
    """Quantize float images in [0, 1] to integer levels 0..levels-1 (for a pixel PixelCNN).

    Taught in notebooks/06_vqvae2, "4. Generation" (the pixel-level baseline prior).
    """
    check_int("levels", levels, minimum=2)
    return (x.clamp(0, 1) * (levels - 1)).round().long()


def train_autoregressive(model: AutoregressiveModel, x: torch.Tensor,
                         label: torch.Tensor | None = None, *, num_epochs: int, lr: float,
                         batch_size: int, weight_decay: float = 0.0,
                         ema_decay: float | None = None, x_val: torch.Tensor | None = None,
                         patience: int | None = None, ema_warmup: bool = False,
                         generator: torch.Generator | None = None,
                         progress: bool = True) -> History:
    """Maximum likelihood: minimise the per-pixel cross-entropy ``model.loss`` with Adam.

    With ``ema_decay``, :func:`~.ema.train_averaged` instead: a cosine learning-rate decay, an
    average of the weights along the path, and (given ``x_val``) early stopping on its val
    bits/dim, stopping after ``patience`` epochs without improvement, the average started with
    a smaller decay given ``ema_warmup``; the shipped Gated PixelCNN's recipe (no labels).

    Args:
        model: a PixelCNN or GatedPixelCNN (its dropout draws from ``generator`` via ``fit``).
        x: integer images (N, 1, H, W) with values 0..model.levels-1.
        label: classes (N,), for a model built with ``num_classes``.
        generator: the shuffling (and dropout) randomness; default seeded with 0.

    Returns:
        The history ``{"loss": [mean cross-entropy in nats per pixel, one per epoch]}``.
    Taught in notebooks/05_pixelcnn, "4. Independent pixels against autoregressive".
    """
    check_levels(x, model.levels)
    if ema_warmup and ema_decay is None:
        raise ValueError("ema_warmup=True starts the weight average with a smaller decay: it "
                         "needs ema_decay (e.g. 0.99), got ema_decay=None")
    if ema_decay is not None or x_val is not None:
        if label is not None or ema_decay is None:
            raise ValueError("x_val and ema_decay go together (early stopping on the averaged "
                             f"weights), without label; got ema_decay={ema_decay!r}, "
                             f"x_val {'given' if x_val is not None else 'None'}, "
                             f"label {'given' if label is not None else 'None'}")
        from genzoo_lite.core.ema import train_averaged
        return train_averaged(model, x, x_val, num_epochs=num_epochs, lr=lr,
                              batch_size=batch_size, weight_decay=weight_decay,
                              ema_decay=ema_decay, patience=patience, ema_warmup=ema_warmup,
                              generator=generator, progress=progress)
    data = x if label is None else (x, label)
    return fit(model, model.loss, data, num_epochs, lr=lr, batch_size=batch_size,
               weight_decay=weight_decay, generator=generator, progress=progress,
               desc=type(model).__name__)
