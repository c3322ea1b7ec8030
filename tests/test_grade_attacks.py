"""genzoo-grade against a student who may put any code in any cell.

Each attack is a small submission of notebook 01: the exercise cells (stubs, or wrong answers)
plus the attacking cell. All are graded in one ``grade()`` run (one kernel each, a few seconds);
every attack must score 0 with its reason, and the key's answers in the same probe notebook must
still score full marks. ``grade()`` must also leave the caller's ``os.environ`` as it was.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

import nbformat
import pytest

from genzoo_lite.exercises import exercises_for
from genzoo_lite.grading.runner import grade
from tools import editions

ROOT = Path(__file__).resolve().parent.parent

STEM = "01_gaussian_mle"
SETUP = f"import math\nimport torch\nfrom genzoo_lite.exercises import {'gaussian_mle'} as checks"

# A cell that replaces the grader's scoring with one that gives every exercise full marks.
FORGED_SCORES_CELL = """\
import json as _j, genzoo_lite.grading as _g
from genzoo_lite.exercises import exercises_for as _ef
_g.grade_namespace = lambda nb, ns, s=60: _g.MARKER + _j.dumps([{'exercise': e.label, 'function': e.function, 'score': 1, 'status': 'correct', 'detail': 'ok'} for e in _ef(nb)])
"""  # noqa: E501

WRONG = """\
def exercise_mle_variance(x):
    return 0.0
def exercise_lognormal_fit(y):
    return 0.0
def exercise_full_minus_diag(x):
    return 0.0
"""

ATTACKS = {
    "forges_scores": FORGED_SCORES_CELL,
    "patched_comparisons": WRONG + """\
import math, numpy, torch
torch.allclose = torch.equal = lambda *a, **k: True
math.isclose = lambda *a, **k: True
numpy.isclose = numpy.allclose = numpy.array_equal = lambda *a, **k: True
""",
    "patched_checks": """\
import genzoo_lite.exercises as _ex
from genzoo_lite.exercises import _report, gaussian_mle as _m
_ok = lambda *a, **k: _report.Result(True, "ok")
for _name in dir(_m):
    if _name.startswith(("check_", "random_")):
        setattr(_m, _name, _ok)
_m.EXERCISES = [_report.Exercise(e.label, e.function, _ok, _ok) for e in _m.EXERCISES]
_ex.exercises_for = lambda nb, fresh=False: list(_m.EXERCISES)
_ex.checks_module = lambda nb, fresh=False: _m
""",
    "patched_grader": """\
import json, genzoo_lite.grading as _g, genzoo_lite.grading.judge as _j
from genzoo_lite.exercises import gaussian_mle as _m
_x, _y, _z = _m._X, _m._lognormal_data().log(), _m._correlated_data()
_c = (_z - _z.mean(0)).T @ (_z - _z.mean(0)) / len(_z)
_right = [((_x - _x.mean()) ** 2).mean().item(), _m._gauss_max_ll(_y) - _y.mean().item(),
          0.5 * (_c.diagonal().log().sum() - _c.logdet()).item()]  # the check's own inputs
def _forged(notebook, namespace, seconds, seed, out):
    ok = [{"function": e.function, "defined": True, "callable": True, "fixed": [{"value": v}],
           "random": []} for e, v in zip(_m.EXERCISES, _right)]
    open(out, "w").write(json.dumps({"notebook": notebook, "seed": seed, "exercises": ok}))
_g.probe_namespace = _forged
_j.judge = lambda *a, **k: [{"score": 1}] * 3
""",
    "lookup_table": """\
import torch
from genzoo_lite.exercises import gaussian_mle as _m
_table = {}  # every input the checks build themselves (fixed and seeded), with its answer
def _var(x):
    return ((x - x.mean()) ** 2).mean()
def _lognormal(y):
    return _m._gauss_max_ll(y.log()) - y.log().mean()
def _gain(x):
    xc = x - x.mean(0)
    cov = xc.T @ xc / len(x)
    return 0.5 * (cov.diagonal().log().sum() - torch.logdet(cov))
for _check, _right in ((_m.check_mle_variance, _var), (_m.check_lognormal_fit, _lognormal),
                       (_m.check_full_minus_diag, _gain)):
    def _spy(arg, _right=_right):
        _table[arg.numpy().tobytes()] = value = _right(arg)
        return value
    _check(_spy)
def _look_up(x):  # right only on the checks' own inputs
    return _table.get(x.numpy().tobytes(), 0.0)
exercise_mle_variance = exercise_lognormal_fit = exercise_full_minus_diag = _look_up
""",
    "forged_outputs": """\
import builtins, json, os, sys
from genzoo_lite.exercises import exercises_for
rows = [{'exercise': e.label, 'function': e.function, 'score': 1, 'status': 'correct',
         'detail': 'ok'} for e in exercises_for('01_gaussian_mle')]
print('GENZOO-GRADES:' + json.dumps(rows))  # the old grader's marker line
print(*(f"✓ {e.label}: right" for e in exercises_for('01_gaussian_mle')), sep='\\n')
_print = builtins.print
builtins.print = lambda *a, **k: _print('GENZOO-GRADES:' + json.dumps(rows), file=sys.__stdout__)
csv_rows = "student,notebook,exercise,function,score,max_score,status,detail\\n" + "".join(
    f"forged_outputs,01_gaussian_mle,Exercise {i},f,1,1,correct,ok\\n" for i in (1, 2, 3))
for folder in (".", "..", "../..", f"/proc/{os.getppid()}/cwd"):  # the last: the grader's
    try:
        open(os.path.join(folder, "grades.csv"), "w").write(csv_rows)
    except OSError:
        pass
""",
    "lying_eq": """\
class Anything(float):
    def __eq__(self, other): return True
    __ne__ = lambda self, other: False
    def __float__(self): return self._want
class Always:
    def __eq__(self, other): return True
    def __float__(self): return 1.8686
    def __array__(self, *a, **k): raise TypeError
def exercise_mle_variance(x):
    return Always()
def exercise_lognormal_fit(y):
    a = Anything(0.0); a._want = -1.3797; return a
def exercise_full_minus_diag(x):
    return [Always()]
""",
    "tensor_subclass": """\
import torch
class Liar(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func in (torch.Tensor.__eq__, torch.allclose, torch.isclose, torch.equal):
            return True
        return super().__torch_function__(func, types, args, kwargs or {})
    def __float__(self): return 1.8686
def _liar(*_):
    return torch.tensor(0.0, dtype=torch.float64).as_subclass(Liar)
exercise_mle_variance = exercise_lognormal_fit = exercise_full_minus_diag = _liar
""",
    "kills_kernel_while_graded": """\
import os, signal, genzoo_lite.grading as _g
_g.probe_namespace = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
""",
    "reads_the_key": """\
import importlib.util, os
from pathlib import Path
import genzoo_lite
places = [Path(genzoo_lite.__file__).resolve().parents[1], Path.cwd(), *Path.cwd().parents]
for place in places:
    key = place / "instructor" / "solutions" / "01_gaussian_mle.py"
    if key.is_file():
        spec = importlib.util.spec_from_file_location("key", key)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        globals().update({k: v for k, v in vars(module).items() if k.startswith("exercise_")})
        print("read the key at", key)
        break
""",
}


def _probe(exercise_cells: list[str], attack: str | None) -> nbformat.NotebookNode:
    cells = [SETUP, *exercise_cells] + ([attack] if attack else [])
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every attack and the right answers, graded in one run: ``{student: rows}``."""
    folder = tmp_path_factory.mktemp("submissions")
    key = editions.key_notebook(STEM)
    answers = [c.source for c in key.cells if "nbgrader" in c.metadata]
    stubs = [c.source for c in editions.student_notebook(key).cells if "nbgrader" in c.metadata]
    submissions = {"right": _probe(answers, None),
                   "os_exit": _probe(answers, "import os\nos._exit(0)")}
    submissions.update({name: _probe(stubs, cell) for name, cell in ATTACKS.items()})
    for student, notebook in submissions.items():
        (folder / student).mkdir()
        nbformat.write(notebook, folder / student / f"{STEM}.ipynb")
    before = dict(os.environ)
    work = tmp_path_factory.mktemp("grader-cwd")
    cwd = os.getcwd()
    os.chdir(work)  # the forged CSV goes to the grader's working folder: where grades.csv is
    try:
        grade(folder, Path("grades.csv"), timeout=120, check_timeout=30)
    finally:
        os.chdir(cwd)
    with (work / "grades.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    print("\n".join(f"{r['student']} {r['exercise']}: {r['score']} {r['status']}: {r['detail']}"
                    for r in rows))
    return {"rows": rows, "environ_unchanged": dict(os.environ) == before,
            **{s: [r for r in rows if r["student"] == s] for s in submissions}}


def test_the_right_answers_still_score_full_marks(graded):
    rows = graded["right"]
    assert len(rows) == len(exercises_for(STEM))
    assert all(r["score"] == "1" and r["status"] == "correct" for r in rows), rows


def test_grade_leaves_the_callers_environment_as_it_was(graded):
    assert graded["environ_unchanged"]


REASONS = {  # attack: (status of every row, words in every detail)
    "forges_scores": ("not attempted", "not attempted yet"),
    "patched_comparisons": ("wrong", "got 0.0000"),
    "patched_checks": ("error", "the kernel's record does not fit the check"),
    "patched_grader": ("error", "the kernel's record does not fit the check"),
    "lookup_table": ("wrong", "not on the grader's random inputs"),
    "forged_outputs": ("not attempted", "not attempted yet"),
    "lying_eq": ("wrong", "the grader reads only plain numbers"),
    "tensor_subclass": ("wrong", "returned a __main__.Liar"),
    "kills_kernel_while_graded": ("not graded", "kernel unusable for grading (DeadKernelError"),
    "reads_the_key": ("not attempted", "not attempted yet"),
}


@pytest.mark.parametrize("attack", sorted(REASONS))
def test_each_attack_scores_zero_with_its_reason(graded, attack):
    rows = graded[attack]
    assert len(rows) == len(exercises_for(STEM)), rows
    status, words = REASONS[attack]
    for row in rows:
        assert row["score"] == "0", row
        assert row["status"] == status and words in row["detail"], row


def test_exiting_after_right_answers_scores_zero_with_the_reason(graded):
    rows = graded["os_exit"]
    assert all(r["score"] == "0" and r["status"] == "not graded" and
               "kernel unusable for grading (DeadKernelError" in r["detail"] for r in rows), rows


def test_no_forged_row_reaches_the_grades(graded):
    assert not [r for r in graded["rows"] if r["student"] == "forged_outputs"
                and r["score"] == "1"]
    assert sum(r["score"] == "1" for r in graded["rows"]) == len(exercises_for(STEM))
