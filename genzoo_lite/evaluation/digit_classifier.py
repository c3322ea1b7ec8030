"""A small digit classifier: the feature space in which samples of the digits models are judged.

Not a generative model: the "Inception network" of an FID for 8x8 digits
(:mod:`genzoo_lite.evaluation.sample_quality`). Trained on the 1000 training digits only, so the
test digits and every model's samples are new to it. Its penultimate layer
(:meth:`DigitClassifier.features`) is the feature space of the Fréchet distance; its softmax gives
the confidence and entropy of a sample set. Taught in notebooks/07_zoo_comparison, "Sample quality
beside likelihood".
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from genzoo_lite.core.checks import check_int
from genzoo_lite.core.data import DIGIT_LEVELS
from genzoo_lite.core.train import History, fit

__all__ = ["DigitClassifier", "train_digit_classifier"]


class DigitClassifier(nn.Module):
    """Two 3x3 convolutions, a 2x2 max-pool, a ``features``-wide hidden layer, 10 logits.

    Input: digits (N, 1, 8, 8) on the level scale 0..16, integer levels or floats (a continuous
    model's samples or a VAE's mean image need not be rounded).
    """

    def __init__(self, channels: int = 32, features: int = 64, dropout: float = 0.3) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, channels, 3, padding=1), nn.ReLU(),
            nn.Conv2d(channels, 2 * channels, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(dropout),
            nn.Linear(2 * channels * 16, features), nn.ReLU())
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(features, 10))

    @staticmethod
    def scaled(x: torch.Tensor) -> torch.Tensor:
        """x (N, 1, 8, 8) on the level scale, checked, as float in [0, 1]."""
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor of digits (N, 1, 8, 8), "
                            f"got {type(x).__name__}")
        if x.ndim != 4 or tuple(x.shape[1:]) != (1, 8, 8) or x.shape[0] < 1:
            raise ValueError(f"x must have shape (N, 1, 8, 8) with N >= 1, got {tuple(x.shape)}")
        x = x.float()
        if not torch.isfinite(x).all():
            raise ValueError("x has NaN or infinite values; allowed are levels in [0, 16]")
        lo, hi = float(x.min()), float(x.max())
        if lo < -1e-3 or hi > DIGIT_LEVELS - 1 + 1e-3:
            raise ValueError(f"x has values in [{lo:.3g}, {hi:.3g}], but allowed is the level "
                             f"scale [0, {DIGIT_LEVELS - 1}] (clamp a continuous model's samples)")
        return x / (DIGIT_LEVELS - 1)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The penultimate layer's activations, float (N, features): the FID's feature space."""
        return self.body(self.scaled(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits (N, 10)."""
        return self.head(self.features(x))

    @torch.no_grad()
    def predict_proba(self, x: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
        """p(class | x), float (N, 10), in eval mode (no dropout)."""
        was_training = self.training
        self.eval()
        try:
            return torch.cat([F.softmax(self(x[i:i + batch_size]), dim=1)
                              for i in range(0, len(x), batch_size)])
        finally:
            self.train(was_training)


def _shift(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Each image moved by -1, 0 or +1 pixel in each direction (zero fill): handwriting varies in
    position, and 1000 digits show too few positions for the features to ignore it."""
    n = len(x)
    padded = F.pad(x, (1, 1, 1, 1))
    dy, dx = torch.randint(0, 3, (2, n), generator=generator)
    rows = (dy[:, None] + torch.arange(8))[:, None, :, None].expand(n, 1, 8, 10)
    out = padded.gather(2, rows)
    cols = (dx[:, None] + torch.arange(8))[:, None, None, :].expand(n, 1, 8, 8)
    return out.gather(3, cols)


def train_digit_classifier(model: DigitClassifier, x: torch.Tensor, labels: torch.Tensor,
                           x_val: torch.Tensor | None = None,
                           labels_val: torch.Tensor | None = None, *, num_epochs: int,
                           lr: float, batch_size: int, weight_decay: float = 0.0,
                           shift: bool = True, generator: torch.Generator | None = None,
                           progress: bool = True) -> History:
    """Cross-entropy training on (x, labels), with random 1-pixel shifts if ``shift``.

    With ``x_val``, the history also holds ``val_accuracy`` after every epoch (for choosing
    ``num_epochs``; the val split is never trained on).
    """
    check_int("num_epochs", num_epochs)
    if labels.ndim != 1 or len(labels) != len(x) or int(labels.min()) < 0 or int(labels.max()) > 9:
        raise ValueError(f"labels must be N = {len(x)} classes 0..9, got shape "
                         f"{tuple(labels.shape)}")
    generator = generator if generator is not None else torch.Generator().manual_seed(0)
    x = x.float()
    model.scaled(x)  # check the images once, before training

    def step(batch: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        if shift:
            batch = _shift(batch, generator)
        logits = model(batch)
        return {"loss": F.cross_entropy(logits, y),
                "accuracy": (logits.argmax(1) == y).float().mean().detach()}

    def validate(epoch: int, history: History) -> None:
        if x_val is not None:
            accuracy = (model.predict_proba(x_val).argmax(1) == labels_val).float().mean()
            history.setdefault("val_accuracy", []).append(float(accuracy))

    return fit(model, step, (x, labels), num_epochs, lr=lr, batch_size=batch_size,
               weight_decay=weight_decay, generator=generator, after_period=validate,
               progress=progress, desc="DigitClassifier")
