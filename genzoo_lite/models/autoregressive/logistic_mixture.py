"""PixelCNN++'s output distribution on the Gated PixelCNN: a discretized logistic mixture.

Salimans et al. 2017 replace the 256-way softmax of each pixel by a mixture of M logistics on
the level axis, each integrated over its level's bin (the end levels take the tails): 3M numbers
per pixel instead of one per level, and neighbouring levels share probability. Measured against
the softmax on the 17-level digits in benchmarks/RESULTS.md; pointed to in
notebooks/05_pixelcnn, "10. Further: PixelCNN++ and faster sampling".

The network returns normalized log-probabilities over the levels where other models return
logits (``log_softmax`` leaves them unchanged), so ``log_prob``, ``loss``, ``sample`` and
``complete`` of :class:`~.autoregressive.AutoregressiveModel` work as they are.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from genzoo_lite.core.checks import check_int
from genzoo_lite.models.autoregressive.gated_pixelcnn import GatedPixelCNN

__all__ = ["discretized_logistic_mixture_log_probs", "LogisticMixtureGatedPixelCNN"]


def discretized_logistic_mixture_log_probs(means: torch.Tensor, log_scales: torch.Tensor,
                                           mixture_logits: torch.Tensor,
                                           levels: int) -> torch.Tensor:
    """log P(x = k), k = 0..levels-1, of a mixture of logistics binned to the integer levels.

    means, log_scales, mixture_logits: (N, M, H, W), in level units. Level k gets the mass of
    [k - 1/2, k + 1/2]; level 0 also the lower tail, the last level the upper tail.
    Returns (N, levels, H, W), normalized over dim 1.
    """
    k = torch.arange(levels, dtype=means.dtype, device=means.device).view(1, 1, levels, 1, 1)
    centred = k - means.unsqueeze(2)  # (N, M, levels, H, W)
    inv_scale = torch.exp(-log_scales).unsqueeze(2)
    upper, lower = (centred + 0.5) * inv_scale, (centred - 0.5) * inv_scale
    log_cdf_upper, log_sf_lower = F.logsigmoid(upper), F.logsigmoid(-lower)
    # log(a - b) = log a + log(1 - b / a): below the mean a, b = CDF(upper), CDF(lower); above
    # it the survival functions a, b = SF(lower), SF(upper), so that neither side is the
    # difference of two numbers near 1 (which rounds to 0 and would be floored by the clamp)
    below = log_cdf_upper + torch.log(-torch.expm1(
        (F.logsigmoid(lower) - log_cdf_upper).clamp(max=-1e-6)))
    above = log_sf_lower + torch.log(-torch.expm1(
        (F.logsigmoid(-upper) - log_sf_lower).clamp(max=-1e-6)))
    log_bins = torch.where(k == 0, log_cdf_upper,
                           torch.where(k == levels - 1, log_sf_lower,
                                       torch.where(centred < 0, below, above)))
    log_weights = F.log_softmax(mixture_logits, dim=1).unsqueeze(2)
    return torch.logsumexp(log_bins + log_weights, dim=1)


class LogisticMixtureGatedPixelCNN(GatedPixelCNN):
    """The Gated PixelCNN with PixelCNN++'s output: per pixel a mixture of ``mixtures``
    discretized logistics over the levels instead of a softmax (all other arguments as for
    :class:`~.gated_pixelcnn.GatedPixelCNN`)."""

    def __init__(self, mixtures: int = 5, **kwargs) -> None:
        super().__init__(**kwargs)
        self.mixtures = check_int("mixtures", mixtures)
        hidden = self.head[-1].in_channels
        self.head[-1] = nn.Conv2d(hidden, 3 * mixtures, 1)

    def forward_embedded(self, e: torch.Tensor, label: torch.Tensor | None = None,
                         cond: torch.Tensor | None = None) -> torch.Tensor:
        out = super().forward_embedded(e, label, cond)  # (N, 3M, H, W)
        means, log_scales, mixture_logits = out.chunk(3, dim=1)
        centre = (self.levels - 1) / 2  # the means start near the middle level
        return discretized_logistic_mixture_log_probs(
            centre + centre * means, log_scales.clamp(min=-5.0), mixture_logits, self.levels)
