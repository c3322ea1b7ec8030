"""The live Langevin view: renders the chains at the chosen step, runs every setting the sliders
reach when built (exactly the library sampler's chains), so a move runs none, reports divergence
in the picture, and throttles a fast drag to one trailing render."""
import math
import time

import matplotlib
import pytest
import torch

from genzoo_lite.models.energy.ebm import LangevinDivergedError, langevin
from genzoo_lite.views.langevin import LangevinView

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


def test_every_setting_is_run_when_built_exactly_as_the_library_runs_it(monkeypatch):
    view = small_view(log10_steps=[-2.0, -1.0, 0.0, 1.0])
    assert view.frame_steps == list(range(0, 41, 2))  # the steps slider's positions
    assert len(view.states) == 4 * 3  # every (step size, noise) pair the sliders reach
    for (step, noise), states in view.states.items():
        try:
            chain = langevin(bowl, view.x0, 40, step, noise * math.sqrt(2 * step),
                             generator=torch.Generator().manual_seed(3), return_chain=True)
        except LangevinDivergedError as err:
            assert states == str(err)  # step sizes 1 and 10 diverge: the sampler's message
            continue
        assert torch.equal(states, chain[view.frame_steps])  # bit for bit
    assert sum(isinstance(s, str) for s in view.states.values()) == 6

    def no_chains(*args, **kwargs):
        raise AssertionError("a slider move ran Langevin")

    monkeypatch.setattr("genzoo_lite.views.langevin.langevin", no_chains)
    monkeypatch.setattr(view, "_run_all", no_chains)
    for name, value in [("noise", 0.5), ("step_size", 0.01), ("n_steps", 20), ("noise", 0.0),
                        ("step_size", 10.0), ("n_steps", 0)]:
        view.controls[name].value = value
    assert view.render_count == 7


def test_a_step_between_the_sliders_positions_is_run_once_and_cached():
    view = small_view()
    assert not view._chains
    x = view.state(0.1, 0.5, 5)  # 5 is not on the steps slider (0, 2, ..., 40)
    assert len(view._chains) == 1 and view.chain(0.1, 0.5) is view.chain(0.1, 0.5)
    torch.testing.assert_close(view.chain(0.1, 0.5)[view.frame_steps], view.states[(0.1, 0.5)],
                               rtol=0, atol=0)
    torch.testing.assert_close(x, view.chain(0.1, 0.5)[5], rtol=0, atol=0)


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
    view = LangevinView(bowl, x0, log10_steps=[-2.0, -1.0], max_steps=5)
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
