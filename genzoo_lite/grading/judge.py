"""The judge of ``genzoo-grade``: verdicts computed in a process where no student code has run.

``python -I -m genzoo_lite.grading.judge REQUEST.json`` reads ``{"requests": [{"notebook",
"seed", "seconds", "record"}, ...], "out"}``: each record is the file a submission's kernel wrote
(:mod:`genzoo_lite.grading.in_kernel`), read as JSON data only. Each exercise's check runs here, on
the inputs it builds itself (the check's own, then the grader's random ones from ``seed``), with a
:class:`~genzoo_lite.grading.records.Replay` of the recorded answers in place of the student's
function. The rows go to ``out``. ``-I`` keeps the submission's folder, PYTHONPATH and user site
out of this interpreter; :func:`judge_in_subprocess` starts it with a minimal environment.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

MAX_RECORD_BYTES = 200_000_000
_ENV_KEPT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def _row(exercise, score: int, status: str, detail: str) -> dict[str, Any]:
    return {"exercise": exercise.label, "function": exercise.function, "score": score,
            "status": status, "detail": detail}


def replay_check(check: Callable, calls: Any) -> tuple[str, str]:
    """``(status, detail)`` of ``check`` run on a replay of the recorded ``calls``."""
    from genzoo_lite.grading.records import CheckTimeout, RecordMismatch, Replay, Unreadable

    try:
        replay = Replay(calls if calls is not None else [])
        with contextlib.redirect_stdout(io.StringIO()):
            result = check(replay)
    except CheckTimeout:
        return "timed out", "the check did not finish within {seconds} s"
    except Unreadable as err:
        return "wrong", str(err)
    except RecordMismatch as err:
        return "error", f"the kernel's record does not fit the check: {err}"
    except Exception as err:  # noqa: BLE001 - a crash in a check is a zero, with its reason
        return "error", f"{type(err).__name__}: {err}"
    message = str(result.message)
    if result.ok is True:
        return "correct", message
    return ("not attempted" if message.startswith("not attempted") else "wrong"), message


def judge_exercise(exercise, record: Any, seed: int, seconds: int = 60) -> dict[str, Any]:
    """One row: the check's own inputs first; if right, the grader's random ones too."""
    if type(record) is not dict or record.get("function") != exercise.function:
        return _row(exercise, 0, "not graded", "the kernel wrote no record of this exercise")
    if record.get("defined") is not True:
        return _row(exercise, 0, "not reached", f"{exercise.function} was never defined")
    if record.get("callable") is not True:
        return _row(exercise, 0, "wrong", f"not a function: {str(record.get('type'))[:100]}")
    status, detail = replay_check(exercise.check, record.get("fixed"))
    if status == "correct" and exercise.random is not None:
        status2, detail2 = replay_check(lambda f: exercise.random(f, seed), record.get("random"))
        if status2 != "correct":
            status, detail = ("wrong" if status2 == "not attempted" else status2), detail2
    if status == "timed out":
        detail = f"the check did not finish within {seconds} s"
    return _row(exercise, int(status == "correct"), status, detail)


def judge(notebook: str, seed: int, record_path: Path, seconds: int = 60) -> list[dict[str, Any]]:
    """The rows of ``notebook`` from the kernel's record (missing or unreadable: all 0)."""
    from genzoo_lite.exercises import exercises_for

    exercises = exercises_for(notebook)
    try:
        if record_path.stat().st_size > MAX_RECORD_BYTES:
            raise ValueError(f"larger than {MAX_RECORD_BYTES} bytes")
        data = json.loads(record_path.read_text())
        if type(data) is not dict or data.get("seed") != seed \
                or type(data.get("exercises")) is not list:
            raise ValueError("not the record the grader asked for")
    except (OSError, ValueError, RecursionError) as err:
        why = ("the grading cell wrote no record" if isinstance(err, FileNotFoundError)
               else f"the grading cell's record is unreadable ({err})")
        return [_row(e, 0, "not graded", why[:300]) for e in exercises]
    records = data["exercises"] + [None] * len(exercises)
    return [judge_exercise(e, r, seed, seconds) for e, r in zip(exercises, records)]


def judge_in_subprocess(requests: list[dict[str, Any]],
                        timeout: float = 600) -> list[list[dict[str, Any]]]:
    """:func:`judge` for each ``{"notebook", "seed", "seconds", "record"}`` of ``requests``, in
    one fresh ``python -I`` started in an empty folder with a minimal environment: nothing of the
    submissions' (their folders, files, kernels) is on its path."""
    with tempfile.TemporaryDirectory(prefix="genzoo-judge-") as folder:
        request, out = Path(folder) / "request.json", Path(folder) / "rows.json"
        request.write_text(json.dumps({"requests": requests, "out": str(out)}))
        env = {k: os.environ[k] for k in _ENV_KEPT if k in os.environ}
        env.update(GENZOO_NO_NETWORK="1", MPLBACKEND="agg", OMP_NUM_THREADS="1")
        done = subprocess.run([sys.executable, "-I", "-m", "genzoo_lite.grading.judge",
                               str(request)], cwd=folder, env=env, capture_output=True,
                              text=True, timeout=timeout, check=False)
        if done.returncode != 0 or not out.is_file():
            raise RuntimeError(f"the judge failed (exit {done.returncode}): "
                               f"{done.stderr[-1000:]}")
        return json.loads(out.read_text())


def main(argv: list[str]) -> int:
    request = json.loads(Path(argv[0]).read_text())
    import torch

    torch.set_num_threads(1)
    rows = [judge(r["notebook"], int(r["seed"]), Path(r["record"]), int(r["seconds"]))
            for r in request["requests"]]
    Path(request["out"]).write_text(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
