"""Larsen et al.'s other two columns: the digits GAN (the VAE's decoder as generator) and VAE_Disl
(feature matching in a fixed, trained discriminator, no GAN term)."""
import math

import pytest
import torch

from genzoo_lite.core.data import load_digits
from genzoo_lite.core.utils import seeded
from genzoo_lite.models.adversarial.digits_gan import build_digits_gan, generate, train_digits_gan
from genzoo_lite.models.adversarial.vaegan import build_vaegan, feature_distance, train_vae_disl
from genzoo_lite.registry.pretrained import RECIPES, load_pretrained, train_recipe

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def digits():
    return load_digits("train")[0][:64]


def small_gan():
    with seeded(0):
        return build_digits_gan(latent_dim=2, hidden=16, channels=8)


def test_the_gan_generator_is_the_vaegan_decoder_architecture():
    gan, vaegan = build_digits_gan(), build_vaegan()
    vaegan["vae"].decoder.load_state_dict(gan["generator"].state_dict())  # strict: same shapes
    z = torch.randn(5, 8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.testing.assert_close(generate(gan, z), vaegan["vae"].decode(z))
        x = generate(gan, z)
    assert x.shape == (5, 1, 8, 8) and x.min() >= 0 and x.max() <= 16


def test_gan_training_moves_each_network_by_its_own_loss(digits):
    model = small_gan()
    before = {k: [p.detach().clone() for p in m.parameters()] for k, m in model.items()}
    settings = {**RECIPES["gan_digits_8d"].settings, "num_epochs": 2}
    history = train_digits_gan(model, digits, **settings, progress=False)
    for key, module in model.items():
        assert all(not torch.equal(b, a) for b, a in zip(before[key], module.parameters())), key
    assert set(history) == {"discriminator", "generator"}
    assert all(len(v) == 2 and all(math.isfinite(t) for t in v) for v in history.values())


def test_feature_distance_is_half_the_squared_distance():
    a = torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    b = torch.tensor([[1.0, 0.0, 3.0], [1.0, 1.0, 1.0]])
    torch.testing.assert_close(feature_distance(a, b), torch.tensor([2.0, 1.5]))
    assert feature_distance(a, a).abs().max() == 0


def test_vae_disl_keeps_the_gans_discriminator_fixed_and_minimises_kl_plus_disl(digits):
    gan = small_gan()
    with seeded(1):
        model = build_vaegan(latent_dim=2, hidden=16, channels=8)
    vae, disc = model["vae"], model["discriminator"]
    encoder_before = [p.detach().clone() for p in vae.encoder.parameters()]
    decoder_before = [p.detach().clone() for p in vae.decoder.parameters()]
    settings = {**RECIPES["vae_disl_8d"].settings, "num_epochs": 2}
    history = train_vae_disl(model, digits, gan["discriminator"], **settings, progress=False)
    for key, value in gan["discriminator"].state_dict().items():
        assert torch.equal(disc.state_dict()[key], value), key  # copied, then never moved
    assert all(not torch.equal(b, a) for b, a in zip(encoder_before, vae.encoder.parameters()))
    assert all(not torch.equal(b, a) for b, a in zip(decoder_before, vae.decoder.parameters()))
    assert set(history) == {"loss", "prior", "disl"}
    for e in range(2):
        assert history["loss"][e] == pytest.approx(history["prior"][e] + history["disl"][e])


@pytest.mark.parametrize("name", ["gan_digits_8d", "vae_disl_8d"])
def test_training_gives_the_same_weights_whatever_the_global_seed(name):
    deps = {"gan_digits_8d": load_pretrained("gan_digits_8d")} if name == "vae_disl_8d" else {}
    runs = []
    for seed in (0, 123):
        torch.manual_seed(seed)
        state = torch.get_rng_state()
        model, history = train_recipe(name, deps, overrides={"num_epochs": 1}, progress=False)
        assert torch.equal(torch.get_rng_state(), state)  # the caller's stream is untouched
        history.pop("train_seconds")
        runs.append((model.state_dict(), history))
    (first, history_a), (second, history_b) = runs
    assert history_a == history_b
    for key, value in first.items():
        assert torch.equal(value, second[key]), key


def test_shipped_columns_order_as_in_larsen_et_al():
    """The shipped GAN's and VAE_Disl's decoded prior samples: VAE_Disl is sharper than the L2
    VAE by the edge distance, the GAN sharper still (the notebook's section 9 table)."""
    from genzoo_lite.evaluation.metrics import edge_distance

    x_test = load_digits("test")[0]
    z = torch.randn(500, 8, generator=torch.Generator().manual_seed(8))
    with torch.no_grad():
        vae = load_pretrained("vae_gaussian_fixed_8d").decode(z)
        disl = load_pretrained("vae_disl_8d")["vae"].decode(z)
        gan = generate(load_pretrained("gan_digits_8d"), z)
    distances = [edge_distance(s, x_test) for s in (vae, disl, gan)]
    assert distances == sorted(distances, reverse=True), distances
