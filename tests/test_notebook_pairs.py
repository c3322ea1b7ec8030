"""Each notebooks/NN_name.py (the source you edit) and its .ipynb (executed) hold the same cells."""
from pathlib import Path

import jupytext
import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def test_every_notebook_is_a_pair():
    stems_py = {p.stem for p in SOURCES}
    stems_ipynb = {p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")}
    assert stems_py and stems_py == stems_ipynb, stems_py ^ stems_ipynb


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_pair_holds_the_same_cells(source):
    text = jupytext.read(source)
    executed = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    pairs = list(zip(text.cells, executed.cells))
    assert len(text.cells) == len(executed.cells), "run `make notebooks` to re-sync the pair"
    for i, (a, b) in enumerate(pairs):
        assert (a.cell_type, a.source) == (b.cell_type, b.source), (
            f"cell {i} differs between {source.name} and its .ipynb; run `make notebooks`")


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_executed_notebook_ran_in_order_without_errors(source):
    executed = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    counts = [c.execution_count for c in executed.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), "re-run with `make notebooks`"
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
