"""Score a notebook's exercises with the library's checks (the part that runs inside the kernel).

``genzoo-grade`` (:mod:`genzoo_lite.grade`) runs a submission's cells, then sends one cell that
calls :func:`grade_namespace` on the kernel's globals. Each exercise's check is called on the
student's function from a freshly reloaded checks module, with the inputs the check builds
itself: the submitted check cells and the verdicts they printed play no part, so editing or
deleting them changes nothing.
"""
from __future__ import annotations

import contextlib
import io
import json
import signal
from collections.abc import Callable
from typing import Any

from .exercises import exercises_for

MARKER = "GENZOO-GRADES:"


class CheckTimeout(Exception):
    """A check (that is, the student's function inside it) ran past its time limit."""


def _alarm(signum, frame):
    raise CheckTimeout


def grade_function(check: Callable, fn: Any, seconds: int) -> dict[str, Any]:
    """One exercise's row: score 1 or 0, a status and the check's message."""
    if not callable(fn):
        return {"score": 0, "status": "wrong", "detail": f"not a function: {type(fn).__name__}"}
    printed = io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        with contextlib.redirect_stdout(printed):
            result = check(fn)
    except CheckTimeout:
        return {"score": 0, "status": "timed out",
                "detail": f"the check did not finish within {seconds} s"}
    except Exception as err:  # noqa: BLE001 - a crash in the check is a zero, with its reason
        return {"score": 0, "status": "error", "detail": f"{type(err).__name__}: {err}"}
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    message = str(getattr(result, "message", result))
    if getattr(result, "ok", False) is True:
        return {"score": 1, "status": "correct", "detail": message}
    status = "not attempted" if message.startswith("not attempted") else "wrong"
    return {"score": 0, "status": status, "detail": message}


def grade_namespace(notebook: str, namespace: dict[str, Any], seconds: int = 60) -> str:
    """The marker line plus JSON rows, one per exercise of ``notebook``, graded from
    ``namespace`` (the kernel's globals after the submission ran)."""
    rows = []
    for exercise in exercises_for(notebook, fresh=True):
        row = {"exercise": exercise.label, "function": exercise.function}
        if exercise.function not in namespace:
            row.update(score=0, status="not reached",
                       detail=f"{exercise.function} was never defined")
        else:
            row.update(grade_function(exercise.check, namespace[exercise.function], seconds))
        rows.append(row)
    return MARKER + json.dumps(rows)
