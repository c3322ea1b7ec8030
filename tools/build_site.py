"""`make slides` / `make html`: the executed notebooks as offline reveal.js decks or a course site.

* ``slides``: one reveal.js deck per notebook (nbconvert, tools/nbconvert_templates/offline_reveal)
  in _build/slides/, beside an assets/ folder holding reveal.js, MathJax 2, require.js and jQuery.
* ``html``: the course site in _build/html/, built by Sphinx with myst-nb and sphinx-book-theme
  from docs/ (an index, previous/next, search, a launch menu per page); the executed notebooks are
  rendered as they are, never executed. MathJax 3 is copied into its _static/mathjax/.
* ``page``: one standalone nbconvert HTML page per notebook (tools/nbconvert_templates/offline_lab)
  in _build/pages/, for a single file to hand out.

Every npm package is pinned by tools/site/package-lock.json and installed once with ``npm ci``
(never committed, never a CDN). Each folder works from a USB stick: every script, stylesheet and
font is a relative path, and the build fails if any output still loads a remote URL.
Lines that only carry an nbval marker
(``# NBVAL_IGNORE_OUTPUT``) are test plumbing and are left out of both; cells with slide type
"skip" (setup, exercises) are left out of the decks.

Accessibility: the templates and docs/ give syntax colours and prompts 4.5:1 contrast,
MathJax's assistive MathML, a real <title>, and each figure the alt text its notebook gave it
(genzoo_lite.figure_alt); nbconvert's placeholder alt is never written. tools/site/axe_check.py
and tests/browser/test_a11y.py check the result with axe-core.

Usage: python tools/build_site.py {slides,html,page} [notebooks/NN_name.ipynb ...]
"""
from __future__ import annotations

import argparse
import copy
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter, SlidesExporter
from nbconvert.preprocessors import Preprocessor
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "nbconvert_templates"
BUILD = ROOT / "_build"
VENDOR = BUILD / "vendor"
# npm packages, pinned by tools/site/package.json and its package-lock.json (`npm ci` into VENDOR)
NPM = ROOT / "tools" / "site"
PACKAGES = {"reveal.js": "4.6.1", "mathjax": "2.7.7", "mathjax3": "3.2.2", "requirejs": "2.3.7",
            "jquery": "3.7.1", "axe-core": "4.14.1"}
# the parts of each that a deck or page loads
ASSET_PARTS = {"reveal.js": ["dist", "plugin"],
               "mathjax": ["MathJax.js", "config", "extensions", "jax", "fonts/HTML-CSS/TeX/woff",
                           "localization"],
               "requirejs": ["require.js"], "jquery": ["dist/jquery.min.js"]}
MATHJAX_CONFIG = "MathJax.js?config=TeX-AMS_CHTML-full,Safe"
# what nbconvert loads from a CDN unless told otherwise
REMOTE = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//[^"']+|unpkg\.com|cdnjs\.|jsdelivr""")
# a code line that only holds an nbval marker comment (# NBVAL_IGNORE_OUTPUT, # NBVAL_SKIP, ...)
NBVAL_MARKER = re.compile(r"^[ \t]*#[ \t]*NBVAL_[A-Z_]+[ \t]*(?:\n|$)", re.M)
# what nbconvert writes as the alt of an image that has none
PLACEHOLDER = "No description has been provided for this image"
# a markdown heading line
HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)


class StripNbvalMarkers(Preprocessor):
    """Drop nbval marker lines from code cells: they tell the tests what to compare, not the
    reader anything."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and "NBVAL_" in cell.source:
            cell.source = NBVAL_MARKER.sub("", cell.source).lstrip("\n")
        return cell, resources


def vendor() -> Path:
    """Install the npm packages once into _build/vendor (``npm ci`` with tools/site's lock, again
    whenever the lock changes) and return its node_modules."""
    modules = VENDOR / "node_modules"
    lock = (NPM / "package-lock.json").read_text(encoding="utf-8")
    installed = VENDOR / "package-lock.json"
    if (not installed.exists() or installed.read_text(encoding="utf-8") != lock
            or not all((modules / name / "package.json").exists() for name in PACKAGES)):
        if shutil.which("npm") is None:
            sys.exit("make slides/html needs npm (Node.js) to fetch reveal.js and MathJax once")
        VENDOR.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy2(NPM / name, VENDOR / name)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=VENDOR,
                       check=True)
    return modules


def copy_assets(modules: Path, out: Path) -> None:
    """Copy the needed parts of each package into out/assets/<package>/."""
    for name, parts in ASSET_PARTS.items():
        for part in parts:
            source, target = modules / name / part, out / "assets" / name / part
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copy2(source, target)


def exporter(kind: str, assets: str = "assets") -> HTMLExporter:
    """An nbconvert exporter whose every script and stylesheet is under ``assets/``."""
    c = Config()
    name = "SlidesExporter" if kind == "slides" else "HTMLExporter"
    c[name].mathjax_url = f"{assets}/mathjax/{MATHJAX_CONFIG}"
    c[name].require_js_url = f"{assets}/requirejs/require.js"
    c[name].jquery_url = f"{assets}/jquery/dist/jquery.min.js"
    c[name].embed_images = True
    c[name].extra_template_basedirs = [str(TEMPLATES)]
    c[name].preprocessors = [StripNbvalMarkers]
    if kind == "slides":
        # A deck shows the input of a cell only where the slide is about that code: cells
        # tagged "hide-input" (plotting, printing, checks) show their output alone.
        c.TagRemovePreprocessor.enabled = True
        c.TagRemovePreprocessor.remove_input_tags = {"hide-input"}
        c.SlidesExporter.template_name = "offline_reveal"
        c.SlidesExporter.reveal_url_prefix = f"{assets}/reveal.js"
        c.SlidesExporter.reveal_scroll = True
        # its fonts ship with reveal.js; "simple" fetches Google Fonts
        c.SlidesExporter.reveal_theme = "white"
        # 16:9 for a projector's 1280x720 (reveal.js's default 960x700 leaves a quarter of the
        # width unused and cuts a 100-column code line): the same 700 px of height, so the same
        # scale on screen, 1200 wide
        c.SlidesExporter.reveal_width = "1200"
        c.SlidesExporter.reveal_height = "700"
        return SlidesExporter(config=c)
    c.HTMLExporter.template_name = "offline_lab"
    return HTMLExporter(config=c)


def title(notebook: nbformat.NotebookNode, default: str = "Notebook") -> str:
    """The text of the notebook's first level-1 heading (its <title>), markdown stripped."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for hashes, text in HEADING.findall(cell.source):
                if len(hashes) == 1:
                    return re.sub(r"[*_`$\\]", "", text).strip()
    return default


def prepare(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy ready to publish: no saved widget state, nbval markers gone, the title set."""
    notebook = copy.deepcopy(notebook)
    # Without a kernel the sliders cannot move; drop their saved state so each widget cell
    # shows its static PNG (see genzoo_lite/widgets.py) instead of a dead control, and no
    # widget manager is fetched from unpkg.
    notebook.metadata.pop("widgets", None)
    notebook.metadata["title"] = title(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code" and "NBVAL_" in cell.source:
            cell.source = NBVAL_MARKER.sub("", cell.source).lstrip("\n")
    return notebook


def render(notebook: nbformat.NotebookNode, kind: str, name: str = "notebook") -> str:
    """One notebook as an offline HTML page or deck; raises if it still references a CDN."""
    notebook = prepare(notebook)
    body, _ = exporter(kind).from_notebook_node(notebook)
    # nbconvert gives every <img> without an alt its placeholder "No description has been
    # provided for this image", which tells a screen-reader user nothing while axe counts it as
    # an alt: take it out, so a figure whose notebook gave it no alt text (genzoo_lite.figure_alt)
    # is flagged by axe and the tests instead of passing silently.
    body = body.replace(f' alt="{PLACEHOLDER}"', "")
    remote = sorted(set(REMOTE.findall(body)))
    if remote:
        raise RuntimeError(f"{name}: output still loads remote URLs: {remote}")
    return body


def convert(notebook_path: Path, kind: str, out: Path) -> Path:
    """Write one notebook's offline HTML into ``out``."""
    notebook = nbformat.read(notebook_path, as_version=4)
    suffix = ".slides.html" if kind == "slides" else ".html"
    target = out / f"{notebook_path.stem}{suffix}"
    target.write_text(render(notebook, kind, notebook_path.name), encoding="utf-8")
    return target


DOCS = ROOT / "docs"
# OWNER: the GitHub account the repository is published under (README, "No install")
REPOSITORY = "https://github.com/OWNER/genzoo-lite"
# a markdown link from a notebook to a file of the repository: [text](../benchmarks/RESULTS.md)
REPO_LINK = re.compile(r"\]\((<?)\.\./([^)\s]+)\)")
SITE_SOURCE = BUILD / "site_src"
# what makes a browser fetch: a script, stylesheet, image, frame or font source, a CSS url() or
# @import. Plain links (<a href>) to Binder, Colab or GitHub are followed only when clicked.
FETCHES = re.compile(
    r"""<(?:script|img|iframe|source|audio|video|embed)\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//[^"'\s>]+"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//[^"'\s>]+[^>]*>"""
    r"""|url\(\s*["']?(?:https?:)?//[^)"']+|@import\s+(?:url\()?["']?(?:https?:)?//[^"')\s]+""",
    re.I)


# <img alt="_images/ab12.png" src="_images/ab12.png" ...>: an alt that only repeats the file
FILE_NAME_ALT = re.compile(r'<img(\s[^>]*?)alt="([^"]+)"\s+src="\2"')


def remote_fetches(text: str) -> list[str]:
    """What in an HTML or CSS text would load from another host (a <link rel=canonical> or
    rel=alternate does not fetch and is ignored)."""
    return sorted({m for m in FETCHES.findall(text)
                   if not re.search(r"""rel\s*=\s*["']?(canonical|alternate)""", m)})


def site(notebooks: list[Path], out: Path) -> Path:
    """The course site: docs/ and the prepared notebooks staged in _build/site_src, Sphinx into
    ``out``, MathJax 3 beside it; raises if any page, script or stylesheet loads a remote URL."""
    modules = vendor()
    if SITE_SOURCE.exists():
        shutil.rmtree(SITE_SOURCE)
    shutil.copytree(DOCS, SITE_SOURCE)
    for path in notebooks:
        notebook = prepare(nbformat.read(path, as_version=4))
        for cell in notebook.cells:  # a link to a repository file (../README.md) goes to GitHub
            if cell.cell_type == "markdown":
                cell.source = REPO_LINK.sub(rf"](\1{REPOSITORY}/blob/main/\2)", cell.source)
        nbformat.write(notebook, SITE_SOURCE / path.name)
    if out.exists():
        shutil.rmtree(out)
    subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-E", "-j", "1",
                    str(SITE_SOURCE), str(out)], check=True)
    shutil.copytree(modules / "mathjax3" / "es5", out / "_static" / "mathjax")
    remote = {}
    for file in out.rglob("*"):
        if file.suffix in {".html", ".css"} and "mathjax" not in file.parts:
            text = file.read_text(encoding="utf-8", errors="replace")
            if file.suffix == ".html":
                # docutils writes an image's file name as its alt when it has none: that is no
                # description either, so drop it (axe and the tests then flag the image)
                fixed = FILE_NAME_ALT.sub(r'<img\1src="\2"', text)
                # myst-nb's "Show code cell source" toggle: its label "Toggle hidden content"
                # hides the visible text from speech input (WCAG 2.5.3); let the text name it
                fixed = fixed.replace('<summary aria-label="Toggle hidden content">', "<summary>")
                if fixed != text:
                    file.write_text(text := fixed, encoding="utf-8")
            found = remote_fetches(text)
            if found:
                remote[str(file.relative_to(out))] = found
    if remote:
        raise RuntimeError(f"the site still loads remote URLs: {remote}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["slides", "html", "page"])
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args()
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args.kind == "html":
        out = site(notebooks, BUILD / "html")
        print(f"html: {out.relative_to(ROOT)}/index.html and {len(notebooks)} notebook pages")
        return 0
    out = BUILD / ("slides" if args.kind == "slides" else "pages")
    out.mkdir(parents=True, exist_ok=True)
    copy_assets(vendor(), out)
    kind = "slides" if args.kind == "slides" else "html"
    for path in notebooks:
        print(f"{args.kind}: {convert(path, kind, out).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
