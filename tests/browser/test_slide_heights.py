"""Every slide of every offline deck fits one 1280x720 screen with all its fragments shown.

Each deck is built from its executed notebook (tools/build_site.py, as `make slides` does) into a
temporary folder and opened in chromium at 1280x720. The test steps through every slide with
reveal.js's API (``Reveal.slide(h, v, f)`` with ``f`` past the last fragment, so every fragment is
shown) and measures the slide's content on screen: the section's ``scrollHeight`` times reveal's
scale. A slide taller than the screen is named with its deck, index (h/v), title and height; so
is a slide holding something wider than itself (a table, a figure) or scrolling sideways (a
code line).

Run as a script to print every slide's height: ``python -m tests.browser.test_slide_heights
[notebooks/NN_name.ipynb ...]``. The decks are built from executed outputs, which change a little
when the notebooks are re-executed: keep a slide that is near the limit some pixels below it.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tools import build_site

ROOT = Path(__file__).resolve().parents[2]

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SCREEN = {"width": 1280, "height": 720}

# Every slide (a section without sections inside), shown with all of its fragments: its
# indices, title (its own first heading, else that of its stack's first slide) and the height of
# its content on screen in pixels.
MEASURE = """async () => {
  const Reveal = window.Reveal || require('assets/reveal.js/dist/reveal.js');
  // the deck re-typesets a slide's maths when it is shown: wait for MathJax, then two frames
  const wait = async () => {
    await new Promise(r => MathJax.Hub.Queue(r));
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  };
  const heading = s => s && s.querySelector('h1, h2, h3, h4');
  Reveal.configure({transition: 'none', backgroundTransition: 'none'});
  const found = [];
  for (const slide of Reveal.getSlides()) {
    const {h, v} = Reveal.getIndices(slide);
    Reveal.slide(h, v, 1000);
    await wait();
    const stack = slide.parentElement.closest('section');
    const head = heading(slide) || heading(stack && stack.querySelector('section'));
    const text = (head ? head.textContent : slide.textContent).replace(/\\s+/g, ' ').trim();
    const hidden = [...slide.querySelectorAll('.fragment')]
      .filter(f => !f.classList.contains('visible')).length;
    // what does not fit the width: an element that scrolls sideways (a code line, a table in
    // its scroll box) or is wider than the slide
    // (layout sizes, which reveal's scaling does not change; MathJax's assistive MathML is
    // clipped to 1 px on purpose, for screen readers)
    const wide = [...slide.querySelectorAll('*')].filter(e =>
      (e.scrollWidth > e.clientWidth + 2 && e.clientWidth > 1
       && getComputedStyle(e).overflowX !== 'visible')
      || e.offsetWidth > slide.clientWidth + 1).length;
    found.push({h, v, title: text.replace(/¶$/, '').slice(0, 70), hidden, wide,
                height: Math.round(slide.scrollHeight * Reveal.getScale())});
  }
  return found;
}"""


def build(notebooks: list[Path], out: Path) -> list[Path]:
    """The offline decks of ``notebooks`` in ``out``, beside their assets."""
    build_site.copy_assets(build_site.VENDOR / "node_modules", out)
    return [build_site.convert(path, "slides", out) for path in notebooks]


def measure(page, deck: Path) -> list[dict]:
    """Every slide of ``deck`` with its on-screen height at the page's viewport."""
    page.goto(deck.resolve().as_uri())
    page.wait_for_selector(".reveal.ready", state="attached", timeout=60_000)
    page.wait_for_function("() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0",
                           timeout=120_000)
    page.evaluate("() => document.fonts.ready")
    return page.evaluate(MEASURE)


def too_tall(slides: list[dict], limit: int = SCREEN["height"]) -> list[str]:
    return [f"slide {s['h']}/{s['v']} {s['title']!r}: {s['height']} px" for s in slides
            if s["height"] > limit]


def too_wide(slides: list[dict]) -> list[str]:
    return [f"slide {s['h']}/{s['v']} {s['title']!r}: {s['wide']} element(s)" for s in slides
            if s["wide"]]


@pytest.fixture(scope="module")
def decks(tmp_path_factory, vendored):
    out = tmp_path_factory.mktemp("slides")
    return dict(zip([p.stem for p in NOTEBOOKS], build(NOTEBOOKS, out)))


@pytest.mark.parametrize("name", [p.stem for p in NOTEBOOKS])
def test_every_slide_fits_a_1280x720_screen_with_its_fragments_shown(browser, decks, name,
                                                                       measured):
    context = browser.new_context(viewport=SCREEN)
    try:
        slides = measure(context.new_page(), decks[name])
    finally:
        context.close()
    assert slides, f"{name}: no slides found"
    assert not [s for s in slides if s["hidden"]], f"{name}: fragments left hidden"
    measured[f"{name} tallest slide (px at 1280x720)"] = max(s["height"] for s in slides)
    tall = too_tall(slides)
    assert not tall, (f"{name}.slides.html: {len(tall)} of {len(slides)} slides are taller than "
                      f"{SCREEN['height']} px at 1280x720:\n  " + "\n  ".join(tall))
    wide = too_wide(slides)
    assert not wide, (f"{name}.slides.html: on {len(wide)} slides something is wider than the "
                      "slide or scrolls sideways:\n  " + "\n  ".join(wide))


def main(argv: list[str]) -> int:
    import tempfile

    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    notebooks = [Path(a).resolve() for a in argv] or NOTEBOOKS
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = chromium.new_page(viewport=SCREEN)
        over = 0
        for deck in build(notebooks, Path(tmp)):
            slides = measure(page, deck)
            tall = too_tall(slides)
            over += len(tall) + len(too_wide(slides))
            print(f"{deck.name}: {len(slides)} slides, {len(tall)} over {SCREEN['height']} px, "
                  f"tallest {max(s['height'] for s in slides)} px")
            for s in slides:
                mark = "TOO TALL" if s["height"] > SCREEN["height"] else "        "
                wide = f" ({s['wide']} too wide)" if s["wide"] else ""
                print(f"  {mark} {s['h']:3d}/{s['v']:<2d} {s['height']:5d}  {s['title']}{wide}")
        chromium.close()
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
