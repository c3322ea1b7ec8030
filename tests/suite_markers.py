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
    "tests/test_grade.py": "grades notebook 01 once and a probe of it five times, each in a "
                           "fresh kernel, ~185 s at load average 12",
    "tests/test_grade_attacks.py": "grades crafted notebooks in fresh kernels, ~40 s",
    "tests/test_nbgrader_course.py": "an nbgrader course of every notebook, minutes",
    "tests/test_editions.py": "builds and executes the two editions, ~60 s",
    "tests/test_slides_html.py": "nbconvert of every notebook, ~30 s",
    "tests/test_benchmarks.py::test_notebook_is_measured_from_outside_without_added_cells":
        "starts a kernel, ~10 s",
    # measured by `pytest -m "not slow" --durations=40` on 2 cores at load average 6-30 (the
    # seconds shown, about 5x an idle machine's); everything over ~45 s there is here
    "tests/test_pixel_classifier.py::test_short_training_is_the_same_whatever_the_global_seed":
        "trains two recipes briefly, 657 s loaded",
    "tests/test_pixelcnn.py::test_short_training_beats_the_independent_baseline":
        "3 epochs of the Gated PixelCNN, 508 s loaded",
    "tests/test_gan.py::test_generator_moves_its_samples_onto_the_data": "193 s loaded",
    "tests/test_pixelrnn.py::test_short_training_is_the_same_whatever_the_global_seed":
        "165 s loaded",
    "tests/test_vqvae.py::test_recipes_train_briefly": "vqvae2 + its prior, 210 s loaded",
    "tests/test_vqvae.py::test_vqgan_recipe_starts_from_the_shipped_vqvae2": "94 s loaded",
    "tests/test_pixelcnn_ensemble.py::"
    "test_sampling_is_reproducible_and_training_improves_the_ensemble": "87 s loaded",
    "tests/test_pixel_classifier.py::"
    "test_sampling_is_reproducible_and_greedy_at_low_temperature": "52 s loaded",
    "tests/test_pixelcnn.py::test_training_gives_the_same_weights_whatever_the_global_seed":
        "45 s loaded",
    "tests/test_pixelcnn.py::"
    "test_default_models_are_causal_and_only_the_gated_one_sees_every_earlier_pixel":
        "67 s loaded",
    "tests/test_gan.py::test_training_gives_the_same_weights_whatever_the_global_seed":
        "42 s loaded",
    "tests/test_student_lab.py::test_a_headless_student_lab_has_no_nbgrader_and_no_news":
        "starts JupyterLab, 40 s to minutes loaded",
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
