"""Self-checks for notebooks/00_zoo_overview."""
from __future__ import annotations

import math
from collections.abc import Callable

from ._report import Result, call_answer, not_attempted, report

__all__ = ["check_bits_per_dim"]


def check_bits_per_dim(bits_per_dim: Callable[[float, int], float]) -> Result:
    """Exercise 1: ``bits_per_dim(log_p_nats, num_pixels)`` = -log_p / (num_pixels * ln 2)."""
    name = "Exercise 1"
    value, error = call_answer(bits_per_dim, -95.0, 64)
    if error == "not_attempted":
        return report(not_attempted("convert nats per image to bits per pixel"), name)
    if error:
        return report(Result(False, error), name)
    try:
        value = float(value)
    except (TypeError, ValueError):
        return report(Result(False, f"expected a number, got {type(value).__name__}"), name)
    right = 95.0 / (64 * math.log(2))
    if math.isclose(value, right, rel_tol=1e-6):
        return report(Result(True, f"{value:.4f} bits/dim"), name)
    if math.isclose(value, -right, rel_tol=1e-6):
        msg = "wrong sign: bits/dim is the negative log-likelihood, a positive number"
    elif math.isclose(value, 95.0 / 64, rel_tol=1e-6):
        msg = "that is nats per dimension: divide by ln 2 to get bits"
    elif math.isclose(value, 95.0 / math.log(2), rel_tol=1e-6):
        msg = "that is bits per image: divide by the number of pixels"
    elif math.isclose(value, 95.0 / (64 * math.log(10)), rel_tol=1e-6):
        msg = "you used log base 10; bits need ln 2"
    else:
        msg = f"got {value:.4f}, expected {right:.4f}"
    return report(Result(False, msg), name)
