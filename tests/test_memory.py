"""The memory-saving computations behind every notebook's peak under 800 MB give the
numbers of the plain ones: chunked grids, and the Gaussian decoder's likelihood evaluated only at
the observed levels instead of gathered from the full 17-level table."""
import sys

import pytest
import torch

from genzoo_lite import load_digits
from genzoo_lite.core.distributions import (
    discretized_gaussian_log_prob_at,
    discretized_gaussian_log_probs,
)
from genzoo_lite.core.memory import return_freed_memory
from genzoo_lite.evaluation.metrics import edge_distance, edge_magnitudes
from genzoo_lite.models.energy import ebm
from genzoo_lite.models.energy.ebm import EnergyMLP, grid_log_prob
from genzoo_lite.models.latent.vae import VAE

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def digits():
    return load_digits("train")[0]


def test_grid_log_prob_in_chunks_equals_one_pass(monkeypatch):
    torch.manual_seed(0)
    energy = EnergyMLP(dim=2, hidden=16, depth=2)
    x = torch.randn(50, 2)
    whole, log_z = grid_log_prob(energy, x, lim=3.0, n=60)  # 3600 points in one pass
    monkeypatch.setattr(ebm, "_GRID_CHUNK", 7)  # 515 passes, the last one short
    chunked, log_z_chunked = grid_log_prob(energy, x, lim=3.0, n=60)
    # float32 energies: a matrix product's rounding may depend on the batch, nothing more
    torch.testing.assert_close(chunked, whole, rtol=0, atol=1e-5)
    assert abs(log_z_chunked - log_z) < 1e-5


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_log_prob_at_the_observed_level_equals_the_table(dtype):
    gen = torch.Generator().manual_seed(1)
    mu = torch.cat([torch.rand(400, generator=gen, dtype=dtype) * 24 - 4,  # past both ends
                    torch.tensor([0.0, 16.0, 8.0, 8.0], dtype=dtype)])
    sigma = torch.cat([torch.rand(400, generator=gen, dtype=dtype) * 3 + 0.05,
                       torch.tensor([0.1, 0.1, 0.01, 50.0], dtype=dtype)])
    k = torch.randint(0, 17, mu.shape, generator=gen)
    k[:17] = torch.arange(17)  # every level, the outer bins included
    table = discretized_gaussian_log_probs(mu, sigma, 17)  # (404, 17)
    expected = table.gather(-1, k[:, None])[:, 0]
    torch.testing.assert_close(discretized_gaussian_log_prob_at(k, mu, sigma, 17), expected,
                               rtol=0, atol=1e-6 if dtype == torch.float32 else 1e-12)
    with pytest.raises(ValueError, match="sigma must be positive"):
        discretized_gaussian_log_prob_at(k, mu, torch.zeros_like(sigma), 17)


@pytest.mark.parametrize("sigma", [None, 1.5])
def test_gaussian_vae_likelihood_equals_the_gathered_table(sigma, digits):
    torch.manual_seed(3)
    model = VAE(latent_dim=3, hidden=16, likelihood="gaussian", sigma=sigma).eval()
    x = digits[:20]
    z = torch.randn(6, 20, 3)  # (K, N, L), as log_weights passes them
    log_probs = model.level_log_probs(z)  # (6, 20, 1, 8, 8, 17)
    index = x.long().expand(*log_probs.shape[:-1])[..., None]
    expected = log_probs.gather(-1, index)[..., 0].flatten(-3).sum(-1)
    torch.testing.assert_close(model.log_px_given_z(x, z), expected, rtol=0, atol=1e-4)
    # and it still trains: gradients flow through the observed levels' probabilities
    z = torch.randn(20, 3, requires_grad=True)
    model.log_px_given_z(x, z).sum().backward()
    assert torch.isfinite(z.grad).all() and z.grad.abs().sum() > 0


def test_edge_statistics_without_copies_equal_the_plain_ones():
    gen = torch.Generator().manual_seed(4)
    samples, reference = torch.rand(30, 1, 9, 7, generator=gen), torch.rand(20, 1, 9, 7,
                                                                           generator=gen)
    x = samples.double()
    plain = torch.cat([(x[..., 1:, :] - x[..., :-1, :]).abs().reshape(-1),
                       (x[..., 1:] - x[..., :-1]).abs().reshape(-1)])
    assert torch.equal(edge_magnitudes(samples), plain)
    q = torch.linspace(0.005, 0.995, 99, dtype=torch.float64)
    expected = (torch.quantile(plain, q) - torch.quantile(edge_magnitudes(reference), q)).abs()
    assert abs(edge_distance(samples, reference) - float(expected.mean())) < 1e-15


def _rss_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc only")
def test_freed_tensors_go_back_to_the_system():
    assert return_freed_memory()  # importing genzoo_lite did it already; idempotent
    before = _rss_mb()
    block = torch.ones(4 << 20)  # 16 MB: glibc alone would raise its mmap threshold to this
    del block
    tensors = [torch.ones(1 << 20) for _ in range(20)]  # 20 x 4 MB, then all but the last freed
    last = tensors[-1]
    del tensors
    # glibc's default keeps the 76 MB in a heap it cannot shrink below the last tensor
    assert _rss_mb() - before < 30, f"{_rss_mb() - before:.0f} MB still resident"
    del last
