"""Properties of the vector quantizer, VQ-VAE-2 and its prior (genzoo_lite.models.vqvae)."""
import math

import pytest
import torch

from genzoo_lite.models.vqvae import (PatchDiscriminator, VectorQuantizer, VQVAE2, VQVAE2Prior,
                                      perplexity, train_prior)


def _z(n=4, dim=3, h=5, w=5, seed=0):
    return torch.randn(n, dim, h, w, generator=torch.Generator().manual_seed(seed))


def test_straight_through_gradient_is_identity():
    vq = VectorQuantizer(8, 3).eval()
    z_e = _z().requires_grad_(True)
    g = _z(seed=1)
    (grad,) = torch.autograd.grad((vq(z_e).quantized * g).sum(), z_e)
    torch.testing.assert_close(grad, g, rtol=0, atol=0)


def test_quantized_are_the_nearest_codebook_rows():
    vq = VectorQuantizer(16, 3).eval()
    torch.nn.init.normal_(vq.codebook)
    z_e = _z()
    out = vq(z_e)
    flat = z_e.permute(0, 2, 3, 1).reshape(-1, 3)  # (M, 3)
    brute = torch.stack([((vq.codebook - z) ** 2).sum(1).argmin() for z in flat])
    assert torch.equal(out.indices.reshape(-1), brute)
    assert out.indices.dtype == torch.int64 and out.indices.shape == (4, 5, 5)
    rows = vq.codebook[out.indices].permute(0, 3, 1, 2)  # (N, D, H, W)
    assert torch.equal(out.quantized, rows)  # exactly, not approximately


def test_loss_matches_hand_computation_and_routes_gradients():
    vq = VectorQuantizer(4, 2, beta=0.3).eval()
    with torch.no_grad():
        vq.codebook.copy_(torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [2.0, 2.0]]))
    z_e = torch.tensor([[0.2, -0.1], [0.9, 0.3], [1.8, 2.4]]).T.reshape(1, 2, 1, 3)
    z_e.requires_grad_(True)
    nearest = torch.tensor([[0.0, 0.0], [1.0, 0.0], [2.0, 2.0]])
    sq = ((z_e.detach().reshape(2, 3).T - nearest) ** 2).mean()
    out = vq(z_e)
    assert math.isclose(out.loss.item(), (1 + 0.3) * sq.item(), rel_tol=1e-6)
    # codebook term alone: moves the codes, not the encoder
    vq.beta = 0.0
    out = vq(z_e)
    g_z, g_c = torch.autograd.grad(out.loss, (z_e, vq.codebook))
    assert torch.all(g_z == 0) and g_c.abs().sum() > 0
    assert torch.all(g_c[2] == 0)  # the unused code gets no gradient
    # commitment term alone: moves the encoder, not the codes
    codebook_part = torch.nn.functional.mse_loss(vq.codebook[out.indices.reshape(-1)], nearest)
    assert codebook_part.item() == 0
    vq.beta = 1.0
    loss = vq(z_e).loss - torch.nn.functional.mse_loss(
        vq.codebook[out.indices].permute(0, 3, 1, 2), z_e.detach())
    g_z, g_c = torch.autograd.grad(loss, (z_e, vq.codebook))
    assert g_z.abs().sum() > 0 and torch.all(g_c == 0)


def test_perplexity_uniform_and_single_code():
    assert math.isclose(perplexity(torch.arange(12) % 6, 6).item(), 6.0, rel_tol=1e-6)
    assert math.isclose(perplexity(torch.full((50,), 3), 6).item(), 1.0, rel_tol=1e-6)
    vq = VectorQuantizer(4, 1).eval()
    with torch.no_grad():
        vq.codebook.copy_(torch.tensor([[0.0], [1.0], [2.0], [3.0]]))
    z_e = torch.tensor([0.0, 1.0, 2.0, 3.0]).reshape(1, 1, 2, 2)
    assert math.isclose(vq(z_e).perplexity.item(), 4.0, rel_tol=1e-6)


def test_dead_code_restart_revives_unused_codes():
    torch.manual_seed(0)
    vq = VectorQuantizer(8, 2, restart_threshold=0.5, usage_decay=0.5).train()
    with torch.no_grad():
        vq.codebook.fill_(100.0)  # all codes far away: only one is ever the nearest
        vq.codebook[0] = 0.0
    z_e = _z(n=8, dim=2, h=4, w=4)
    for _ in range(5):
        vq(z_e)
    assert vq.restarts >= 7
    out = vq.eval()(z_e)
    assert len(torch.unique(out.indices)) == 8
    assert (vq.codebook.abs() < 50).all()  # every code now sits among the data


def test_kmeans_init_places_codes_on_data():
    vq = VectorQuantizer(3, 2, kmeans_init=True).train()
    centres = torch.tensor([[5.0, 5.0], [-5.0, 5.0], [0.0, -6.0]])
    pts = centres.repeat_interleave(30, 0) + 0.1 * torch.randn(
        90, 2, generator=torch.Generator().manual_seed(0))
    vq(pts.T.reshape(1, 2, 9, 10))
    assert vq.initialized.item() == 1
    for c in centres:
        assert ((vq.codebook.detach() - c) ** 2).sum(1).min().sqrt() < 0.1


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return VQVAE2(hidden=8, dim=4, num_codes_top=8, num_codes_bottom=8).eval()


def test_top_map_coarser_and_decode_codes_matches_forward(model):
    x = torch.rand(3, 1, 32, 32, generator=torch.Generator().manual_seed(0))
    top, bottom = model.encode(x)
    assert top.shape == (3, 4, 4) and bottom.shape == (3, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(model.decode_codes(top, bottom), model(x).x_hat)


def test_bottom_dropout_decodes_dropped_crops_from_the_top_codes_alone():
    torch.manual_seed(0)
    x = torch.rand(3, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    m = VQVAE2(hidden=8, dim=4, num_codes_top=8, num_codes_bottom=8, kmeans_init=False,
               restart_threshold=None, bottom_dropout=1.0).train()
    with torch.no_grad():
        top_only = m.decoder(m.up_top(m.quant_top.lookup(m.encode(x)[0])))
        torch.testing.assert_close(m(x).x_hat, top_only)  # training: every crop dropped
        top, bottom = m.encode(x)
        torch.testing.assert_close(m.eval()(x).x_hat, m.decode_codes(top, bottom))
        assert not torch.allclose(m.decode_codes(top, bottom), top_only)  # eval: both levels


def test_training_lowers_losses_on_a_fixed_batch():
    torch.manual_seed(0)
    m = VQVAE2(hidden=16, dim=8, num_codes_top=8, num_codes_bottom=16, kmeans_init=False,
               restart_threshold=None)  # random codes, far from the encoder's outputs
    x = torch.rand(8, 1, 16, 16, generator=torch.Generator().manual_seed(1))
    opt = torch.optim.Adam(m.parameters(), lr=3e-3)
    m.train()
    first = m(x)
    for _ in range(30):
        out = m(x)
        opt.zero_grad()
        out.loss.backward()
        opt.step()
    last = m(x)
    assert last.recon_loss < first.recon_loss and last.bottom.loss < first.bottom.loss


def test_prior_samples_are_valid_and_decodable(model):
    prior = VQVAE2Prior(8, 8, channels=8, num_layers=1)
    top = torch.randint(8, (6, 2, 2), generator=torch.Generator().manual_seed(0))
    bottom = torch.randint(8, (6, 4, 4), generator=torch.Generator().manual_seed(1))
    train_prior(prior, top, bottom, num_epochs=1, progress=False)
    t, b = prior.sample_codes(3, (2, 2), generator=torch.Generator().manual_seed(2))
    assert t.shape == (3, 2, 2) and b.shape == (3, 4, 4)
    assert 0 <= t.min() and t.max() < 8 and 0 <= b.min() and b.max() < 8
    images = prior.sample(model, 2, (2, 2), generator=torch.Generator().manual_seed(2))
    assert images.shape == (2, 1, 16, 16)


def test_patch_discriminator_one_logit_per_patch():
    assert PatchDiscriminator()(torch.rand(2, 1, 32, 32)).shape == (2, 1, 8, 8)


@pytest.mark.parametrize("kwargs, match", [
    (dict(num_codes=1, dim=2), "num_codes must be an int >= 2, got 1"),
    (dict(num_codes=4, dim=0), "dim must be an int >= 1, got 0"),
])
def test_bad_constructor_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        VectorQuantizer(**kwargs)


@pytest.mark.parametrize("value", [-0.1, 1.5, "half"])
def test_bad_bottom_dropout(value):
    with pytest.raises(ValueError, match="bottom_dropout must be a number in"):
        VQVAE2(bottom_dropout=value)


def test_bad_inputs_raise_clear_errors(model):
    vq = VectorQuantizer(4, 3)
    with pytest.raises(ValueError, match="5 channels.*dim=3"):
        vq(torch.zeros(1, 5, 2, 2))
    with pytest.raises(ValueError, match="4 dimensions"):
        vq(torch.zeros(3, 2, 2))
    with pytest.raises(TypeError, match="float"):
        vq(torch.zeros(1, 3, 2, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="in_channels=1"):
        model(torch.zeros(1, 3, 32, 32))
    with pytest.raises(ValueError, match="multiples of 8"):
        model(torch.zeros(1, 1, 30, 32))
    top, bottom = torch.zeros(1, 4, 4, dtype=torch.long), torch.zeros(1, 8, 8, dtype=torch.long)
    with pytest.raises(ValueError, match="values 8..8.*num_codes=8: allowed 0..7"):
        model.decode_codes(top + 8, bottom)
    with pytest.raises(ValueError, match="values -1..-1"):
        model.decode_codes(top, bottom - 1)
    with pytest.raises(TypeError, match="integer"):
        model.decode_codes(top.float(), bottom)
    with pytest.raises(ValueError, match=r"\(N, 2h, 2w\)"):
        model.decode_codes(top, bottom[:, :4, :4])
