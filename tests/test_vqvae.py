"""Properties of the vector quantizer, VQ-VAE-2, its prior and the VQGAN decoder
(genzoo_lite.models.quantized: quantizer, vqvae2, vqvae_prior;
genzoo_lite.models.adversarial.vqgan)."""
import math

import pytest
import torch
from sklearn.cluster import KMeans

from genzoo_lite.core.utils import seeded
from genzoo_lite.models.adversarial.vqgan import (
    PatchDiscriminator,
    encoder_feature_distance,
    train_vqgan_decoder,
)
from genzoo_lite.models.quantized.quantizer import VectorQuantizer, perplexity
from genzoo_lite.models.quantized.vqvae2 import VQVAE2, train_vqvae2
from genzoo_lite.models.quantized.vqvae_prior import VQVAE2Prior, train_prior
from genzoo_lite.registry.pretrained import RECIPES, load_pretrained, train_recipe


def _z(n=4, dim=3, h=5, w=5, seed=0):
    return torch.randn(n, dim, h, w, generator=torch.Generator().manual_seed(seed))


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def _small_vqvae(seed=0, **kwargs):
    with seeded(seed):
        return VQVAE2(hidden=8, dim=4, num_codes_top=8, num_codes_bottom=8, **kwargs)


def _same_weights(a, b):
    return all(torch.equal(p, q) for p, q in zip(a.state_dict().values(),
                                                 b.state_dict().values()))


def test_straight_through_gradient_is_identity():
    vq = VectorQuantizer(8, 3).eval()
    z_e = _z().requires_grad_(True)
    g = _z(seed=1)
    (grad,) = torch.autograd.grad((vq(z_e).quantized * g).sum(), z_e)
    torch.testing.assert_close(grad, g, rtol=0, atol=0)


def test_quantized_are_the_nearest_codebook_rows():
    vq = VectorQuantizer(16, 3).eval()
    torch.nn.init.normal_(vq.codebook, generator=_gen())
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
    vq = VectorQuantizer(8, 2, restart_threshold=0.5, usage_decay=0.5).train()
    with torch.no_grad():
        vq.codebook.fill_(100.0)  # all codes far away: only one is ever the nearest
        vq.codebook[0] = 0.0
    z_e = _z(n=8, dim=2, h=4, w=4)
    g = _gen()
    for _ in range(5):
        vq(z_e, generator=g)
    assert vq.restarts >= 7
    out = vq.eval()(z_e)
    assert len(torch.unique(out.indices)) == 8
    assert (vq.codebook.abs() < 50).all()  # every code now sits among the data


def test_kmeans_init_agrees_with_scikit_learn():
    vq = VectorQuantizer(3, 2, kmeans_init=True).train()
    centres = torch.tensor([[5.0, 5.0], [-5.0, 5.0], [0.0, -6.0]])
    pts = centres.repeat_interleave(30, 0) + 0.3 * torch.randn(90, 2, generator=_gen())
    vq(pts.T.reshape(1, 2, 9, 10), generator=_gen())
    assert vq.initialized.item() == 1
    sk = torch.tensor(KMeans(3, n_init=4, random_state=0).fit(pts.numpy()).cluster_centers_)
    ours = vq.codebook.detach()
    for c in sk.float():
        assert ((ours - c) ** 2).sum(1).min().sqrt() < 1e-4


def test_forward_randomness_comes_from_the_generator_not_the_global_seed():
    x = torch.rand(8, 1, 16, 16, generator=_gen(1))
    outs = []
    for global_seed in (1, 2):
        m = _small_vqvae().train()  # k-means start, restarts and bottom dropout all draw
        with seeded(global_seed):
            outs.append((m(x, generator=_gen(5)).x_hat, m.quant_top.codebook.detach().clone()))
    assert torch.equal(outs[0][0], outs[1][0]) and torch.equal(outs[0][1], outs[1][1])


@pytest.fixture(scope="module")
def model():
    return _small_vqvae().eval()


def test_top_map_coarser_and_decode_codes_matches_forward(model):
    x = torch.rand(3, 1, 32, 32, generator=_gen())
    top, bottom = model.encode(x)
    assert top.shape == (3, 4, 4) and bottom.shape == (3, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(model.decode_codes(top, bottom), model(x).x_hat)


def test_encode_never_changes_the_codebooks():
    m = _small_vqvae().train()
    before = {k: v.clone() for k, v in m.state_dict().items()}
    m.encode(torch.rand(4, 1, 16, 16, generator=_gen()))
    assert m.training and all(torch.equal(before[k], v) for k, v in m.state_dict().items())


def test_bottom_dropout_decodes_dropped_crops_from_the_top_codes_alone():
    x = torch.rand(3, 1, 16, 16, generator=_gen())
    m = _small_vqvae(kmeans_init=False, restart_threshold=None, bottom_dropout=1.0).train()
    with torch.no_grad():
        top_only = m.decoder(m.up_top(m.quant_top.lookup(m.encode(x)[0])))
        torch.testing.assert_close(m(x).x_hat, top_only)  # training: every crop dropped
        top, bottom = m.encode(x)
        torch.testing.assert_close(m.eval()(x).x_hat, m.decode_codes(top, bottom))
        assert not torch.allclose(m.decode_codes(top, bottom), top_only)  # eval: both levels


def test_training_lowers_losses_and_does_not_depend_on_the_global_seed():
    x = torch.rand(16, 1, 16, 16, generator=_gen(1))
    runs = []
    for global_seed in (1, 2):
        with seeded(global_seed):
            m = _small_vqvae()
            history = train_vqvae2(m, x, num_epochs=6, lr=3e-3, batch_size=8,
                                   generator=_gen(), progress=False)
        runs.append((m, history))
    assert _same_weights(runs[0][0], runs[1][0])
    history = runs[0][1]
    assert history["recon_loss"][-1] < history["recon_loss"][0]
    assert set(history) == {"loss", "recon_loss", "perplexity_top", "perplexity_bottom"}


def test_prior_samples_are_valid_and_decodable(model):
    with seeded(0):
        prior = VQVAE2Prior(8, 8, channels=8, num_layers=1)
    top = torch.randint(8, (6, 2, 2), generator=_gen())
    bottom = torch.randint(8, (6, 4, 4), generator=_gen(1))
    history = train_prior(prior, top, bottom, num_epochs=1, lr=1e-3, batch_size=4,
                          progress=False)
    assert math.isclose(history["loss"][0], history["nll_top"][0] + history["nll_bottom"][0],
                        rel_tol=1e-5)
    t, b = prior.sample_codes(3, (2, 2), generator=_gen(2))
    assert t.shape == (3, 2, 2) and b.shape == (3, 4, 4)
    assert 0 <= t.min() and t.max() < 8 and 0 <= b.min() and b.max() < 8
    images = prior.sample(model, 2, (2, 2), generator=_gen(2))
    assert images.shape == (2, 1, 16, 16)


def test_patch_discriminator_one_logit_per_patch():
    assert PatchDiscriminator()(torch.rand(2, 1, 32, 32)).shape == (2, 1, 8, 8)


def test_encoder_feature_distance_is_zero_at_x_and_moves_only_x_hat(model):
    x = torch.rand(2, 1, 16, 16, generator=_gen())
    assert encoder_feature_distance(model, x, x).item() == 0
    x_hat = torch.rand(2, 1, 16, 16, generator=_gen(1), requires_grad=True)
    (g,) = torch.autograd.grad(encoder_feature_distance(model, x, x_hat), x_hat)
    assert g.abs().sum() > 0


def test_vqgan_fine_tunes_only_the_decoder_whatever_the_global_seed():
    x = torch.rand(8, 1, 16, 16, generator=_gen(1))
    start = _small_vqvae(seed=3).eval()  # other weights than the model's own start
    runs = []
    for global_seed in (1, 2):
        with seeded(0):
            vqgan = torch.nn.ModuleDict({"vqvae": _small_vqvae(),
                                         "discriminator": PatchDiscriminator(hidden=4)})
        with seeded(global_seed):
            history = train_vqgan_decoder(vqgan, x, start, num_epochs=2, lr=1e-3, batch_size=4,
                                          feature_weight=1.0, adversarial_weight=0.1,
                                          generator=_gen(), progress=False)
        runs.append(vqgan)
    assert _same_weights(runs[0], runs[1])
    vqvae = runs[0]["vqvae"]
    changed = {k.split(".")[0] for k, v in vqvae.state_dict().items()
               if not torch.equal(v, start.state_dict()[k])}
    assert changed == {"decoder", "up_top"}  # encoders and codebooks as in start
    assert all(torch.equal(a, b) for a, b in zip(vqvae.encode(x), start.encode(x)))
    assert set(history) == {"loss", "recon_loss", "feature_distance", "generator_loss",
                            "discriminator_loss"}


def test_vqgan_recipe_starts_from_the_shipped_vqvae2():
    model, history = train_recipe("vqvae2_vqgan", overrides={"num_epochs": 1}, progress=False)
    assert set(model) == {"vqvae", "discriminator"} and len(history["loss"]) == 1
    shipped = load_pretrained("vqvae2")
    x = torch.rand(4, 1, 32, 32, generator=_gen())
    assert all(torch.equal(a, b) for a, b in zip(model["vqvae"].encode(x), shipped.encode(x)))
    assert set(RECIPES["vqvae2_vqgan"].requires) == {"vqvae2"}


@pytest.mark.parametrize("name", ["vqvae2", "vqvae2_prior"])
def test_recipes_train_briefly(name):
    model, history = train_recipe(name, overrides={"num_epochs": 1}, progress=False)
    assert not model.training and len(history["loss"]) == 1
    assert all(math.isfinite(v[0]) for v in history.values())


@pytest.mark.parametrize("kwargs, match", [
    (dict(num_codes=1, dim=2), "num_codes must be an int >= 2, got 1"),
    (dict(num_codes=4, dim=0), "dim must be an int >= 1, got 0"),
    (dict(num_codes=4, dim=2, beta=-1), "beta must be a finite number >= 0, got -1"),
    (dict(num_codes=4, dim=2, usage_decay=1.0), r"usage_decay must be a number in \[0, 1\)"),
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
