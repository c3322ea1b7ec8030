"""The one-line verdict every self-check prints."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple


class Exercise(NamedTuple):
    """One checked exercise: its printed ``label``, the student's ``function`` name, and the
    ``check`` that takes only that function (the grader calls it outside the notebook)."""

    label: str
    function: str
    check: Callable[[Callable], "Result"]


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


def call_answer(fn: Callable, *args) -> tuple[Any, str | None]:
    """Run a student's function: ``(value, None)``, or ``(None, "not_attempted")`` for a
    ``NotImplementedError``, or ``(None, message)`` for any other error, which the check reports
    instead of stopping the notebook."""
    try:
        return fn(*args), None
    except NotImplementedError:
        return None, "not_attempted"
    except Exception as err:  # noqa: BLE001 - any error in student code becomes a message
        return None, f"your function raised {type(err).__name__}: {err}"


def as_number(value: Any) -> tuple[float | None, str | None]:
    """``(float(value), None)``, or ``(None, message)`` for an answer that is not one number."""
    try:
        return float(value), None
    except (TypeError, ValueError, RuntimeError):
        return None, (f"expected a number (a float or a one-element tensor), got "
                      f"{type(value).__name__}")
