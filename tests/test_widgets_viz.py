"""Live views redraw in place, throttled, ending on the last value; plotting plumbing."""
import base64
import time

import ipywidgets as widgets
import matplotlib
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from genzoo_lite.views.live import LiveFigure, Throttle
from genzoo_lite.views.plots import image_grid, savefig

matplotlib.use("agg")


def line_view(throttle_ms=0.0):
    fig = Figure(figsize=(3, 2))
    (line,) = fig.add_subplot().plot([0, 1], [0, 1])
    drawn = []  # the values each render drew

    def draw(a):
        drawn.append(a)
        line.set_ydata([0, a])

    slider = widgets.FloatSlider(value=1.0, min=0.0, max=2.0, step=0.01)
    view = LiveFigure(fig, draw, {"a": slider}, throttle_ms=throttle_ms)
    view.drawn = drawn
    return view, slider


def wait_for_trailing_render(view, seconds=10.0):
    deadline = time.perf_counter() + seconds
    while view._throttle._scheduled and time.perf_counter() < deadline:
        time.sleep(0.005)
    time.sleep(0.01)
    with view._render_lock:  # the trailing render may still be drawing on the timer thread
        pass


def test_slider_move_redraws_the_image_in_place():
    view, slider = line_view()
    image, before = view.image, view.image.value
    slider.value = 0.2
    assert view.image is image and view.image.value != before
    assert view.last_ms > 0


def test_static_png_fallback_for_front_ends_without_widgets():
    view, slider = line_view()
    slider.value = 1.7
    bundle = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == view.image.value


def test_a_burst_of_moves_renders_twice_and_ends_on_the_last_value():
    # a long interval, so the burst fits inside it even on a loaded machine: the property is
    # "one leading and one trailing render", not a speed
    view, slider = line_view(throttle_ms=1000)
    start_count = view.render_count
    values = [round(0.02 * i, 2) for i in range(1, 51)]
    for v in values:
        slider.value = v
    wait_for_trailing_render(view)
    assert view.render_count - start_count <= 2
    assert view.drawn[-1] == values[-1]
    still, still_slider = line_view()
    still_slider.value = values[-1]
    assert view.image.value == still.image.value  # the picture of the last value, not a stale one


def test_live_figure_throttles_by_default():
    # notebooks 01, 02, 04 and 05 build their views without throttle_ms
    view = LiveFigure(Figure(figsize=(3, 2)), lambda a: None, {"a": widgets.FloatSlider()})
    assert view._throttle.interval_s > 0


def test_throttle_calls_once_more_after_the_last_request():
    calls = []
    throttle = Throttle(lambda: calls.append(time.perf_counter()), interval_s=1.0)
    last_request = 0.0
    for _ in range(100):
        throttle()
        last_request = time.perf_counter()
    deadline = time.perf_counter() + 10
    while len(calls) < 2 and time.perf_counter() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    assert len(calls) == 2  # the leading call and one trailing call
    assert calls[-1] >= last_request


def test_a_call_slower_than_the_interval_still_coalesces():
    # the interval counts from the end of a call: requests queued behind a slow render (as in
    # a kernel busy drawing) must not each trigger a render of their own
    calls = []

    def slow():
        calls.append(time.perf_counter())
        time.sleep(0.3)

    throttle = Throttle(slow, interval_s=0.2)
    for _ in range(20):
        throttle()
    deadline = time.perf_counter() + 10
    while (throttle._scheduled or len(calls) < 2) and time.perf_counter() < deadline:
        time.sleep(0.01)
    time.sleep(0.4)
    assert len(calls) == 2


def test_live_figure_checks_its_arguments():
    with pytest.raises(ValueError, match="at least one control"):
        LiveFigure(Figure(), lambda: None, {})
    with pytest.raises(ValueError, match=r"throttle_ms must be a finite number >= 0, got -1"):
        LiveFigure(Figure(), lambda a: None, {"a": widgets.FloatSlider()}, throttle_ms=-1)
    with pytest.raises(ValueError, match=r"interval_s must be a finite number >= 0, got nan"):
        Throttle(lambda: None, float("nan"))


def test_savefig_writes_into_the_figures_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GENZOO_FIGURES_DIR", str(tmp_path))
    fig = Figure()
    fig.add_subplot().plot([0, 1])
    path = savefig(fig, "demo")
    assert path == tmp_path / "demo.png" and path.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="plain stem"):
        savefig(fig, "demo.png")


def test_image_grid_tiles_row_by_row_with_a_blank_border():
    fig = Figure()
    ax = fig.add_subplot()
    x = torch.arange(5 * 64).reshape(5, 1, 8, 8) % 17  # (N, 1, H, W)
    image_grid(x, nrow=3, ax=ax)
    canvas = np.ma.filled(ax.images[0].get_array(), np.nan)
    assert canvas.shape == (2 * 9 + 1, 3 * 9 + 1)
    for i in range(5):  # image i at row i // 3, column i % 3, one blank pixel apart
        r, c = divmod(i, 3)
        np.testing.assert_array_equal(canvas[1 + 9 * r:9 + 9 * r, 1 + 9 * c:9 + 9 * c], x[i, 0])
    assert np.isnan(canvas[0]).all() and np.isnan(canvas[:, 9]).all()
    assert np.isnan(canvas[10:, 19:]).all()  # the sixth place of the grid stays empty


def test_image_grid_rejects_bad_arguments():
    ax = Figure().add_subplot()
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\).*\(8, 8\)"):
        image_grid(torch.zeros(8, 8), ax=ax)
    with pytest.raises(ValueError, match=r"nrow must be an int >= 1, got 0"):
        image_grid(torch.zeros(4, 8, 8), nrow=0, ax=ax)


# --- frame rate and accessibility of the live views ---

def titled_view(**kwargs):
    """A figure like notebook 01's: a histogram, a curve and a title that change per move."""
    import io  # noqa: F401

    fig = Figure(figsize=(6, 2.8))
    ax = fig.add_subplot()
    ax.hist(np.random.default_rng(0).random(500), bins=40, color="#9ab")
    (curve,) = ax.plot(np.linspace(0, 1, 50), np.zeros(50), "C3", lw=2)
    ax.set_ylim(0, 3)
    fig.tight_layout()

    def draw(a):
        curve.set_ydata(np.sin(np.linspace(0, 1, 50) * a) + 1)
        ax.set_title(f"a = {a:.2f}")

    slider = widgets.FloatSlider(value=1.0, min=0.0, max=10.0, step=0.01)
    return LiveFigure(fig, draw, {"a": slider}, throttle_ms=0, **kwargs), slider, fig


def pixels(png):
    import io

    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_a_move_redraws_only_the_changed_artists_and_the_picture_is_a_full_redraw():
    for html_titles in (False, True):
        view, slider, fig = titled_view(html_titles=html_titles)
        for value in (2.0, 3.5, 7.25, 0.5):
            slider.value = value
        assert view.blit_count >= 2  # after the first moves, only the changed artists redraw
        fresh, fresh_slider, fresh_fig = titled_view(html_titles=html_titles)
        fresh_slider.value = 0.5
        import io
        reference = io.BytesIO()
        for title in (fresh_fig.axes[0].title,):
            title.set_visible(not html_titles)
        fresh_fig.savefig(reference, format="png", dpi=80)  # the whole figure, drawn anew
        np.testing.assert_array_equal(pixels(view.image.value), pixels(reference.getvalue()))


def test_the_first_move_blits_even_after_the_static_picture():
    import io

    for html_titles in (False, True):
        view, slider, fig = titled_view(html_titles=html_titles)
        view._repr_mimebundle_()  # displaying the cell draws the static picture
        before = view.blit_count
        slider.value = 6.0
        assert view.blit_count == before + 1  # not a full render (56 ms in notebook 01)
        fresh, fresh_slider, fresh_fig = titled_view(html_titles=html_titles)
        fresh_slider.value = 6.0
        fresh_fig.axes[0].title.set_visible(not html_titles)
        reference = io.BytesIO()
        fresh_fig.savefig(reference, format="png", dpi=80)
        np.testing.assert_array_equal(pixels(view.image.value), pixels(reference.getvalue()))


def test_titles_become_live_text_and_the_static_fallback_draws_them():
    view, slider, fig = titled_view()
    slider.value = 4.0
    assert "a = 4.00" in view.title.value and 'aria-live="polite"' in view.title.value
    assert not fig.axes[0].title.get_visible()
    static = pixels(base64.b64decode(view._repr_mimebundle_()["image/png"]))
    assert (static != pixels(view.image.value)).any()  # the title is drawn in the fallback
    slider.value = 5.0  # and the live view goes on after it
    assert "a = 5.00" in view.title.value


def test_discrete_controls_get_precomputed_frames():
    drawn = []
    fig = Figure(figsize=(2, 2))
    shown = fig.add_subplot().imshow(np.zeros((4, 4)), vmin=0, vmax=3)

    def draw(level):
        drawn.append(level)
        shown.set_data(np.full((4, 4), level))

    slider = widgets.SelectionSlider(options=[0, 1, 2, 3], value=1)
    view = LiveFigure(fig, draw, {"level": slider}, throttle_ms=0)
    assert sorted(view.frames) == [(0,), (1,), (2,), (3,)]
    count = len(drawn)
    for level in (3, 0, 2):
        slider.value = level
    assert len(drawn) == count  # the moves only swap stored pictures
    assert view.image.value == view.frames[(2,)][0]


def test_the_static_picture_shows_the_starting_values_not_the_last_precomputed_frame():
    def level_view(html_titles, cache):
        fig = Figure(figsize=(2, 2))
        ax = fig.add_subplot()
        shown = ax.imshow(np.zeros((4, 4)), vmin=0, vmax=3)

        def draw(level):
            shown.set_data(np.full((4, 4), level))
            ax.set_title(f"level {level}")

        slider = widgets.SelectionSlider(options=[0, 1, 2, 3], value=1)
        return LiveFigure(fig, draw, {"level": slider}, throttle_ms=0, html_titles=html_titles,
                          cache=cache)

    def static(view):
        return base64.b64decode(view._repr_mimebundle_()["image/png"])

    view = level_view(html_titles=False, cache=True)
    assert len(view.frames) == 4  # every frame drawn, the last one (level 3) last
    assert static(view) == view.image.value == view.frames[(1,)][0]  # the render of level 1
    for html_titles in (False, True):  # titles drawn in the picture either way
        drawn_once = level_view(html_titles=html_titles, cache=False)  # only level 1 is drawn
        assert not drawn_once.frames
        np.testing.assert_array_equal(pixels(static(level_view(html_titles, cache=True))),
                                      pixels(static(drawn_once)))


def test_rgb_png_round_trips():
    from genzoo_lite.views.png import rgb_png
    rng = np.random.default_rng(0)
    for shape in [(5, 7), (6, 9, 3), (4, 3, 4)]:
        a = rng.integers(0, 256, shape, dtype=np.uint8)
        if len(shape) == 3 and shape[2] == 4:
            a[..., 3] = rng.integers(0, 255, shape[:2])
        np.testing.assert_array_equal(pixels(rgb_png(a)), pixels(rgb_png(a))[..., :])
        import io

        from PIL import Image
        np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(rgb_png(a)))), a)
    with pytest.raises(ValueError, match="uint8"):
        rgb_png(np.zeros((2, 2)))


def test_every_control_gets_an_accessible_name_and_a_readout_that_shows_its_step():
    from genzoo_lite.views.slider_access import _LABEL_SLIDERS_JS
    controls = {"temperature": widgets.SelectionSlider(options=[0.5, 1.0], description="T"),
                "mu": widgets.FloatSlider(value=0.3, step=0.002, description="mu"),
                "n_steps": widgets.IntSlider()}
    view = LiveFigure(Figure(figsize=(2, 2)), lambda **v: None, controls, throttle_ms=0)
    assert [c.description for c in controls.values()] == ["T", "mu", "n steps"]
    assert [c.tooltip for c in controls.values()] == ["T: temperature", "mu", "n steps"]
    assert controls["mu"].readout_format == ".3f"
    labeller = view.widget.children[-1]
    assert labeller.outputs[0]["data"]["application/javascript"] == _LABEL_SLIDERS_JS
    assert "aria-label" in _LABEL_SLIDERS_JS and "img.genzoo-live-image" in _LABEL_SLIDERS_JS


def test_line_colours_are_colour_blind_safe_and_contrast_3_to_1():
    from genzoo_lite.views.plots import LINE_COLOURS, LINE_STYLES, contrast_ratio, loss_curve
    assert all(contrast_ratio(c) >= 3 for c in LINE_COLOURS)
    assert contrast_ratio("C0") >= 3 and contrast_ratio("C3") >= 3  # the Langevin view's
    ax = Figure().add_subplot()
    for _ in range(3):
        loss_curve([3, 2, 1], ax=ax)
    assert len({(ln.get_color(), ln.get_linestyle()) for ln in ax.lines}) == 3
    assert ax.lines[1].get_linestyle() == LINE_STYLES[1]
