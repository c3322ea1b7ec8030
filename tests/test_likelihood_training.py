"""Weight averaging + early stopping (core/ema.py), PixelCNN++'s discretized logistic mixture
(models/autoregressive/logistic_mixture.py) and IWAE-k training of the VAE: the training changes
behind the shipped models' likelihoods."""
import math

import pytest
import torch

from genzoo_lite import load_digits
from genzoo_lite.core.ema import WeightAverage, train_averaged
from genzoo_lite.core.utils import seeded
from genzoo_lite.models.autoregressive.gated_pixelcnn import GatedPixelCNN
from genzoo_lite.models.autoregressive.logistic_mixture import (
    LogisticMixtureGatedPixelCNN,
    discretized_logistic_mixture_log_probs,
)
from genzoo_lite.models.autoregressive.pixelcnn import train_autoregressive
from genzoo_lite.models.autoregressive.pixelrnn import dependency_matrix
from genzoo_lite.models.latent.vae import VAE, train_vae


def test_weight_average_is_an_exponential_moving_average():
    model = torch.nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(0.0)
    average = WeightAverage(model, decay=0.75)
    for value in (4.0, 8.0):
        with torch.no_grad():
            model.weight.fill_(value)
        average.update(model)
    # 0 -> 0.25 * 4 = 1 -> 0.75 * 1 + 0.25 * 8 = 2.75
    average.copy_to(model)
    assert model.weight.item() == pytest.approx(2.75)
    with pytest.raises(ValueError, match=r"ema_decay must be a number in \[0, 1\), got 1.0"):
        WeightAverage(model, decay=1.0)


def test_averaged_training_keeps_the_best_validated_epoch():
    x = load_digits("train")[0][:128].long()
    x_val = load_digits("val")[0][:64].long()
    with seeded(0):
        model = GatedPixelCNN(channels=8, num_layers=1)
    history = train_autoregressive(model, x, num_epochs=3, lr=5e-3, batch_size=64,
                                   ema_decay=0.5, x_val=x_val, progress=False)
    assert len(history["loss"]) == 3 and len(history["val_bpd"]) == 3
    best = history["best_epoch"][0]
    assert history["val_bpd"][best - 1] == min(history["val_bpd"])
    assert model.bits_per_dim(x_val) == pytest.approx(min(history["val_bpd"]), abs=1e-6)
    assert not model.training


def test_averaged_training_is_reproducible_and_without_validation_keeps_the_last_average():
    x = load_digits("train")[0][:64].long()
    weights = []
    for _ in range(2):
        with seeded(0):
            model = GatedPixelCNN(channels=8, num_layers=1, dropout=0.5)
        history = train_averaged(model, x, num_epochs=2, lr=5e-3, batch_size=32, ema_decay=0.9,
                                 generator=torch.Generator().manual_seed(3), progress=False)
        weights.append(torch.cat([p.flatten() for p in model.parameters()]))
    assert history["best_epoch"] == [2] and "val_bpd" not in history
    assert torch.equal(weights[0], weights[1])


def test_ema_settings_are_checked():
    x = load_digits("train")[0][:8].long()
    model = GatedPixelCNN(channels=8, num_layers=1)
    with pytest.raises(ValueError, match="x_val and ema_decay go together"):
        train_autoregressive(model, x, num_epochs=1, lr=1e-3, batch_size=8, x_val=x,
                             progress=False)
    with pytest.raises(ValueError, match="x_val must|values in 0..16|x_val"):
        train_autoregressive(model, x, num_epochs=1, lr=1e-3, batch_size=8, ema_decay=0.9,
                             x_val=x + 20, progress=False)
    with pytest.raises(ValueError, match="ema_warmup=True .* needs ema_decay"):
        train_autoregressive(model, x, num_epochs=1, lr=1e-3, batch_size=8, ema_warmup=True,
                             progress=False)


def test_discretized_logistic_mixture_is_normalized_and_peaks_at_its_mean():
    means = torch.tensor([3.0, 12.0]).view(1, 2, 1, 1)
    log_scales = torch.full((1, 2, 1, 1), math.log(0.3))
    logits = torch.tensor([10.0, -10.0]).view(1, 2, 1, 1)  # all weight on the first logistic
    log_p = discretized_logistic_mixture_log_probs(means, log_scales, logits, 17)
    assert log_p.shape == (1, 17, 1, 1)
    assert log_p.exp().sum().item() == pytest.approx(1.0, abs=1e-5)
    assert log_p.argmax().item() == 3
    # a mean far below 0: the lower tail puts all the mass on level 0
    far = discretized_logistic_mixture_log_probs(means - 50, log_scales, logits, 17)
    assert far[0, 0].exp().item() == pytest.approx(1.0, abs=1e-5)
    # a sharp logistic is symmetric about its mean: the bins two levels above it hold as little
    # as those two below (no floor near 1e-6 above the mean), and the 17 still sum to one
    sharp = discretized_logistic_mixture_log_probs(means, torch.full_like(log_scales, -3.0),
                                                   logits, 17)[0, :, 0, 0]
    assert sharp.exp().sum().item() == pytest.approx(1.0, abs=1e-6)
    assert sharp[5].item() == pytest.approx(sharp[1].item(), abs=1e-3)
    assert sharp[5].item() < -25


def test_logistic_mixture_pixelcnn_is_causal_and_a_distribution():
    with seeded(0):
        model = LogisticMixtureGatedPixelCNN(3, channels=8, num_layers=2).eval()
    x = torch.randint(0, 17, (2, 1, 8, 8), generator=torch.Generator().manual_seed(0))
    assert torch.allclose(model(x).exp().sum(dim=1), torch.ones(2, 8, 8), atol=1e-5)
    seen = dependency_matrix(model)
    assert not seen[torch.triu(torch.ones(64, 64, dtype=torch.bool))].any()
    assert 0 < model.bits_per_dim(x) < 20
    with pytest.raises(ValueError, match="mixtures"):
        LogisticMixtureGatedPixelCNN(0)


def test_iwae_k_training_validates_on_its_own_bound():
    x, x_val = load_digits("train")[0][:64], load_digits("val")[0][:32]
    with seeded(0):
        model = VAE(latent_dim=2, hidden=16)
    history = train_vae(model, x, x_val, num_epochs=2, lr=1e-3, batch_size=32, check_every=1,
                        iwae_k=4, progress=False)
    assert len(history["val_loss"]) == 2 and history["best_epoch"][0] in (1, 2)
    with pytest.raises(ValueError, match="iwae_k"):
        train_vae(model, x, num_epochs=1, lr=1e-3, batch_size=32, iwae_k=0, progress=False)


def test_cropped_kernels_compute_the_same_model():
    from genzoo_lite.models.autoregressive.pixelcnn import MaskedConv2d, PixelCNN, crop_kernels
    x = torch.randint(0, 17, (4, 1, 8, 8), generator=torch.Generator().manual_seed(1))
    label = torch.tensor([0, 1, 2, 1])
    with seeded(0):
        models = [GatedPixelCNN(channels=8, num_layers=2, embed_dim=4),
                  GatedPixelCNN(channels=8, num_layers=1, first_kernel=5, num_classes=3),
                  PixelCNN(channels=8, num_layers=2, num_classes=3)]
    for model in models:
        model.eval()
        kwargs = {"label": label} if model.num_classes else {}
        masked = model(x, **kwargs)
        assert crop_kernels(model) is model
        assert all(m.crop for m in model.modules() if isinstance(m, MaskedConv2d))
        assert torch.allclose(model(x, **kwargs), masked, atol=1e-5)
        seen = dependency_matrix(model) if not model.num_classes else None
        if seen is not None:  # still causal
            assert not seen[torch.triu(torch.ones(64, 64, dtype=torch.bool))].any()
        crop_kernels(model, False)
    # the bounding boxes: rows above (and the centre row for mask B), columns left (A) / to it (B)
    assert MaskedConv2d(1, 1, 3, "B").box == (0, 2, 0, 3)
    vertical = models[0].v_first
    assert vertical.box == (0, 3, 0, 7) and models[0].h_first.box == (0, 1, 0, 3)


def test_training_with_cropped_kernels_gives_back_the_plain_model():
    x = load_digits("train")[0][:64].long()
    x_val = load_digits("val")[0][:32].long()
    with seeded(0):
        model = GatedPixelCNN(channels=8, num_layers=1)
    history = train_averaged(model, x, x_val, num_epochs=2, lr=5e-3, batch_size=32,
                             ema_decay=0.9, crop_kernels=True, progress=False)
    assert not any(getattr(m, "crop", False) for m in model.modules())
    assert model.bits_per_dim(x_val) == pytest.approx(min(history["val_bpd"]), abs=1e-5)
