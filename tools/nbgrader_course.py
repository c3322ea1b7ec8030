"""Write an nbgrader course folder for the notebooks: `make nbgrader-course` -> _build/nbgrader/.

Usage: python tools/nbgrader_course.py [--out DIR] [--seed N] [NN_name ...]

The folder is what nbgrader's own CLI expects, as a course on JupyterHub runs it:

    _build/nbgrader/
        nbgrader_config.py
        source/<NN_name>/<NN_name>.ipynb    one assignment per notebook

Each source notebook is the instructor key of tools/editions.py (the same one source as `make
student` and `make solutions`: notebooks/NN_name.py plus instructor/solutions/NN_name.py), with
its solution cells marked for nbgrader and, after each checked exercise, one locked autograded
test cell worth 1 point that raises when the answer is wrong: the library's check on its own
inputs, then (between nbgrader's hidden-test markers, so the released edition does not show it)
the same exercise on inputs drawn from a seed fixed when the course is written. Then, in that
folder:

    nbgrader generate_assignment 01_gaussian_mle     # release/: the student edition
    nbgrader autograde 01_gaussian_mle               # submitted/<student>/01_gaussian_mle/
"""
from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path

import nbformat

try:
    from tools import editions
except ImportError:  # run as `python tools/nbgrader_course.py`: its folder comes first
    import editions

from genzoo_lite.exercises import exercises_for

CONFIG = '''\
"""nbgrader configuration of the genzoo-lite course (written by tools/nbgrader_course.py)."""
c = get_config()  # noqa: F821 - nbgrader provides it
c.CourseDirectory.course_id = "genzoo-lite"
c.CourseDirectory.root = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
# The notebooks train small models on the CPU: give each one time to run top to bottom.
c.Execute.timeout = 900
c.Execute.interrupt_on_timeout = True
c.Execute.kernel_name = "python3"
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}
'''

HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


def test_cell(stem: str, exercise, seed: int) -> nbformat.NotebookNode:
    """The autograded, locked test cell of one exercise: 1 point, raises on a wrong answer."""
    module, check = exercise.check.__module__, exercise.check.__name__
    lines = [f"# Autograded test of {exercise.label} (1 point): raises if {exercise.function} "
             "is wrong.",
             f"from {module} import {check} as _check",
             f"_result = _check({exercise.function})",
             "assert _result.ok, _result.message"]
    if exercise.random is not None:
        lines += [HIDDEN_BEGIN,
                  f"from {module} import {exercise.random.__name__} as _random_check",
                  f"_result = _random_check({exercise.function}, {seed})",
                  "assert _result.ok, _result.message",
                  HIDDEN_END]
    cell = nbformat.v4.new_code_cell("\n".join(lines))
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": f"test_{exercise.function}",
                                 "locked": True, "points": 1, "schema_version": 3,
                                 "solution": False, "task": False}
    return cell


def source_notebook(stem: str, seed: int) -> nbformat.NotebookNode:
    """The key of ``stem`` with a test cell after each checked exercise's solution cell."""
    key = editions.key_notebook(stem)
    tests = {e.function: e for e in exercises_for(stem)}
    cells = []
    for cell in key.cells:
        cells.append(cell)
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in tests:
            cells.append(test_cell(stem, tests.pop(grade_id), seed))
    if tests:
        raise editions.EditionError(f"{stem}: no solution cell for {sorted(tests)}")
    key.cells = cells
    return key


def write_course(out: Path, stems: list[str], seed: int) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    (out / "nbgrader_config.py").write_text(CONFIG)
    written = []
    for stem in stems:
        folder = out / "source" / stem
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(source_notebook(stem, seed), folder / f"{stem}.ipynb")
        written.append(folder / f"{stem}.ipynb")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stems", nargs="*", help="notebooks (default: all)")
    parser.add_argument("--out", type=Path, default=editions.BUILD / "nbgrader")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the hidden tests' random inputs (default: drawn now)")
    args = parser.parse_args(argv)
    stems = args.stems or editions.notebook_stems()
    unknown = sorted(set(stems) - set(editions.notebook_stems()))
    if unknown:
        parser.error(f"unknown notebooks {unknown}; valid: {editions.notebook_stems()}")
    seed = secrets.randbits(32) if args.seed is None else args.seed
    for path in write_course(args.out, stems, seed):
        print(path)
    print(f"nbgrader course in {args.out} (hidden tests' seed {seed}); then, there: "
          "nbgrader generate_assignment <NN_name>, nbgrader autograde <NN_name>")
    return 0


if __name__ == "__main__":
    sys.exit(main())
