"""axe-core on the built pages and decks, in chromium, offline: the accessibility checks,
shared by tests/browser/test_a11y.py and the command line.

Every page is opened from disk (``file://``) with every other request refused. axe-core comes
from npm (pinned by ``tools/site/package.json`` and its lock; ``tools/build_site.py`` installs it
into ``_build/vendor`` with reveal.js and MathJax) and runs with the rules tagged WCAG 2.0/2.1
A and AA plus ``heading-order``. A deck is checked in reveal.js's print layout, every slide and
fragment shown at once (``--per-slide``: each slide presented in turn, slower).

Usage: python -m tools.site.axe_check [--json out.json] [--per-slide] [PAGE.html ...]
(default: every page of _build/html and every deck of _build/slides)
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from tools import build_site

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

AXE = build_site.VENDOR / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
EXTRA_RULES = ["heading-order"]
CHROMIUM = Path(os.environ.get("GENZOO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-quic", "--disable-dev-shm-usage"]
PLACEHOLDER = "No description has been provided for this image"


def install_axe() -> Path:
    """The path of axe.min.js, installed with the build's npm packages if it is not there yet."""
    if not AXE.exists():
        build_site.vendor()
    return AXE


def open_offline(page, url: str) -> list[str]:
    """Open ``url`` with every request that is not a local file refused; the refused URLs."""
    refused: list[str] = []

    def only_local(route):
        if route.request.url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.unroute("**/*")  # a tab reused for several pages: only this page's handler
    page.route("**/*", only_local)
    page.goto(url, wait_until="load")
    return refused


def wait_for_maths(page) -> None:
    """Wait until MathJax (2 or 3), if the page has it, has typeset everything."""
    page.wait_for_function(
        """() => {
            if (!window.MathJax) return true;
            if (MathJax.Hub)
                return MathJax.Hub.queue.pending === 0 && MathJax.Hub.queue.running === 0;
            if (MathJax.startup && MathJax.startup.promise) {
                if (!window.__mjDone)
                    MathJax.startup.promise.then(() => { window.__mjDone = true; });
                return window.__mjDone === true;
            }
            return false;
        }""", timeout=60_000)


def inject(page) -> None:
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(content=install_axe().read_text(encoding="utf-8"))


def run_axe(page, context: str | None = None) -> list[dict]:
    """axe's violations on the page (or inside the ``context`` selector), compacted."""
    inject(page)
    result = page.evaluate(
        """async ([context, tags, extra]) => {
            const rules = axe.getRules(tags).map(r => r.ruleId).concat(extra);
            const r = await axe.run(context ? {include: [context]} : document,
                                    {runOnly: {type: 'rule', values: rules},
                                     resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary,
                                          html: n.html.slice(0, 200)}))}));
        }""", [context, TAGS, EXTRA_RULES])
    return result


def count(violations: list[dict]) -> int:
    """How many failing elements (axe's nodes), summed over rules."""
    return sum(len(v["nodes"]) for v in violations)


def by_rule(violations: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in violations:
        out[v["id"]] = out.get(v["id"], 0) + len(v["nodes"])
    return out


def slides(page) -> list[tuple[int, int]]:
    """Every (h, v) index of a reveal.js deck, its fragments shown at once and no transitions."""
    # nbconvert's deck loads reveal.js through require.js: Reveal is a module, not a global
    page.wait_for_function(
        """() => { if (!window.Reveal && window.require) {
                       try { window.Reveal = require('assets/reveal.js/dist/reveal.js'); }
                       catch (e) { return false; } }
                   return !!(window.Reveal && Reveal.isReady && Reveal.isReady()); }""",
        timeout=60_000)
    return [tuple(x) for x in page.evaluate(
        """() => {
            Reveal.configure({fragments: false, transition: 'none', backgroundTransition: 'none'});
            return Reveal.getSlides().map(s => {
                const i = Reveal.getIndices(s); return [i.h, i.v || 0]; });
        }""")]


def show_slide(page, h: int, v: int) -> None:
    page.evaluate("([h, v]) => Reveal.slide(h, v)", [h, v])
    page.wait_for_function(
        "([h, v]) => { const i = Reveal.getIndices(); return i.h === h && (i.v || 0) === v; }",
        arg=[h, v], timeout=10_000)


def check_page(page, path: Path) -> dict:
    """{'refused': [...], 'violations': [...]} for one HTML page."""
    refused = open_offline(page, path.resolve().as_uri())
    wait_for_maths(page)
    return {"refused": refused, "violations": run_axe(page)}


def check_deck(page, path: Path, per_slide: bool = False) -> dict:
    """{'refused': [...], 'slides': {name: violations}} for one deck.

    By default the deck is opened in reveal.js's own print layout (``?print-pdf``), which shows
    every slide, fragments included, one below the other, and axe runs once over all of them
    (reveal's aria-hidden from the presenting state, left on the slides it lays out, is cleared
    first). ``per_slide`` instead presents each slide in turn and runs axe inside it (the
    document itself on the first), which is closer to the lecture and several times slower."""
    if not per_slide:
        refused = open_offline(page, path.resolve().as_uri() + "?print-pdf")
        page.wait_for_selector(".reveal .pdf-page", state="attached", timeout=60_000)
        wait_for_maths(page)
        page.evaluate("""() => document.querySelectorAll('.reveal .slides section[aria-hidden]')
                              .forEach(s => s.removeAttribute('aria-hidden'))""")
        shown = page.evaluate("""() => [...document.querySelectorAll('.reveal .slides section')]
                                       .filter(s => !s.checkVisibility()).length""")
        if shown:
            raise RuntimeError(f"{path.name}: {shown} slides are not shown in the print layout")
        count = page.evaluate("() => document.querySelectorAll('.reveal .slides section').length")
        return {"refused": refused, "slides": {"all": run_axe(page)}, "count": count}
    refused = open_offline(page, path.resolve().as_uri())
    indices = slides(page)
    wait_for_maths(page)
    out = {"refused": refused, "slides": {}}
    for h, v in indices:
        show_slide(page, h, v)
        # the whole document on the first slide (title, lang, landmarks, controls), then each
        # slide's own content
        context = None if (h, v) == indices[0] else ".reveal .slides section.present"
        out["slides"][f"{h}.{v}"] = run_axe(page, context)
    out["count"] = len(indices)
    return out


def images_without_alt(page) -> list[str]:
    """Every <img> in the page whose alt is missing, empty or nbconvert's placeholder."""
    return page.evaluate(
        """(placeholder) => [...document.querySelectorAll('img')]
            .filter(i => { const a = (i.getAttribute('alt') || '').trim();
                           return !a || a === placeholder; })
            .map(i => (i.closest('[id]') ? '#' + i.closest('[id]').id + ' ' : '')
                      + (i.getAttribute('src') || '').slice(0, 40))""", PLACEHOLDER)


def headings(page, visible_only: bool = True) -> list[tuple[int, str]]:
    """(level, text) of every h1-h6 in document order; only those shown (what a screen reader
    reads: not a theme's print-only copy of the title) unless ``visible_only`` is False (a deck,
    whose other slides are hidden until shown)."""
    return [tuple(x) for x in page.evaluate(
        """(visibleOnly) => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
            .filter(h => !visibleOnly || h.checkVisibility())
            .map(h => [Number(h.tagName[1]),
                       h.textContent.trim().replace(/[¶#]$/, '').trim().slice(0, 60)])""",
        visible_only)]


def heading_problems(levels: list[tuple[int, str]]) -> list[str]:
    """One <h1>, and no level skipped going down (h2 -> h4)."""
    problems = []
    ones = [t for lvl, t in levels if lvl == 1]
    if len(ones) != 1:
        problems.append(f"{len(ones)} <h1> ({ones})")
    previous = 0
    for level, text in levels:
        if level > previous + 1:
            problems.append(f"h{previous} -> h{level} at {text!r}")
        previous = level
    return problems


def default_targets() -> list[Path]:
    site = sorted((ROOT / "_build" / "html").glob("[0-9][0-9]_*.html"))
    site += [ROOT / "_build" / "html" / "search.html"]
    index = ROOT / "_build" / "html" / "index.html"
    site += [index] if index.exists() else []
    return site + sorted((ROOT / "_build" / "slides").glob("*.slides.html"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", type=Path)
    parser.add_argument("--json", type=Path, help="write every violation here")
    parser.add_argument("--per-slide", action="store_true",
                        help="present each slide of a deck in turn (slower) instead of reveal's "
                             "print layout of all slides at once")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    report, total = {}, 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=CHROMIUM_ARGS)
        for path in args.pages or default_targets():
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            if path.name.endswith(".slides.html"):
                deck = check_deck(page, path, per_slide=args.per_slide)
                counts = {k: by_rule(v) for k, v in deck["slides"].items()}
                n = sum(sum(c.values()) for c in counts.values())
                rules: dict[str, int] = {}
                for c in counts.values():
                    for k, v in c.items():
                        rules[k] = rules.get(k, 0) + v
                report[str(path)] = {"violations": n, "by_rule": rules, "slides": len(counts),
                                     "refused": deck["refused"], "detail": deck["slides"]}
            else:
                result = check_page(page, path)
                n = count(result["violations"])
                report[str(path)] = {"violations": n, "by_rule": by_rule(result["violations"]),
                                     "refused": result["refused"], "detail": result["violations"]}
            report[str(path)]["images_without_alt"] = len(images_without_alt(page))
            report[str(path)]["heading_problems"] = heading_problems(
                headings(page, visible_only=not path.name.endswith(".slides.html")))
            total += n
            r = report[str(path)]
            print(f"{path}: {n} violations "
                  f"{r['by_rule']}; images without alt {r['images_without_alt']}; "
                  f"refused {len(r['refused'])}; headings {r['heading_problems'] or 'ok'}")
            page.close()
        browser.close()
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"total: {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
