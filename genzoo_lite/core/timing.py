"""The one timing helper, for the notebooks' timing cells and the benchmarks (plumbing).

Best of several repeats with :mod:`timeit`: the minimum is the least disturbed by whatever else
the machine does, so it is the figure to compare (Python's own ``timeit`` advice).
"""
from __future__ import annotations

import timeit
from collections.abc import Callable

from genzoo_lite.core.checks import check_int

__all__ = ["best_time"]


def best_time(fn: Callable[[], object], repeat: int = 3, number: int = 1) -> float:
    """Seconds per call of ``fn()``: the best of ``repeat`` runs of ``number`` calls each."""
    check_int("repeat", repeat)
    check_int("number", number)
    return min(timeit.repeat(fn, repeat=repeat, number=number)) / number
