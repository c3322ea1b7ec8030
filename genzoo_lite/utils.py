"""Seeding, devices and run-mode flags: the plumbing every notebook's setup cell calls."""
from __future__ import annotations

import os
import random

import numpy as np
import torch

__all__ = ["set_seed", "get_device", "retrain_requested"]


def set_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy and torch (CPU and CUDA) with ``seed``.

    The only function in genzoo_lite that touches global random state; everything else takes a
    ``generator=`` or ``seed=`` argument.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {seed!r} of type {type(seed).__name__}")
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def get_device() -> torch.device:
    """Return ``cuda`` if available, else ``mps`` (Apple silicon), else ``cpu``."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def retrain_requested() -> bool:
    """True when ``GENZOO_RETRAIN=1``: notebooks then train from scratch instead of loading
    shipped weights (see :func:`genzoo_lite.checkpoints.load_or_train`)."""
    return os.environ.get("GENZOO_RETRAIN", "0") == "1"
