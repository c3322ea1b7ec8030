"""The Gated PixelCNN: a vertical and a horizontal stack, gated layers, no blind spot.

van den Oord et al. 2016, "Conditional Image Generation with PixelCNN Decoders". Taught in
notebooks/05_pixelcnn, "3. The blind spot and the Gated PixelCNN"; the same class is the prior
over VQ-VAE-2 codes in notebooks/06_vqvae2 (conditioned through ``label=`` and ``cond=``).
Trained by :func:`genzoo_lite.models.autoregressive.pixelcnn.train_autoregressive`.
"""
from __future__ import annotations

import torch
from torch import nn

from genzoo_lite.core.checks import check_int
from genzoo_lite.models.autoregressive.base import (
    EmbeddedCNN,
    conditioning_bias,
    conditioning_layers,
)
from genzoo_lite.models.autoregressive.pixelcnn import MaskedConv2d

__all__ = ["VerticalStackConv2d", "HorizontalStackConv2d", "GatedLayer", "GatedPixelCNN"]


class VerticalStackConv2d(MaskedConv2d):
    """The vertical stack of the Gated PixelCNN: a k x k kernel over the rows above.

    ``"A"`` sees only rows strictly above the centre; ``"B"`` also the whole centre row (of
    features that themselves see only rows above, so still causal). Taught in
    notebooks/05_pixelcnn, "3. The blind spot and the Gated PixelCNN".
    """

    @staticmethod
    def build_mask(kh: int, kw: int, mask_type: str) -> torch.Tensor:
        mask = torch.zeros(kh, kw)
        mask[:kh // 2 + (mask_type == "B")] = 1
        return mask


class HorizontalStackConv2d(MaskedConv2d):
    """The horizontal stack of the Gated PixelCNN: a 1 x k kernel over the current row, left of
    the centre (``"A"``) or up to and including it (``"B"``). Pass ``kernel_size=(1, k)``.

    Taught in notebooks/05_pixelcnn, "3. The blind spot and the Gated PixelCNN".
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 mask_type: str = "A", **kwargs) -> None:
        k = kernel_size if isinstance(kernel_size, int) else kernel_size[1]
        super().__init__(in_channels, out_channels, (1, k), mask_type, **kwargs)


class GatedLayer(nn.Module):
    """One layer of the Gated PixelCNN:

    v' = tanh(W_f * v + V_f s) . sigmoid(W_g * v + V_g s)
    h' = h + W_o [tanh(U_f * h + P_f (W * v) + V_f s) . sigmoid(U_g * h + ... + V_g s)]

    with ``s`` the conditioning (``bias``). Taught in notebooks/05_pixelcnn, "3. The blind spot
    and the Gated PixelCNN".
    """

    def __init__(self, channels: int, kernel_size: int = 3, dropout: float = 0.0) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.v_conv = VerticalStackConv2d(channels, 2 * channels, kernel_size, "B")
        self.h_conv = HorizontalStackConv2d(channels, 2 * channels, kernel_size, "B")
        self.v_to_h = nn.Conv2d(2 * channels, 2 * channels, 1)
        self.h_out = nn.Conv2d(channels, channels, 1)

    @staticmethod
    def gate(a: torch.Tensor) -> torch.Tensor:
        """tanh(first half) * sigmoid(second half) over the channel axis."""
        f, g = a.chunk(2, dim=1)
        return torch.tanh(f) * torch.sigmoid(g)

    def forward(self, v: torch.Tensor, h: torch.Tensor,
                bias: torch.Tensor | float) -> tuple[torch.Tensor, torch.Tensor]:
        v_feat = self.v_conv(v)  # (N, 2C, H, W): sees rows above only
        v_new = self.gate(v_feat + bias)
        h_feat = self.h_conv(h) + self.v_to_h(v_feat)  # (N, 2C, H, W)
        h_new = h + self.h_out(self.dropout(self.gate(h_feat + bias)))
        return v_new, h_new


class GatedPixelCNN(EmbeddedCNN):
    """Gated PixelCNN: a vertical stack (all rows above) feeds a horizontal stack (the current
    row, left), so the receptive field has no blind spot.

    With the defaults (a 7x7 / 1x7 first layer, then 3x3 / 1x3 gated layers) every pixel of an
    8x8 image sees every earlier pixel. Taught in notebooks/05_pixelcnn, "3. The blind spot and
    the Gated PixelCNN"; the prior of notebooks/06_vqvae2.

    Args:
        levels: number of pixel values (classes); 17 for the digits, K codes for VQ-VAE-2.
        channels: feature channels of both stacks.
        num_layers: number of gated layers after the first (mask A) layer.
        embed_dim: each input level is first embedded as a learned vector of this size.
        first_kernel, kernel_size: kernel sizes of the first and of the gated layers.
        dropout: dropout rate inside the horizontal stack's residual branch (training only);
            the default 0.2 suits the 1000 training digits.
        num_classes, cond_channels: optional conditioning, added inside every gate
            (see :class:`~.autoregressive.AutoregressiveModel`).
    """

    def __init__(self, levels: int = 17, channels: int = 32, num_layers: int = 5,
                 embed_dim: int = 4, first_kernel: int = 7, kernel_size: int = 3,
                 dropout: float = 0.2, num_classes: int | None = None,
                 cond_channels: int | None = None) -> None:
        super().__init__(levels, num_classes, cond_channels)
        check_int("num_layers", num_layers, minimum=0)
        self.embed = nn.Embedding(levels, check_int("embed_dim", embed_dim))
        self.v_first = VerticalStackConv2d(embed_dim, check_int("channels", channels),
                                           first_kernel, "A")
        self.h_first = HorizontalStackConv2d(embed_dim, channels, first_kernel, "A")
        self.layers = nn.ModuleList(
            GatedLayer(channels, kernel_size, dropout) for _ in range(num_layers))
        self.label_embed, self.cond_proj = conditioning_layers(
            num_classes, cond_channels, 2 * channels, num_layers)
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(channels, channels, 1), nn.ReLU(),
                                  nn.Conv2d(channels, levels, 1))

    def forward_embedded(self, e: torch.Tensor, label: torch.Tensor | None = None,
                         cond: torch.Tensor | None = None) -> torch.Tensor:
        v, h = self.v_first(e), self.h_first(e)  # (N, C, H, W) each
        for k, layer in enumerate(self.layers):
            v, h = layer(v, h, conditioning_bias(k, self.label_embed, self.cond_proj,
                                                 label, cond))
        return self.head(h)  # (N, levels, H, W)
