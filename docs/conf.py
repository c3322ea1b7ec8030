"""Sphinx configuration of the course site (`make html`): the executed notebooks as pages.

tools/build_site.py copies this folder and the executed notebooks (widget state and nbval
markers removed) into _build/site_src and runs Sphinx there; nothing is executed (the saved
outputs are the lesson) and nothing is fetched: MathJax 3 comes from npm via _build/vendor, the
theme's fonts and icons ship with it, and the build fails if a page still loads a remote URL.
"""
from __future__ import annotations

project = "Generative Model Zoo II"
author = "genzoo-lite"
copyright = "genzoo-lite contributors"
language = "en"

extensions = ["myst_nb"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
master_doc = "index"

# the saved outputs are the lesson: never execute at build time
nb_execution_mode = "off"
nb_merge_streams = True
# the saved widget state is dropped (no kernel, nothing fetched from unpkg): a slider's output
# shows its static PNG (genzoo_lite/views/live.py) instead of an empty widget view
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type"]

# MathJax 3 from npm, copied to _static/mathjax by the build (never the CDN default). Its
# assistive MathML (a hidden MathML copy of every formula, read by screen readers) is on.
mathjax_path = "mathjax/tex-mml-chtml.js"
mathjax3_config = {"options": {"enableAssistiveMml": True},
                   "loader": {"load": ["a11y/assistive-mml"]}}

html_theme = "sphinx_book_theme"
html_title = "Generative Model Zoo II"
html_static_path = ["_static"]
templates_path = ["_templates"]
html_css_files = ["a11y.css"]
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False
html_theme_options = {
    # OWNER stands for the GitHub account the repository is published under (see the README)
    "repository_url": "https://github.com/OWNER/genzoo-lite",
    "repository_branch": "main",
    "path_to_docs": "notebooks",
    "launch_buttons": {"binderhub_url": "https://mybinder.org",
                       "colab_url": "https://colab.research.google.com",
                       "notebook_interface": "jupyterlab"},
    "use_download_button": True,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "show_toc_level": 2,
    # accessible-pygments: every token at 4.5:1 or more on its background
    "pygments_light_style": "a11y-high-contrast-light",
    "pygments_dark_style": "a11y-high-contrast-dark",
}
