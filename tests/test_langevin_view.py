"""The live Langevin view: renders the chains at the chosen step, caches each setting's chains,
reports divergence in the picture, and throttles a fast drag to one trailing render."""
import math
import time

import matplotlib
import pytest
import torch

from genzoo_lite.langevin_view import LangevinView
from genzoo_lite.models.ebm import langevin

matplotlib.use("agg")

SIGMA = 0.3


def bowl(x):
    """E(x) = |x|^2 / (2 sigma^2): exp(-E) is N(0, sigma^2 I); gradient descent on it is stable
    only for step sizes below 2 sigma^2 = 0.18."""
    return (x**2).sum(1) / (2 * SIGMA**2)


def small_view(**kwargs):
    x0 = torch.rand(50, 2, generator=torch.Generator().manual_seed(0)) * 4 - 2
    settings = dict(log10_steps=[-2.0, -1.0, 0.0], noise_factors=[0.0, 0.5, 1.0], max_steps=40,
                    throttle_ms=0)
    return LangevinView(bowl, x0, **{**settings, **kwargs})


def test_renders_the_chains_of_the_library_sampler_at_the_chosen_step():
    view = small_view(caption=lambda x: f"spread {x.std():.3f}")
    assert view.image.value[:4] == b"\x89PNG" and view.render_count == 1
    before = view.image.value
    view.controls["n_steps"].value = 10
    expected = langevin(bowl, view.x0, 40, 0.1, math.sqrt(0.2),
                        generator=torch.Generator().manual_seed(3), return_chain=True)[10]
    torch.testing.assert_close(torch.as_tensor(view.points.get_offsets()), expected,
                               check_dtype=False)
    assert view.image.value != before
    assert "10 steps" in view.ax.get_title() and "spread" in view.ax.get_title()


def test_chains_are_run_once_per_setting_and_cached():
    view = small_view(precompute=(1.0,))
    assert len(view._chains) == 3  # every step size with noise 1, built with the view
    view.controls["noise"].value = 0.5
    view.controls["n_steps"].value = 20
    view.controls["n_steps"].value = 30
    assert len(view._chains) == 4  # the new noise ran once; moving the steps reuses it
    assert view.chain(0.1, 0.5) is view.chain(0.1, 0.5)


def test_a_diverging_step_is_reported_in_the_picture():
    view = small_view()
    view.controls["step_size"].value = 1.0  # above 2 sigma^2: x grows 10x a step
    assert isinstance(view.chain(1.0, 1.0), str)
    assert "diverged" in view.ax.get_title() and len(view.points.get_offsets()) == 0
    view.controls["step_size"].value = 0.01  # and back: points again
    assert len(view.points.get_offsets()) == 50


def test_a_burst_of_moves_renders_twice_and_ends_on_the_last_value():
    view = small_view(throttle_ms=1000)
    start = view.render_count
    for n in range(0, 41, 2):
        view.controls["n_steps"].value = n
    deadline = time.perf_counter() + 10
    while view._throttle._scheduled and time.perf_counter() < deadline:
        time.sleep(0.005)
    time.sleep(0.01)
    with view._render_lock:  # the trailing render may still be drawing on the timer thread
        pass
    assert view.render_count - start <= 2
    assert "40 steps" in view.ax.get_title()
    still = small_view()
    still.controls["n_steps"].value = 0
    still.controls["n_steps"].value = 40
    assert view.image.value == still.image.value  # the last value's picture, not a stale one


def test_throttles_by_default():
    x0 = torch.zeros(5, 2)
    view = LangevinView(bowl, x0, log10_steps=[-2.0, -1.0], max_steps=5, precompute=())
    assert view._throttle.interval_s > 0


def test_checks_its_arguments():
    with pytest.raises(ValueError, match=r"x0 must have D = 2 columns"):
        LangevinView(bowl, torch.zeros(5, 3))
    with pytest.raises(ValueError, match=r"log10_steps must be >= 2 numbers increasing in equal"):
        small_view(log10_steps=[-2.0, -1.0, -0.5])
    with pytest.raises(ValueError, match=r"noise_factors must be >= 0"):
        small_view(noise_factors=[-1.0, 0.0])
    with pytest.raises(ValueError, match=r"max_steps must be an int >= 1, got 0"):
        small_view(max_steps=0)
