"""The one-line verdict every self-check prints."""
from __future__ import annotations

from typing import NamedTuple


class Result(NamedTuple):
    """``ok`` is True only for a correct answer; ``message`` says why or why not."""

    ok: bool
    message: str

    def _ipython_display_(self) -> None:
        """Show nothing: :func:`report` already printed the verdict."""


def report(result: Result, name: str) -> Result:
    """Print ``result`` for exercise ``name`` and return it (tests read ``ok``)."""
    mark = "✓" if result.ok else "✗"
    print(f"{mark} {name}: {result.message}")
    return result


def not_attempted(what: str) -> Result:
    """The verdict for an answer still at its placeholder."""
    return Result(False, f"not attempted yet: {what}")
