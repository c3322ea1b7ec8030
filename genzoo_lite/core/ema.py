"""Weight averaging (EMA / Polyak) and early stopping for the autoregressive digits models.

With 1000 training digits a Gated PixelCNN overfits within a few dozen epochs, and its val
bits/dim jumps from epoch to epoch with the noise of Adam's last steps. Two cheap remedies,
measured in benchmarks/RESULTS.md ("Notebooks 03, 05, 06: what left the lecture line"): an
exponential moving average of the weights along the training path (Polyak averaging; the
averaged copy is what we evaluate and ship), a cosine decay of the learning rate to zero, and
keeping the averaged weights of the epoch with the best validation bits/dim (the ``val`` split
exists for this).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from genzoo_lite.core.checks import check_fraction, check_levels
from genzoo_lite.core.train import History, fit
from genzoo_lite.models.autoregressive.base import AutoregressiveModel

__all__ = ["WeightAverage", "train_averaged"]


class _Stop(Exception):
    """Raised after an epoch to end training early (no val improvement for ``patience``)."""


class WeightAverage:
    """An exponential moving average of a model's parameters: avg <- decay avg + (1 - decay) w.

    Buffers are not averaged (the models here have none that are learned). ``copy_to(model)``
    writes the average into a model of the same architecture.

    With ``warmup``, update t (1, 2, ...) uses decay min(decay, (1 + t) / (10 + t)) instead, so
    the average forgets the random initial weights within the first steps rather than after
    about 1 / (1 - decay) of them (the "num_updates" rule of TensorFlow's moving average).
    """

    def __init__(self, model: nn.Module, decay: float, warmup: bool = False) -> None:
        self.decay = check_fraction("ema_decay", decay, upper_open=True)
        self.warmup = warmup
        self.num_updates = 0
        self.params = [p.detach().clone() for p in model.parameters()]

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        self.num_updates += 1
        t = self.num_updates
        decay = min(self.decay, (1 + t) / (10 + t)) if self.warmup else self.decay
        for avg, p in zip(self.params, model.parameters()):
            avg.lerp_(p.detach(), 1.0 - decay)

    @torch.no_grad()
    def copy_to(self, model: nn.Module) -> None:
        for avg, p in zip(self.params, model.parameters()):
            p.copy_(avg)


def train_averaged(model: AutoregressiveModel, x: torch.Tensor,
                   x_val: torch.Tensor | None = None, *,
                   num_epochs: int, lr: float, batch_size: int, weight_decay: float = 0.0,
                   ema_decay: float = 0.99, patience: int | None = None,
                   ema_warmup: bool = False, crop_kernels: bool = False,
                   generator: torch.Generator | None = None, progress: bool = True) -> History:
    """Maximum likelihood with Adam, a cosine learning-rate decay, an EMA of the weights, and
    early stopping on the validation bits/dim of the averaged weights (without ``x_val``: the
    last average). Called by :func:`~.pixelcnn.train_autoregressive` given ``ema_decay``.

    Args:
        model: an autoregressive model (its dropout draws from ``generator`` via ``fit``).
        x, x_val: integer training and validation images (N, 1, H, W) in 0..model.levels-1.
        ema_decay: the average's decay per optimizer step (0.99: about the last 100 steps).
        patience: with ``x_val``, stop after this many epochs without a better val bits/dim
            (the cosine schedule still spans ``num_epochs``; it saves the rest of the time).
        ema_warmup: start the average with a smaller decay (see :class:`WeightAverage`); with
            few optimizer steps per epoch the plain average lags the weights by many epochs.
        crop_kernels: train with every masked convolution cropped to its mask's bounding box
            (:func:`~.pixelcnn.crop_kernels`): the same model, fewer multiply-adds per step.
        generator: the shuffling (and dropout) randomness; default seeded with 0.

    Returns:
        ``"loss"``: the mean training cross-entropy (nats per pixel) of each epoch;
        with ``x_val``, ``"val_bpd"``: the averaged weights' val bits/dim after each epoch;
        ``"best_epoch"``: one entry, the epoch whose averaged weights the model holds at the end.
    """
    check_levels(x, model.levels)
    if x_val is not None:
        check_levels(x_val, model.levels, "x_val")
    average = WeightAverage(model, ema_decay, ema_warmup)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    total = num_epochs * math.ceil(len(x) / batch_size)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: 0.5 * (1.0 + math.cos(math.pi * min(s, total) / total)))

    def after_step(*_) -> None:  # the average follows every optimizer step
        average.update(model)
        schedule.step()

    optimizer.register_step_post_hook(after_step)
    best: dict = {"bpd": math.inf, "params": None}
    scratch = [p.detach().clone() for p in model.parameters()]

    def validate(epoch: int, history: History) -> None:
        if x_val is None:
            return
        with torch.no_grad():  # evaluate the average in place, then put the live weights back
            for s, p in zip(scratch, model.parameters()):
                s.copy_(p)
            average.copy_to(model)
            model.eval()
            bpd = model.bits_per_dim(x_val)
            if bpd < best["bpd"]:
                best.update(bpd=bpd, params=[p.detach().clone() for p in model.parameters()])
                history["best_epoch"] = [epoch + 1]
            for s, p in zip(scratch, model.parameters()):
                p.copy_(s)
            model.train()
        history.setdefault("val_bpd", []).append(bpd)
        seen.update(history)
        if patience is not None and epoch + 1 - history["best_epoch"][0] >= patience:
            raise _Stop

    seen: History = {}
    if crop_kernels:
        from genzoo_lite.models.autoregressive.pixelcnn import crop_kernels as crop
        crop(model)
    try:
        history = fit(model, model.loss, x, num_epochs, batch_size=batch_size, lr=lr,
                      optimizer=optimizer, generator=generator, after_period=validate,
                      progress=progress, desc=type(model).__name__ + " (EMA)")
    except _Stop:
        history = seen
    finally:
        if crop_kernels:
            crop(model, False)
    if best["params"] is None:  # no validation: the last average
        average.copy_to(model)
        history["best_epoch"] = [num_epochs]
    else:
        with torch.no_grad():
            for b, p in zip(best["params"], model.parameters()):
                p.copy_(b)
    return history
