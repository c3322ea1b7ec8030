"""``genzoo-grade``: run submitted student notebooks headless and write a CSV of exercise scores.

Usage: genzoo-grade SUBMISSIONS [--out grades.csv] [--timeout 600] [--check-timeout 60]

SUBMISSIONS is a folder of ``.ipynb`` files, either ``<student>/<NN_name>.ipynb`` or flat files
whose names contain the notebook's name (``alice_02_ebm.ipynb``). Each runs in a fresh kernel
with the network blocked, in a scratch folder, cell by cell like Restart & Run All, stopping at
the first error or when the notebook's time limit runs out (the kernel is then interrupted).
Then the grader sends one cell of its own with a seed and a file name drawn for this run: each
exercise function the kernel holds is called on the checks' inputs and on random ones, and its
answers are written to that file as plain data (:mod:`.in_kernel`, :mod:`.records`). A clean
process that never imported the submission judges them (:mod:`.judge`). Nothing the
submission prints, writes or patches in its kernel takes part in a verdict; an exercise the run
never reached scores 0 with the reason. The caller's ``os.environ`` is left as it was.
"""
from __future__ import annotations

import argparse
import csv
import os
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from genzoo_lite.exercises import MODULES, exercises_for
from genzoo_lite.grading.judge import judge_in_subprocess

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


def kernel_environment(scratch: Path) -> dict[str, str]:
    """The kernels' environment (``os.environ`` itself is not touched): network blocked, figures
    and caches in the scratch folder, and a copy of the package first on the path, so that a
    submission finds no ``instructor/`` folder next to the ``genzoo_lite`` it imports."""
    site = scratch / "site"
    site.mkdir()
    package = Path(__file__).resolve().parents[1]  # genzoo_lite/
    shutil.copytree(package, site / "genzoo_lite",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(package / "testing" / "netguard.py", site / "_genzoo_netguard.py")
    (site / "sitecustomize.py").write_text(
        "import os\n"
        "if os.environ.get('GENZOO_NO_NETWORK') == '1':\n"
        "    import _genzoo_netguard\n"
        "    _genzoo_netguard.install()\n")
    env = dict(os.environ)
    env.pop("GENZOO_RETRAIN", None)
    env.update(PYTHONPATH=str(site), GENZOO_NO_NETWORK="1", MPLBACKEND="agg",
               GENZOO_FIGURES_DIR=str(scratch / "figures"),
               GENZOO_CACHE_DIR=str(scratch / "cache"))
    return env


GRACE = 15  # seconds a kernel may take to stop after an interrupt, before it is killed


class _Watchdog:
    """Kills the kernel (its whole process group) when a phase overruns its time by ``GRACE``: a
    submission that ignores the interrupt (SIGINT) cannot hold the grader."""

    def __init__(self, client: NotebookClient):
        self.client, self.timer = client, None

    def _kill(self) -> None:
        process = getattr(getattr(self.client.km, "provisioner", None), "process", None)
        if process is None:
            return
        try:
            group = os.getpgid(process.pid)
            if group == os.getpgid(0):  # not its own group (jupyter_client gives it one)
                process.kill()
            else:
                os.killpg(group, signal.SIGKILL)
        except OSError:
            pass

    def arm(self, seconds: float) -> None:
        self.disarm()
        self.timer = threading.Timer(seconds + GRACE, self._kill)
        self.timer.daemon = True
        self.timer.start()

    def disarm(self) -> None:
        if self.timer is not None:
            self.timer.cancel()


def run_submission(path: Path, notebook: str, timeout: float, check_timeout: int,
                   workdir: Path, env: dict[str, str], records: Path) -> tuple[dict | None, str]:
    """Execute one submission, then the grader's cell: ``(judge request or None, how the run
    ended)``. The request names the record file the kernel was told to write."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=int(timeout), kernel_name="python3",
                            interrupt_on_timeout=True, allow_errors=False,
                            resources={"metadata": {"path": str(workdir)}})
    ended, request = "ran to the end", None
    deadline = time.monotonic() + timeout
    watchdog = _Watchdog(client)
    try:
        with client.setup_kernel(env=env):
            watchdog.arm(timeout)
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
                except DeadKernelError:
                    ended = (f"the kernel died in cell {index} (it exited, was killed, or ran "
                             f"{GRACE} s past the time limit)")
                    raise
                except CellExecutionError as err:
                    if time.monotonic() - started >= left - 1:
                        ended = f"time limit of {timeout:.0f} s reached in cell {index}"
                    else:
                        ended = f"stopped at cell {index}: {err.ename}: {err.evalue}"[:300]
                    break
            # Drawn only now, after every submitted cell ran: the seed of the random inputs and
            # the record's file name, in a folder no cell was told of.
            seed, record = secrets.randbits(48), records / f"{secrets.token_hex(16)}.json"
            client.timeout = 2 * check_timeout * len(exercises_for(notebook)) + 60
            watchdog.arm(client.timeout)
            grader = nbformat.v4.new_code_cell(
                "from genzoo_lite.grading import probe_namespace as _genzoo_probe\n"
                f"_genzoo_probe({notebook!r}, globals(), {check_timeout}, {seed}, "
                f"{str(record)!r})")
            nb.cells.append(grader)
            try:
                client.execute_cell(grader, len(nb.cells) - 1)
            except CellExecutionError as err:  # the record, if any, is judged all the same
                ended = f"{ended}; the grading cell failed ({err.ename}: {err.evalue})"[:400]
            watchdog.disarm()
        request = {"notebook": notebook, "seed": seed, "seconds": check_timeout,
                   "record": str(record)}
    except (DeadKernelError, CellTimeoutError, RuntimeError) as err:
        ended = f"{ended}; kernel unusable for grading ({type(err).__name__}: {err})"[:400]
    finally:
        watchdog.disarm()
    return request, ended


def _rows(notebook: str, judged: list[dict] | None, ended: str) -> list[dict]:
    if judged is None:
        return [{"exercise": e.label, "function": e.function, "score": 0,
                 "status": "not graded", "detail": ended} for e in exercises_for(notebook)]
    if ended != "ran to the end":
        for row in judged:
            if row["status"] in ("not reached", "not graded"):
                row["detail"] = f"{row['detail']}: {ended}"
    return judged


def grade(folder: Path, out: Path, timeout: float = 600, check_timeout: int = 60) -> list[dict]:
    """Grade every submission under ``folder``; write and return the CSV rows."""
    if timeout <= 0 or check_timeout <= 0:
        raise ValueError(f"time limits must be positive, got timeout={timeout}, "
                         f"check_timeout={check_timeout}")
    table: list[dict] = []
    runs: list[tuple[str, str, dict | None, str]] = []
    with tempfile.TemporaryDirectory(prefix="genzoo-grade-") as scratch, \
            tempfile.TemporaryDirectory(prefix="genzoo-records-") as records:
        for number, (student, notebook, path) in enumerate(find_submissions(folder)):
            if notebook is None:
                table.append({"student": student, "notebook": path.name, "exercise": "",
                              "function": "", "score": 0, "max_score": 0,
                              "status": "unknown notebook",
                              "detail": f"the file name must contain one of {sorted(MODULES)}"})
                continue
            # Each submission gets its own folder, package copy and caches: one cannot touch
            # what the next one's kernel imports.
            own = Path(scratch) / str(number)
            (own / "work").mkdir(parents=True)
            start = time.monotonic()
            request, ended = run_submission(path, notebook, timeout, check_timeout,
                                            own / "work", kernel_environment(own), Path(records))
            runs.append((student, notebook, request, ended))
            print(f"{student} {notebook}: ran in {time.monotonic() - start:.0f} s ({ended})",
                  flush=True)
        # Every kernel has been shut down: one clean process judges all the records.
        requests = [r for _, _, r, _ in runs if r is not None]
        judged = iter(judge_in_subprocess(requests, timeout=60 + 30 * len(requests))
                      if requests else [])
    for student, notebook, request, ended in runs:
        rows = _rows(notebook, next(judged) if request is not None else None, ended)
        table.extend({"student": student, "notebook": notebook, "max_score": 1, **row}
                     for row in rows)
        print(f"{student} {notebook}: {sum(r['score'] for r in rows)}/{len(rows)}", flush=True)
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
