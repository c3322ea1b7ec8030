"""The latent-traversal widget decodes live, coalesces fast drags, never ends on a stale value.

The throttle itself (shared with LiveFigure) is tested in tests/test_widgets_viz.py."""
import base64
import statistics

import pytest
import torch
from test_widgets_viz import wait_for_trailing_render  # the throttle's own tests live there

from genzoo_lite.core.utils import seeded
from genzoo_lite.models.latent.vae import VAE
from genzoo_lite.views.latent import LatentTraversal, digit_png


@pytest.fixture(scope="module")
def model():
    with seeded(0):
        return VAE(latent_dim=3, hidden=16).eval()


def expected_png(model, z):
    with torch.no_grad():
        return digit_png(model.decode(torch.tensor(z, dtype=torch.float32)[None])[0, 0].numpy())


def test_a_slider_move_redraws_the_same_image_widget(model):
    view = LatentTraversal(model, throttle_ms=0)
    image = view.image
    view.sliders[1].value = 2.0
    assert view.image is image
    assert image.value == expected_png(model, [0.0, 2.0, 0.0])
    assert view.last_ms > 0 and view.updated_at_ms > 0


def test_fifty_fast_changes_render_far_fewer_times_and_end_on_the_last_value(model):
    # a long interval, so the burst fits inside it even on a loaded machine: the property is
    # "one leading and one trailing render", not a speed
    view = LatentTraversal(model, throttle_ms=1000)
    start_count = view.render_count
    values = [round(-2.5 + 0.1 * i, 2) for i in range(50)]
    for v in values:
        view.sliders[0].value = v
    wait_for_trailing_render(view)
    renders = view.render_count - start_count
    assert renders <= 2, renders
    assert view.z[0].item() == pytest.approx(values[-1])
    assert view.image.value == expected_png(model, [values[-1], 0.0, 0.0])


def test_interpolation_moves_z_between_the_two_encodings(model):
    digits = torch.randint(0, 17, (4, 1, 8, 8), generator=torch.Generator().manual_seed(0))
    view = LatentTraversal(model, digits=digits, throttle_ms=0, limit=3.0)
    with torch.no_grad():
        mu, _ = model.encode(digits)
    view.digit_a.value, view.digit_b.value = 2, 3
    view.t.value = 0.5
    torch.testing.assert_close(view.z, 0.5 * (mu[2] + mu[3]))  # decoded as is, never clamped
    assert [s.value for s in view.sliders] == pytest.approx(view.z.tolist(), abs=1e-6)
    assert view.image.value == expected_png(model, view.z.tolist())


def test_static_png_fallback(model):
    view = LatentTraversal(model, throttle_ms=0)
    view.set_z([1.0, -1.0, 0.5])
    bundle = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == view.image.value


def test_an_update_is_fast(model):
    view = LatentTraversal(model, throttle_ms=0)
    times = []
    for i in range(30):
        view.sliders[0].value = -2.0 + 0.1 * i
        times.append(view.last_ms)
    assert statistics.median(times) < 50


def test_bad_settings_are_named(model):
    with pytest.raises(ValueError, match=r"limit must be a finite number > 0, got -1"):
        LatentTraversal(model, limit=-1)
    with pytest.raises(ValueError, match=r"limit must be at most 10 .* got 11"):
        LatentTraversal(model, limit=11)
    with pytest.raises(ValueError, match=r"throttle_ms must be a finite number >= 0, got -5"):
        LatentTraversal(model, throttle_ms=-5)
    with pytest.raises(ValueError, match=r"dims must be distinct ints in 0..2.*\[0, 3\]"):
        LatentTraversal(model, dims=[0, 3])
    with pytest.raises(TypeError, match="latent_dim"):
        LatentTraversal(torch.nn.Linear(2, 2))
    view = LatentTraversal(model, throttle_ms=0)
    with pytest.raises(ValueError, match=r"within \[-3.0, 3.0\]"):
        view.set_z([0.0, 4.0, 0.0])
    with pytest.raises(ValueError, match="3 entries"):
        view.set_z([0.0, 1.0])
    assert view.sliders[0].max == 3.0 and view.sliders[0].min == -3.0
