"""The offline deck and HTML page, opened from disk with every non-file request refused:
maths is typeset by the bundled MathJax and the deck advances to the next slide."""
from __future__ import annotations

from pathlib import Path

import pytest

from tools import build_site

ROOT = Path(__file__).resolve().parents[2]

NOTEBOOK = ROOT / "notebooks" / "01_gaussian_mle.ipynb"


@pytest.fixture(scope="module")
def site(tmp_path_factory, vendored):
    out = tmp_path_factory.mktemp("site")
    build_site.copy_assets(vendored, out)
    return {kind: build_site.convert(NOTEBOOK, kind, out) for kind in ("slides", "html")}


def open_offline(page, path):
    remote = []

    def only_files(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            remote.append(route.request.url)
            route.abort()

    page.route("**/*", only_files)
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(path.resolve().as_uri())
    page.wait_for_function("() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0"
                           " && document.querySelectorAll('.MathJax_CHTML').length > 5",
                           timeout=30_000)
    return remote, errors


def test_html_page_typesets_maths_offline(page, site):
    remote, errors = open_offline(page, site["html"])
    assert not remote, f"the page asked the network for {remote}"
    assert not errors, errors
    assert page.locator("img").count() >= 8  # the figures are embedded


def test_slides_advance_offline(page, site):
    remote, errors = open_offline(page, site["slides"])
    page.wait_for_selector(".reveal.ready", timeout=30_000)
    index = ("() => [...document.querySelectorAll('.reveal .slides > section')]"
             ".findIndex(s => s.classList.contains('present'))")
    assert page.evaluate(index) == 0
    page.locator(".reveal .controls .navigate-right").click()
    page.wait_for_function(f"() => ({index})() === 1", timeout=10_000)
    assert not remote, f"the deck asked the network for {remote}"
    assert not errors, errors
