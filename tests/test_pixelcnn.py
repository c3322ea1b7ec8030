"""PixelCNN, Gated PixelCNN and the independent baseline: causality, exact likelihoods,
sampling and completion, conditioning, bad input."""
import itertools

import pytest
import torch

from genzoo_lite import RECIPES, load_digits, train_recipe
from genzoo_lite.core.utils import seeded
from genzoo_lite.models.autoregressive.gated_pixelcnn import (
    GatedPixelCNN,
    HorizontalStackConv2d,
    VerticalStackConv2d,
)
from genzoo_lite.models.autoregressive.pixelcnn import (
    MaskedConv2d,
    PixelCNN,
    pixel_levels,
    train_autoregressive,
)
from genzoo_lite.models.explicit.independent import IndependentPixels, fit_counts


def small(cls, **kwargs):
    with seeded(0):
        return cls(**{"channels": 8, "num_layers": 2, "embed_dim": 4, **kwargs}).eval()


def input_gradients(model, x, label=None, cond=None):
    """g[i, j] = how much the logits at raster pixel i depend on the input at pixel j: the
    gradient with respect to the embedded input (the levels are discrete, their embedding not)."""
    _, _, h, w = x.shape
    e = model.embed_input(x).detach().requires_grad_(True)  # (1, E, H, W)
    logits = model.forward_embedded(e, label, cond)  # (1, levels, H, W)
    g = torch.zeros(h * w, h * w)
    for i in range(h * w):
        (grad,) = torch.autograd.grad(logits[0, :, i // w, i % w].sum(), e, retain_graph=True)
        g[i] = grad[0].abs().sum(0).flatten()
    return g


@pytest.mark.parametrize("cls", [PixelCNN, GatedPixelCNN])
def test_default_models_are_causal_and_only_the_gated_one_sees_every_earlier_pixel(cls):
    model = cls().eval()  # the defaults used on the digits
    x = torch.randint(0, 17, (1, 1, 8, 8), generator=torch.Generator().manual_seed(1))
    g = input_gradients(model, x)
    future = torch.triu(torch.ones(64, 64, dtype=torch.bool))  # j >= i: the pixel and later
    assert (g[future] == 0).all(), "the logits at pixel i depend on pixel i or a later one"
    unseen = (g[~future] == 0).sum().item()
    if cls is GatedPixelCNN:
        assert unseen == 0, f"{unseen} (pixel, earlier pixel) pairs unseen: a blind spot"
    else:
        assert unseen > 0, "the plain PixelCNN should have a blind spot above-right"
        # e.g. the first pixel of row 1 cannot see the last pixel of row 0
        assert g[8, 7] == 0


@pytest.mark.parametrize("cls", [PixelCNN, GatedPixelCNN])
def test_changing_pixel_j_leaves_logits_up_to_j_unchanged(cls):
    model = small(cls, levels=5)
    gen = torch.Generator().manual_seed(0)
    x = torch.randint(0, 5, (1, 1, 6, 7), generator=gen)
    base = model(x)
    for j in [0, 5, 6, 13, 20, 40]:
        changed = x.clone()
        changed[0, 0, j // 7, j % 7] = (x[0, 0, j // 7, j % 7] + 1) % 5
        diff = (model(changed) - base).abs().amax(dim=(0, 1)).flatten()  # (H W,)
        assert (diff[:j + 1] == 0).all()
        assert diff[j + 1:].max() > 0  # and later pixels do use it


def test_masked_conv_masks_are_causal_by_gradients():
    for conv in [MaskedConv2d(1, 1, 5, "A"), MaskedConv2d(1, 1, 5, "B")]:
        x = torch.randn(1, 1, 5, 5, requires_grad=True)
        (grad,) = torch.autograd.grad(conv(x)[0, 0, 2, 2], x)
        seen = (grad[0, 0] != 0).flatten()
        expected = torch.arange(25) < (12 if conv.mask_type == "A" else 13)
        torch.testing.assert_close(seen, expected)
    v = VerticalStackConv2d(1, 1, 3, "A")
    h = HorizontalStackConv2d(1, 1, 3, "B")
    assert v.mask.tolist() == [[1, 1, 1], [0, 0, 0], [0, 0, 0]]
    assert h.mask.tolist() == [[1, 1, 0]]


@pytest.mark.parametrize("cls", [PixelCNN, GatedPixelCNN, IndependentPixels])
def test_log_prob_is_the_sum_of_the_conditionals_one_pixel_at_a_time(cls):
    model = (IndependentPixels(levels=6, shape=(4, 5)) if cls is IndependentPixels
             else small(cls, levels=6))
    with torch.no_grad():
        model.logits.normal_() if cls is IndependentPixels else None
    gen = torch.Generator().manual_seed(3)
    x = torch.randint(0, 6, (3, 1, 4, 5), generator=gen)
    with torch.no_grad():
        total = torch.zeros(3, dtype=torch.float64)
        for i in range(20):
            r, c = divmod(i, 5)
            hidden = x.clone().flatten(1)
            # the future (pixel i and after) replaced by noise: the conditional must not care
            hidden[:, i:] = torch.randint(0, 6, hidden[:, i:].shape, generator=gen)
            logits = model(hidden.reshape(x.shape))[:, :, r, c]  # (N, levels)
            total += torch.log_softmax(logits.double(), 1).gather(1, x[:, 0, r, c, None])[:, 0]
        torch.testing.assert_close(model.log_prob(x).double(), total, atol=1e-4, rtol=0)
        per_pixel = torch.log_softmax(model(x), 1).gather(1, x).sum(dim=(1, 2, 3))
        torch.testing.assert_close(model.log_prob(x), per_pixel)


@pytest.mark.parametrize("cls", [PixelCNN, GatedPixelCNN])
def test_probabilities_of_all_configurations_sum_to_one(cls):
    # a 2x2 binary image has 16 configurations; also with a label and a conditioning map
    model = small(cls, levels=2, num_classes=3, cond_channels=2)
    x = torch.tensor(list(itertools.product([0, 1], repeat=4))).reshape(16, 1, 2, 2)
    for k in range(3):
        label = torch.full((16,), k)
        cond = torch.randn(1, 2, 2, 2, generator=torch.Generator().manual_seed(k)).expand(
            16, -1, -1, -1)
        with torch.no_grad():
            mass = model.log_prob(x, label=label, cond=cond).double().exp().sum()
        assert mass.item() == pytest.approx(1.0, abs=1e-5)


def test_conditioning_changes_the_distribution_and_stays_causal():
    model = small(GatedPixelCNN, levels=128, num_classes=10, cond_channels=3)
    gen = torch.Generator().manual_seed(0)
    x = torch.randint(0, 128, (2, 1, 8, 8), generator=gen)
    cond = torch.randn(2, 3, 4, 4, generator=gen)  # coarser map, upsampled to 8x8
    with torch.no_grad():
        a = model(x, torch.tensor([0, 1]), cond)
        b = model(x, torch.tensor([2, 1]), cond)
        up = model(x, torch.tensor([0, 1]), cond.repeat_interleave(2, 2).repeat_interleave(2, 3))
    assert (a[0] - b[0]).abs().max() > 1e-3 and torch.equal(a[1], b[1])
    torch.testing.assert_close(a, up)
    g = input_gradients(model, x[:1], torch.tensor([4]), torch.randn(1, 3, 8, 8))
    assert (g[torch.triu(torch.ones(64, 64, dtype=torch.bool))] == 0).all()


@pytest.mark.parametrize("cls", [PixelCNN, GatedPixelCNN, IndependentPixels])
def test_sampling_is_reproducible_with_a_generator(cls):
    model = IndependentPixels(levels=5, shape=(5, 4)) if cls is IndependentPixels else small(
        cls, levels=5)
    a = model.sample(6, (5, 4), generator=torch.Generator().manual_seed(7))
    b = model.sample(6, (5, 4), generator=torch.Generator().manual_seed(7))
    c = model.sample(6, (5, 4), generator=torch.Generator().manual_seed(8))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert a.dtype == torch.int64 and a.min() >= 0 and a.max() < 5


def test_low_temperature_sampling_is_greedy_decoding():
    model = small(GatedPixelCNN, levels=5)
    x = model.sample(3, (4, 4), temperature=1e-4, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():  # each pixel is the most likely value given the ones before it
        assert torch.equal(model(x).argmax(dim=1, keepdim=True), x)


def test_independent_sampling_follows_its_marginals_and_fit_counts_is_the_mle():
    gen = torch.Generator().manual_seed(0)
    data = torch.randint(0, 3, (400, 1, 2, 3), generator=gen) * torch.randint(0, 2, (400, 1, 2, 3),
                                                                             generator=gen)
    model = IndependentPixels(levels=3, shape=(2, 3))
    history = fit_counts(model, data, pseudo_count=0.0)
    freq = torch.nn.functional.one_hot(data[:, 0], 3).float().mean(0).permute(2, 0, 1)
    torch.testing.assert_close(torch.softmax(model.logits, 0), freq)
    best = model.log_prob(data).mean()
    assert history["loss"] == [pytest.approx(-best.item() / 6)]  # nats per pixel
    with torch.no_grad():
        model.logits.add_(0.05 * torch.randn(model.logits.shape, generator=gen))
    assert model.log_prob(data).mean() < best
    fit_counts(model, data, pseudo_count=0.0)
    samples = model.sample(20000, (2, 3), generator=gen)
    emp = torch.nn.functional.one_hot(samples[:, 0], 3).float().mean(0).permute(2, 0, 1)
    torch.testing.assert_close(emp, freq, atol=0.02, rtol=0)


@pytest.mark.parametrize("cls", [PixelCNN, GatedPixelCNN])
def test_complete_keeps_known_pixels_and_is_reproducible(cls):
    model = small(cls, levels=4)
    gen = torch.Generator().manual_seed(0)
    x = torch.randint(0, 4, (5, 1, 6, 6), generator=gen)
    masks = [torch.arange(36).reshape(6, 6) < 18,  # the top half known
             torch.ones(6, 6, dtype=torch.bool).index_fill_(1, torch.tensor([0, 1, 2]), False),
             torch.rand(5, 1, 6, 6, generator=gen) < 0.5]  # one random mask per image
    for known in masks:
        a = model.complete(x, known, generator=torch.Generator().manual_seed(1))
        b = model.complete(x, known, generator=torch.Generator().manual_seed(1))
        k = known.expand(x.shape)
        assert torch.equal(a[k], x[k]) and torch.equal(a, b)
        assert not torch.equal(a[~k], x[~k])  # something was sampled
    # a fully known image comes back unchanged, and x itself is never modified
    x_before = x.clone()
    assert torch.equal(model.complete(x, torch.ones(6, 6, dtype=torch.bool)), x)
    assert torch.equal(x, x_before)


def test_bad_inputs_raise_clear_errors():
    model = small(GatedPixelCNN, levels=17)
    x = torch.zeros(2, 1, 8, 8, dtype=torch.long)
    with pytest.raises(TypeError, match="integer levels.*torch.float32"):
        model(x.float())
    with pytest.raises(ValueError, match=r"values in 0\.\.17.*allowed are the levels 0\.\.16"):
        model(x + 17 * (torch.arange(64).reshape(8, 8) == 5))
    with pytest.raises(ValueError, match=r"values in -1\.\.-1"):
        model(x - 1)
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\).*\(2, 8, 8\)"):
        model(x[:, 0])
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\).*\(2, 3, 8, 8\)"):
        model(x.expand(2, 3, 8, 8))
    for t in [0, -1.0, float("nan"), float("inf")]:
        with pytest.raises(ValueError, match=f"temperature must be a finite number > 0, got {t}"):
            model.sample(1, temperature=t)
    with pytest.raises(ValueError, match=r"known_mask must have shape \(8, 8\) or "
                                         r"\(2, 1, 8, 8\).*got \(8, 7\)"):
        model.complete(x, torch.ones(8, 7, dtype=torch.bool))
    with pytest.raises(TypeError, match="known_mask must be a bool tensor.*torch.int64"):
        model.complete(x, torch.ones(8, 8, dtype=torch.long))
    with pytest.raises(ValueError, match="label given, but the model was built with "
                                         "num_classes=None"):
        model(x, label=torch.zeros(2, dtype=torch.long))
    with pytest.raises(ValueError, match=r"shape must be a tuple \(H, W\)"):
        model.sample(1, shape=8)
    with pytest.raises(ValueError, match="levels must be an int >= 2, got 1"):
        PixelCNN(levels=1)
    with pytest.raises(ValueError, match="mask_type must be 'A' or 'B', got 'C'"):
        MaskedConv2d(1, 1, 3, "C")
    conditional = small(GatedPixelCNN, levels=4, num_classes=10, cond_channels=2)
    x4 = torch.zeros(2, 1, 8, 8, dtype=torch.long)
    with pytest.raises(TypeError, match="needs label, an int64 tensor"):
        conditional(x4, cond=torch.zeros(2, 2, 8, 8))
    with pytest.raises(ValueError, match=r"values 0\.\.9.*got shape \(2,\), values 0\.\.10"):
        conditional(x4, torch.tensor([0, 10]), torch.zeros(2, 2, 8, 8))
    with pytest.raises(ValueError,
                       match=r"cond must have shape \(2, 2, h, w\).*8x8.*\(2, 2, 3, 3\)"):
        conditional(x4, torch.tensor([0, 1]), torch.zeros(2, 2, 3, 3))
    with pytest.raises(TypeError, match="needs cond, a float tensor"):
        conditional(x4, torch.tensor([0, 1]), torch.zeros(2, 2, 8, 8, dtype=torch.long))
    with pytest.raises(ValueError, match=r"built for images of shape \(8, 8\), got \(4, 4\)"):
        IndependentPixels()(torch.zeros(1, 1, 4, 4, dtype=torch.long))


def test_short_training_beats_the_independent_baseline():
    # the shipped recipes, with 3 of the Gated PixelCNN's epochs and a short weight average
    # (0.99 per step would still be mostly the initial weights after 48 steps)
    x_val = load_digits("val")[0]
    baseline = train_recipe("independent_digits", progress=False)[0].bits_per_dim(x_val)
    model, history = train_recipe("gated_pixelcnn_digits",
                                  overrides={"num_epochs": 3, "ema_decay": 0.5}, progress=False)
    assert len(history["loss"]) == 3 and history["loss"][2] < history["loss"][0]
    assert model.bits_per_dim(x_val) < baseline - 0.05


def test_training_gives_the_same_weights_whatever_the_global_seed():
    x = load_digits("train")[0][:200].long()
    settings = {**RECIPES["gated_pixelcnn_digits"].settings, "num_epochs": 1}
    weights = []
    for global_seed in (0, 123):
        torch.manual_seed(global_seed)
        model = small(GatedPixelCNN, dropout=0.5)  # dropout draws during training
        train_autoregressive(model, x, **settings, generator=torch.Generator().manual_seed(5),
                             progress=False)
        weights.append(model.state_dict())
        after = torch.rand(1)
        torch.manual_seed(global_seed)
        assert torch.equal(after, torch.rand(1)), "training moved the caller's global RNG"
    for key, value in weights[0].items():
        torch.testing.assert_close(weights[1][key], value, rtol=0, atol=0, msg=key)


def test_training_with_labels_and_bad_training_input():
    model = small(PixelCNN, levels=4, num_classes=2)
    x = pixel_levels(torch.rand(32, 1, 6, 6, generator=torch.Generator().manual_seed(0)), 4)
    history = train_autoregressive(model, x, torch.arange(32) % 2, num_epochs=2, lr=1e-2,
                                   batch_size=8, progress=False)
    assert len(history["loss"]) == 2 and history["loss"][1] < history["loss"][0]
    with pytest.raises(ValueError, match=r"x has values in 0\.\.4.*levels 0\.\.3"):
        train_autoregressive(model, x + (x == 3), num_epochs=1, lr=1e-2, batch_size=8)
    with pytest.raises(ValueError, match="pseudo_count must be a finite number >= 0, got -1"):
        fit_counts(IndependentPixels(), load_digits("val")[0], pseudo_count=-1)
    with pytest.raises(ValueError, match=r"shape \(N, 1, 8, 8\).*\(3, 1, 4, 4\)"):
        fit_counts(IndependentPixels(), torch.zeros(3, 1, 4, 4, dtype=torch.long), 0.5)
