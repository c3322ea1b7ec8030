"""RISE (jupyterlab-rise) presents a notebook as the offline deck does: a code cell tagged
hide-input shows its output alone, every other code cell on a slide shows its code.

RISE knows no tags: it builds its slides from JupyterLab's own cells, which honour
``jupyter.source_hidden`` (tools/slide_metadata.py sets it from the tag) by collapsing the input
to a one-line placeholder; notebooks/rise.css hides that placeholder on a slide. Each slide's
height at 1280x720 (RISE shows a slide unscaled, the full width of the window) is measured too:
none may be taller than the screen; the tallest is reported (test-artifacts/browser/measured.json).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SCREEN = {"width": 1280, "height": 720}

# RISE moves every cell of the notebook, in order, into its slides (skipped ones too, hidden):
# the i-th .jp-Cell under .reveal is cell i. For each: does it show code, does it show the
# collapsed-input placeholder?
# (Display styles, not boxes or visibility: a cell on a slide not presented has no box, and one
# in a fragment not yet shown is invisible.)
CELLS = """() => [...document.querySelectorAll('.reveal .slides .jp-Cell')].map(cell => {
  const displayed = e => {
    for (; e && e !== cell; e = e.parentElement) {
      if (getComputedStyle(e).display === 'none') return false;
    }
    return true;
  };
  const shown = selector => [...cell.querySelectorAll(selector)].some(displayed);
  return {code: shown('.jp-InputArea-editor'), placeholder: shown('.jp-InputPlaceholder')};
})"""

# Every slide (a section without sections inside) laid out on its own with its fragments
# shown: its height, and its first heading.
HEIGHTS = """() => {
  const slides = [...document.querySelectorAll('.reveal .slides section')]
    .filter(s => !s.querySelector('section'));
  document.querySelectorAll('.reveal .fragment').forEach(f => f.classList.add('visible'));
  return slides.map(s => {
    const display = s.style.display;
    s.style.display = 'block';
    const head = s.querySelector('h1, h2, h3');
    const found = {height: s.scrollHeight,
                   title: (head ? head.textContent : s.textContent).trim().slice(0, 60)};
    s.style.display = display;
    return found;
  }).filter(s => s.height > 0);
}"""


def open_rise(page, lab, notebook: str) -> None:
    page.goto(lab.page_url(f"rise/{notebook}.ipynb"))
    page.wait_for_selector(".reveal.ready", state="attached", timeout=90_000)
    # every code cell has its editor, or the placeholder of its hidden input (they come late)
    page.wait_for_function("""() => {
        const cells = [...document.querySelectorAll('.reveal .slides .jp-CodeCell')];
        return cells.length && cells.every(
          c => c.querySelector('.jp-InputArea-editor .cm-content, .jp-InputPlaceholder'));
      }""", timeout=60_000)
    page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=30_000)


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_rise_hides_the_inputs_the_deck_hides(browser, lab, notebook, measured):
    cells = json.loads((lab.root / f"{notebook}.ipynb").read_text())["cells"]
    context = browser.new_context(viewport=SCREEN)
    page = context.new_page()
    try:
        open_rise(page, lab, notebook)
        shown = page.evaluate(CELLS)
        heights = page.evaluate(HEIGHTS)
    finally:
        context.close()
    assert len(shown) == len(cells), f"RISE shows {len(shown)} cells of {len(cells)}"
    wrong = []
    for i, (cell, seen) in enumerate(zip(cells, shown)):
        if cell["cell_type"] != "code" or cell["metadata"].get("slideshow", {}).get(
                "slide_type") == "skip":
            continue
        hidden = "hide-input" in cell["metadata"].get("tags", [])
        if seen["placeholder"] or seen["code"] == hidden:
            wrong.append(f"cell {i} ({'hide-input' if hidden else 'shown'}): code "
                         f"{'visible' if seen['code'] else 'hidden'}, placeholder "
                         f"{'visible' if seen['placeholder'] else 'hidden'}")
    measured[f"{notebook} RISE tallest slide (px at 1280x720)"] = max(
        (s["height"] for s in heights), default=0)
    assert not wrong, f"{notebook} in RISE:\n  " + "\n  ".join(wrong)
    tall = [f"{s['title']!r}: {s['height']} px" for s in heights if s["height"] > SCREEN["height"]]
    assert not tall, f"{notebook} in RISE, slides taller than 720 px:\n  " + "\n  ".join(tall)
