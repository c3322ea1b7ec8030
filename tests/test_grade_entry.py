"""`genzoo-grade` without the instructor extra says how to install it, not a bare ImportError."""
import sys

import pytest

from genzoo_lite.grading import entry as grade_entry


def test_without_nbclient_the_command_names_the_extra(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "nbclient", None)  # import nbclient raises ImportError
    monkeypatch.delitem(sys.modules, "genzoo_lite.grading.runner", raising=False)
    assert grade_entry.main(["anywhere"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'genzoo-lite[instructor]'" in err and "nbclient" in err


def test_other_import_errors_are_not_hidden(monkeypatch):
    monkeypatch.setitem(sys.modules, "genzoo_lite.grading.judge", None)
    monkeypatch.delitem(sys.modules, "genzoo_lite.grading.runner", raising=False)
    with pytest.raises(ImportError):
        grade_entry.main(["anywhere"])


def test_with_the_extra_it_runs_the_grader(tmp_path, capsys):
    with pytest.raises(SystemExit):
        grade_entry.main([str(tmp_path / "missing")])
    assert "does not exist" in capsys.readouterr().err
