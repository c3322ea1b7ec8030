"""Give every notebook cell RISE / reveal.js slide metadata, by a few readable rules.

Usage: python tools/slide_metadata.py [--force] notebooks/NN_name.py [...]

Rules (a cell that already has a slide type keeps it unless --force, except exercise cells):
* the title cell and every "## " section start a slide; "### " starts a subslide;
* the "## Setup" heading and the setup code cell are skipped (run, never shown);
* exercise cells are always skipped, even without --force (the deck presents, the notebook
  practises): a markdown cell whose first line starts with "## Exercise" or "**Exercise", and
  every code cell after it up to the next markdown cell that is not an exercise;
* a longer markdown cell without a heading starts a subslide (a new idea), a short one (one
  sentence interpreting the output above) is a fragment of the current slide;
* a code cell is a fragment: it appears, with its output, after the text it implements.
A code cell tagged "hide-input" (chosen by hand: plotting, printing, checks) shows its output
alone on a slide. The offline decks drop its input (tools/build_site.py); for RISE and
JupyterLab it also gets ``jupyter.source_hidden``, which they honour (notebooks/rise.css hides
the collapsed input's placeholder on a RISE slide). That one is always kept in step with the tag.
The .py source and its .ipynb (if the cells match) both get the metadata.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jupytext
import nbformat

SHORT = 300  # characters: a markdown cell this short interprets rather than introduces


def is_exercise(cell) -> bool:
    """A markdown cell that states an exercise: its first line is "## Exercise..." or
    "**Exercise ...**"."""
    first = cell.source.lstrip().split("\n", 1)[0]
    return cell.cell_type == "markdown" and first.startswith(("## Exercise", "**Exercise"))


def slide_type(cell, previous_heading: str, in_exercise: bool = False) -> str:
    """The rule's slide type; ``in_exercise``: the last markdown cell above is an exercise."""
    text = cell.source.lstrip()
    if is_exercise(cell) or (cell.cell_type == "code" and in_exercise):
        return "skip"
    if cell.cell_type == "markdown":
        if text.startswith("# ") or text.startswith("## "):
            return "skip" if text.startswith("## Setup") else "slide"
        if text.startswith("### "):
            return "subslide"
        return "fragment" if len(text) < SHORT else "subslide"
    return "skip" if previous_heading.startswith("## Setup") else "fragment"


HIDE_INPUT = "hide-input"


def hide_input(cell) -> bool:
    """Keep ``jupyter.source_hidden`` in step with the "hide-input" tag; True if it changed."""
    jupyter = cell.metadata.get("jupyter", {})
    wanted = cell.cell_type == "code" and HIDE_INPUT in cell.metadata.get("tags", [])
    if bool(jupyter.get("source_hidden")) == wanted:
        return False
    if wanted:
        cell.metadata["jupyter"] = {**jupyter, "source_hidden": True}
    else:
        jupyter = {k: v for k, v in jupyter.items() if k != "source_hidden"}
        if jupyter:
            cell.metadata["jupyter"] = jupyter
        else:
            cell.metadata.pop("jupyter", None)
    return True


def assign(notebook, force: bool) -> int:
    """Set ``metadata.slideshow.slide_type`` on each cell, and ``jupyter.source_hidden`` from
    the "hide-input" tag; returns how many cells changed.

    Exercise cells are set to "skip" whatever they had; other cells only if they have no slide
    type yet, or with ``force``."""
    changed, heading, in_exercise = 0, "", False
    for cell in notebook.cells:
        hidden = hide_input(cell)
        if cell.cell_type == "markdown":
            in_exercise = is_exercise(cell)
            if cell.source.lstrip().startswith("#"):
                heading = cell.source.lstrip()
        current = cell.metadata.get("slideshow", {}).get("slide_type")
        wanted = slide_type(cell, heading, in_exercise)
        exercise = wanted == "skip" and in_exercise
        if current is None or ((force or exercise) and current != wanted):
            cell.metadata["slideshow"] = {"slide_type": wanted}
            hidden = True
        changed += hidden
    return changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="overwrite existing slide types")
    parser.add_argument("sources", nargs="+", type=Path)
    args = parser.parse_args()
    for source in args.sources:
        notebook = jupytext.read(source)
        changed = assign(notebook, args.force)
        jupytext.write(notebook, source, fmt="py:percent")
        paired = source.with_suffix(".ipynb")
        if paired.exists():
            executed = nbformat.read(paired, as_version=4)
            if [c.source for c in executed.cells] == [c.source for c in notebook.cells]:
                for mine, theirs in zip(notebook.cells, executed.cells):
                    theirs.metadata["slideshow"] = mine.metadata["slideshow"]
                    theirs.metadata.pop("jupyter", None)
                    if "jupyter" in mine.metadata:
                        theirs.metadata["jupyter"] = mine.metadata["jupyter"]
                nbformat.write(executed, paired)
            else:
                print(f"{paired.name}: cells differ from the source; run `make notebooks`")
        print(f"{source.name}: {changed} cells given a slide type or hidden input")
    return 0


if __name__ == "__main__":
    sys.exit(main())
