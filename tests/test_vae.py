"""The VAE's bounds against exact values: KL, ELBO <= log p(x) <= IWAE_k limit, gradients;
the trainers' early stopping and reproducibility; the autoencoder and VAE/GAN."""
import math

import pytest
import torch

from genzoo_lite.core.data import load_digits
from genzoo_lite.core.distributions import discretized_gaussian_log_probs
from genzoo_lite.models.adversarial.vaegan import build_vaegan, train_vaegan
from genzoo_lite.models.latent.autoencoder import Autoencoder, train_autoencoder
from genzoo_lite.models.latent.vae import VAE, gaussian_kl, reparameterize, train_vae
from genzoo_lite.registry.pretrained import RECIPES, train_recipe

#: The shipped VAEs' training settings, for the short runs here (fewer epochs, smaller models).
SETTINGS = dict(RECIPES["vae_digits_2d"].settings)


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def digits():
    x, _ = load_digits("train")
    return x


@pytest.fixture(scope="module")
def tiny_vae(digits):
    """A 1-D latent VAE trained briefly, so q(z|x) is informative but not exact."""
    torch.manual_seed(0)
    model = VAE(latent_dim=1, hidden=32)
    train_vae(model, digits[:200], **{**SETTINGS, "num_epochs": 15}, progress=False)
    return model.double()


def exact_log_px(model: VAE, x: torch.Tensor, lim: float = 8.0, n: int = 4001) -> torch.Tensor:
    """log p(x) = log int p(x|z) N(z; 0, 1) dz by the trapezoid-free Riemann sum on a fine grid
    (the integrand vanishes at +-lim, so the sum is exact to many digits)."""
    z = torch.linspace(-lim, lim, n, dtype=torch.float64)[:, None]  # (n, 1)
    dz = 2 * lim / (n - 1)
    with torch.no_grad():
        log_joint = torch.cat([model.log_px_given_z(x, chunk[:, None, :].expand(-1, len(x), 1))
                               for chunk in z.split(500)])  # (n, N)
    log_joint = log_joint + torch.distributions.Normal(0.0, 1.0).log_prob(z)
    return torch.logsumexp(log_joint, dim=0) + math.log(dz)


def test_analytic_kl_matches_monte_carlo():
    gen = torch.Generator().manual_seed(0)
    mu = torch.tensor([[0.3, -1.2, 2.0]], dtype=torch.float64)
    log_var = torch.tensor([[0.5, -1.0, -3.0]], dtype=torch.float64)
    std = (0.5 * log_var).exp()
    z = mu + std * torch.randn(200_000, 3, generator=gen, dtype=torch.float64)
    q, p = torch.distributions.Normal(mu, std), torch.distributions.Normal(0.0, 1.0)
    monte_carlo = (q.log_prob(z) - p.log_prob(z)).sum(1).mean()
    assert gaussian_kl(mu, log_var).item() == pytest.approx(monte_carlo.item(), abs=0.02)
    assert gaussian_kl(torch.zeros(1, 3), torch.zeros(1, 3)).item() == 0.0


@pytest.mark.parametrize("likelihood,sigma", [("categorical", None), ("gaussian", 1.5),
                                              ("gaussian", None)])
def test_decoder_probabilities_sum_to_one_over_17_levels(likelihood, sigma):
    torch.manual_seed(1)
    model = VAE(latent_dim=3, hidden=16, likelihood=likelihood, sigma=sigma)
    z = 3 * torch.randn(20, 3)
    probs = model.level_log_probs(z).exp()  # (20, 1, 8, 8, 17)
    torch.testing.assert_close(probs.sum(-1), torch.ones(20, 1, 8, 8), atol=1e-5, rtol=0)
    x_hat = model.decode(z)
    assert x_hat.min() >= 0 and x_hat.max() <= 16


def test_elbo_is_below_the_exact_log_likelihood_and_iwae_approaches_it(tiny_vae, digits):
    x = digits[:12]
    exact = exact_log_px(tiny_vae, x)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        elbo = torch.stack([tiny_vae.elbo(x, generator=gen) for _ in range(500)]).mean(0)
        iwae = {k: tiny_vae.iwae_bound(x, k, generator=gen) for k in (10, 5000)}
    assert (elbo < exact).all(), (elbo - exact).max()
    assert (exact - elbo).min() > 1.0  # q is not the true posterior: a real gap to close
    # A single IWAE estimate may overshoot log p(x) by its noise, which shrinks as k grows.
    gap = exact - iwae[5000]
    assert gap.min() > -0.05 and gap.mean() < 0.05 and gap.max() < 0.15, gap
    assert (exact - iwae[10]).mean() < 0.2 * (exact - elbo).mean()


def test_mean_iwae_is_above_the_elbo_and_rises_with_k(tiny_vae, digits):
    x = digits[200:300]
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        elbo = torch.stack([tiny_vae.elbo(x, generator=gen) for _ in range(20)]).mean().item()
        bounds = [tiny_vae.iwae_bound(x, k, generator=gen).mean().item() for k in (1, 10, 100)]
    assert bounds[0] == pytest.approx(elbo, abs=2.0)  # IWAE_1 is a one-sample ELBO
    assert elbo < bounds[1] < bounds[2], (elbo, bounds)


def test_reparameterized_gradient_matches_a_finite_difference(tiny_vae, digits):
    x = digits[:5]
    param = tiny_vae.encoder[0].weight
    i, j, h = 3, 27, 1e-6

    def elbo_sum() -> torch.Tensor:
        return tiny_vae.elbo(x, generator=torch.Generator().manual_seed(7)).sum()

    tiny_vae.zero_grad()
    elbo_sum().backward()
    grad = param.grad[i, j].item()
    with torch.no_grad():
        param[i, j] += h
        up = elbo_sum().item()
        param[i, j] -= 2 * h
        down = elbo_sum().item()
        param[i, j] += h
    assert grad == pytest.approx((up - down) / (2 * h), rel=1e-4, abs=1e-6)
    assert abs(grad) > 1e-3  # the pixel is inked in these digits, so the gradient is not zero


def test_samples_follow_the_decoder(digits):
    torch.manual_seed(2)
    model = VAE(latent_dim=2, hidden=16)
    gen = torch.Generator().manual_seed(0)
    x = model.sample(4000, generator=gen)
    assert x.dtype == torch.uint8 and int(x.max()) <= 16
    z = torch.randn(4000, 2, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = model.decode(z).mean(0)
    torch.testing.assert_close(x.float().mean(0), expected, atol=0.35, rtol=0)


def test_a_gaussian_decoder_with_fixed_sigma_is_an_l2_loss():
    torch.manual_seed(3)
    model = VAE(latent_dim=2, hidden=16, likelihood="gaussian", sigma=4.0)
    z = torch.randn(1, 2)
    x_a = torch.full((1, 1, 8, 8), 7, dtype=torch.uint8)
    x_b = x_a.clone()
    x_b[0, 0, 3, 3] = 9
    mu = 8.0 + 8.0 * model.decoder.net(z)[0, 27]
    diff = model.log_px_given_z(x_b, z) - model.log_px_given_z(x_a, z)
    l2 = -((9 - mu) ** 2 - (7 - mu) ** 2) / (2 * 4.0**2)
    assert diff.item() == pytest.approx(l2.item(), abs=0.02)


def test_bad_inputs_are_named():
    model = VAE(latent_dim=2, hidden=8)
    x = torch.zeros(3, 1, 8, 8, dtype=torch.uint8)
    with pytest.raises(TypeError, match="integer levels 0..16.*float32"):
        model.elbo(x.float())
    with pytest.raises(ValueError, match=r"\(N, 1, 8, 8\).*\(3, 64\)"):
        model.elbo(x.flatten(1))
    with pytest.raises(ValueError, match=r"values in 0..17.*levels 0..16"):
        model.elbo(x + torch.tensor(17, dtype=torch.uint8) * (torch.arange(64) == 5).reshape(
            1, 1, 8, 8).to(torch.uint8))
    with pytest.raises(ValueError, match="k must be an int >= 1, got 0"):
        model.iwae_bound(x, 0)
    with pytest.raises(ValueError, match="unknown likelihood 'bernoulli'.*'categorical'"):
        VAE(likelihood="bernoulli")
    with pytest.raises(ValueError, match="sigma applies only"):
        VAE(likelihood="categorical", sigma=1.0)
    with pytest.raises(ValueError, match=r"sigma \(levels\) must be a finite number > 0, got -1"):
        VAE(likelihood="gaussian", sigma=-1)
    with pytest.raises(ValueError, match="dropout must be a number in \\[0, 1\\), got 1"):
        VAE(dropout=1)
    with pytest.raises(TypeError, match="torch.Tensor.*list"):
        model.elbo([[0]])
    with pytest.raises(ValueError, match="x_val must have shape"):
        train_vae(model, x, x[0], **SETTINGS, progress=False)


def test_the_gaussian_decoder_is_the_one_discretized_gaussian():
    torch.manual_seed(6)
    model = VAE(latent_dim=2, hidden=16, likelihood="gaussian")
    z = 2 * torch.randn(5, 2)
    h = model.decoder.net(z).unflatten(-1, (2, 1, 8, 8))
    mu, sigma = 8.0 + 8.0 * h[:, 0], 0.1 + torch.nn.functional.softplus(h[:, 1] + 1.0)
    torch.testing.assert_close(model.level_log_probs(z),
                               discretized_gaussian_log_probs(mu, sigma, 17))


@pytest.mark.parametrize("likelihood", ["categorical", "gaussian"])
def test_log_weights_do_not_depend_on_the_chunk_size(likelihood, digits):
    torch.manual_seed(7)
    model = VAE(latent_dim=3, hidden=16, likelihood=likelihood).eval()
    x = digits[:30]
    with torch.no_grad():
        whole = model.log_weights(x, 120, torch.Generator().manual_seed(0), chunk=120)
        chunked = model.log_weights(x, 120, torch.Generator().manual_seed(0), chunk=7)
    assert whole.shape == (120, 30)
    torch.testing.assert_close(chunked, whole, rtol=0, atol=1e-4)


def test_reparameterize_is_mu_plus_sigma_eps():
    mu, log_var, eps = torch.tensor([1.0, -2.0]), torch.tensor([0.0, math.log(4.0)]), \
        torch.tensor([0.5, 0.5])
    torch.testing.assert_close(reparameterize(mu, log_var, eps), torch.tensor([1.5, -1.0]))


def test_early_stopping_keeps_the_weights_of_the_best_check(digits):
    x, x_val = digits[:200], load_digits("val")[0][:100]
    settings = {**SETTINGS, "num_epochs": 12, "check_every": 3, "lr": 1e-2}

    def run(num_epochs):
        torch.manual_seed(8)
        model = VAE(latent_dim=2, hidden=16, dropout=0.1)
        return model, train_vae(model, x, x_val, **{**settings, "num_epochs": num_epochs},
                                generator=torch.Generator().manual_seed(1), progress=False)

    model, history = run(12)
    assert len(history["loss"]) == 12 and len(history["val_loss"]) == 4
    best = history["best_epoch"][0]
    assert best < 12  # this run overfits the 200 digits, so stopping early matters
    assert history["val_loss"][best // 3 - 1] == min(history["val_loss"])
    # the kept weights are those after `best` epochs: the same run stopped there
    stopped, _ = run(best)
    for key, value in stopped.state_dict().items():
        torch.testing.assert_close(model.state_dict()[key], value, rtol=0, atol=0)


@pytest.mark.parametrize("name", ["vae_digits_2d", "vae_autoencoder_2d", "vae_vaegan_8d"])
def test_training_gives_the_same_weights_whatever_the_global_seed(name):
    runs = []
    for seed in (0, 123):
        torch.manual_seed(seed)
        state = torch.get_rng_state()
        model, history = train_recipe(name, overrides={"num_epochs": 2}, progress=False)
        assert torch.equal(torch.get_rng_state(), state)  # the caller's stream is untouched
        history.pop("train_seconds")
        runs.append((model.state_dict(), history))
    (first, history_a), (second, history_b) = runs
    assert history_a == history_b and len(history_a["loss" if "loss" in history_a
                                                   else "discriminator"]) == 2
    for key, value in first.items():
        assert torch.equal(value, second[key]), key


def test_autoencoder_learns_to_reconstruct(digits):
    torch.manual_seed(4)
    model = Autoencoder(latent_dim=2, hidden=32)
    settings = {**RECIPES["vae_autoencoder_2d"].settings, "num_epochs": 20}
    loss = train_autoencoder(model, digits[:200], **settings, progress=False)["loss"]
    assert loss[-1] < 0.8 * loss[0]


def test_vaegan_updates_each_network_with_its_own_loss(digits):
    torch.manual_seed(5)
    model = build_vaegan(latent_dim=2, hidden=16, channels=8)
    vae, disc = model["vae"], model["discriminator"]
    parts = {"encoder": vae.encoder, "decoder": vae.decoder, "discriminator": disc}
    before = {k: [p.detach().clone() for p in m.parameters()] for k, m in parts.items()}
    settings = {**RECIPES["vae_vaegan_8d"].settings, "num_epochs": 2}
    history = train_vaegan(model, digits[:64], **settings, progress=False)
    for key, module in parts.items():
        assert all(not torch.equal(b, a) for b, a in zip(before[key], module.parameters())), key
    assert set(history) == {"discriminator", "encoder", "decoder", "prior", "disl",
                            "gan_decoder"}
    assert all(len(v) == 2 and all(math.isfinite(t) for t in v) for v in history.values())
    # the encoder's loss is the KL plus the feature distance, the decoder's adds the GAN loss
    gamma = settings["gamma"]
    for e in range(2):
        assert history["encoder"][e] == pytest.approx(history["prior"][e] + history["disl"][e])
        assert history["decoder"][e] == pytest.approx(gamma * history["disl"][e]
                                                      + history["gan_decoder"][e])
