"""Per-pixel classification against autoregressive prediction, on one conditional task.

The task: given the 4x4 block means of a digit (its downsample), predict the 8x8 digit, every
pixel one of 17 levels, as colorization predicts each pixel's color bin (313 ab bins) from the
gray image. Two models of P(x | downsample(x)), built on the same encoder of the input:

* :class:`PixelClassifier` classifies each pixel **independently** given the input,
  P(x | s) = prod_i P(x_i | s): one pass, all pixels at once;
* :class:`PixelCNNUpsampler` predicts **sequentially**, P(x | s) = prod_i P(x_i | x_<i, s): a
  Gated PixelCNN whose gates see the encoded input (``cond=``, as the VQ-VAE-2 prior sees the
  top codes), H W passes to sample.

Both are trained by :func:`train_upsampler` (maximum likelihood, the per-pixel cross-entropy).
Taught in notebooks/05_pixelcnn, "Per-pixel classification vs autoregressive".
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from genzoo_lite.core.checks import check_int, check_levels, check_number
from genzoo_lite.core.train import History, fit
from genzoo_lite.models.autoregressive.base import AutoregressiveModel, check_image_shape
from genzoo_lite.models.autoregressive.gated_pixelcnn import GatedPixelCNN

__all__ = ["downsample", "LowResEncoder", "PixelClassifier", "PixelCNNUpsampler",
           "train_upsampler"]


def downsample(x: torch.Tensor, levels: int = 17, factor: int = 2) -> torch.Tensor:
    """The block means of integer images, scaled to [0, 1]: the input of both models.

    Args:
        x: integer images (N, 1, H, W) with values 0..levels-1.
        factor: the block side; H and W must be multiples of it (2: 8x8 digits -> 4x4).

    Returns:
        float (N, 1, H / factor, W / factor), the mean level of each block / (levels - 1), as
        ``skimage.transform.downscale_local_mean`` computes it.
    """
    check_levels(x, levels)
    factor = check_int("factor", factor)
    if x.shape[2] % factor or x.shape[3] % factor:
        raise ValueError(f"the image size {tuple(x.shape[2:])} must be a multiple of "
                         f"factor={factor}")
    return F.avg_pool2d(x.float(), factor) / (levels - 1)


class LowResEncoder(nn.Module):
    """Features of the low-resolution input at every full-resolution pixel.

    3x3 convolutions over the input upsampled to full size (nearest neighbour; ``forward`` of
    the models does that), dilated 1, 2, 4, 1, 2, 4, ... so that a few layers reach far: the
    default 4 see 8 pixels to each side, the whole 4x4 input from every pixel of a digit.

    Args:
        channels: feature channels.
        num_layers: number of 3x3 convolutions.
    """

    def __init__(self, channels: int = 32, num_layers: int = 4) -> None:
        super().__init__()
        check_int("channels", channels)
        self.net = nn.Sequential(*[
            module for k in range(check_int("num_layers", num_layers))
            for module in (nn.Conv2d(1 if k == 0 else channels, channels, 3,
                                     padding=2 ** (k % 3), dilation=2 ** (k % 3)), nn.ReLU())])

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        return self.net(s)  # (N, 1, H, W) -> (N, channels, H, W)


class PixelClassifier(AutoregressiveModel):
    """Per-pixel classification: 17 logits for every pixel from the input alone.

    P(x | s) = prod_i P(x_i | s). The logits never look at x, so every pixel is predicted
    independently given s and a sample takes one pass. ``log_prob``, ``bits_per_dim`` take the
    input as ``cond=downsample(x)`` (N, 1, 4, 4), like the autoregressive model's.

    Args:
        levels: number of pixel values (classes).
        channels, num_layers: of the :class:`LowResEncoder`.
        dropout: dropout rate on the encoder's features (training only).
    """

    def __init__(self, levels: int = 17, channels: int = 32, num_layers: int = 4,
                 dropout: float = 0.0) -> None:
        super().__init__(levels, None, 1)
        self.encoder = LowResEncoder(channels, num_layers)
        self.dropout = nn.Dropout(check_number("dropout", dropout, strict=False))
        self.head = nn.Sequential(nn.Conv2d(channels, channels, 1), nn.ReLU(),
                                  nn.Conv2d(channels, levels, 1))

    def _logits(self, x: torch.Tensor | None, label: torch.Tensor | None,
                cond: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.encoder(cond)))  # (N, levels, H, W); x unused

    @torch.no_grad()
    def sample(self, n: int, shape: tuple[int, int] = (8, 8), temperature: float = 1.0,
               generator: torch.Generator | None = None, label: torch.Tensor | None = None,
               cond: torch.Tensor | None = None) -> torch.Tensor:
        """All pixels at once, each from its own softmax given ``cond``: int64 (n, 1, H, W)."""
        check_int("n", n)
        check_image_shape(shape)
        temperature = check_number("temperature", temperature)
        cond = self._check_conditioning(n, shape, label, cond)
        probs = torch.softmax(self._logits(None, label, cond) / temperature, dim=1)
        flat = probs.permute(0, 2, 3, 1).reshape(-1, self.levels)  # (n H W, levels)
        return torch.multinomial(flat, 1, generator=generator).view(n, 1, *shape)


class PixelCNNUpsampler(GatedPixelCNN):
    """The autoregressive counterpart: a Gated PixelCNN conditioned on the encoded input.

    P(x | s) = prod_i P(x_i | x_<i, s). Callers pass ``cond=downsample(x)`` (N, 1, 4, 4); a
    :class:`LowResEncoder` turns it into ``features`` channels, added inside every gate
    (the ``V s`` term of :class:`~.gated_pixelcnn.GatedLayer`).

    Args:
        levels: number of pixel values (classes).
        features, encoder_layers: channels and depth of the :class:`LowResEncoder`.
        channels, num_layers, dropout: of the :class:`~.gated_pixelcnn.GatedPixelCNN`.
    """

    def __init__(self, levels: int = 17, features: int = 32, encoder_layers: int = 4,
                 channels: int = 32, num_layers: int = 5, dropout: float = 0.2) -> None:
        super().__init__(levels, channels, num_layers, dropout=dropout, cond_channels=features)
        self.encoder = LowResEncoder(features, encoder_layers)
        self.cond_channels = 1  # the input is the 1-channel downsample; the gates see features

    def _logits(self, x: torch.Tensor, label: torch.Tensor | None,
                cond: torch.Tensor) -> torch.Tensor:
        return self.forward_embedded(self.embed_input(x), label, self.encoder(cond))


def train_upsampler(model: AutoregressiveModel, x: torch.Tensor, *, num_epochs: int, lr: float,
                    batch_size: int, weight_decay: float = 0.0,
                    generator: torch.Generator | None = None, progress: bool = True) -> History:
    """Maximum likelihood of P(x | downsample(x)): minimise ``model.loss(x, cond=s)`` with Adam.

    Args:
        model: a :class:`PixelClassifier` or a :class:`PixelCNNUpsampler`.
        x: integer images (N, 1, H, W) with values 0..model.levels-1; the inputs are their
            downsamples.
        generator: the shuffling (and dropout) randomness; default seeded with 0.

    Returns:
        The history ``{"loss": [mean cross-entropy in nats per pixel, one per epoch]}``.
    Taught in notebooks/05_pixelcnn, "Per-pixel classification vs autoregressive".
    """
    check_levels(x, model.levels)
    return fit(model, lambda x, s: model.loss(x, cond=s), (x, downsample(x, model.levels)),
               num_epochs, lr=lr, batch_size=batch_size, weight_decay=weight_decay,
               generator=generator, progress=progress, desc=type(model).__name__)
