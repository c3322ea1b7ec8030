"""The one model-agnostic training loop every notebook uses (plumbing).

Taught in notebooks/01_gaussian_mle ("Gradient ascent on the log-likelihood"), reused by all.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from tqdm.auto import tqdm

__all__ = ["fit", "DivergedError"]


class DivergedError(RuntimeError):
    """The loss became NaN or infinite; the message says at which step and what to change."""


def fit(
    model: torch.nn.Module,
    loss_fn: Callable[..., torch.Tensor],
    data: torch.Tensor | Sequence[torch.Tensor],
    num_epochs: int,
    lr: float = 1e-3,
    batch_size: int = 128,
    seed: int = 0,
    weight_decay: float = 0.0,
    progress: bool = True,
    optimizer: torch.optim.Optimizer | None = None,
) -> list[float]:
    """Minimise ``loss_fn(model, *batch)`` with Adam over shuffled mini-batches.

    Args:
        model: any ``nn.Module``; put in train mode here, left in eval mode at the end.
        loss_fn: ``loss_fn(model, *batch) -> scalar`` to minimise (e.g. a negative log-likelihood).
        data: a tensor or a tuple of tensors sharing their first dimension.
        num_epochs: passes over the data.
        lr, weight_decay: Adam's settings (ignored when ``optimizer`` is given).
        batch_size: mini-batch size; the last, smaller batch is kept.
        seed: seeds the shuffling, so the same call gives the same model.
        progress: show a tqdm progress bar (a widget in Jupyter, text elsewhere).
        optimizer: use this optimizer instead of a fresh Adam (to continue training).

    Returns:
        The mean training loss of each epoch.

    Raises:
        DivergedError: a loss became NaN/inf (lower ``lr``, or check the loss for log(0)).
    """
    tensors = (data,) if isinstance(data, torch.Tensor) else tuple(data)
    if not tensors or any(not isinstance(t, torch.Tensor) for t in tensors):
        raise TypeError("data must be a tensor or a non-empty sequence of tensors")
    n = len(tensors[0])
    if any(len(t) != n for t in tensors):
        raise ValueError(f"data tensors differ in length: {[len(t) for t in tensors]}")
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, int) or num_epochs < 1:
        raise ValueError(f"num_epochs must be a positive int, got {num_epochs!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr!r}")

    opt = optimizer or torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    generator = torch.Generator().manual_seed(seed)
    history: list[float] = []
    model.train()
    bar = tqdm(range(num_epochs), desc=type(model).__name__, disable=not progress)
    for epoch in bar:
        order = torch.randperm(n, generator=generator)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            loss = loss_fn(model, *(t[idx] for t in tensors))
            if not torch.isfinite(loss):
                model.eval()
                raise DivergedError(
                    f"loss is {loss.item()} at epoch {epoch}, batch starting {start} (lr={lr}); "
                    "try a smaller lr (e.g. lr/10) or check the loss for log(0) / division by 0")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        history.append(total / n)
        bar.set_postfix(loss=f"{history[-1]:.4g}")
    model.eval()
    return history
