"""Notebooks that present well as slides: one `##` section per slide, no figure
taller than 5 inches."""
from __future__ import annotations

import base64
import json
import struct
from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9]*.py"))
MAX_INCHES, DPI = 5.0, 100  # matplotlib's inline backend draws at 100 dpi here


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_section_heading_starts_its_own_slide(path):
    problems = []
    for i, cell in enumerate(jupytext.read(path).cells):
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.splitlines()
        headings = [n for n, line in enumerate(lines) if line.startswith("## ")]
        slide = cell.metadata.get("slideshow", {}).get("slide_type")
        if headings and (headings != [0] or slide not in ("slide", "skip")):
            problems.append(f"cell {i} ({lines[headings[0]]!r}): headings at lines {headings}, "
                            f"slide_type {slide!r}; want one heading, on line 0, of a slide "
                            "(or a skipped setup cell)")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_hidden_inputs_are_hidden_in_rise_too(path):
    """A code cell tagged hide-input shows its output alone in the offline deck; RISE and
    JupyterLab know only ``jupyter.source_hidden``, so the two go together."""
    wrong = []
    for i, cell in enumerate(jupytext.read(path).cells):
        tagged = cell.cell_type == "code" and "hide-input" in cell.metadata.get("tags", [])
        if tagged != bool(cell.metadata.get("jupyter", {}).get("source_hidden")):
            wrong.append(i)
    assert not wrong, (f"cells {wrong}: tag hide-input without jupyter.source_hidden or the other "
                       f"way round: run `python tools/slide_metadata.py {path.name}`")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_test_scaffolding_on_a_slide(path):
    """Code shown on a slide (not skipped, input not hidden) is what the slide is about: no
    assert or claim check, which belong to the notebook's tests."""
    shown = []
    for i, cell in enumerate(jupytext.read(path).cells):
        if (cell.cell_type == "code" and "hide-input" not in cell.metadata.get("tags", [])
                and cell.metadata.get("slideshow", {}).get("slide_type") != "skip"):
            found = [w for w in ("assert ", "check_claim(", "pytest") if w in cell.source]
            if found:
                shown.append(f"cell {i}: {found}")
    assert not shown, f"{path.stem}: scaffolding on a slide (tag the cell hide-input): {shown}"


def png_height(data: str) -> int:
    raw = base64.b64decode(data)
    return struct.unpack(">I", raw[20:24])[0]  # IHDR height


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_figure_is_taller_than_five_inches(path):
    cells = json.loads(path.with_suffix(".ipynb").read_text())["cells"]
    tall = [(i, png_height(out["data"]["image/png"]) / DPI)
            for i, cell in enumerate(cells) for out in cell.get("outputs", [])
            if "image/png" in out.get("data", {})]
    tall = [(i, round(h, 1)) for i, h in tall if h > MAX_INCHES]
    assert not tall, f"{path.stem}: (cell, inches) taller than {MAX_INCHES}: {tall}"
