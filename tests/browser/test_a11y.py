"""Accessibility of the course site (`make html`) and the decks (`make slides`), in chromium with
every request that is not a local file refused.

* axe-core (from npm, pinned by tools/site/package-lock.json) on every page of the site and on
  every slide of every deck (shown all at once in reveal.js's print layout, fragments
  included), with the rules tagged WCAG 2.0/2.1 A and AA plus heading-order:
  zero violations;
* every <img> has a real alt: present, not empty, not nbconvert's placeholder, not a file name;
* one <h1> per page and deck, no heading level skipped;
* formulas carry MathJax's assistive MathML;
* the site has an index, previous/next, a search that works offline and a launch menu per page.

They open what `make slides html` built (CI builds it first, see .ci/run); without it they skip,
or fail under GENZOO_REQUIRE_BROWSER=1. The checks themselves live in tools/site/axe_check.py.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tools.site import axe_check

ROOT = Path(__file__).resolve().parents[2]

SITE = ROOT / "_build" / "html"
DECKS = ROOT / "_build" / "slides"
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SITE_PAGES = ["index", "search", *NOTEBOOKS]


def need(path: Path, what: str) -> Path:
    if not path.exists():
        message = f"{path.relative_to(ROOT)} is missing: run `make {what}` first"
        if os.environ.get("GENZOO_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


def site_page(name: str) -> Path:
    return need(SITE / f"{name}.html", "html")


def deck(name: str) -> Path:
    return need(DECKS / f"{name}.slides.html", "slides")


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}, {len(v['nodes'])} element(s)")
        lines += [f"    {n['target']}: {n['summary'].splitlines()[-1].strip()}"
                  for n in v["nodes"][:5]]
    return "\n".join(lines)


def real_alt_missing(page) -> list[str]:
    """Images whose alt is missing, empty, the placeholder or just the image's file name."""
    missing = axe_check.images_without_alt(page)
    missing += page.evaluate(
        """() => [...document.querySelectorAll('img[alt]')]
            .filter(i => { const a = i.getAttribute('alt').trim(), s = i.getAttribute('src') || '';
                           return /^[\\w\\/.-]+\\.(png|jpe?g|svg|gif)$/i.test(a) || a === s; })
            .map(i => 'alt is a file name: ' + i.getAttribute('alt'))""")
    return missing


VISITS: dict[tuple[str, str], dict] = {}


@pytest.fixture(scope="module")
def tab(browser):
    """One tab for the module: each page or deck is opened once, by visit()."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def visit(tab, kind: str, name: str) -> dict:
    """Open a site page or a deck once (offline) and record all that the tests check."""
    key = (kind, name)
    if key not in VISITS:
        if kind == "site":
            result = axe_check.check_page(tab, site_page(name))
            result["headings"] = axe_check.headings(tab)
            result["links"] = tab.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
            result["nav"] = tab.eval_on_selector_all(".prev-next-area a",
                                                     "as => as.map(a => a.href)")
        else:
            result = axe_check.check_deck(tab, deck(name))
            result["headings"] = axe_check.headings(tab, visible_only=False)
        result["no_alt"] = real_alt_missing(tab)
        VISITS[key] = result
    return VISITS[key]


@pytest.mark.parametrize("name", SITE_PAGES)
def test_site_page_passes_axe_offline(tab, name):
    result = visit(tab, "site", name)
    assert not result["refused"], f"the page asked the network for {result['refused']}"
    assert not result["violations"], describe(result["violations"])
    problems = axe_check.heading_problems(result["headings"])
    assert not problems, f"headings of {name}: {problems}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_deck_passes_axe_on_every_slide_offline(tab, name):
    result = visit(tab, "deck", name)
    assert not result["refused"], f"the deck asked the network for {result['refused']}"
    assert result["count"] >= 4, f"{name}: {result['count']} slides checked"
    failing = {k: v for k, v in result["slides"].items() if v}
    assert not failing, "\n".join(f"slide {k}:\n{describe(v)}" for k, v in failing.items())
    problems = axe_check.heading_problems(result["headings"])
    assert not problems, f"headings of the {name} deck: {problems}"


@pytest.mark.parametrize("kind", ["site", "deck"])
def test_every_image_has_a_real_alt(tab, kind):
    names = SITE_PAGES if kind == "site" else NOTEBOOKS
    missing = {name: visit(tab, kind, name)["no_alt"] for name in names}
    missing = {name: found for name, found in missing.items() if found}
    assert not missing, missing


def test_alt_check_catches_the_placeholder_a_file_name_and_no_alt(page, tmp_path):
    html = tmp_path / "imgs.html"
    html.write_text(
        '<!doctype html><html lang="en"><title>t</title><body>'
        f'<img src="a.png" alt="{axe_check.PLACEHOLDER}"><img src="_images/b.png" '
        'alt="_images/b.png"><img src="c.png"><img src="d.png" alt="">'
        '<img src="e.png" alt="Loss falls from 2.3 to 0.4 over 20 epochs"></body></html>')
    axe_check.open_offline(page, html.as_uri())
    assert len(real_alt_missing(page)) == 4


@pytest.mark.parametrize("kind", ["site", "deck"])
def test_maths_carries_assistive_mathml(page, kind):
    path = site_page("01_gaussian_mle") if kind == "site" else deck("01_gaussian_mle")
    axe_check.open_offline(page, path.as_uri())
    axe_check.wait_for_maths(page)
    # MathJax 3 (site) writes <mjx-assistive-mml>, MathJax 2 (decks) .MJX_Assistive_MathML
    page.wait_for_function(
        "() => document.querySelectorAll('mjx-assistive-mml math, .MJX_Assistive_MathML math')"
        ".length > 5", timeout=60_000)


def test_site_has_index_prev_next_and_launch_links(tab):
    index = visit(tab, "site", "index")["links"]
    for name in NOTEBOOKS:
        assert any(h.endswith(f"/{name}.html") for h in index), f"the index does not link {name}"
    for i, name in enumerate(NOTEBOOKS):
        result = visit(tab, "site", name)
        hrefs, nav = result["links"], result["nav"]
        assert any(f"mybinder.org/v2/gh/OWNER/genzoo-lite/main?urlpath=lab/tree/notebooks/{name}"
                   f".ipynb" in h for h in hrefs), f"{name}: no Binder launch link"
        assert any(f"colab.research.google.com/github/OWNER/genzoo-lite/blob/main/notebooks/"
                   f"{name}.ipynb" in h for h in hrefs), f"{name}: no Colab launch link"
        if i + 1 < len(NOTEBOOKS):
            assert any(h.endswith(f"{NOTEBOOKS[i + 1]}.html") for h in nav), f"{name}: no next"
        if i > 0:
            assert any(h.endswith(f"{NOTEBOOKS[i - 1]}.html") for h in nav), f"{name}: no prev"


def test_site_search_works_offline(page):
    url = site_page("search").as_uri() + "?q=Langevin"
    refused = axe_check.open_offline(page, url)
    page.wait_for_selector("#search-results li a", timeout=60_000)
    found = page.eval_on_selector_all("#search-results li a", "as => as.map(a => a.href)")
    assert any(re.search(r"02_ebm\.html", h) for h in found), found
    assert not refused, refused


def test_jupyterlab_shows_a_figure_with_its_alt_text(page, lab):
    """JupyterLab 4 renders the figure_alt bundle's text/html (its image renderer would drop the
    alt in the metadata): the saved notebook, opened untrusted, shows the <img> with its alt."""
    import nbformat

    from genzoo_lite.views.figure_alt import bundle
    from tests.test_slides_html import ONE_PIXEL_PNG

    alt = "One white pixel: the alt text JupyterLab must keep"
    data, metadata = bundle(ONE_PIXEL_PNG, alt)
    cell = nbformat.v4.new_code_cell("show(fig, alt=...)", outputs=[
        nbformat.v4.new_output("display_data", data=data, metadata=metadata)])
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), lab.root / "alt_probe.ipynb")
    page.goto(lab.page_url("lab/workspaces/alt_probe/tree/alt_probe.ipynb") + "&reset")
    image = page.locator(".jp-OutputArea-output img").first
    image.wait_for(timeout=120_000)
    assert image.get_attribute("alt") == alt
    assert (image.get_attribute("src") or "").startswith("data:image/png;base64,")
