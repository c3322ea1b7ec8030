"""An ensemble of Gated PixelCNNs that is still one autoregressive density.

Averaging the members' conditionals pixel by pixel,
P(x_i | x_<i) = (1/K) sum_k P_k(x_i | x_<i),
gives factors that each sum to one over the levels, so their product is a normalised joint
P(x) = prod_i P(x_i | x_<i) that samples pixel by pixel like any member. (Averaging the joints,
(1/K) sum_k P_k(x), is also a density, but it cannot be sampled with one shared raster pass.)
Measured in benchmarks/RESULTS.md (the pair of Gated PixelCNNs); trained member by member by
:func:`train_ensemble`.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from genzoo_lite.core.checks import check_int
from genzoo_lite.core.ema import train_averaged
from genzoo_lite.core.train import History
from genzoo_lite.models.autoregressive.base import AutoregressiveModel
from genzoo_lite.models.autoregressive.gated_pixelcnn import GatedPixelCNN

__all__ = ["PixelCNNEnsemble", "train_ensemble"]


class PixelCNNEnsemble(AutoregressiveModel):
    """K Gated PixelCNNs (different initial weights) whose conditionals are averaged.

    Its "logits" are log P(x_i | x_<i) = logsumexp_k log_softmax(logits_k) - log K, already
    normalised, so ``log_prob``, ``bits_per_dim``, ``sample`` and ``complete`` of
    :class:`~.autoregressive.AutoregressiveModel` apply unchanged. One module holds all members,
    so the ensemble saves as one state dict (``members.0.``, ``members.1.``, ... prefixes).

    Args:
        num_members: K, the number of Gated PixelCNNs (built one after the other, so each
            starts from its own draw of the global random stream).
        **member_kwargs: the arguments of every member's :class:`~.gated_pixelcnn.GatedPixelCNN`
            (``levels``, ``channels``, ``num_layers``, ``num_classes``, ...).
    """

    def __init__(self, num_members: int = 3, **member_kwargs) -> None:
        members = [GatedPixelCNN(**member_kwargs)
                   for _ in range(check_int("num_members", num_members))]
        first = members[0]
        super().__init__(first.levels, first.num_classes, first.cond_channels)
        self.members = nn.ModuleList(members)

    def _logits(self, x: torch.Tensor, label: torch.Tensor | None,
                cond: torch.Tensor | None) -> torch.Tensor:
        log_p = torch.stack([torch.log_softmax(m._logits(x, label, cond), dim=1)
                             for m in self.members])  # (K, N, levels, H, W)
        return torch.logsumexp(log_p, dim=0) - math.log(len(self.members))  # (N, levels, H, W)


def train_ensemble(model: PixelCNNEnsemble, x: torch.Tensor,
                   x_val: torch.Tensor | None = None, *,
                   generator: torch.Generator | None = None, progress: bool = True,
                   **settings) -> History:
    """Train each member on its own with :func:`~.ema.train_averaged`, one after the other (the
    same ``settings`` and ``x_val``; its shuffling and dropout from a seed drawn from
    ``generator``, default seeded with 0).

    Returns:
        ``"loss"`` and (with ``x_val``) ``"val_bpd"``: each member's history, concatenated;
        ``"best_epoch"``: one entry per member; ``"ensemble_val_bpd"``: the ensemble's.
    """
    generator = generator if generator is not None else torch.Generator().manual_seed(0)
    seeds = torch.randint(2**31, (len(model.members),), generator=generator).tolist()
    history: History = {}
    for member, seed in zip(model.members, seeds):
        part = train_averaged(member, x, x_val, **settings, progress=progress,
                              generator=torch.Generator().manual_seed(seed))
        for key, values in part.items():
            history.setdefault(key, []).extend(values)
    model.eval()
    if x_val is not None:
        history["ensemble_val_bpd"] = [model.bits_per_dim(x_val)]
    return history

