"""Argument checks shared by the whole library (plumbing).

Every public function validates its inputs with these, so a bad value raises an error that
names the argument, the value given and what is allowed; nothing is silently clamped.
"""
from __future__ import annotations

import math
import numbers

import torch

__all__ = ["check_int", "check_number", "check_fraction", "check_points", "check_levels",
           "check_choice"]


def check_int(name: str, value: object, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum`` (bools refused); else ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def check_number(name: str, value: object, minimum: float = 0.0, strict: bool = True) -> float:
    """``value`` as a finite float > ``minimum`` (>= if not ``strict``); else ValueError."""
    ok = (not isinstance(value, bool) and isinstance(value, numbers.Real)
          and math.isfinite(value) and (value > minimum if strict else value >= minimum))
    if not ok:
        rel = ">" if strict else ">="
        raise ValueError(f"{name} must be a finite number {rel} {minimum:g}, got {value!r}")
    return float(value)


def check_fraction(name: str, value: object, upper_open: bool = False) -> float:
    """``value`` as a float in [0, 1] (or [0, 1) with ``upper_open``); else ValueError."""
    ok = (not isinstance(value, bool) and isinstance(value, numbers.Real)
          and 0 <= value and (value < 1 if upper_open else value <= 1))
    if not ok:
        raise ValueError(f"{name} must be a number in [0, 1{')' if upper_open else ']'}, "
                         f"got {value!r}")
    return float(value)


def check_points(x: object, name: str = "x", dim: int | None = None) -> torch.Tensor:
    """``x`` as a float tensor of N >= 1 points (N, D), D = ``dim`` if given."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape (N, D), got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be floating point (float32/float64), got {x.dtype}; "
                        "convert with .float()")
    if x.ndim != 2 or x.shape[0] < 1:
        raise ValueError(f"{name} must have shape (N, D) with N >= 1, got {tuple(x.shape)}")
    if dim is not None and x.shape[1] != dim:
        raise ValueError(f"{name} must have D = {dim} columns (points in {dim}-D), "
                         f"got shape {tuple(x.shape)}")
    return x


def check_levels(x: object, levels: int, name: str = "x",
                 shape: tuple[int, ...] | None = None) -> torch.Tensor:
    """``x`` as an integer image tensor (N, 1, H, W) with values in 0..levels-1.

    ``shape``, if given, fixes (1, H, W) (e.g. (1, 8, 8) for the digits).
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of integer levels (N, 1, H, W), "
                        f"got {type(x).__name__}")
    if x.is_floating_point() or x.is_complex() or x.dtype == torch.bool:
        raise TypeError(f"{name} must hold integer levels 0..{levels - 1} (int64/uint8), got "
                        f"{x.dtype}; discrete pixels are classes, not intensities (do not divide "
                        "by the number of levels before passing them in)")
    if x.ndim != 4 or x.shape[1] != 1 or x.shape[0] < 1 or (
            shape is not None and tuple(x.shape[1:]) != tuple(shape)):
        want = f"(N, {', '.join(map(str, shape))})" if shape else "(N, 1, H, W)"
        raise ValueError(f"{name} must have shape {want} with N >= 1, got {tuple(x.shape)}")
    lo, hi = int(x.min()), int(x.max())
    if lo < 0 or hi >= levels:
        raise ValueError(f"{name} has values in {lo}..{hi}, but allowed are the levels "
                         f"0..{levels - 1}")
    return x


def check_choice(name: str, value: object, choices) -> None:
    """Raise ValueError unless ``value`` is one of ``choices`` (listed in the message)."""
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; valid: {', '.join(map(repr, choices))}")
