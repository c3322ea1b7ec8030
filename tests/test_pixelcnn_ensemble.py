"""The ensemble of Gated PixelCNNs: one normalised, causal autoregressive density."""
import itertools
import math

import pytest
import torch

from genzoo_lite import load_digits
from genzoo_lite.core.ema import WeightAverage
from genzoo_lite.core.utils import seeded
from genzoo_lite.models.autoregressive.ensemble import PixelCNNEnsemble, train_ensemble


def small(**kwargs):
    with seeded(0):
        return PixelCNNEnsemble(**{"num_members": 3, "channels": 8, "num_layers": 2,
                                   **kwargs}).eval()


def test_conditionals_are_the_average_of_the_members_and_sum_to_one():
    model = small(levels=5)
    x = torch.randint(0, 5, (4, 1, 6, 6), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        p = torch.softmax(model(x), dim=1)  # (N, levels, H, W)
        mean = torch.stack([torch.softmax(m(x), dim=1) for m in model.members]).mean(0)
    torch.testing.assert_close(p, mean)
    torch.testing.assert_close(p.sum(1), torch.ones(4, 6, 6))


def test_probabilities_of_all_configurations_sum_to_one():
    model = small(levels=3)
    x = torch.tensor(list(itertools.product(range(3), repeat=4))).view(-1, 1, 2, 2)  # 81
    with torch.no_grad():
        total = model.log_prob(x).double().exp().sum().item()
    assert total == pytest.approx(1.0, abs=1e-5)


def test_ensemble_is_causal_by_input_gradients():
    """Through each member's embedding: the logits at pixel i depend on no pixel j >= i."""
    model = small()
    x = torch.randint(0, 17, (1, 1, 5, 5), generator=torch.Generator().manual_seed(2))
    embedded = [m.embed_input(x).detach().requires_grad_(True) for m in model.members]
    log_p = torch.logsumexp(torch.stack([
        torch.log_softmax(m.forward_embedded(e), dim=1)
        for m, e in zip(model.members, embedded)]), dim=0) - math.log(3)  # (1, levels, H, W)
    torch.testing.assert_close(log_p, model(x))
    g = torch.zeros(25, 25)
    for i in range(25):
        grads = torch.autograd.grad(log_p[0, :, i // 5, i % 5].sum(), embedded,
                                    retain_graph=True)
        g[i] = sum(grad[0].abs().sum(0).flatten() for grad in grads)
    future = torch.triu(torch.ones(25, 25, dtype=torch.bool))  # j >= i
    assert (g[future] == 0).all(), "the logits at pixel i depend on pixel i or a later one"
    assert (g[~future] > 0).all(), "some earlier pixel is unseen"


def test_sampling_is_reproducible_and_training_improves_the_ensemble():
    model = small(num_members=2)
    x, x_val = (load_digits(split)[0][:96].long() for split in ("train", "val"))
    before = model.bits_per_dim(x_val)
    history = train_ensemble(model, x, x_val, num_epochs=2, lr=5e-3, batch_size=32,
                             ema_decay=0.9, progress=False)
    assert len(history["best_epoch"]) == 2
    assert history["ensemble_val_bpd"][0] == pytest.approx(model.bits_per_dim(x_val))
    assert model.bits_per_dim(x_val) < before
    draws = [model.sample(3, generator=torch.Generator().manual_seed(4)) for _ in range(2)]
    assert torch.equal(*draws) and draws[0].shape == (3, 1, 8, 8)


def test_bad_num_members_raises():
    with pytest.raises(ValueError, match="num_members"):
        PixelCNNEnsemble(num_members=0)


def test_weight_average_warmup_forgets_the_initial_weights_at_once():
    """With warmup the first update uses decay 2/11, so the average moves 9/11 of the way."""
    model = torch.nn.Linear(2, 1)
    plain, warm = WeightAverage(model, 0.99), WeightAverage(model, 0.99, warmup=True)
    start = model.weight.detach().clone()
    with torch.no_grad():
        model.weight.add_(1.0)
    plain.update(model), warm.update(model)
    torch.testing.assert_close(plain.params[0], start + 0.01)
    torch.testing.assert_close(warm.params[0], start + 9 / 11)
