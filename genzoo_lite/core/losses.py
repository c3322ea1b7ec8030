"""The GAN losses, written once for every adversarial model (plumbing for notebooks 00, 03, 06).

With D(x) = sigmoid(logit): the discriminator minimises -log D(x_real) - log(1 - D(x_fake)),
and the generator the *non-saturating* -log D(x_fake) (Goodfellow et al. 2014), whose gradient
stays large while the discriminator still wins. softplus(-l) = -log sigmoid(l), exactly.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["discriminator_loss", "generator_loss"]


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """-E[log D(x_real)] - E[log(1 - D(x_fake))]: each term averaged over its own logits."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The non-saturating generator loss -E[log D(x_fake)]."""
    return F.softplus(-fake_logits).mean()
