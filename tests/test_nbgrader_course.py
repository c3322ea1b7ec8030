"""`make nbgrader-course`'s folder, taken as it is by nbgrader's own CLI, as a course runs it:
`nbgrader generate_assignment` releases the student edition, and `nbgrader autograde` gives the
source (key) notebooks full marks and the released student edition zero, for every notebook.

Slow: autograde executes every notebook twice (key and student). Measured: 50 min for seven
notebooks on 2 cores shared with other jobs (load average 15-20); the notebooks' own run times
add up to about 3.5 min per edition on an idle machine.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from genzoo_lite.exercises import MODULES, exercises_for
from tools import editions, nbgrader_course

ROOT = Path(__file__).resolve().parent.parent

STEMS = sorted(MODULES)
BIN = Path(sys.executable).parent  # nbgrader, and the alembic it runs, live beside python


def _nbgrader(course: Path, *args: str) -> None:
    env = dict(os.environ, PATH=os.pathsep.join([str(BIN), os.environ.get("PATH", "")]))
    done = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=3600, check=False)
    assert done.returncode == 0, f"nbgrader {' '.join(args)}:\n{done.stderr[-3000:]}"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The course folder after generate_assignment and autograde of a key and a student."""
    course = tmp_path_factory.mktemp("course")
    nbgrader_course.main(["--out", str(course), "--seed", "24"])
    _nbgrader(course, "generate_assignment", "--CourseDirectory.assignment_id=*")
    for stem in STEMS:
        for student, edition in (("key", "source"), ("student", "release")):
            folder = course / "submitted" / student / stem
            folder.mkdir(parents=True)
            shutil.copy(course / edition / stem / f"{stem}.ipynb", folder)
    _nbgrader(course, "autograde", "--CourseDirectory.assignment_id=*")
    return course


def test_the_course_folder_is_nbgraders_layout(tmp_path):
    nbgrader_course.main(["--out", str(tmp_path), "--seed", "1", "01_gaussian_mle"])
    assert (tmp_path / "nbgrader_config.py").is_file()
    source = nbformat.read(tmp_path / "source" / "01_gaussian_mle" / "01_gaussian_mle.ipynb", 4)
    tests = [c for c in source.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert [c.metadata.nbgrader.grade_id for c in tests] == \
        [f"test_{e.function}" for e in exercises_for("01_gaussian_mle")]
    assert all(c.metadata.nbgrader.locked and c.metadata.nbgrader.points == 1 for c in tests)
    # the same one source: stripped of the test cells, the notebook is the key of tools/editions
    key = editions.key_notebook("01_gaussian_mle")
    assert [c.source for c in source.cells if c not in tests] == [c.source for c in key.cells]


@pytest.mark.slow
@pytest.mark.parametrize("stem", STEMS)
def test_autograde_gives_the_key_full_marks_and_the_student_edition_zero(course, stem):
    from nbgrader.api import Gradebook

    released = nbformat.read(course / "release" / stem / f"{stem}.ipynb", as_version=4)
    text = "\n".join(c.source for c in released.cells)
    assert editions.BEGIN not in text and "HIDDEN TESTS" not in text
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        key = gradebook.find_submission(stem, "key")
        student = gradebook.find_submission(stem, "student")
        n = len(exercises_for(stem))
        assert (key.score, key.max_score) == (n, n)
        assert (student.score, student.max_score) == (0, n)
