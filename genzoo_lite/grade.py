"""``genzoo-grade``: run submitted student notebooks headless and write a CSV of exercise scores.

Usage: genzoo-grade SUBMISSIONS [--out grades.csv] [--timeout 600] [--check-timeout 60]

SUBMISSIONS is a folder of ``.ipynb`` files, either ``<student>/<NN_name>.ipynb`` or flat files
whose names contain the notebook's name (``alice_02_ebm.ipynb``). Each runs in a fresh kernel
with the network blocked, in a scratch folder, cell by cell like Restart & Run All, stopping at
the first error or when the notebook's time limit runs out (the kernel is then interrupted).
Then the library's checks score the exercise functions the kernel holds (:mod:`.grading`): an
exercise the run never reached scores 0 with the reason.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from . import netguard
from .exercises import MODULES, exercises_for
from .grading import MARKER

COLUMNS = ["student", "notebook", "exercise", "function", "score", "max_score", "status",
           "detail"]


def find_submissions(folder: Path) -> list[tuple[str, str | None, Path]]:
    """``(student, notebook stem or None, path)`` for every .ipynb under ``folder``."""
    if not folder.is_dir():
        raise NotADirectoryError(f"submissions folder {folder} does not exist")
    found = []
    for path in sorted(folder.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        stem = next((s for s in MODULES if s in path.stem), None)
        rest = path.stem.replace(stem, "").strip("_- ") if stem else path.stem
        parent = path.parent.relative_to(folder)
        student = str(parent) if str(parent) != "." else (rest or path.stem)
        found.append((student, stem, path))
    return found


def _setup_environment(scratch: Path) -> None:
    """Kernels inherit this: network blocked, figures and caches in the scratch folder."""
    site = scratch / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(netguard.sitecustomize_source())
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)
    os.environ["GENZOO_NO_NETWORK"] = "1"
    os.environ["MPLBACKEND"] = "agg"
    os.environ["GENZOO_FIGURES_DIR"] = str(scratch / "figures")
    os.environ["GENZOO_CACHE_DIR"] = str(scratch / "cache")
    os.environ.pop("GENZOO_RETRAIN", None)


def run_submission(path: Path, notebook: str, timeout: float, check_timeout: int,
                   workdir: Path) -> tuple[list[dict], str]:
    """Execute one submission and grade it: ``(rows, how the run ended)``."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=int(timeout), kernel_name="python3",
                            interrupt_on_timeout=True, allow_errors=False,
                            resources={"metadata": {"path": str(workdir)}})
    ended, rows = "ran to the end", None
    deadline = time.monotonic() + timeout
    try:
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                left = deadline - time.monotonic()
                if left <= 0:
                    ended = f"time limit of {timeout:.0f} s reached before cell {index}"
                    break
                client.timeout = max(1, int(left))
                started = time.monotonic()
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    ended = f"time limit of {timeout:.0f} s reached in cell {index}"
                    break
                except CellExecutionError as err:
                    if time.monotonic() - started >= left - 1:
                        ended = f"time limit of {timeout:.0f} s reached in cell {index}"
                    else:
                        ended = f"stopped at cell {index}: {err.ename}: {err.evalue}"[:300]
                    break
            n = len(exercises_for(notebook))
            client.timeout = check_timeout * n + 60
            grader = nbformat.v4.new_code_cell(
                "from genzoo_lite.grading import grade_namespace as _genzoo_grade\n"
                f"print(_genzoo_grade({notebook!r}, globals(), {check_timeout}))")
            nb.cells.append(grader)
            client.execute_cell(grader, len(nb.cells) - 1)
            text = "".join(o.get("text", "") for o in grader.outputs if o.output_type == "stream")
            line = next((s for s in text.splitlines() if s.startswith(MARKER)), None)
            if line is None:
                raise RuntimeError(f"the grading cell printed no grades: {text[-300:]!r}")
            rows = json.loads(line[len(MARKER):])
    except (DeadKernelError, CellTimeoutError, CellExecutionError, RuntimeError) as err:
        ended = f"{ended}; kernel unusable for grading ({type(err).__name__}: {err})"[:400]
    if rows is None:
        rows = [{"exercise": e.label, "function": e.function, "score": 0,
                 "status": "not graded", "detail": ended} for e in exercises_for(notebook)]
    elif ended != "ran to the end":
        for row in rows:
            if row["status"] == "not reached":
                row["detail"] = f"{row['detail']}: {ended}"
    return rows, ended


def grade(folder: Path, out: Path, timeout: float = 600, check_timeout: int = 60) -> list[dict]:
    """Grade every submission under ``folder``; write and return the CSV rows."""
    if timeout <= 0 or check_timeout <= 0:
        raise ValueError(f"time limits must be positive, got timeout={timeout}, "
                         f"check_timeout={check_timeout}")
    table: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="genzoo-grade-") as scratch:
        _setup_environment(Path(scratch))
        for student, notebook, path in find_submissions(folder):
            if notebook is None:
                table.append({"student": student, "notebook": path.name, "exercise": "",
                              "function": "", "score": 0, "max_score": 0,
                              "status": "unknown notebook",
                              "detail": f"the file name must contain one of {sorted(MODULES)}"})
                continue
            workdir = Path(tempfile.mkdtemp(dir=scratch))
            start = time.monotonic()
            rows, ended = run_submission(path, notebook, timeout, check_timeout, workdir)
            for row in rows:
                table.append({"student": student, "notebook": notebook, "max_score": 1, **row})
            score = sum(r["score"] for r in rows)
            print(f"{student} {notebook}: {score}/{len(rows)} in "
                  f"{time.monotonic() - start:.0f} s ({ended})", flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows({k: row.get(k, "") for k in COLUMNS} for row in table)
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="genzoo-grade", description=__doc__.splitlines()[0])
    parser.add_argument("submissions", type=Path, help="folder of submitted .ipynb files")
    parser.add_argument("--out", type=Path, default=Path("grades.csv"), help="CSV to write")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds each notebook may run (default 600)")
    parser.add_argument("--check-timeout", type=int, default=60,
                        help="seconds each exercise's check may run (default 60)")
    args = parser.parse_args(argv)
    try:
        table = grade(args.submissions, args.out, args.timeout, args.check_timeout)
    except (NotADirectoryError, ValueError) as err:
        parser.error(str(err))
    if not table:
        print(f"no .ipynb files under {args.submissions}", file=sys.stderr)
        return 1
    print(f"wrote {args.out} ({len(table)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
