"""PixelRNN (Diagonal BiLSTM): the skew, causality and a full receptive field by gradients,
an exact chain-rule likelihood, the shipped recipe and reproducible training."""
import itertools

import pytest
import torch

from genzoo_lite import load_digits, load_pretrained, train_recipe
from genzoo_lite.models.autoregressive.pixelcnn import PixelCNN
from genzoo_lite.models.autoregressive.pixelrnn import (
    DiagonalBiLSTM,
    PixelRNN,
    dependency_matrix,
    skew,
    unskew,
)


def small(**kwargs):
    torch.manual_seed(0)
    return PixelRNN(**{"hidden": 6, "embed_dim": 3, **kwargs}).eval()


def test_skew_puts_each_anti_diagonal_in_one_column_and_unskew_inverts_it():
    x = torch.randn(2, 3, 4, 6)
    s = skew(x)  # (2, 3, 4, 9)
    assert s.shape == (2, 3, 4, 9)
    for r, c in itertools.product(range(4), range(6)):
        assert torch.equal(s[:, :, r, r + c], x[:, :, r, c])
    assert (s != 0).sum() == (x != 0).sum()  # everything else is zero padding
    assert torch.equal(unskew(s, 6), x)


def test_each_direction_of_the_bilstm_sees_exactly_its_quadrant():
    torch.manual_seed(0)
    layer = DiagonalBiLSTM(2, 3)
    h, w = 5, 6
    for r, c in [(0, 0), (2, 3), (4, 5), (3, 0)]:
        x = torch.randn(2, 1, 2, h, w, requires_grad=True)  # (direction, N, C, H, W)
        left, right = layer(x[0], x[1])
        g_left, g_right = torch.autograd.grad(left[0, :, r, c].sum() + right[0, :, r, c].sum(),
                                              x)[0][:, 0].abs().sum(1)  # (H, W) each
        rows, cols = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
        torch.testing.assert_close(g_left > 0, (rows <= r) & (cols <= c))
        torch.testing.assert_close(g_right > 0, (rows <= r) & (cols >= c))


def test_dependency_matrix_matches_one_backward_pass_per_pixel():
    torch.manual_seed(0)
    for model in [small(), PixelCNN(channels=8, num_layers=2, embed_dim=4).eval()]:
        x = torch.zeros(1, 1, 8, 8, dtype=torch.long)
        e = model.embed_input(x).detach().requires_grad_(True)
        logits = model.forward_embedded(e)
        expected = torch.stack([
            torch.autograd.grad(logits[0, :, i // 8, i % 8].sum(), e, retain_graph=True)[0]
            [0].abs().sum(0).flatten() > 0 for i in range(64)])
        assert torch.equal(dependency_matrix(model), expected)


@pytest.mark.parametrize("num_layers", [1, 2])
def test_pixelrnn_is_causal_and_sees_every_earlier_pixel(num_layers):
    seen = dependency_matrix(PixelRNN(num_layers=num_layers).eval())  # (64, 64)
    future = torch.triu(torch.ones(64, 64, dtype=torch.bool))  # j >= i: the pixel and later
    assert not seen[future].any(), "the logits at pixel i depend on pixel i or a later one"
    assert seen[~future].all(), "a blind spot: some earlier pixel is not seen"


def test_changing_pixel_j_leaves_logits_up_to_j_unchanged():
    model = small(levels=5, num_layers=2)
    x = torch.randint(0, 5, (1, 1, 6, 7), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        base = model(x)
        for j in [0, 6, 7, 20, 40]:
            changed = x.clone()
            changed[0, 0, j // 7, j % 7] = (x[0, 0, j // 7, j % 7] + 1) % 5
            diff = (model(changed) - base).abs().amax(dim=(0, 1)).flatten()  # (H W,)
            assert (diff[:j + 1] == 0).all()
            assert diff[j + 1:].max() > 0  # and later pixels do use it


def test_probabilities_of_all_configurations_sum_to_one():
    model = small(levels=3)
    x = torch.tensor(list(itertools.product(range(3), repeat=4))).reshape(81, 1, 2, 2)
    with torch.no_grad():
        mass = model.log_prob(x).double().exp().sum()
    assert mass.item() == pytest.approx(1.0, abs=1e-5)


def test_greedy_sampling_picks_each_most_likely_pixel():
    model = small(levels=5)
    x = model.sample(3, (4, 5), temperature=1e-4, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.equal(model(x).argmax(dim=1, keepdim=True), x)


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="num_layers"):
        PixelRNN(num_layers=0)
    with pytest.raises(ValueError, match="cond given"):
        small().log_prob(torch.zeros(1, 1, 4, 4, dtype=torch.long), cond=torch.zeros(1, 1, 4, 4))


def test_shipped_pixelrnn_loads_and_beats_the_plain_pixelcnn():
    x_test = load_digits("test")[0].long()
    rnn = load_pretrained("pixelrnn_digits")
    assert isinstance(rnn, PixelRNN) and not rnn.training
    assert rnn.bits_per_dim(x_test) < load_pretrained("pixelcnn_digits").bits_per_dim(x_test)


def test_short_training_is_the_same_whatever_the_global_seed():
    runs = []
    for seed in (1, 2):
        torch.manual_seed(seed)
        state = torch.get_rng_state()
        model, history = train_recipe("pixelrnn_digits", overrides={"num_epochs": 1},
                                      progress=False)
        assert torch.equal(torch.get_rng_state(), state)  # the caller's stream is untouched
        runs.append((model.state_dict(), history["loss"]))
    (a, loss_a), (b, loss_b) = runs
    assert loss_a == loss_b
    for key in a:
        assert torch.equal(a[key], b[key]), key
