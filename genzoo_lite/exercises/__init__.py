"""Self-check functions for the notebooks' exercises, one module per notebook.

Each check prints one line: a tick when the answer is right, otherwise what is wrong and a hint.
It never raises on a wrong answer, so a half-done notebook still runs top to bottom.
"""
from ._report import Result, report

__all__ = ["Result", "report"]
