"""A live matplotlib figure: controls plus a figure redrawn in one frame per move (plumbing).

:class:`LiveFigure` is the :class:`~genzoo_lite.views.live_view.LiveView` of a matplotlib
figure that a ``draw(**values)`` function updates: it blits only the artists that changed,
precomputes every frame of controls with a finite list of options, and shows the axes' titles
as text. Taught in notebooks/01_gaussian_mle, "The likelihood landscape"; the Langevin view of
notebooks/02_ebm (:mod:`genzoo_lite.views.langevin`) is one.
"""
from __future__ import annotations

import html
import itertools
import math
from collections.abc import Callable, Mapping

import ipywidgets as widgets
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from genzoo_lite.core.checks import check_int
from genzoo_lite.views.live_view import LiveView, mimebundle_with_png
from genzoo_lite.views.png import rgb_png
from genzoo_lite.views.slider_access import accessible_controls, slider_labeller

__all__ = ["LiveFigure"]


class LiveFigure(LiveView):
    """Controls plus a figure that ``draw(**values)`` updates whenever a control changes.

    A move costs one frame, not a re-plot. Three things keep it inside a 60 Hz frame (16 ms):

    * **Blitting**: after ``draw``, only the axes' artists it changed (``set_data``,
      ``set_text``: matplotlib marks them stale) and those drawn above them are redrawn, onto a
      stored picture of everything else; the rest (histograms, ticks, images) is drawn once.
      When ``draw`` changes more (limits, new artists, ``ax.clear()``) the whole figure is
      redrawn, and the picture of the rest is taken again.
    * **Precomputed frames**: when every control has a finite list of options
      (``SelectionSlider``, ``Dropdown``, ...) and there are at most ``max_frames``
      combinations, every frame is drawn when the view is built, and a move only swaps bytes.
      This assumes ``draw`` depends on the controls' values only (the notebooks' do); pass
      ``cache=False`` otherwise.
    * **Titles as text**: the axes' titles, which ``draw`` typically rewrites on every move,
      are shown as HTML above the picture (``html_titles``), not rasterized.
    * **A direct PNG**: the Agg canvas's pixels go to a small PNG encoder (fast zlib level,
      no filtering), not through ``savefig``, which drew the figure twice per call.

    Args:
        fig: a ``matplotlib.figure.Figure`` made with ``Figure()`` (not pyplot, so it is never
            shown twice); ``draw`` mutates its artists (``set_data``, ``set_text``).
        draw: called with the controls' current values as keyword arguments.
        controls: name -> ipywidgets value widget (sliders, dropdowns, ...). A control without a
            ``description`` gets its name as one; see :func:`accessible_controls`.
        dpi: resolution of the PNG; lower is faster. The figure's dpi is set to it.
        throttle_ms: minimum time between two renders while a control is dragged.
        cache: keep each frame by the controls' values (None: when all controls have options).
        max_frames: at most this many frames are precomputed (and cached).
        html_titles: show the axes' titles as text above the picture (the ``title`` widget),
            not in it: matplotlib spends 5 to 20 ms laying out and drawing one title, and a
            screen reader reads text. The static fallback draws them in the picture.

    Attributes: those of :class:`LiveView`, and ``fig``, ``draw``, ``controls``, ``widget``,
    ``blit_count`` (renders that redrew only the changed artists) and ``frames`` (the cache).
    """

    def __init__(self, fig: Figure, draw: Callable[..., None],
                 controls: Mapping[str, widgets.ValueWidget], dpi: int = 80,
                 throttle_ms: float = 30.0, cache: bool | None = None,
                 max_frames: int = 64, html_titles: bool = True) -> None:
        if not controls:
            raise ValueError("LiveFigure needs at least one control, got none")
        super().__init__(widgets.Image(format="png"), throttle_ms)
        self.fig, self.draw, self.controls = fig, draw, dict(controls)
        self.dpi = check_int("dpi", dpi)
        self.max_frames = check_int("max_frames", max_frames, minimum=0)
        accessible_controls(self.controls)
        self.fig.set_dpi(self.dpi)
        self._canvas = FigureCanvasAgg(self.fig)
        self._background = None  # the stored picture of everything but self._redrawn
        self._redrawn: dict[Axes, list[Artist]] = {}
        self._title_y: dict[Axes, list[float]] = {}
        self._layout: tuple = ()
        self.blit_count = 0
        choices = [_options(control) for control in self.controls.values()]
        discrete = all(options is not None for options in choices)
        self.cache = discrete if cache is None else bool(cache)
        self.frames: dict[tuple, tuple[bytes, str]] = {}
        self.html_titles = bool(html_titles)
        self.title = widgets.HTML()  # the axes' titles, as live text (html_titles)
        self.widget = widgets.VBox([widgets.HBox(list(self.controls.values())), self.title,
                                    self.image, slider_labeller()])
        for control in self.controls.values():
            control.observe(self.request, names="value")
        if self.cache and discrete and math.prod(map(len, choices)) <= self.max_frames:
            for combination in itertools.product(*choices):
                self._frame(dict(zip(self.controls, combination)))
        self.render()
        if not self.frames:  # a second draw shows which artists ``draw`` changes: the first
            self._frame(self.values())  # move then blits, instead of a full render (56 ms)

    def values(self) -> dict[str, object]:
        """The controls' current values, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def png(self) -> bytes:
        """Draw with the controls' current values; the figure as PNG bytes (and, with
        ``html_titles``, the axes' titles into the ``title`` widget)."""
        png, title = self._frame(self.values())
        if self.title.value != title:
            self.title.value = title
        return png

    def static_png(self) -> bytes:
        """The figure for the controls' current values as one picture, its titles drawn in it:
        the fallback where no widget front end runs (nbconvert pages, GitHub). Drawn afresh,
        since precomputing the frames leaves the figure in the state of the last one."""
        self.draw(**self.values())
        titles = _titles(self.fig)
        for artist, _ in titles:
            artist.set_visible(True)
        try:
            self._canvas.draw()
            png = rgb_png(np.asarray(self._canvas.buffer_rgba()))
        finally:
            for artist, _ in titles:
                artist.set_visible(not self.html_titles)
            # the live picture again (a layout engine moved the axes for the titles), so the
            # next move blits onto it rather than rendering the whole figure
            self._full_render({}, restructured=not self._layout)
            self._mark_fresh()
        return png

    def _repr_mimebundle_(self, **kwargs) -> dict:
        return mimebundle_with_png(self.widget, self.static_png(), **kwargs)

    def _frame(self, values: dict[str, object]) -> tuple[bytes, str]:
        key = tuple(values.values())
        try:
            cached = self.frames.get(key) if self.cache else None
        except TypeError:  # unhashable values: nothing to cache by
            cached, key = None, None
        if cached is not None:
            return cached
        self.draw(**values)
        title = ""
        if self.html_titles:
            titles = _titles(self.fig)
            title = _title_html(titles, self.dpi)
            for artist, _ in titles:
                if artist.get_visible():
                    artist.set_visible(False)
        frame = rgb_png(self._pixels()), title
        if self.cache and key is not None and len(self.frames) < max(self.max_frames, 1):
            self.frames[key] = frame
        return frame

    def _pixels(self) -> np.ndarray:
        """The figure's pixels (H, W, 4) after ``draw``: a blit when only artists already
        redrawn by the last full render changed, else a full render."""
        layout = self._layout_key()
        changed = {ax: [a for a in _draw_order(ax) if a.stale] for ax in self.fig.axes}
        figure_changed = any(a.stale for a in _figure_artists(self.fig))
        if (self._background is not None and not figure_changed and layout == self._layout
                and all(set(arts) <= set(self._redrawn.get(ax, ()))
                        for ax, arts in changed.items())):
            self._canvas.restore_region(self._background)
            self._draw_redrawn()
            self.blit_count += 1
        else:
            self._full_render(changed, figure_changed or layout != self._layout)
        self._mark_fresh()
        return np.asarray(self._canvas.buffer_rgba())

    def _full_render(self, changed: dict[Axes, list[Artist]], restructured: bool) -> None:
        """Draw everything; store the picture without the artists that ``draw`` changes (and
        those drawn above them in their axes), to blit the next moves onto."""
        if restructured or not self._layout:
            self._redrawn = {}  # the first render (every artist is new), or a new layout
        else:
            for ax, artists in changed.items():
                if artists:
                    order = _draw_order(ax)
                    first = min(order.index(a) for a in [*artists, *self._redrawn.get(ax, [])])
                    self._redrawn[ax] = order[first:]
        hidden = [(a, a.get_visible()) for arts in self._redrawn.values() for a in arts]
        for artist, _ in hidden:
            artist.set_visible(False)
        try:
            self._canvas.draw()
            self._background = self._canvas.copy_from_bbox(self.fig.bbox) if hidden else None
        finally:
            for artist, visible in hidden:
                artist.set_visible(visible)
        self._draw_redrawn(full=True)
        self._layout = self._layout_key()

    def _draw_redrawn(self, full: bool = False) -> None:
        """Draw the changing artists over the picture of the rest. ``set_title`` resets the
        title's height, which ``Axes.draw`` recomputes from the ticks (slow): a full render
        computes it, a blit puts the stored heights back (the layout has not changed)."""
        renderer = self._canvas.get_renderer()
        for ax, artists in self._redrawn.items():
            titles = (ax.title, ax._left_title, ax._right_title)
            if full:
                ax._update_title_position(renderer)
                self._title_y[ax] = [title.get_position()[1] for title in titles]
            else:
                for title, y in zip(titles, self._title_y.get(ax, ())):
                    if title.get_position()[1] != y:
                        title.set_y(y)
            for artist in artists:
                ax.draw_artist(artist)

    def _layout_key(self) -> tuple:
        """What a blit assumes unchanged: the axes, their children, limits and positions."""
        return (self.fig.bbox.bounds, tuple(
            (id(ax), tuple(map(id, ax.get_children())), ax.viewLim.bounds,
             ax.get_position().bounds, ax.get_visible()) for ax in self.fig.axes))

    def _mark_fresh(self) -> None:
        for ax in self.fig.axes:
            for artist in ax.get_children():
                artist.stale = False
            ax.stale = False
        for artist in _figure_artists(self.fig):
            artist.stale = False
        self.fig.stale = False


def _draw_order(ax: Axes) -> list[Artist]:
    """The artists ``Axes.draw`` draws, in its order (by zorder, stable)."""
    artists = [a for a in ax.get_children() if a is not ax.patch]
    if not (ax.axison and ax.get_frame_on()):
        artists = [a for a in artists if a not in ax.spines.values()]
    if not ax.axison:
        artists = [a for a in artists if a not in (ax.xaxis, ax.yaxis)]
    return sorted(artists, key=lambda a: a.get_zorder())


def _titles(fig: Figure) -> list[tuple[Artist, str]]:
    """The axes' title artists that have text, with their text."""
    return [(t, t.get_text()) for ax in fig.axes
            for t in (ax._left_title, ax.title, ax._right_title) if t.get_text()]


def _title_html(titles: list[tuple[Artist, str]], dpi: int) -> str:
    """The titles as HTML text over the figure: their colour, their size (at least 13 px),
    one line per line; a polite live region, so a screen reader reads the new value."""
    lines = []
    for artist, text in titles:
        size = max(13.0, artist.get_fontsize() * dpi / 72)
        colour = to_hex(artist.get_color())
        body = "<br>".join(html.escape(line) for line in text.split("\n"))
        lines.append(f'<div style="color: {colour}; font-size: {size:.0f}px; '
                     f'line-height: 1.25">{body}</div>')
    return ('<div class="genzoo-live-title" role="status" aria-live="polite" '
            f'style="text-align: center">{"".join(lines)}</div>') if lines else ""


def _figure_artists(fig: Figure) -> list[Artist]:
    """The figure's own artists outside its axes (suptitle, figure texts, legends, ...)."""
    return [a for a in fig.get_children() if a not in fig.axes and a is not fig.patch]


def _options(control: widgets.Widget) -> list | None:
    """The values a control can take, when it has a finite list of options; else None."""
    full = getattr(control, "_options_full", None)
    return None if full is None else [value for _, value in full]
