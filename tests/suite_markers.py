"""Marks every test by kind, so that `make check` (the everyday loop) can leave the slow ones out.

Loaded by pytest for every run (``-p suite_markers`` in pyproject.toml); the markers are
registered there. By path:

* ``notebooks``: nbval running a notebook (``notebooks/*.ipynb``); all but
  ``QUICK_NOTEBOOK`` are ``slow`` too;
* ``browser``: ``tests/browser/`` (JupyterLab in Debian's chromium), also ``slow``;
* ``hub``: ``tests/test_hub*.py`` (a JupyterHub on loopback), also ``slow``;
* ``binder`` and ``kernels`` come from their files; both are ``slow`` too.

By name: ``SLOW``, the unit tests measured at over about 10 s (``make test`` prints the
slowest with ``--durations``; a test that grows slow belongs here, with its time). `make check`
runs ``-m "not slow"``; `make test` runs everything.
"""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The notebook `make check` runs through nbval: the quickest (about 17 s).
QUICK_NOTEBOOK = "01_gaussian_mle.ipynb"

#: Unit tests (a node id, or its start: a file, or a file::test) over about 10 s, with the
#: seconds measured on 2 shared cores (`make test --durations`).
SLOW: dict[str, str] = {
    "tests/test_retrain_isolation.py": "retrains notebook 05 in a kernel, ~150 s",
    "tests/test_grade.py": "runs notebook 01 several times in fresh kernels, ~60 s",
    "tests/test_grade_attacks.py": "grades crafted notebooks in fresh kernels, ~40 s",
    "tests/test_nbgrader_course.py": "an nbgrader course of every notebook, minutes",
    "tests/test_editions.py": "builds and executes the two editions, ~60 s",
    "tests/test_slides_html.py": "nbconvert of every notebook, ~30 s",
    "tests/test_benchmarks.py::test_notebook_is_measured_from_outside_without_added_cells":
        "starts a kernel, ~10 s",
}


def _relative(item: pytest.Item) -> str:
    try:
        return Path(item.path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return Path(item.path).as_posix()


def kinds(item: pytest.Item) -> set[str]:
    """The markers this plugin gives a collected test."""
    path, nodeid = _relative(item), item.nodeid
    found = set()
    if path.startswith("notebooks/") and path.endswith(".ipynb"):
        found.add("notebooks")
        if Path(path).name != QUICK_NOTEBOOK:
            found.add("slow")
    if path.startswith("tests/browser/"):
        found |= {"browser", "slow"}
    if Path(path).name.startswith("test_hub"):
        found |= {"hub", "slow"}
    if item.get_closest_marker("binder") or item.get_closest_marker("kernels"):
        found.add("slow")
    if any(nodeid == key or nodeid.startswith(key + "::") or nodeid.startswith(key + "[")
           or (path == key) for key in SLOW):
        found.add("slow")
    return found


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for name in sorted(kinds(item)):
            if item.get_closest_marker(name) is None:
                item.add_marker(name)
