"""The VAE's bounds against exact values: KL, ELBO <= log p(x) <= IWAE_k limit, gradients."""
import math

import pytest
import torch

from genzoo_lite.data import load_digits
from genzoo_lite.models.vae import (VAE, Autoencoder, Discriminator, check_digits, gaussian_kl,
                                    train_autoencoder, train_vae, train_vaegan)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """These models are tiny: one thread is faster, and far faster on a shared, busy CPU."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def digits():
    x, _ = load_digits("train")
    return x


@pytest.fixture(scope="module")
def tiny_vae(digits):
    """A 1-D latent VAE trained briefly, so q(z|x) is informative but not exact."""
    torch.manual_seed(0)
    model = VAE(latent_dim=1, hidden=32)
    train_vae(model, digits[:200], num_epochs=15, progress=False)
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
    with pytest.raises(ValueError, match=r"levels 0..16.*\[0, 17\]"):
        model.elbo(x + torch.tensor(17, dtype=torch.uint8) * (torch.arange(64) == 5).reshape(
            1, 1, 8, 8).to(torch.uint8))
    with pytest.raises(ValueError, match="k must be an int >= 1, got 0"):
        model.iwae_bound(x, 0)
    with pytest.raises(ValueError, match="unknown likelihood 'bernoulli'.*'categorical'"):
        VAE(likelihood="bernoulli")
    with pytest.raises(ValueError, match="sigma applies only"):
        VAE(likelihood="categorical", sigma=1.0)
    with pytest.raises(ValueError, match="sigma must be a positive number.*-1"):
        VAE(likelihood="gaussian", sigma=-1)
    with pytest.raises(TypeError, match="list"):
        check_digits([[0]])


def test_autoencoder_learns_to_reconstruct(digits):
    torch.manual_seed(4)
    model = Autoencoder(latent_dim=2, hidden=32)
    history = train_autoencoder(model, digits[:200], num_epochs=20, progress=False)
    assert history[-1] < 0.8 * history[0]


def test_vaegan_updates_each_network_with_its_own_loss(digits):
    torch.manual_seed(5)
    vae, disc = VAE(latent_dim=2, hidden=16, likelihood="gaussian", sigma=2.0), Discriminator(8)
    before = [p.detach().clone() for p in (*vae.encoder.parameters(), *vae.decoder.parameters(),
                                            *disc.parameters())]
    history = train_vaegan(vae, disc, digits[:64], num_epochs=2, progress=False)
    after = [*vae.encoder.parameters(), *vae.decoder.parameters(), *disc.parameters()]
    assert all(not torch.equal(b, a) for b, a in zip(before, after))
    assert all(len(v) == 2 and all(math.isfinite(t) for t in v) for v in history.values())


def test_exercise_checks_accept_right_answers_and_name_mistakes(capsys):
    from genzoo_lite.exercises import vae as ex

    def todo(*_):
        raise NotImplementedError

    assert ex.check_kl(gaussian_kl).ok
    assert "1/2" in ex.check_kl(lambda m, v: 2 * gaussian_kl(m, v)).message
    assert "sign" in ex.check_kl(lambda m, v: -gaussian_kl(m, v)).message
    assert "mu^2" in ex.check_kl(lambda m, v: 0.5 * (v.exp() - 1 - v).sum(1)).message
    assert "not attempted" in ex.check_kl(todo).message
    assert ex.check_reparameterize(lambda m, v, e: m + (0.5 * v).exp() * e).ok
    assert "variance" in ex.check_reparameterize(lambda m, v, e: m + v.exp() * e).message
    assert "mean mu" in ex.check_reparameterize(lambda m, v, e: (0.5 * v).exp() * e + 0 * m).message
    assert "no gradient" in ex.check_reparameterize(
        lambda m, v, e: (m + (0.5 * v).exp() * e).detach()).message
    assert ex.check_iwae(lambda w: torch.logsumexp(w, 0) - math.log(len(w))).ok
    assert "ELBO" in ex.check_iwae(lambda w: w.mean(0)).message
    assert "log(k)" in ex.check_iwae(lambda w: torch.logsumexp(w, 0)).message
    assert "logsumexp" in ex.check_iwae(lambda w: w.exp().mean(0).log()).message
    assert "✓ Exercise 3" in capsys.readouterr().out
