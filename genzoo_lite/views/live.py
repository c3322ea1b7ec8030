"""Live views for the notebooks' sliders (plumbing): one throttled mechanism for all of them.

A :class:`LiveView` owns one ``ipywidgets.Image`` whose PNG bytes every update replaces in place
(no new figure, no flicker). Slider moves go through a :class:`Throttle`: a fast drag sends many
value changes, the view renders at most once per ``throttle_ms`` and always ends on the latest
value, never on a stale one. Where no widget front end exists (nbconvert, GitHub, a headless
run) the same cell still shows a static PNG.

Two kinds of view are built on it: :class:`LiveFigure` here (controls plus a matplotlib figure,
taught in notebooks/01_gaussian_mle, "The likelihood landscape") and
:class:`~genzoo_lite.views.latent.LatentTraversal` (notebooks/03_vae, "The latent space, live").
"""
from __future__ import annotations

import asyncio
import base64
import html
import itertools
import math
import re
import struct
import threading
import time
import zlib
from collections.abc import Callable, Mapping

import ipywidgets as widgets
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from genzoo_lite.core.checks import check_int, check_number

__all__ = ["Throttle", "LiveView", "LiveFigure", "mimebundle_with_png", "rgb_png",
           "accessible_controls", "slider_labeller"]


class Throttle:
    """Call ``fn`` at most once per ``interval_s``; a request inside the interval schedules one
    trailing call, so a burst of requests ends with exactly one call after the last request.

    The interval counts from the end of the previous call, so a call slower than the interval
    still lets the requests queued meanwhile coalesce. ``fn`` reads the latest state itself, so
    the trailing call shows the newest value. The timer runs on the kernel's asyncio loop when
    there is one, else on a daemon thread.
    """

    def __init__(self, fn: Callable[[], None], interval_s: float) -> None:
        self.fn = fn
        self.interval_s = check_number("interval_s", interval_s, strict=False)
        self._lock = threading.Lock()
        self._scheduled = False
        self._next_allowed = -math.inf

    def __call__(self) -> None:
        with self._lock:
            if self._scheduled:
                return  # the pending trailing call will read the newest state
            now = time.perf_counter()
            if self._next_allowed > now:
                self._scheduled = True
                self._schedule(self._next_allowed - now)
                return
            self._next_allowed = now + self.interval_s
        self._call()

    def _call(self) -> None:
        try:
            self.fn()
        finally:
            with self._lock:
                self._next_allowed = time.perf_counter() + self.interval_s

    def _schedule(self, delay: float) -> None:
        try:
            asyncio.get_running_loop().call_later(delay, self._fire)
        except RuntimeError:  # no event loop in this thread (a script, a test)
            timer = threading.Timer(delay, self._fire)
            timer.daemon = True
            timer.start()

    def _fire(self) -> None:
        with self._lock:
            self._scheduled = False
        self._call()


class LiveView:
    """An image widget redrawn, throttled, whenever the view's state changes.

    A subclass builds its controls and ``self.widget`` (which contains ``self.image``), makes
    its controls call :meth:`request`, and implements :meth:`png`.

    Args:
        image: the ``ipywidgets.Image`` that every update rewrites.
        throttle_ms: minimum time between two renders while a control is dragged (0: render
            on every change).

    Attributes:
        image: the image widget.
        last_ms: wall time of the last update (draw + PNG + set), in milliseconds.
        updated_at_ms: ``time.time()`` of the last update's end, in milliseconds.
        render_count: number of updates so far.
    """

    widget: widgets.Widget

    def __init__(self, image: widgets.Image, throttle_ms: float) -> None:
        check_number("throttle_ms", throttle_ms, strict=False)
        self.image = image
        self.image.add_class("genzoo-live-image")  # how the browser tests find it
        self.last_ms = float("nan")
        self.updated_at_ms = float("nan")
        self.render_count = 0
        self._render_lock = threading.Lock()  # the trailing render may run on a timer thread
        self._throttle = Throttle(self.render, throttle_ms / 1000)

    def png(self) -> bytes:
        """The view for the current state, as PNG bytes."""
        raise NotImplementedError

    def request(self, _change: dict | None = None) -> None:
        """Ask for a redraw (throttled); usable directly as an ``observe`` callback."""
        self._throttle()

    def render(self) -> None:
        """Redraw now (not throttled) and replace the image's PNG bytes."""
        with self._render_lock:
            start = time.perf_counter()
            self.image.value = self.png()
            self.render_count += 1
            self.last_ms = 1000 * (time.perf_counter() - start)
            self.updated_at_ms = 1000 * time.time()

    def _repr_mimebundle_(self, **kwargs) -> dict:
        return mimebundle_with_png(self.widget, self.image.value, **kwargs)


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
        """The figure as one picture, its titles drawn in it: the fallback where no widget
        front end runs (nbconvert pages, GitHub)."""
        titles = _titles(self.fig)
        for artist, _ in titles:
            artist.set_visible(True)
        try:
            self._canvas.draw()
            png = rgb_png(np.asarray(self._canvas.buffer_rgba()))
        finally:
            for artist, _ in titles:
                artist.set_visible(not self.html_titles)
            self._background, self._layout = None, ()  # the next render starts afresh
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


def accessible_controls(controls: Mapping[str, widgets.Widget]) -> None:
    """Give every control an accessible name: a ``description`` (its name when it has none)
    and, where the name says more than the short label, a ``tooltip`` that contains the label
    and the name (e.g. "T: temperature"); :func:`slider_labeller` puts it on the slider."""
    for name, control in controls.items():
        spoken = name.replace("_", " ")
        if not getattr(control, "description", ""):
            control.description = spoken
        if not getattr(control, "tooltip", None):
            label = control.description
            control.tooltip = label if spoken == label else f"{label}: {spoken}"
        _readout_shows_a_step(control)


def _readout_shows_a_step(control: widgets.Widget) -> None:
    """A float slider whose readout rounds away its step (0.002 shown as ".2f") reads the same
    after a key press; give the readout the step's decimals."""
    step, fmt = getattr(control, "step", None), getattr(control, "readout_format", "")
    match = re.fullmatch(r"\.(\d+)f", fmt or "")
    if not match or not isinstance(step, float) or not 0 < step < 1 or hasattr(control, "base"):
        return
    decimals = -math.floor(math.log10(step) + 1e-9)
    if decimals > int(match.group(1)):
        control.readout_format = f".{decimals}f"


# ipywidgets 8 draws a slider with noUiSlider: the focusable element is a <div role="slider">
# whose <label class="widget-label"> is not tied to it (<label for="">), so a screen reader
# announces an unnamed slider (axe: aria-input-field-name). This script, rendered by an Output
# widget inside each live view, names every such slider after its label's tooltip or text
# (aria-label), and gives every live image an alt text naming the settings it shows, now and
# whenever widgets appear or change later.
_LABEL_SLIDERS_JS = """
(() => {
  const name = (root) => {
    for (const box of root.querySelectorAll('.widget-slider')) {
      const label = box.querySelector('.widget-label');
      if (!label) continue;
      const text = (label.title || label.textContent || '').trim();
      for (const handle of box.querySelectorAll('[role="slider"]')) {
        if (text && handle.getAttribute('aria-label') !== text) {
          handle.setAttribute('aria-label', text);
        }
      }
    }
    for (const img of root.querySelectorAll('img.genzoo-live-image')) {
      const settings = [...img.parentElement.querySelectorAll('.widget-slider')].map(s =>
        ((s.querySelector('.widget-label') || {}).textContent || '') + ' = ' +
        ((s.querySelector('.widget-readout') || {}).textContent || ''));
      const alt = 'Live figure, drawn for ' + settings.join(', ');
      if (img.alt !== alt) img.alt = alt;
    }
  };
  name(document);
  if (window.genzooSliderNames) return;
  let queued = false;
  window.genzooSliderNames = new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; name(document); });
  });
  window.genzooSliderNames.observe(document.body, {childList: true, subtree: true,
                                                  characterData: true});
})();
"""


def slider_labeller() -> widgets.Output:
    """An empty-looking Output widget whose script gives the page's sliders accessible names
    (see ``_LABEL_SLIDERS_JS``); front ends that do not run it show nothing."""
    out = widgets.Output(layout=widgets.Layout(height="0px", overflow="hidden"))
    out.outputs = ({"output_type": "display_data", "metadata": {},
                    "data": {"application/javascript": _LABEL_SLIDERS_JS, "text/plain": ""}},)
    return out


def rgb_png(pixels: np.ndarray, level: int = 1) -> bytes:
    """PNG bytes of ``pixels``: (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA uint8 (RGBA that
    is fully opaque is written as RGB). The "Up" filter and a fast zlib level: a 480x224 figure
    takes under 1 ms, a few times faster than PIL or ``savefig``, and flat backgrounds shrink."""
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim not in (2, 3) or (
            pixels.ndim == 3 and pixels.shape[2] not in (3, 4)):
        raise ValueError(f"pixels must be uint8 (H, W), (H, W, 3) or (H, W, 4), got "
                         f"{pixels.dtype} {pixels.shape}")
    if pixels.ndim == 3 and pixels.shape[2] == 4 and pixels[..., 3].min() == 255:
        pixels = pixels[..., :3]
    height, width = pixels.shape[:2]
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    flat = pixels.reshape(height, -1)
    rows = np.empty((height, 1 + width * channels), np.uint8)
    rows[:, 0] = 2  # filter type 2 ("Up") on every row: each row minus the one above
    rows[0, 1:] = flat[0]
    np.subtract(flat[1:], flat[:-1], out=rows[1:, 1:])  # modulo 256, as PNG wants
    colour_type = {1: 0, 3: 2, 4: 6}[channels]
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(rows.tobytes(), level)) + _chunk(b"IEND", b""))


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def mimebundle_with_png(widget: widgets.Widget, png: bytes, **kwargs) -> dict:
    """``widget``'s display bundle plus ``png``: live front ends show the widget, static
    renderers (nbconvert, GitHub, a headless run) fall back to the picture."""
    bundle = widget._repr_mimebundle_(**kwargs)
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    data["image/png"] = base64.b64encode(png).decode("ascii")
    return bundle
