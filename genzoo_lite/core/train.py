"""The one training loop every model uses (plumbing).

Taught in notebooks/01_gaussian_mle ("Gradient ascent on the log-likelihood"), reused by all.
A model's trainer is a *step function*: it takes one batch and returns its losses as a dict.
``fit`` does the rest (batching, the optimizer steps, the non-finite check, the progress bar,
the history), so every model trains, fails and reports the same way. Adversarial models (a GAN,
VAE/GAN, the VQGAN decoder) give one :class:`Phase` per optimizer, run in order on every batch.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

from genzoo_lite.core.checks import check_int, check_number
from genzoo_lite.core.utils import seeded

__all__ = ["fit", "Phase", "History", "DivergedError"]

#: What ``fit`` returns: for every loss name, its mean over each epoch (or over each step, when
#: training runs for ``num_steps`` random batches). Plain lists of floats, saved as JSON.
History = dict[str, list[float]]
Losses = Mapping[str, torch.Tensor | float]


class DivergedError(RuntimeError):
    """A loss became NaN or infinite; the message says at which step, its value, what to change."""


@dataclass
class Phase:
    """One update per batch: ``losses = step(*batch)``, then a step of ``optimizer`` on
    ``losses[minimize]``. Every entry of ``losses`` is logged in the history.

    ``optimizer`` may instead map loss names to optimizers (e.g. ``{"encoder": opt_enc,
    "decoder": opt_dec}``): each loss then moves only its own optimizer's parameters.
    """

    step: Callable[..., Losses | torch.Tensor]
    optimizer: torch.optim.Optimizer | Mapping[str, torch.optim.Optimizer]
    minimize: str = "loss"

    def targets(self) -> list[tuple[str, torch.optim.Optimizer]]:
        """(loss name, optimizer) pairs this phase steps."""
        if isinstance(self.optimizer, Mapping):
            return list(self.optimizer.items())
        return [(self.minimize, self.optimizer)]


def _update(phase: Phase, losses: Mapping[str, torch.Tensor]) -> None:
    """zero_grad, backward each loss into its optimizer's parameters only, then step."""
    targets = phase.targets()
    for _, opt in targets:
        opt.zero_grad(set_to_none=True)
    for i, (key, opt) in enumerate(targets):
        params = [p for group in opt.param_groups for p in group["params"]]
        losses[key].backward(inputs=params, retain_graph=i < len(targets) - 1)
    for _, opt in targets:
        opt.step()


def _as_losses(out: Losses | torch.Tensor) -> Mapping[str, torch.Tensor | float]:
    return {"loss": out} if isinstance(out, torch.Tensor) else out


def _check_finite(losses: Mapping, where: str, lr_hint: str) -> None:
    for key, value in losses.items():
        v = float(value.detach()) if isinstance(value, torch.Tensor) else float(value)
        if not math.isfinite(v):
            raise DivergedError(
                f"{key} is {v} at {where}, before the optimizer step; {lr_hint}, "
                "or check the loss for log(0) / division by 0")


def _check_data(data: torch.Tensor | Sequence[torch.Tensor]) -> tuple[torch.Tensor, ...]:
    tensors = (data,) if isinstance(data, torch.Tensor) else tuple(data)
    if not tensors or any(not isinstance(t, torch.Tensor) for t in tensors):
        raise TypeError("data must be a tensor or a non-empty sequence of tensors")
    if any(len(t) != len(tensors[0]) for t in tensors):
        raise ValueError(f"data tensors differ in length: {[len(t) for t in tensors]}")
    if len(tensors[0]) == 0:
        raise ValueError("data is empty: there is nothing to train on")
    return tensors


def _batches(n: int, batch_size: int, num_epochs: int | None, num_steps: int | None,
             generator: torch.Generator):
    """Yield (period, index tensor, position): shuffled epochs, or random batches one a step."""
    if num_epochs is not None:
        for epoch in range(num_epochs):
            order = torch.randperm(n, generator=generator)
            for start in range(0, n, batch_size):
                yield epoch, order[start:start + batch_size], f"epoch {epoch}, batch at {start}"
    else:
        for step in range(num_steps):
            yield step, torch.randint(n, (batch_size,), generator=generator), f"step {step}"


def fit(
    model: torch.nn.Module,
    step: Callable[..., Losses | torch.Tensor] | Sequence[Phase],
    data: torch.Tensor | Sequence[torch.Tensor],
    num_epochs: int | None = None,
    *,
    num_steps: int | None = None,
    lr: float = 1e-3,
    batch_size: int = 128,
    weight_decay: float = 0.0,
    optimizer: torch.optim.Optimizer | None = None,
    generator: torch.Generator | None = None,
    after_period: Callable[[int, History], None] | None = None,
    progress: bool = True,
    desc: str | None = None,
) -> History:
    """Train ``model`` by running ``step`` on mini-batches of ``data``.

    Args:
        model: the ``nn.Module`` trained (train mode during, eval mode after).
        step: ``step(*batch) -> {"loss": tensor, ...}`` (a bare tensor means ``{"loss": it}``);
            ``loss`` is minimised with Adam(lr, weight_decay) or ``optimizer``. Or a list of
            :class:`Phase`, each with its own optimizer, run in order on every batch.
        data: a tensor or tuple of tensors sharing their first dimension; a batch is the same
            rows of each.
        num_epochs: passes over the shuffled data (the last, smaller batch is kept); or
        num_steps: that many batches of ``batch_size`` rows drawn with replacement.
        generator: draws the shuffling and seeds torch's global stream for the duration of
            training (so ``nn.Dropout`` is reproducible; the caller's global state is restored
            afterwards). Step functions should draw their own noise from the same generator.
            Default: a generator seeded with 0.
        after_period: called as ``after_period(i, history)`` after each epoch (or step), after
            the history has its entry; may add entries of its own (e.g. a validation loss).
        progress: one tqdm bar (a widget in Jupyter, text elsewhere); ``desc`` labels it.

    Returns:
        The history: for each name a step function returned, its mean over every epoch (or step).

    Raises:
        DivergedError: a returned loss is NaN/inf; raised before the optimizer step, naming the
            loss, its value and the epoch and batch (or step).
    """
    tensors = _check_data(data)
    if (num_epochs is None) == (num_steps is None):
        raise ValueError(f"give exactly one of num_epochs and num_steps, got "
                         f"num_epochs={num_epochs!r}, num_steps={num_steps!r}")
    periods = check_int("num_epochs" if num_epochs is not None else "num_steps",
                        num_epochs if num_epochs is not None else num_steps)
    batch_size = check_int("batch_size", batch_size)
    check_number("lr", lr)
    if isinstance(step, Sequence):
        phases = list(step)
        if not phases or not all(isinstance(p, Phase) for p in phases):
            raise TypeError("step must be a callable or a non-empty list of Phase")
    elif callable(step):
        opt = optimizer or torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
        phases = [Phase(step, opt)]
    else:
        raise TypeError(f"step must be a callable or a list of Phase, got {type(step).__name__}")
    generator = generator if generator is not None else torch.Generator().manual_seed(0)
    lr_hint = f"try a smaller lr than {lr} (e.g. lr/10)"

    history: History = {}
    sums: dict[str, float] = {}
    count, current = 0, 0
    bar = tqdm(total=periods, desc=desc or type(model).__name__, disable=not progress)

    def close_period(period: int) -> None:
        for key, total in sums.items():
            history.setdefault(key, []).append(total / count)
        if after_period is not None:
            after_period(period, history)
        bar.update(1)
        bar.set_postfix({k: f"{v[-1]:.4g}" for k, v in list(history.items())[:3]})

    model.train()
    try:
        with seeded(int(torch.randint(2**62, (1,), generator=generator))):
            for period, idx, where in _batches(len(tensors[0]), batch_size, num_epochs,
                                               num_steps, generator):
                if period != current:
                    close_period(current)
                    sums, count, current = {}, 0, period
                batch = tuple(t[idx.to(t.device)] for t in tensors)
                for phase in phases:
                    losses = _as_losses(phase.step(*batch))
                    missing = [k for k, _ in phase.targets() if k not in losses]
                    if missing:
                        raise KeyError(f"the step function returned {sorted(losses)}, without "
                                       f"the loss(es) to minimise {missing}")
                    _check_finite(losses, where, lr_hint)
                    _update(phase, losses)
                    for key, value in losses.items():
                        v = (value.detach().item() if isinstance(value, torch.Tensor)
                             else float(value))
                        sums[key] = sums.get(key, 0.0) + v * len(idx)
                count += len(idx)
            close_period(current)
    finally:
        bar.close()
        model.eval()
    return history
