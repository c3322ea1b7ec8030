"""The per-pixel classifier and its autoregressive counterpart, both models of P(x | downsample):
independence and causality by gradients, normalization, the shipped recipes, reproducibility."""
import itertools

import pytest
import torch
from skimage.transform import downscale_local_mean

from genzoo_lite import load_digits, load_pretrained, train_recipe
from genzoo_lite.models.autoregressive.pixel_classifier import (
    PixelClassifier,
    PixelCNNUpsampler,
    downsample,
    train_upsampler,
)
from genzoo_lite.models.autoregressive.pixelrnn import dependency_matrix


def small(cls, **kwargs):
    torch.manual_seed(0)
    sizes = {"channels": 8, "num_layers": 3}
    if cls is PixelCNNUpsampler:
        sizes.update(num_layers=2, features=4, encoder_layers=3)
    return cls(**{**sizes, **kwargs}).eval()


def test_downsample_is_the_block_mean_as_skimage_computes_it():
    x = torch.randint(0, 17, (5, 1, 8, 8), generator=torch.Generator().manual_seed(0))
    expected = downscale_local_mean(x.numpy().astype(float), (1, 1, 2, 2)) / 16
    torch.testing.assert_close(downsample(x), torch.from_numpy(expected).float())
    with pytest.raises(ValueError, match="multiple of factor=3"):
        downsample(x, factor=3)


def test_classifier_pixels_depend_on_the_input_only_never_on_other_pixels():
    model = small(PixelClassifier)
    gen = torch.Generator().manual_seed(0)
    x, other = torch.randint(0, 17, (2, 3, 1, 8, 8), generator=gen)
    s = downsample(x).requires_grad_(True)
    with torch.no_grad():  # any other target image: the same logits at every pixel
        assert torch.equal(model(x, cond=s), model(other, cond=s))
    # and every pixel's logits see the whole 4x4 input (the encoder spans the image)
    for i in range(64):
        (grad,) = torch.autograd.grad(model(x, cond=s)[0, :, i // 8, i % 8].sum(), s)
        assert (grad[0] != 0).all()


def test_classifier_log_prob_is_a_sum_of_independent_per_pixel_terms():
    model = small(PixelClassifier, levels=5)
    x = torch.randint(0, 5, (4, 1, 4, 6), generator=torch.Generator().manual_seed(1))
    s = downsample(x, levels=5)
    with torch.no_grad():
        log_p = torch.log_softmax(model(x, cond=s), dim=1)  # (N, 5, H, W)
        # log P(x | s) changes by exactly the change at one pixel when only that pixel changes
        changed = x.clone()
        changed[:, 0, 2, 3] = (x[:, 0, 2, 3] + 1) % 5
        delta = model.log_prob(changed, cond=s) - model.log_prob(x, cond=s)
        expected = (log_p[:, :, 2, 3].gather(1, changed[:, 0, 2, 3, None])
                    - log_p[:, :, 2, 3].gather(1, x[:, 0, 2, 3, None]))[:, 0]
    torch.testing.assert_close(delta, expected)


def test_upsampler_is_causal_in_x_and_sees_the_whole_input():
    model = small(PixelCNNUpsampler)
    gen = torch.Generator().manual_seed(0)
    x = torch.randint(0, 17, (1, 1, 8, 8), generator=gen)
    s = downsample(x)
    features = model.encoder(torch.nn.functional.interpolate(s, size=(8, 8)))  # (1, C, 8, 8)
    seen = dependency_matrix(model, cond=features.detach())
    assert not seen[torch.triu(torch.ones(64, 64, dtype=torch.bool))].any()
    s = s.requires_grad_(True)
    (grad,) = torch.autograd.grad(model(x, cond=s)[0, :, 0, 0].sum(), s)
    assert (grad[0] != 0).all()  # the very first pixel already knows every block mean


@pytest.mark.parametrize("cls", [PixelClassifier, PixelCNNUpsampler])
def test_probabilities_given_the_input_sum_to_one(cls):
    model = small(cls, levels=3)
    x = torch.tensor(list(itertools.product(range(3), repeat=4))).reshape(81, 1, 2, 2)
    for s in [0.0, 0.3, 1.0]:
        with torch.no_grad():
            mass = model.log_prob(x, cond=torch.full((81, 1, 1, 1), s)).double().exp().sum()
        assert mass.item() == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("cls", [PixelClassifier, PixelCNNUpsampler])
def test_sampling_is_reproducible_and_greedy_at_low_temperature(cls):
    model = small(cls, levels=5)
    s = torch.rand(3, 1, 2, 2, generator=torch.Generator().manual_seed(0))
    a, b, c = (model.sample(3, (4, 4), cond=s, generator=torch.Generator().manual_seed(k))
               for k in (7, 7, 8))
    assert torch.equal(a, b) and not torch.equal(a, c)
    greedy = model.sample(3, (4, 4), temperature=1e-4, cond=s,
                          generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.equal(model(greedy, cond=s).argmax(dim=1, keepdim=True), greedy)


def test_both_need_the_input():
    x = torch.zeros(2, 1, 8, 8, dtype=torch.long)
    for cls in (PixelClassifier, PixelCNNUpsampler):
        with pytest.raises(TypeError, match="needs cond"):
            small(cls).log_prob(x)
    with pytest.raises(ValueError, match="num_epochs"):
        train_upsampler(small(PixelClassifier), x, num_epochs=0, lr=1e-3, batch_size=2)


def test_shipped_models_load_and_the_autoregressive_one_has_fewer_bits():
    x_test = load_digits("test")[0].long()
    s = downsample(x_test)
    classifier = load_pretrained("pixel_classifier_digits")
    upsampler = load_pretrained("pixelcnn_upsampler_digits")
    assert isinstance(classifier, PixelClassifier) and isinstance(upsampler, PixelCNNUpsampler)
    assert upsampler.bits_per_dim(x_test, cond=s) < classifier.bits_per_dim(x_test, cond=s)


@pytest.mark.parametrize("name", ["pixel_classifier_digits", "pixelcnn_upsampler_digits"])
def test_short_training_is_the_same_whatever_the_global_seed(name):
    runs = []
    for seed in (1, 2):
        torch.manual_seed(seed)
        model, history = train_recipe(name, overrides={"num_epochs": 1}, progress=False)
        runs.append((model.state_dict(), history["loss"]))
    (a, loss_a), (b, loss_b) = runs
    assert loss_a == loss_b
    for key in a:
        assert torch.equal(a[key], b[key]), key
