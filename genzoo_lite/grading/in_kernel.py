"""The part of ``genzoo-grade`` that runs inside a submission's kernel: it calls, it never judges.

After the submitted cells ran, the grader sends one cell of its own that calls
:func:`probe_namespace` with a seed and a file path it has just drawn at random. For each exercise
the library's check runs once on the check's own inputs and once on the inputs the seed gives,
with a :class:`~genzoo_lite.grading.records.Recorder` in place of the student's function: what the
function returned on every call is written to that file as plain data (or the name of what it
raised). The verdicts are computed later, by a clean process that never imported the submission
(:mod:`genzoo_lite.grading.judge`), which runs the same checks on inputs it builds itself and
replays the recorded answers. Anything the submission changed in this kernel can only change those
answers, which is what the student's function could have returned anyway.
"""
from __future__ import annotations

import contextlib
import io
import json
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from genzoo_lite.exercises import exercises_for
from genzoo_lite.grading.records import CheckTimeout, Recorder


def _alarm(signum, frame):
    raise CheckTimeout


def record_calls(check: Callable[[Callable], Any], fn: Any, seconds: int) -> list[dict]:
    """Run ``check`` on a recorder of ``fn`` for at most ``seconds``; the recorded calls."""
    recorder = Recorder(fn)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            check(recorder)
    except BaseException:  # noqa: BLE001 - only the record counts; the judge finds the reason
        pass
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return recorder.calls


def probe_function(exercise, fn: Any, seconds: int, seed: int) -> dict[str, Any]:
    """The record of one exercise: how its function answered the check's and the seed's calls."""
    record: dict[str, Any] = {"function": exercise.function, "defined": True,
                              "callable": callable(fn), "type": type(fn).__name__[:100]}
    if not record["callable"]:
        return record
    record["fixed"] = record_calls(exercise.check, fn, seconds)
    if exercise.random is not None:
        record["random"] = record_calls(lambda f: exercise.random(f, seed), fn, seconds)
    return record


def probe_namespace(notebook: str, namespace: dict[str, Any], seconds: int, seed: int,
                    out: str) -> None:
    """Write to ``out`` the record of every exercise of ``notebook`` found in ``namespace``."""
    records = []
    for exercise in exercises_for(notebook, fresh=True):
        if exercise.function not in namespace:
            records.append({"function": exercise.function, "defined": False})
        else:
            records.append(probe_function(exercise, namespace[exercise.function], seconds, seed))
    Path(out).write_text(json.dumps({"notebook": notebook, "seed": seed, "exercises": records}))
