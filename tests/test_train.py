import pytest
import torch

from genzoo_lite.train import DivergedError, fit


def regression():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(256, 3, generator=g)
    y = x @ torch.tensor([1.0, -2.0, 0.5]) + 0.3
    return x, y


def mse(model, x, y):
    return ((model(x).squeeze(1) - y) ** 2).mean()


def test_fit_lowers_the_loss_and_is_deterministic():
    x, y = regression()
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = torch.nn.Linear(3, 1)
        history = fit(model, mse, (x, y), num_epochs=30, lr=0.05, batch_size=32, progress=False)
        runs.append((history, model.weight.detach().clone()))
    history = runs[0][0]
    assert len(history) == 30 and history[-1] < 0.01 * history[0]
    assert runs[0][0] == runs[1][0] and torch.equal(runs[0][1], runs[1][1])
    assert not model.training


def test_divergence_says_what_to_change():
    x, y = regression()
    model = torch.nn.Linear(3, 1)
    with pytest.raises(DivergedError, match="smaller lr"):
        fit(model, lambda m, x, y: mse(m, x, y) * float("inf"), (x, y), 1, progress=False)


def test_bad_arguments_are_named():
    x, y = regression()
    with pytest.raises(ValueError, match=r"differ in length: \[256, 10\]"):
        fit(torch.nn.Linear(3, 1), mse, (x, y[:10]), 1, progress=False)
    with pytest.raises(ValueError, match="num_epochs must be a positive int, got 0"):
        fit(torch.nn.Linear(3, 1), mse, (x, y), 0, progress=False)
    with pytest.raises(ValueError, match="lr must be positive"):
        fit(torch.nn.Linear(3, 1), mse, (x, y), 1, lr=-1.0, progress=False)
