"""One source, two editions: every solution passes its check, no student copy holds an answer,
and the repository's notebooks are exactly the student edition nbgrader makes from the key."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import nbformat
import pytest
from solutions import SOLUTIONS, load_solutions

from genzoo_lite.exercises import MODULES, exercises_for
from tools import editions

ROOT = Path(__file__).resolve().parent.parent

STEMS = sorted(MODULES)


def test_every_notebook_has_exercises_and_solutions():
    assert STEMS == editions.notebook_stems()
    assert sorted(p.stem for p in SOLUTIONS.glob("*.py")) == STEMS


@pytest.mark.parametrize("stem", STEMS)
def test_registry_notebook_and_solutions_name_the_same_functions(stem):
    registered = [e.function for e in exercises_for(stem)]
    assert registered, f"{stem}: at least one checked exercise"
    assert len(set(registered)) == len(registered)
    in_notebook = re.findall(r"^def (exercise_\w+)\(", (editions.NOTEBOOKS / f"{stem}.py")
                             .read_text(), flags=re.M)
    assert in_notebook == registered, "notebook order and registry order must agree"
    assert sorted(editions.solution_regions(SOLUTIONS / f"{stem}.py")) == sorted(registered)


@pytest.mark.parametrize("stem", STEMS)
def test_every_solution_passes_and_a_stub_or_a_crash_gets_its_message(stem, capsys):
    solutions = load_solutions(stem)
    for exercise in exercises_for(stem):
        answer = getattr(solutions, exercise.function)
        result = exercise.check(answer)
        assert result.ok, f"{stem} {exercise.label}: the key fails its own check: {result}"
        assert capsys.readouterr().out.startswith(f"✓ {exercise.label}:")

        def stub(*args, **kwargs):
            raise NotImplementedError()

        def crash(*args, **kwargs):
            return 1 / 0

        stub.__signature__ = crash.__signature__ = inspect.signature(answer)
        verdict = exercise.check(stub)
        assert not verdict.ok and verdict.message.startswith("not attempted"), verdict
        verdict = exercise.check(crash)
        assert not verdict.ok and "ZeroDivisionError" in verdict.message, verdict
        capsys.readouterr()


@pytest.mark.parametrize("stem", STEMS)
def test_the_repository_notebook_is_the_student_edition(stem):
    editions.check_in_sync(stem)  # raises with the cell that differs


@pytest.mark.parametrize("stem", STEMS)
def test_the_key_marks_each_solution_for_nbgrader(stem):
    key = editions.key_notebook(stem)
    marked = [c for c in key.cells if "nbgrader" in c.metadata]
    assert [c.metadata.nbgrader.grade_id for c in marked] == \
        [e.function for e in exercises_for(stem)]
    for cell in marked:
        assert editions.BEGIN in cell.source and editions.END in cell.source
        assert "raise NotImplementedError()" not in cell.source


def _answer_lines(stem: str) -> list[str]:
    """Lines of the answers that would give them away: code, not comments or short lines."""
    lines = []
    for region in editions.solution_regions(SOLUTIONS / f"{stem}.py").values():
        for line in region[1:-1]:
            text = line.strip()
            if len(text) >= 25 and not text.startswith(("#", '"', "'")):
                lines.append(text)
    return lines


@pytest.mark.parametrize("stem", STEMS)
def test_no_student_copy_holds_solution_text(stem, tmp_path):
    student = editions.write_student(stem, tmp_path)
    copies = {
        "_build/student .ipynb": student.read_text(),
        "_build/student .py": student.with_suffix(".py").read_text(),
        "notebooks .py": (editions.NOTEBOOKS / f"{stem}.py").read_text(),
        "notebooks .ipynb": (editions.NOTEBOOKS / f"{stem}.ipynb").read_text(),
    }
    answers = _answer_lines(stem)
    assert answers, f"{stem}: no solution lines to look for"
    for where, text in copies.items():
        assert editions.BEGIN not in text and editions.END not in text, where
        leaked = [line for line in answers if line in text or line.replace('"', '\\"') in text]
        assert not leaked, f"{where} of {stem} holds solution lines {leaked}"


@pytest.mark.parametrize("stem", STEMS)
def test_the_executed_student_notebook_says_not_attempted(stem):
    notebook = nbformat.read(editions.NOTEBOOKS / f"{stem}.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code"
                      for o in c.outputs)
    for exercise in exercises_for(stem):
        assert f"✗ {exercise.label}: not attempted yet" in printed, (stem, exercise.label)
