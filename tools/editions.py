"""Build the two editions of the notebooks from one source: the student copy and the instructor key.

Usage: python tools/editions.py student|solutions|check [NN_name ...]
Run by `make student` (-> _build/student/) and `make solutions` (-> _build/solutions/).

The one source of each exercise is split in two, so that a student reading notebooks/ never sees
an answer:
* notebooks/NN_name.py holds the exercise cell with nbgrader's stub
  (``# YOUR CODE HERE`` / ``raise NotImplementedError()``) and the self-check call;
* instructor/solutions/NN_name.py holds, for each ``exercise_*`` function, the solution body
  between nbgrader's ``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers.

``solutions`` merges the two into a key in nbgrader's source format (markers kept, cells marked
as nbgrader solution cells, so `nbgrader generate_assignment` also accepts it) and executes it.
``student`` runs nbgrader's own ClearSolutions on that key, checks that the result is exactly
notebooks/NN_name.py (so the repository's notebooks are the student edition) and writes it with
the outputs of the executed notebooks/NN_name.ipynb, which show "not attempted" verdicts.
"""
from __future__ import annotations

import ast
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbformat import NotebookNode

from genzoo_lite.exercises import exercises_for

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOLUTIONS = ROOT / "instructor" / "solutions"
BUILD = ROOT / "_build"
STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
_DEF = re.compile(r"^def (exercise_\w+)\(")


class EditionError(ValueError):
    """A notebook and its solution file do not fit together; the message says where."""


def notebook_stems() -> list[str]:
    return sorted(p.stem for p in NOTEBOOKS.glob("[0-9]*.py"))


def solution_regions(path: Path) -> dict[str, list[str]]:
    """``{function: lines}`` for every top-level ``exercise_*`` function in a solution file; the
    lines run from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` inclusive, dedented."""
    text = path.read_text()
    lines = text.splitlines()
    regions: dict[str, list[str]] = {}
    nodes = ast.parse(text, filename=str(path)).body
    for node, following in zip(nodes, nodes[1:] + [None]):
        if not (isinstance(node, ast.FunctionDef) and node.name.startswith("exercise_")):
            continue
        # The END marker is a comment after the last statement: read up to the next statement.
        stop = following.lineno - 1 if following else len(lines)
        body = lines[node.lineno - 1:stop]
        starts = [i for i, line in enumerate(body) if line.strip() == BEGIN]
        ends = [i for i, line in enumerate(body) if line.strip() == END]
        if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
            raise EditionError(f"{path.name}: {node.name} needs exactly one {BEGIN!r} ... "
                               f"{END!r} region, found {len(starts)} begin and {len(ends)} end")
        region = body[starts[0]:ends[0] + 1]
        indent = len(region[0]) - len(region[0].lstrip())
        regions[node.name] = [line[indent:] if line.strip() else "" for line in region]
    if not regions:
        raise EditionError(f"{path.name} defines no exercise_* function")
    return regions


def _merge_cell(source: str, regions: dict[str, list[str]], used: set[str], where: str) -> str:
    lines = source.split("\n")
    out: list[str] = []
    function = None
    i = 0
    while i < len(lines):
        match = _DEF.match(lines[i])
        if match:
            function = match.group(1)
        if function and lines[i].strip() == STUB[0] and i + 1 < len(lines) \
                and lines[i + 1].strip() == STUB[1]:
            if function not in regions:
                raise EditionError(f"{where}: {function} has a stub but "
                                   f"instructor/solutions has no solution for it")
            indent = lines[i][:len(lines[i]) - len(lines[i].lstrip())]
            out.extend(indent + line if line else "" for line in regions[function])
            used.add(function)
            i += 2
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def key_notebook(stem: str) -> NotebookNode:
    """notebooks/<stem>.py with each stub replaced by its marked solution (unexecuted)."""
    source, solutions = NOTEBOOKS / f"{stem}.py", SOLUTIONS / f"{stem}.py"
    if not source.is_file():
        raise EditionError(f"no notebook {stem!r}; valid: {notebook_stems()}")
    notebook = jupytext.read(source)
    regions = solution_regions(solutions) if solutions.is_file() else {}
    used: set[str] = set()
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        merged = _merge_cell(cell.source, regions, used, f"{source.name} cell {index}")
        if merged != cell.source:
            cell.source = merged
            function = next(m.group(1) for m in map(_DEF.match, merged.split("\n")) if m)
            cell.metadata["nbgrader"] = {"grade": False, "grade_id": function, "locked": False,
                                         "schema_version": 3, "solution": True, "task": False}
    unused = sorted(set(regions) - used)
    if unused:
        raise EditionError(f"{solutions.name}: no stub in {source.name} for {unused}")
    notebook.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)",
                                       "language": "python", "name": "python3"}
    return notebook


def student_notebook(key: NotebookNode) -> NotebookNode:
    """nbgrader's ClearSolutions applied to the key: each marked region becomes the stub."""
    from nbgrader.preprocessors import ClearSolutions

    student = nbformat.from_dict(key)
    student, _ = ClearSolutions().preprocess(student, {})
    return student


def check_in_sync(stem: str) -> NotebookNode:
    """The student edition made from the key; raises if it differs from notebooks/<stem>.py."""
    student = student_notebook(key_notebook(stem))
    committed = jupytext.read(NOTEBOOKS / f"{stem}.py")
    if len(student.cells) != len(committed.cells):
        raise EditionError(f"{stem}: the student edition has {len(student.cells)} cells, "
                           f"notebooks/{stem}.py has {len(committed.cells)}")
    for index, (ours, theirs) in enumerate(zip(student.cells, committed.cells)):
        if ours.source != theirs.source:
            raise EditionError(f"{stem} cell {index}: the student edition differs from "
                               f"notebooks/{stem}.py; stubs must be exactly {STUB}")
    return student


def write_student(stem: str, out: Path) -> Path:
    """Student edition with the outputs of the executed notebooks/<stem>.ipynb."""
    student = check_in_sync(stem)
    executed = nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4)
    code = [c for c in executed.cells if c.cell_type == "code"]
    ours = [c for c in student.cells if c.cell_type == "code"]
    if [c.source for c in code] != [c.source for c in ours]:
        raise EditionError(f"notebooks/{stem}.ipynb is stale: run `make notebooks`")
    for cell, done in zip(ours, code):
        cell.outputs, cell.execution_count = done.outputs, done.execution_count
    out.mkdir(parents=True, exist_ok=True)
    nbformat.write(student, out / f"{stem}.ipynb")
    jupytext.write(student, out / f"{stem}.py", fmt="py:percent")
    return out / f"{stem}.ipynb"


def write_key(stem: str, out: Path, timeout: int = 600) -> float:
    """Execute the key in notebooks/ (figures go to a temporary folder); return the seconds."""
    key = key_notebook(stem)
    out.mkdir(parents=True, exist_ok=True)
    jupytext.write(key, out / f"{stem}.py", fmt="py:percent")
    # The kernel's own environment: this process's os.environ is left as it was.
    env = dict(os.environ, GENZOO_FIGURES_DIR=tempfile.mkdtemp(prefix="genzoo-key-figures-"))
    client = NotebookClient(key, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    start = time.perf_counter()
    client.execute(env=env)
    seconds = time.perf_counter() - start
    nbformat.write(key, out / f"{stem}.ipynb")
    printed = "".join(o.get("text", "") for c in key.cells if c.cell_type == "code"
                      for o in c.outputs)
    failed = [e.label for e in exercises_for(stem) if f"✓ {e.label}:" not in printed]
    if failed:
        raise EditionError(f"{stem}: the key does not pass {failed}; see _build/solutions/"
                           f"{stem}.ipynb")
    return seconds


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"student", "solutions", "check"}:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    stems = argv[1:] or notebook_stems()
    unknown = [s for s in stems if s not in notebook_stems()]
    if unknown:
        print(f"unknown notebooks {unknown}; valid: {notebook_stems()}", file=sys.stderr)
        return 2
    for stem in stems:
        if argv[0] == "check":
            check_in_sync(stem)
            print(f"{stem}: student edition in sync with its key")
        elif argv[0] == "student":
            print(f"{stem}: {write_student(stem, BUILD / 'student').relative_to(ROOT)}")
        else:
            seconds = write_key(stem, BUILD / "solutions")
            print(f"{stem}: _build/solutions/{stem}.ipynb executed in {seconds:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
