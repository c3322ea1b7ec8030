"""The GAN: its two phases move its samples onto the data, reproducibly from the generator
alone, and a NaN stops training before any weight changes."""
import math

import pytest
import torch
import torch.nn.functional as F

from genzoo_lite import DivergedError, train_recipe
from genzoo_lite.core.losses import discriminator_loss, generator_loss
from genzoo_lite.models.adversarial.gan import build_gan, train_gan
from genzoo_lite.registry.pretrained import build_model


def test_losses_at_an_undecided_discriminator_and_as_cross_entropies():
    half = torch.zeros(16)  # D = 1/2 everywhere: -log(1/2) - log(1/2) for D, -log(1/2) for G
    assert discriminator_loss(half, half).item() == pytest.approx(2 * math.log(2))
    assert generator_loss(half).item() == pytest.approx(math.log(2))
    real, fake = torch.randn(16), torch.randn(16)
    bce = F.binary_cross_entropy_with_logits
    torch.testing.assert_close(discriminator_loss(real, fake), bce(real, torch.ones(16))
                               + bce(fake, torch.zeros(16)))
    torch.testing.assert_close(generator_loss(fake), bce(fake, torch.ones(16)))


def test_generator_moves_its_samples_onto_the_data():
    data = torch.randn(2000, 2, generator=torch.Generator().manual_seed(0)) * 0.1
    data += torch.tensor([1.5, -1.0])
    torch.manual_seed(0)
    model = build_gan(hidden=32)
    g = torch.Generator().manual_seed(1)
    before = (model["generator"].sample(500, g).mean(0) - data.mean(0)).norm()
    history = train_gan(model, data, num_steps=300, batch_size=128, progress=False)
    after = (model["generator"].sample(500, g).mean(0) - data.mean(0)).norm()
    assert after < 0.3 < before
    assert sorted(history) == ["d_loss", "g_loss"] and len(history["d_loss"]) == 300


def test_training_gives_the_same_weights_whatever_the_global_seed():
    runs = []
    for global_seed in (0, 1):
        torch.manual_seed(global_seed)
        runs.append(train_recipe("gan_eight_gaussians", overrides={"num_steps": 20},
                                 progress=False))
    (a, history_a), (b, history_b) = runs
    torch.testing.assert_close(a.state_dict(), b.state_dict(), rtol=0, atol=0)
    assert history_a["g_loss"] == history_b["g_loss"]
    # and the sampler draws only from the generator it is given
    torch.manual_seed(2)
    one = a["generator"].sample(5, torch.Generator().manual_seed(0))
    torch.manual_seed(3)
    torch.testing.assert_close(one, a["generator"].sample(5, torch.Generator().manual_seed(0)))


def test_a_nan_loss_stops_training_before_any_parameter_changes():
    model = build_model("gan_eight_gaussians")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(DivergedError, match=r"d_loss is nan at step 0, before the optimizer"):
        train_gan(model, torch.full((50, 2), float("nan")), num_steps=3, progress=False)
    torch.testing.assert_close(model.state_dict(), before, rtol=0, atol=0)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"D = 2 columns.*\(10, 3\)"):
        train_gan(build_gan(), torch.zeros(10, 3), num_steps=1)
    with pytest.raises(ValueError, match="num_steps must be an int >= 1, got 0"):
        train_gan(build_gan(), torch.zeros(10, 2), num_steps=0)
    with pytest.raises(ValueError, match="n must be an int >= 1, got -1"):
        build_gan()["generator"].sample(-1)
