"""The per-pixel classification baseline: every pixel its own categorical, fitted by counting.

P(x) = prod_i P(x_i), no dependence between pixels, so the maximum-likelihood fit is a count
per pixel and level and sampling needs one step, not H W. Taught in notebooks/05_pixelcnn,
"4. Independent pixels against autoregressive".
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from genzoo_lite.core.checks import check_int, check_levels, check_number
from genzoo_lite.core.train import History
from genzoo_lite.models.autoregressive.base import AutoregressiveModel, check_image_shape

__all__ = ["IndependentPixels", "fit_counts"]


class IndependentPixels(AutoregressiveModel):
    """Every pixel its own categorical P(x_i), one table of logits per pixel.

    Args:
        levels: number of pixel values.
        shape: (H, W) of the images it models.
    """

    def __init__(self, levels: int = 17, shape: tuple[int, int] = (8, 8)) -> None:
        super().__init__(levels, None, None)
        check_image_shape(tuple(shape))
        self.shape = tuple(shape)
        self.logits = nn.Parameter(torch.zeros(levels, *self.shape))  # (levels, H, W)

    def _logits(self, x: torch.Tensor, label: torch.Tensor | None,
                cond: torch.Tensor | None) -> torch.Tensor:
        if tuple(x.shape[2:]) != self.shape:
            raise ValueError(f"IndependentPixels was built for images of shape {self.shape}, "
                             f"got {tuple(x.shape[2:])}")
        return self.logits.expand(x.shape[0], -1, -1, -1)  # (N, levels, H, W)

    @torch.no_grad()
    def sample(self, n: int, shape: tuple[int, int] = (8, 8), temperature: float = 1.0,
               generator: torch.Generator | None = None, label: torch.Tensor | None = None,
               cond: torch.Tensor | None = None) -> torch.Tensor:
        """All pixels at once: independent pixels need no loop. Returns int64 (n, 1, H, W)."""
        check_int("n", n)
        temperature = check_number("temperature", temperature)
        if tuple(shape) != self.shape:
            raise ValueError(f"IndependentPixels samples images of shape {self.shape}, "
                             f"got shape={shape!r}")
        self._check_conditioning(n, self.shape, label, cond)
        probs = torch.softmax(self.logits / temperature, dim=0)  # (levels, H, W)
        flat = probs.permute(1, 2, 0).reshape(-1, self.levels)  # (H W, levels)
        drawn = torch.multinomial(flat, n, replacement=True, generator=generator)  # (H W, n)
        return drawn.T.reshape(n, 1, *self.shape)


@torch.no_grad()
def fit_counts(model: IndependentPixels, x: torch.Tensor, pseudo_count: float,
               generator: torch.Generator | None = None, progress: bool = True) -> History:
    """The closed-form maximum-likelihood fit: P(x_i = k) = (count + a) / (N + a levels).

    Args:
        model: its logits are overwritten with the log of those frequencies.
        x: integer images (N, 1, H, W) with values 0..model.levels-1.
        pseudo_count: a >= 0, added to every count so that an unseen level is not impossible.
        generator, progress: unused (nothing is random, nothing takes long); they make this a
            trainer like the others of :mod:`genzoo_lite.registry.recipes`.

    Returns:
        ``{"loss": [the training cross-entropy after the fit, nats per pixel]}``.
    """
    check_levels(x, model.levels, shape=(1, *model.shape))
    pseudo_count = check_number("pseudo_count", pseudo_count, strict=False)
    one_hot = F.one_hot(x[:, 0].long(), model.levels).permute(0, 3, 1, 2)  # (N, L, H, W)
    counts = one_hot.sum(dim=0).float() + pseudo_count  # (levels, H, W)
    model.logits.copy_((counts / counts.sum(dim=0)).log())
    return {"loss": [model.loss(x).item()]}
