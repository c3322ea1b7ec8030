"""Energy-based models: Langevin targets exp(-E), the contrastive estimator is the exact gradient
in expectation, persistent chains persist, and training beats a Gaussian."""
import math

import pytest
import torch

from genzoo_lite import RECIPES, DivergedError, train_recipe
from genzoo_lite.core.data import toy2d
from genzoo_lite.models.energy.ebm import (
    EnergyMLP,
    LangevinDivergedError,
    box_log_prob,
    contrastive_loss,
    grid_log_prob,
    grid_points,
    langevin,
)
from genzoo_lite.models.energy.training import EBMRun, ReplayBuffer, ebm_step, train_ebm
from genzoo_lite.models.explicit.gaussian import fit_gaussian, gaussian_log_prob
from genzoo_lite.registry.checkpoints import load_weights, save_weights
from genzoo_lite.registry.pretrained import build_model

#: a short run of the shipped recipe (fewer and cheaper steps): seconds, not minutes
SHORT = dict(num_steps=120, snapshot_at=(10, 40, 80, 120), batch_size=128, langevin_steps=10)


pytestmark = pytest.mark.usefixtures("one_thread")


def half_square(x):
    """E(x) = |x|^2 / 2, so exp(-E) is N(0, I)."""
    return 0.5 * (x**2).sum(dim=1)


def test_langevin_from_far_off_reproduces_the_standard_normal():
    g = torch.Generator().manual_seed(0)
    x0 = torch.full((4000, 2), 8.0, dtype=torch.float64)
    step = 0.01
    x = langevin(half_square, x0, 1000, step, math.sqrt(2 * step), generator=g)
    assert x.mean(0).abs().max() < 0.06, x.mean(0)
    cov = torch.cov(x.T)
    # the finite step inflates the variance to 1 / (1 - step / 2) = 1.005: within the tolerance
    torch.testing.assert_close(cov, torch.eye(2, dtype=torch.float64), atol=0.08, rtol=0)


def test_a_large_step_inflates_the_variance_as_the_theory_says():
    # x <- (1 - h) x + sqrt(2h) xi has stationary variance 1 / (1 - h / 2): 4/3 for h = 0.5
    g = torch.Generator().manual_seed(1)
    x = langevin(half_square, torch.zeros(8000, 2, dtype=torch.float64), 200, 0.5, 1.0,
                 generator=g)
    assert x.var(0).mean().item() == pytest.approx(4 / 3, abs=0.05)


def test_langevin_without_noise_is_gradient_descent_onto_the_minimum():
    x = langevin(half_square, torch.randn(50, 2), 500, 0.05, 0.0)
    assert x.abs().max() < 1e-6


def test_same_generator_same_samples_and_the_chain_option():
    start = torch.randn(30, 2, generator=torch.Generator().manual_seed(5))
    energy = EnergyMLP(hidden=8)
    run = [langevin(energy, start, 15, 0.02, 0.2, generator=torch.Generator().manual_seed(s))
           for s in (3, 3, 4)]
    assert torch.equal(run[0], run[1]) and not torch.allclose(run[0], run[2])
    chain = langevin(energy, start, 15, 0.02, 0.2, generator=torch.Generator().manual_seed(3),
                     return_chain=True)
    assert torch.equal(chain[0], start) and torch.equal(chain[-1], run[0]) and len(chain) == 16
    assert not start.requires_grad and not chain.requires_grad


def test_langevin_reports_a_diverging_chain():
    with pytest.raises(LangevinDivergedError, match=r"lower the step size.*step_size=0\.3"):
        langevin(half_square, torch.ones(10, 2), 2000, 3.0, 1.0)


@pytest.mark.parametrize("kwargs,match", [
    (dict(step_size=0.0), "step_size must be a finite number > 0"),
    (dict(step_size=-0.1), "step_size must be a finite number > 0"),
    (dict(n_steps=-1), "n_steps must be an int >= 0"),
    (dict(n_steps=2.5), "n_steps must be an int >= 0"),
    (dict(noise_scale=-0.1), "noise_scale must be a finite number >= 0"),
])
def test_langevin_rejects_bad_settings(kwargs, match):
    settings = dict(n_steps=5, step_size=0.1, noise_scale=0.1) | kwargs
    with pytest.raises(ValueError, match=match):
        langevin(half_square, torch.zeros(4, 2), **settings)


def test_points_of_the_wrong_dimension_are_rejected():
    with pytest.raises(ValueError, match=r"D = 2 columns.*\(4, 3\)"):
        EnergyMLP()(torch.zeros(4, 3))
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        langevin(half_square, torch.zeros(4), 1, 0.1, 0.1)
    with pytest.raises(ValueError, match=r"one energy per point.*\(4, 1\)"):
        langevin(lambda x: x[:, :1], torch.zeros(4, 2), 1, 0.1, 0.1)
    with pytest.raises(ValueError, match="D = 2 columns"):
        contrastive_loss(half_square, torch.zeros(4, 2), torch.zeros(4, 3))
    with pytest.raises(TypeError, match="floating point"):
        contrastive_loss(half_square, torch.zeros(4, 2, dtype=torch.int64), torch.zeros(4, 2))


def flat_grad(loss, params):
    return torch.cat([g.reshape(-1) for g in torch.autograd.grad(loss, params)])


def test_contrastive_estimate_matches_the_exact_gradient_on_a_grid():
    torch.manual_seed(0)
    energy = EnergyMLP(hidden=8, depth=2).double()
    params = list(energy.parameters())
    data = toy2d("two_moons", 400).double()
    grid, area = grid_points(3.0, 120)
    grid = grid.double()  # (M, 2)
    log_z = torch.logsumexp(-energy(grid), 0) + math.log(area)
    exact = flat_grad(energy(data).mean() + log_z, params)  # -grad of mean log p, by autograd
    # grad log Z = -E_p[grad E]: the same exact gradient with the model expectation as a sum
    with torch.no_grad():
        p_grid = torch.softmax(-energy(grid), 0)  # (M,)
    by_identity = flat_grad(energy(data).mean() - (p_grid * energy(grid)).sum(), params)
    torch.testing.assert_close(by_identity, exact)

    g = torch.Generator().manual_seed(0)
    errors = {}
    for n in (200, 50_000):
        x_model = grid[torch.multinomial(p_grid, n, replacement=True, generator=g)]  # exact samples
        estimate = flat_grad(contrastive_loss(energy, data, x_model), params)
        errors[n] = ((estimate - exact).norm() / exact.norm()).item()
    assert errors[50_000] < 0.05, errors
    assert errors[200] > 2 * errors[50_000]  # and the Monte-Carlo error shrinks with n


def test_the_regularizer_adds_alpha_times_mean_squared_energies():
    energy = EnergyMLP(hidden=8)
    a, b = torch.randn(20, 2), torch.randn(30, 2)
    with torch.no_grad():
        ea, eb = energy(a), energy(b)
        got = contrastive_loss(energy, a, b, alpha=0.5)
    want = ea.mean() - eb.mean() + 0.5 * (ea.pow(2).mean() + eb.pow(2).mean())
    torch.testing.assert_close(got, want)
    with pytest.raises(ValueError, match="alpha"):
        contrastive_loss(energy, a, b, alpha=-1.0)


def test_replay_buffer_persists_chains_and_restarts_a_fraction():
    keep = ReplayBuffer(100, lim=2.0, reinit_prob=0.0, generator=torch.Generator().manual_seed(0))
    assert keep.x.abs().max() <= 2.0
    idx, x = keep.sample(40)
    assert torch.equal(x, keep.x[idx])
    keep.push(idx, x + 10.0)  # the moved chains are stored...
    idx2, x2 = keep.sample(500)
    moved = torch.isin(idx2, idx)
    assert torch.equal(x2[moved], keep.x[idx2[moved]]) and (x2[moved] > 5).all()  # ...and reused

    fresh = ReplayBuffer(1000, lim=2.0, reinit_prob=0.3, generator=torch.Generator().manual_seed(1))
    fresh.x.fill_(50.0)
    _, x = fresh.sample(20_000)
    restarted = (x.abs() <= 2.0).all(dim=1)
    assert restarted.float().mean().item() == pytest.approx(0.3, abs=0.02)

    same = [ReplayBuffer(50, generator=torch.Generator().manual_seed(7)).sample(10)[1]
            for _ in range(2)]
    assert torch.equal(*same)


def test_replay_buffer_rejects_bad_arguments():
    with pytest.raises(ValueError, match="reinit_prob"):
        ReplayBuffer(10, reinit_prob=1.5)
    with pytest.raises(ValueError, match="size"):
        ReplayBuffer(0)
    with pytest.raises(ValueError, match="idx"):
        ReplayBuffer(10).push(torch.arange(3), torch.zeros(4, 2))


def test_grid_log_prob_is_normalized_and_finds_log_two_pi():
    points, area = grid_points(6.0, 241)
    log_p, log_z = grid_log_prob(half_square, points.double(), lim=6.0, n=241)
    assert log_z == pytest.approx(math.log(2 * math.pi), abs=1e-4)
    assert (log_p.exp().sum() * area).item() == pytest.approx(1.0, abs=1e-6)


def test_box_log_prob_integrates_to_one_on_the_box_and_is_zero_outside():
    points, area = grid_points(3.0, 121)
    log_p, _ = box_log_prob(lambda x: -half_square(x), points.double(), lim=3.0, n=121)
    assert (log_p.exp().sum() * area).item() == pytest.approx(1.0, abs=1e-6)
    outside = torch.tensor([[3.5, 0.0], [0.0, -3.01], [10.0, 10.0]], dtype=torch.float64)
    assert torch.isneginf(box_log_prob(lambda x: -half_square(x), outside)[0]).all()


def test_box_log_prob_of_a_normalized_density_is_its_mass_on_the_box():
    # N(0, I) restricted to [-1, 1]^2: log Z_B = 2 log(Phi(1) - Phi(-1)), the box's exact mass
    normal = torch.distributions.MultivariateNormal(torch.zeros(2, dtype=torch.float64),
                                                    torch.eye(2, dtype=torch.float64))
    x = torch.tensor([[0.0, 0.0], [0.5, -0.9]], dtype=torch.float64)
    log_p, log_z = box_log_prob(normal.log_prob, x, lim=1.0, n=401)
    mass = math.erf(1 / math.sqrt(2)) ** 2
    assert log_z == pytest.approx(math.log(mass), abs=2e-2)  # a Riemann sum with edge cells
    torch.testing.assert_close(log_p, normal.log_prob(x) - log_z)
    # for an energy, inside the box it equals grid_log_prob (which extends the formula outside)
    energy = EnergyMLP(hidden=8).double()
    inside = torch.rand(5, 2, dtype=torch.float64) * 6 - 3
    torch.testing.assert_close(box_log_prob(lambda p: -energy(p), inside)[0],
                               grid_log_prob(energy, inside)[0])


def test_short_training_beats_a_gaussian():
    run, history = train_recipe("ebm_eight_gaussians", overrides=SHORT, progress=False)
    x = RECIPES["ebm_eight_gaussians"].data({})["x"]
    x_val = toy2d("eight_gaussians", 1000, seed=1)
    nll = -grid_log_prob(run["energy"], x_val)[0].mean().item()
    mu, cov = fit_gaussian(x)
    gaussian_nll = -gaussian_log_prob(x_val, mu, cov).mean().item()
    assert nll < gaussian_nll - 0.3, (nll, gaussian_nll)
    assert {len(history[k]) for k in ("loss", "energy_data", "energy_model")} == {120}
    # the last snapshot is taken after the last step; the first one differs
    torch.testing.assert_close(run["snapshots"][3].state_dict(), run["energy"].state_dict())
    assert not torch.equal(run["snapshots"][0].net[0].weight, run["energy"].net[0].weight)


def test_training_gives_the_same_weights_whatever_the_global_seed():
    tiny = dict(num_steps=6, snapshot_at=(2, 3, 4, 6), batch_size=32, langevin_steps=3,
                buffer_size=64)
    runs = []
    for global_seed in (0, 1):
        torch.manual_seed(global_seed)
        runs.append(train_recipe("ebm_rings", overrides=tiny, progress=False))
    (a, history_a), (b, history_b) = runs
    torch.testing.assert_close(a.state_dict(), b.state_dict(), rtol=0, atol=0)
    history_a.pop("train_seconds"), history_b.pop("train_seconds")
    assert history_a == history_b
    state = torch.random.get_rng_state()
    train_recipe("ebm_rings", overrides=tiny, progress=False)
    assert torch.equal(state, torch.random.get_rng_state())  # the caller's stream is untouched


def test_a_nan_loss_stops_training_before_any_parameter_changes():
    model = build_model("ebm_two_moons")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.full((100, 2), float("nan"))
    with pytest.raises(DivergedError, match=r"loss is nan at step 0, before the optimizer step"):
        train_ebm(model, x, num_steps=5, snapshot_at=(1, 2, 3, 4), buffer_size=64,
                  progress=False)
    torch.testing.assert_close(model.state_dict(), before, rtol=0, atol=0)


def test_train_ebm_rejects_snapshots_that_do_not_fit():
    x = toy2d("rings", 100)
    with pytest.raises(ValueError, match=r"snapshot_at must be 2 increasing ints in "
                                         r"1..num_steps=5.*\[3, 30\]"):
        train_ebm(EBMRun(2, hidden=8), x, num_steps=5, snapshot_at=(3, 30), progress=False)
    with pytest.raises(ValueError, match="snapshot_at must be 2"):
        train_ebm(EBMRun(2, hidden=8), x, num_steps=5, snapshot_at=(3,), progress=False)
    with pytest.raises(TypeError, match="model must be an EBMRun"):
        train_ebm(EnergyMLP(), x, num_steps=5, progress=False)


def test_ebm_step_lowers_the_contrastive_loss():
    # a few updates on the step's loss lower the data energy relative to the samples
    torch.manual_seed(0)
    energy = EnergyMLP(hidden=16)
    opt = torch.optim.SGD(energy.parameters(), lr=0.05)
    data = toy2d("two_moons", 256)
    buffer = ReplayBuffer(512, generator=torch.Generator().manual_seed(0))
    losses = []
    for _ in range(5):
        out = ebm_step(energy, buffer, data, langevin_steps=5, step_size=0.01)
        opt.zero_grad()
        out["loss"].backward()
        opt.step()
        losses.append(out["loss"].item())
        assert not out["energy_data"].requires_grad  # logged only
    assert losses[-1] < losses[0]


def test_ebm_run_round_trips_through_safetensors(tmp_path):
    run = EBMRun(2, hidden=8)
    save_weights(run, "ebm_test", tmp_path)
    loaded = EBMRun(2, hidden=8)
    load_weights(loaded, "ebm_test", tmp_path)
    torch.testing.assert_close(loaded.state_dict(), run.state_dict())
    assert sorted(loaded.state_dict()) == sorted(run.state_dict())  # weights only, no history
    assert all(k.startswith(("energy.", "snapshots.")) for k in run.state_dict())
