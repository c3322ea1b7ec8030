import numpy as np
import pytest
import torch
from sklearn.mixture import GaussianMixture

from genzoo_lite.core.data import toy2d
from genzoo_lite.core.distributions import discretized_gaussian_log_probs
from genzoo_lite.models.explicit.gaussian import (
    discretized_gaussian_log_prob,
    em_step,
    fit_gaussian,
    fit_gmm,
    gaussian_log_prob,
    init_gmm,
)


def test_mle_is_the_closed_form_and_maximises_the_likelihood():
    x = toy2d("two_moons", 400).double()
    mu, cov = fit_gaussian(x)
    torch.testing.assert_close(mu, x.mean(0))
    torch.testing.assert_close(cov, torch.from_numpy(np.cov(x.numpy().T, bias=True)))
    best = gaussian_log_prob(x, mu, cov).mean()
    for delta_mu, scale in [(0.05, 1.0), (0.0, 1.05), (0.0, 0.95), (-0.02, 1.0)]:
        worse = gaussian_log_prob(x, mu + delta_mu, cov * scale).mean()
        assert worse < best


def test_fit_gaussian_rejects_integer_and_mis_shaped_input():
    with pytest.raises(TypeError, match="floating point.*torch.uint8"):
        fit_gaussian(torch.zeros(5, 2, dtype=torch.uint8))
    with pytest.raises(ValueError, match=r"\(N, D\).*\(5,\)"):
        fit_gaussian(torch.zeros(5))
    with pytest.raises(TypeError, match="ndarray"):
        fit_gaussian(np.zeros((5, 2)))


@pytest.mark.parametrize("name,k", [("two_moons", 8), ("rings", 12), ("eight_gaussians", 8)])
def test_em_log_likelihood_never_decreases(name, k):
    lls = np.array(fit_gmm(toy2d(name, 800), k=k, n_iter=60, seed=1).log_likelihoods)
    assert np.all(np.diff(lls) >= -1e-9), np.diff(lls).min()
    assert lls[-1] > lls[0] + 0.1  # and it actually climbs


def test_em_step_matches_log_likelihood_of_returned_model():
    x = toy2d("rings", 300)
    gmm = em_step(init_gmm(x, 4), x)
    assert gmm.log_likelihoods[-1] == pytest.approx(gmm.log_prob(x).mean().item())
    torch.testing.assert_close(gmm.responsibilities(x).sum(1), torch.ones(300, dtype=torch.float64))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # tol=0 on purpose
def test_em_agrees_with_scikit_learn_from_the_same_start():
    x = toy2d("eight_gaussians", 1000)
    start = init_gmm(x, 8, seed=0)
    ours = fit_gmm(x, k=8, n_iter=30, seed=0)
    sk = GaussianMixture(8, max_iter=30, tol=0.0, reg_covar=1e-6,
                         weights_init=start.weights.numpy(), means_init=start.means.numpy(),
                         precisions_init=torch.linalg.inv(start.covs).numpy())
    sk.fit(x.double().numpy())
    np.testing.assert_allclose(ours.means.numpy(), sk.means_, atol=1e-5)
    assert ours.log_likelihoods[-1] == pytest.approx(sk.score(x.double().numpy()), abs=1e-5)


def test_gmm_density_integrates_to_one():
    gmm = fit_gmm(toy2d("two_moons", 500), k=4, n_iter=30)
    axis = torch.linspace(-6, 6, 301, dtype=torch.float64)
    gx, gy = torch.meshgrid(axis, axis, indexing="xy")
    grid = torch.stack([gx.flatten(), gy.flatten()], 1)
    mass = gmm.log_prob(grid).exp().sum() * (axis[1] - axis[0]) ** 2
    assert mass.item() == pytest.approx(1.0, abs=1e-3)


def test_gmm_samples_follow_the_mixture():
    gmm = fit_gmm(toy2d("eight_gaussians", 1000), k=8, n_iter=50)
    samples = gmm.sample(4000, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(samples.mean(0), (gmm.weights[:, None] * gmm.means).sum(0),
                               atol=0.1, rtol=0)


def test_fit_gmm_rejects_bad_k():
    with pytest.raises(ValueError, match=r"k must be an int in \[1, N=10\], got 11"):
        fit_gmm(torch.zeros(10, 2), k=11)


def test_discretized_gaussian_sums_to_one_over_all_levels():
    levels = 5
    mu, sigma = torch.tensor([1.3, 4.2]), torch.tensor([0.7, 2.0])
    grid = torch.cartesian_prod(torch.arange(levels), torch.arange(levels))  # all (x1, x2)
    total = discretized_gaussian_log_prob(grid, mu, sigma, levels).exp().sum()
    assert total.item() == pytest.approx(1.0, abs=1e-12)
    # a narrow Gaussian puts almost all mass on the nearest level
    p = discretized_gaussian_log_prob(torch.tensor([[1, 4]]), torch.tensor([1.0, 4.0]),
                                      torch.tensor([0.1, 0.1]), levels).exp()
    assert p.item() == pytest.approx(1.0, abs=1e-6)


def test_discretized_gaussian_rejects_floats_and_out_of_range_levels():
    with pytest.raises(TypeError, match="integer levels 0..16"):
        discretized_gaussian_log_prob(torch.zeros(2, 3), torch.zeros(3), torch.ones(3), 17)
    with pytest.raises(ValueError, match=r"values in 0\.\.17, but allowed are the levels 0\.\.16"):
        discretized_gaussian_log_prob(torch.tensor([[0, 17]]), torch.zeros(2), torch.ones(2), 17)
    with pytest.raises(ValueError, match=r"shape \(N, D\), got \(3,\)"):
        discretized_gaussian_log_prob(torch.tensor([0, 1, 2]), torch.zeros(3), torch.ones(3), 17)
    with pytest.raises(ValueError, match=r"mu \(2,\) and sigma \(3,\) must both have shape \(3,\)"):
        discretized_gaussian_log_prob(torch.zeros(2, 3, dtype=torch.long), torch.zeros(2),
                                      torch.ones(3), 17)


def test_discretized_gaussian_matches_differences_of_the_normal_cdf():
    mu, sigma = torch.tensor([3.2, 9.9, 0.0]), torch.tensor([1.5, 0.4, 3.0])
    x = torch.tensor([[0, 11, 5], [3, 10, 0], [6, 9, 16]])  # no far tails: naive CDFs suffice
    normal = torch.distributions.Normal(mu.double(), sigma.double())
    k = x.double()
    upper = torch.where(x == 16, 1.0, normal.cdf(k + 0.5))  # the end bins reach to +-inf
    lower = torch.where(x == 0, 0.0, normal.cdf(k - 0.5))
    want = (upper - lower).log().sum(dim=1)
    torch.testing.assert_close(discretized_gaussian_log_prob(x, mu, sigma, 17), want)
    assert discretized_gaussian_log_probs(mu, sigma, 17).shape == (3, 17)  # the shared table


def test_log_joint_equals_one_batched_multivariate_normal_bit_for_bit():
    import torch
    from torch.distributions import MultivariateNormal

    from genzoo_lite import load_digits
    from genzoo_lite.models.explicit.gaussian import fit_gmm

    x = load_digits("val")[0].flatten(1).double() / 16
    gmm = fit_gmm(x, k=4, n_iter=3, seed=0, reg_covar=0.01)
    batched = MultivariateNormal(gmm.means, covariance_matrix=gmm.covs).log_prob(x[:, None, :])
    assert torch.equal(gmm.log_joint(x), gmm.weights.log() + batched)
