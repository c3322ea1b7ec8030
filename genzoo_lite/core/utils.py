"""Seeding, devices and run-mode flags: the plumbing every notebook's setup cell calls."""
from __future__ import annotations

import os
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch

__all__ = ["set_seed", "seeded", "get_device", "retrain_requested", "check_claim",
           "assert_close", "cache_dir", "grid_points"]

# torch.testing.assert_close's default tolerances (rtol, atol) by dtype
_TOLERANCES = {torch.float16: (1e-3, 1e-5), torch.bfloat16: (1.6e-2, 1e-5),
               torch.float32: (1.3e-6, 1e-5), torch.float64: (1e-7, 1e-7)}


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


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run a block with torch's global CPU generator seeded with ``seed``, then restore it.

    For code that can only draw from the global stream (a module's weight initialisation,
    ``nn.Dropout``): it becomes reproducible, and the caller's random state is exactly what it
    was before the block. The library uses this instead of seeding globally.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def get_device() -> torch.device:
    """Return ``cuda`` if available, else ``mps`` (Apple silicon), else ``cpu``."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def retrain_requested() -> bool:
    """True when ``GENZOO_RETRAIN=1``: notebooks then train from scratch instead of loading
    shipped weights, into :func:`cache_dir` (see
    :func:`genzoo_lite.registry.pretrained.load_pretrained`)."""
    return os.environ.get("GENZOO_RETRAIN", "0") == "1"


def check_claim(holds: bool, claim: str) -> None:
    """Check a claim the notebook's text makes about what its trained models give.

    With the shipped weights (the default) the text was written from exactly these results, so
    a claim that fails is an error and stops the notebook. With ``GENZOO_RETRAIN=1`` the models
    were trained on this machine: other CPU kernels give other last digits, training amplifies
    them, and a result near a boundary may land on the other side. Then a failed claim prints a
    note saying so and the notebook goes on to its end.
    """
    if holds:
        return
    if not retrain_requested():
        raise AssertionError(claim)
    print(f"Note: with the weights retrained on this machine, this does not hold: {claim}. "
          "The text describes the shipped weights.")


def assert_close(actual, expected, rtol: float | None = None, atol: float | None = None,
                 name: str = "") -> None:
    """Raise AssertionError unless ``actual`` equals ``expected`` within tolerances: tensors of
    one shape and dtype, or dicts of them (a ``state_dict``), compared as
    ``torch.testing.assert_close`` compares them (its default ``rtol``/``atol`` per dtype;
    integers and bools exactly; NaN never equal).

    The notebooks' checks use this, not ``torch.testing``: importing that pulls in 500 modules
    of torch's compiler stack, 40 MB in every student's kernel (benchmarks/RESULTS.md, "Live at
    frame rate, and a class on one server"). tests/test_utils.py holds it to torch.testing's
    verdicts.
    """
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or list(actual) != list(expected):
            raise AssertionError(f"{name or 'the dicts'}: keys {list(actual)[:5]} are not "
                                 f"{list(expected)[:5]}")
        for key in expected:
            assert_close(actual[key], expected[key], rtol, atol, name=f"{name}[{key!r}]")
        return
    actual, expected = torch.as_tensor(actual), torch.as_tensor(expected)
    where = f"{name}: " if name else ""
    if actual.shape != expected.shape or actual.dtype != expected.dtype:
        raise AssertionError(f"{where}shape {tuple(actual.shape)} {actual.dtype} is not "
                             f"{tuple(expected.shape)} {expected.dtype}")
    default_rtol, default_atol = _TOLERANCES.get(expected.dtype, (0.0, 0.0))
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    if torch.allclose(actual, expected, rtol=rtol, atol=atol):
        return
    diff = (actual.double() - expected.double()).abs()
    worst = int(diff.nan_to_num(float("inf")).argmax()) if diff.numel() else 0
    raise AssertionError(f"{where}{int((~torch.isclose(actual, expected, rtol, atol)).sum())} of "
                         f"{actual.numel()} values differ beyond rtol {rtol:g}, atol {atol:g}; "
                         f"the largest difference is {diff.flatten()[worst].item():.3g}")


def cache_dir() -> Path:
    """Where retrained weights go: ``$GENZOO_CACHE_DIR``, else ``$XDG_CACHE_HOME/genzoo-lite``,
    else ``~/.cache/genzoo-lite``. Never inside the installed package."""
    if os.environ.get("GENZOO_CACHE_DIR"):
        return Path(os.environ["GENZOO_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "genzoo-lite"


def grid_points(lim: float = 3.0, n: int = 200) -> tuple[torch.Tensor, float]:
    """An n x n grid over [-lim, lim]^2 as points (n*n, 2) float32, and the area of one cell.

    The grid for numerical normalisers (notebooks/02_ebm, "3. Checking the estimator on a grid")
    and for density plots (``viz.density_contour``).
    """
    axis = torch.linspace(-lim, lim, n)
    gx, gy = torch.meshgrid(axis, axis, indexing="xy")
    return torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1), float((2 * lim / (n - 1)) ** 2)
