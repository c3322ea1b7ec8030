"""The one-line verdict every self-check prints."""
from __future__ import annotations

import contextvars
import math
from collections.abc import Callable
from typing import Any, NamedTuple

#: The seed of the inputs every check draws at random for itself, on top of its fixed ones (a
#: fixed seed: the grader replays a check in a clean process and must get the same inputs).
CHECK_SEED = 20_241
_DRAWN_BY = contextvars.ContextVar("drawn_by", default="grader")


class Exercise(NamedTuple):
    """One checked exercise: its printed ``label``, the student's ``function`` name, and the
    ``check`` that takes only that function (the grader calls it outside the notebook)."""

    label: str
    function: str
    check: Callable[[Callable], Result]
    #: ``random(fn, seed) -> Result``: the same exercise on inputs drawn from ``seed``, which
    #: ``genzoo-grade`` picks afresh for every grading run; it prints nothing.
    random: Callable[[Callable, int], Result] | None = None


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


def _short(value: Any) -> str:
    text = repr(value.tolist() if hasattr(value, "tolist") else value)
    return text if len(text) <= 80 else text[:77] + "..."


def same_number(rel: float = 1e-6, abs_: float = 1e-9) -> Callable[[Any, Any], bool]:
    """A comparison for :func:`on_random_inputs`: one number, close to the expected one."""
    def same(value, expected) -> bool:
        number, error = as_number(value)
        return error is None and math.isclose(number, float(expected), rel_tol=rel,
                                              abs_tol=abs_)
    return same


def same_tensor(atol: float = 1e-8, rtol: float = 1e-5) -> Callable[[Any, Any], bool]:
    """A comparison: a tensor (or array) of the expected shape, allclose to it."""
    import torch

    def same(value, expected) -> bool:
        try:
            value = torch.as_tensor(value, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError):
            return False
        expected = torch.as_tensor(expected, dtype=torch.float64)
        return value.shape == expected.shape and bool(
            torch.allclose(value, expected, atol=atol, rtol=rtol))
    return same


def random_inputs() -> str:
    """Who drew the random inputs being tried: "the grader's random inputs" (a fresh seed per
    grading run) or "the check's random inputs" (:data:`CHECK_SEED`, see :func:`confirm`)."""
    return f"the {_DRAWN_BY.get()}'s random inputs"


def not_on_random(detail: str) -> str:
    """The message for an answer right on the fixed inputs but wrong on random ones."""
    fixed = "the check's own inputs" if _DRAWN_BY.get() == "grader" else "the check's fixed inputs"
    return f"right on {fixed}, but not on {random_inputs()} {detail}"


def on_random_inputs(fn: Callable, cases: list[tuple[tuple, Any, str]],
                     same: Callable[[Any, Any], bool]) -> Result:
    """The random cases ``(args, expected, what)`` of an exercise: each answer must pass
    ``same(value, expected)``. Prints nothing."""
    for args, expected, what in cases:
        value, error = call_answer(fn, *args)
        if error == "not_attempted":
            return not_attempted("the function still raises NotImplementedError")
        if error:
            return Result(False, f"on {random_inputs()} ({what}): {error}")
        if not same(value, expected):
            return Result(False, not_on_random(f"({what}): got {_short(value)}, expected "
                                               f"{_short(expected)}"))
    return Result(True, f"also right on {random_inputs()}")


def confirm(verdict: Result, random: Callable[[Callable, int], Result], fn: Callable) -> Result:
    """``verdict`` (right on the check's fixed inputs), kept only if ``fn`` is also right on the
    inputs the exercise's ``random`` twin draws from :data:`CHECK_SEED`: every check tries at
    least two inputs, one drawn at random, so that no constant passes it."""
    if not verdict.ok:
        return verdict
    token = _DRAWN_BY.set("check")
    try:
        again = random(fn, CHECK_SEED)
    finally:
        _DRAWN_BY.reset(token)
    return verdict if again.ok else again
