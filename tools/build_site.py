"""`make slides` / `make html`: the executed notebooks as offline reveal.js decks or HTML pages.

Output goes to _build/slides/ or _build/html/, beside an assets/ folder holding reveal.js, MathJax,
require.js and jQuery copied from npm packages at build time (never committed, never a CDN).
The whole folder works from a USB stick: every script and stylesheet is a relative path, and the
build fails if any output still points at a remote URL. Lines that only carry an nbval marker
(``# NBVAL_IGNORE_OUTPUT``) are test plumbing and are left out of both; cells with slide type
"skip" (setup, exercises) are left out of the decks.

Usage: python tools/build_site.py {slides,html} [notebooks/NN_name.ipynb ...]
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
# npm packages and the parts of each that a page loads
PACKAGES = {"reveal.js": "4.6.1", "mathjax": "2.7.7", "requirejs": "2.3.7", "jquery": "3.7.1"}
ASSET_PARTS = {"reveal.js": ["dist", "plugin"],
               "mathjax": ["MathJax.js", "config", "extensions", "jax", "fonts/HTML-CSS/TeX/woff",
                           "localization"],
               "requirejs": ["require.js"], "jquery": ["dist/jquery.min.js"]}
MATHJAX_CONFIG = "MathJax.js?config=TeX-AMS_CHTML-full,Safe"
# what nbconvert loads from a CDN unless told otherwise
REMOTE = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//[^"']+|unpkg\.com|cdnjs\.|jsdelivr""")
# a code line that only holds an nbval marker comment (# NBVAL_IGNORE_OUTPUT, # NBVAL_SKIP, ...)
NBVAL_MARKER = re.compile(r"^[ \t]*#[ \t]*NBVAL_[A-Z_]+[ \t]*(?:\n|$)", re.M)


class StripNbvalMarkers(Preprocessor):
    """Drop nbval marker lines from code cells: they tell the tests what to compare, not the
    reader anything."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and "NBVAL_" in cell.source:
            cell.source = NBVAL_MARKER.sub("", cell.source).lstrip("\n")
        return cell, resources


def vendor() -> Path:
    """Install the npm packages once into _build/vendor and return its node_modules."""
    modules = VENDOR / "node_modules"
    if not all((modules / name / "package.json").exists() for name in PACKAGES):
        if shutil.which("npm") is None:
            sys.exit("make slides/html needs npm (Node.js) to fetch reveal.js and MathJax once")
        specs = [f"{name}@{version}" for name, version in PACKAGES.items()]
        subprocess.run(["npm", "install", "--prefix", str(VENDOR), "--no-save", "--no-audit",
                        "--no-fund", "--loglevel=error", *specs], check=True)
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
        c.SlidesExporter.template_name = "offline_reveal"
        c.SlidesExporter.reveal_url_prefix = f"{assets}/reveal.js"
        c.SlidesExporter.reveal_scroll = True
        c.SlidesExporter.reveal_theme = "white"  # its fonts ship with reveal.js; "simple" fetches Google Fonts
        return SlidesExporter(config=c)
    c.HTMLExporter.template_name = "offline_lab"
    return HTMLExporter(config=c)


def render(notebook: nbformat.NotebookNode, kind: str, name: str = "notebook") -> str:
    """One notebook as an offline HTML page or deck; raises if it still references a CDN."""
    notebook = copy.deepcopy(notebook)
    # Without a kernel the sliders cannot move; drop their saved state so each widget cell
    # shows its static PNG (see genzoo_lite/widgets.py) instead of a dead control, and no
    # widget manager is fetched from unpkg.
    notebook.metadata.pop("widgets", None)
    body, _ = exporter(kind).from_notebook_node(notebook)
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["slides", "html"])
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args()
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    out = BUILD / args.kind
    out.mkdir(parents=True, exist_ok=True)
    copy_assets(vendor(), out)
    for path in notebooks:
        print(f"{args.kind}: {convert(path, args.kind, out).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
