"""genzoo-grade scores right answers full marks and wrong ones zero, and survives a submission
that raises or loops forever; a submission cannot pass by editing its check cells. The verdicts
the judge replays from a kernel's record are the checks' own (tests/test_grade_attacks.py has
the attacks).

One submission is the whole key of notebook 01, run as a student hands it in: it shows that a
real notebook runs to its end under the grader (scratch folder, no network, the time limit) and
scores full marks. The other submissions are a probe of the same notebook, its setup cells and
exercise cells only: what they test (wrong answers, a crash, endless loops) happens in those
cells, and the probe runs in seconds where the notebook takes about 20 s each time."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import nbformat
import pytest
from solutions import load_solutions

from genzoo_lite.exercises import MODULES, exercises_for
from genzoo_lite.grading import probe_function
from genzoo_lite.grading.judge import judge, judge_exercise
from genzoo_lite.grading.runner import find_submissions, grade, main
from tools import editions

ROOT = Path(__file__).resolve().parent.parent

STEM = "01_gaussian_mle"  # the quickest notebook to run


def _wrong_answers(key: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Each solution region replaced by ``return None`` and every check call by a fake tick."""
    wrong = nbformat.from_dict(key)
    region = re.compile(rf"^(\s*){re.escape(editions.BEGIN)}\n.*?{re.escape(editions.END)}$",
                        flags=re.S | re.M)
    for cell in wrong.cells:
        if cell.cell_type == "code" and editions.BEGIN in cell.source:
            cell.source = region.sub(lambda m: f"{m.group(1)}return None", cell.source)
            # A forged verdict: the grader must not read what the cells print.
            cell.source = re.sub(r"^checks\.check_\w+\(.*$", 'print("✓ all correct")',
                                 cell.source, flags=re.M)
    return wrong


def _probe(key: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook's first two code cells (the Colab install, the imports) and its exercise
    cells: what a grader needs of a submission, without the lecture's computations."""
    probe = nbformat.from_dict(key)
    setup = [i for i, c in enumerate(probe.cells) if c.cell_type == "code"][:2]
    probe.cells = [c for i, c in enumerate(probe.cells) if i in setup or "nbgrader" in c.metadata]
    return probe


def _with_cell_before_last_exercise(key, source: str) -> nbformat.NotebookNode:
    broken = nbformat.from_dict(key)
    last = max(i for i, c in enumerate(broken.cells) if "nbgrader" in c.metadata)
    broken.cells.insert(last, nbformat.v4.new_code_cell(source))
    return broken


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    key = editions.key_notebook(STEM)
    probe = _probe(key)
    first_setup = next(i for i, c in enumerate(probe.cells) if c.cell_type == "code")
    looping = nbformat.from_dict(probe)
    looping.cells.insert(first_setup + 1, nbformat.v4.new_code_cell("while True:\n    pass"))
    deaf = nbformat.from_dict(probe)  # an endless loop that ignores the interrupt
    deaf.cells.insert(first_setup + 1, nbformat.v4.new_code_cell(
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"))
    submissions = {
        "right": key,  # the whole notebook
        "probe_right": probe,
        "wrong": _wrong_answers(probe),
        "raises": _with_cell_before_last_exercise(probe, "raise RuntimeError('student bug')"),
        "loops": looping,
        "ignores_interrupts": deaf,
    }
    rows = []
    # The endless loops get a short limit of their own so that the test stays quick.
    for batch, limit in ((("right", "probe_right", "wrong", "raises"), 300),
                         (("loops", "ignores_interrupts"), 20)):
        batch_folder = folder / f"limit{limit}"
        for student in batch:
            (batch_folder / student).mkdir(parents=True)
            nbformat.write(submissions[student], batch_folder / student / f"{STEM}.ipynb")
        out = batch_folder / "grades.csv"
        grade(batch_folder, out, timeout=limit, check_timeout=30)
        print(out.read_text())
        with out.open() as handle:
            rows += list(csv.DictReader(handle))
    return {student: [r for r in rows if r["student"] == student] for student in submissions}


@pytest.mark.parametrize("student", ["right", "probe_right"])
def test_right_answers_score_full_marks(graded, student):
    """The whole notebook, and the probe the other submissions are made from."""
    rows = graded[student]
    assert len(rows) == len(exercises_for(STEM))
    assert all(r["score"] == "1" and r["status"] == "correct" for r in rows), rows


def test_wrong_answers_score_zero_despite_forged_ticks(graded):
    rows = graded["wrong"]
    assert rows and all(r["score"] == "0" and r["status"] == "wrong" for r in rows), rows


def test_a_crash_scores_what_ran_and_names_the_error(graded):
    rows = graded["raises"]
    assert [r["score"] for r in rows][:-1] == ["1"] * (len(rows) - 1)
    assert rows[-1]["score"] == "0" and rows[-1]["status"] == "not reached"
    assert "RuntimeError: student bug" in rows[-1]["detail"]


def test_an_endless_loop_times_out_without_hanging_the_grader(graded):
    rows = graded["loops"]
    assert rows and all(r["score"] == "0" for r in rows)
    assert all("time limit of 20 s" in r["detail"] for r in rows), rows


def test_a_loop_that_ignores_the_interrupt_is_killed(graded):
    rows = graded["ignores_interrupts"]
    assert rows and all(r["score"] == "0" and r["status"] == "not graded" for r in rows), rows
    assert all("DeadKernelError" in r["detail"] for r in rows), rows


def test_submissions_are_found_by_folder_or_by_file_name(tmp_path):
    (tmp_path / "bob").mkdir()
    for path in (tmp_path / "bob" / "02_ebm.ipynb", tmp_path / "alice_03_vae.ipynb",
                 tmp_path / "homework.ipynb"):
        path.write_text("{}")
    found = {(s, n) for s, n, _ in find_submissions(tmp_path)}
    assert found == {("bob", "02_ebm"), ("alice", "03_vae"), ("homework", None)}


def test_bad_arguments_get_clear_errors(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main([str(tmp_path / "missing")])
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(ValueError, match="must be positive"):
        grade(tmp_path, tmp_path / "g.csv", timeout=0)


# ----- the record in the kernel and the replay in the judge give the check's own verdict -------
def _through_the_wire(exercise, fn, seed: int = 5) -> dict:
    """Record ``fn`` as the kernel does, send the record as JSON, judge it as the judge does."""
    record = json.loads(json.dumps(probe_function(exercise, fn, 60, seed)))
    return judge_exercise(exercise, record, seed)


@pytest.mark.parametrize("stem", sorted(MODULES))
def test_the_judge_replays_the_checks_verdicts(stem, capsys):
    key = load_solutions(stem)

    def stub(*args):
        raise NotImplementedError()

    def crash(*args):
        return 1 / 0

    for exercise in exercises_for(stem):
        answer = getattr(key, exercise.function)
        assert _through_the_wire(exercise, answer)["status"] == "correct", exercise.label
        row = _through_the_wire(exercise, stub)
        assert row["status"] == "not attempted" and row["score"] == 0, row
        row = _through_the_wire(exercise, crash)
        assert row["score"] == 0 and "ZeroDivisionError" in row["detail"], row
        row = _through_the_wire(exercise, lambda *a: {1, 2})
        assert row["score"] == 0 and "returned a set" in row["detail"], row
    capsys.readouterr()


def test_the_gated_layers_mistakes_are_found_from_recorded_values():
    """Exercise 2 of 05 calls the layer many times: causality is judged from the outputs."""
    from genzoo_lite.exercises import pixelcnn
    from genzoo_lite.models.autoregressive.gated_pixelcnn import GatedLayer

    exercise = pixelcnn.EXERCISES[1]

    def wired(layer, v, h, bias, h_into_v=False, v_into_h=True):
        v_feat = layer.v_conv(v + h if h_into_v else v)
        h_feat = layer.h_conv(h) + (layer.v_to_h(v_feat) if v_into_h else 0)
        return GatedLayer.gate(v_feat + bias), h + layer.h_out(GatedLayer.gate(h_feat + bias))

    assert _through_the_wire(exercise, wired)["status"] == "correct"
    assert "not causal" in _through_the_wire(exercise, lambda *a: wired(*a, h_into_v=True))[
        "detail"]
    assert "blind spot" in _through_the_wire(exercise, lambda *a: wired(*a, v_into_h=False))[
        "detail"]


def test_a_record_that_does_not_fit_scores_zero(tmp_path):
    exercise = exercises_for(STEM)[0]
    for record, words in (
            ({"function": exercise.function, "defined": True, "callable": True, "fixed": []},
             "does not fit the check"),
            ({"function": exercise.function, "defined": True, "callable": True,
              "fixed": [{"value": {"tensor": "float64", "shape": [9], "data": "AAAA"}}]},
             "malformed"),
            ({"function": exercise.function, "defined": True, "callable": True,
              "fixed": [{"value": {"__reduce__": "os.system"}}]}, "malformed"),
            ({"function": "exercise_other", "defined": True}, "no record")):
        row = judge_exercise(exercise, record, 1)
        assert row["score"] == 0 and words in row["detail"], row
    (tmp_path / "record.json").write_text("GENZOO-GRADES: [1, 1, 1]")
    rows = judge(STEM, 1, tmp_path / "record.json")
    assert all(r["score"] == 0 and r["status"] == "not graded" for r in rows), rows


@pytest.mark.parametrize("stem", sorted(MODULES))
def test_every_exercise_has_random_inputs_the_key_passes(stem):
    key = load_solutions(stem)
    for exercise in exercises_for(stem):
        assert exercise.random is not None, f"{stem} {exercise.label} has no random twin"
        for seed in (0, 1, 2**40 + 3):
            result = exercise.random(getattr(key, exercise.function), seed)
            assert result.ok, (stem, exercise.label, seed, result.message)
