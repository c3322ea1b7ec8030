"""Figures with a text alternative: ``show(fig, alt="...")`` instead of ``plt.show()``.

The alt text says what the figure shows and what the student should see in it. It travels with
the output, so every view of the notebook gets it:

* **JupyterLab 4** renders an ``image/png`` output as a bare ``<img>`` and ignores any ``alt`` in
  the output metadata (its rendermime image renderer only reads width, height, unconfined and
  needs_background). It prefers ``text/html`` to ``image/png``, though, and its sanitizer keeps an
  ``<img>``'s ``alt`` and ``data:`` source, so the bundle carries the same PNG as
  ``<img src="data:image/png;base64,..." alt="...">``.
* **The course site** (myst-nb) and the **decks** (nbconvert, ``tools/build_site.py``) read
  ``metadata["image/png"]["alt"]``; myst-nb does natively, the deck template is taught to.
* ``text/plain`` holds the alt text too: what a terminal, a diff or a text-only viewer shows.

Usage in a notebook::

    from genzoo_lite.views.figure_alt import show
    fig, ax = plt.subplots()
    ...
    show(fig, alt="Loss falls from 2.3 to 0.4 bits/dim over 20 epochs, then flattens.")

``show`` closes the figure, so the inline backend does not draw it a second time.

A live view (``genzoo_lite.views.live.LiveFigure`` and its kin) shows its widget where a kernel
runs and a static PNG elsewhere; ``show_live(view, alt=...)`` gives that PNG its alt text. The
alt describes the static picture and what moving the controls shows.
"""
from __future__ import annotations

import base64
import html

__all__ = ["show", "show_live", "bundle", "png_bytes", "PLACEHOLDER", "MIN_LENGTH"]

#: what nbconvert writes when an image has no alt: never acceptable here
PLACEHOLDER = "No description has been provided for this image"
#: an alt shorter than this says nothing ("plot", "figure 3")
MIN_LENGTH = 15


def check_alt(alt: str) -> str:
    """The alt text, stripped; raises ValueError if it is missing, too short or a placeholder."""
    if not isinstance(alt, str):
        raise TypeError(f"alt must be a string, got {type(alt).__name__}")
    text = " ".join(alt.split())
    if len(text) < MIN_LENGTH or text == PLACEHOLDER:
        raise ValueError(f"alt text must say what the figure shows (at least {MIN_LENGTH} "
                         f"characters), got {alt!r}")
    return text


def png_bytes(fig) -> bytes:
    """The PNG that IPython's inline backend would show for ``fig`` (tight bounding box)."""
    from IPython.core.pylabtools import print_figure

    return print_figure(fig, "png", bbox_inches="tight")


def bundle(png: bytes, alt: str) -> tuple[dict, dict]:
    """(data, metadata) of a display_data output: the PNG with its alt text in every view."""
    text = check_alt(alt)
    b64 = base64.b64encode(png).decode("ascii")
    data = {
        "image/png": b64,
        "text/html": f'<img src="data:image/png;base64,{b64}" alt="{html.escape(text)}"/>',
        "text/plain": f"<Figure: {text}>",
    }
    return data, {"image/png": {"alt": text}}


def show(fig, alt: str, close: bool = True) -> None:
    """Display ``fig`` as a PNG with ``alt`` as its text alternative, then close it."""
    from IPython.display import publish_display_data

    data, metadata = bundle(png_bytes(fig), alt)
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)
    publish_display_data(data, metadata)


def show_live(view, alt: str) -> None:
    """Display a live view (anything with a ``_repr_mimebundle_`` holding an ``image/png``
    fallback) with ``alt`` as the text alternative of that PNG.

    The widget still shows where a widget front end runs (JupyterLab ranks the widget view above
    every other type). Everywhere else the PNG stands in for it, and carries ``alt`` the way
    :func:`show`'s figures do: as an ``<img alt>`` in ``text/html`` (the course site, which
    renders a widget output's PNG without the metadata's alt, shows this) and in the metadata
    (the decks)."""
    from IPython.display import publish_display_data

    text = check_alt(alt)
    shown = view._repr_mimebundle_()
    data, metadata = shown if isinstance(shown, tuple) else (shown, {})
    if "image/png" not in data:
        raise ValueError(f"{type(view).__name__} has no image/png fallback to give an alt text")
    data = {**data, "text/html": f'<img src="data:image/png;base64,{data["image/png"]}" '
                                 f'alt="{html.escape(text)}"/>'}
    publish_display_data(data, {**(metadata or {}), "image/png": {"alt": text}})
