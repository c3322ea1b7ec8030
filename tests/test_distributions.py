import torch

from genzoo_lite.core.distributions import discretized_gaussian_log_probs


def test_discretized_gaussian_sums_to_one_and_has_finite_gradients():
    mu = torch.tensor([-3.0, 0.0, 8.0, 16.0, 40.0], requires_grad=True)
    sigma = torch.tensor([0.1, 1.0, 2.0, 0.5, 3.0], requires_grad=True)
    log_p = discretized_gaussian_log_probs(mu, sigma, 17)  # (5, 17)
    torch.testing.assert_close(log_p.exp().sum(-1), torch.ones(5))
    log_p[:, [0, 8, 16]].sum().backward()
    assert torch.isfinite(mu.grad).all() and torch.isfinite(sigma.grad).all()
