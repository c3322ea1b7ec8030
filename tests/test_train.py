import pytest
import torch

from genzoo_lite.core.train import DivergedError, Phase, fit


def regression():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(256, 3, generator=g)
    y = x @ torch.tensor([1.0, -2.0, 0.5]) + 0.3
    return x, y


def mse_step(model):
    return lambda x, y: ((model(x).squeeze(1) - y) ** 2).mean()


def test_fit_lowers_the_loss_and_is_deterministic():
    x, y = regression()
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = torch.nn.Linear(3, 1)
        history = fit(model, mse_step(model), (x, y), num_epochs=30, lr=0.05, batch_size=32,
                      progress=False)
        runs.append((history, model.weight.detach().clone()))
    history = runs[0][0]["loss"]
    assert len(history) == 30 and history[-1] < 0.01 * history[0]
    assert runs[0][0] == runs[1][0] and torch.equal(runs[0][1], runs[1][1])
    assert not model.training


def test_dropout_follows_the_generator_not_the_global_seed():
    x, y = regression()
    weights = []
    for global_seed in (1, 2):
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Dropout(0.5), torch.nn.Linear(3, 1))
        torch.manual_seed(global_seed)
        fit(model, mse_step(model), (x, y), num_epochs=3,
            generator=torch.Generator().manual_seed(7),
            progress=False)
        weights.append(model[1].weight.detach().clone())
    assert torch.equal(weights[0], weights[1])


def test_fit_leaves_the_global_random_state_alone():
    x, y = regression()
    model = torch.nn.Sequential(torch.nn.Dropout(0.5), torch.nn.Linear(3, 1))
    torch.manual_seed(3)
    expected = torch.rand(5)
    torch.manual_seed(3)
    fit(model, mse_step(model), (x, y), num_epochs=2, progress=False)
    assert torch.equal(torch.rand(5), expected)


def test_history_logs_every_returned_value_per_epoch_or_step():
    x, y = regression()
    model = torch.nn.Linear(3, 1)

    def step(xb, yb):
        err = model(xb).squeeze(1) - yb
        return {"loss": (err ** 2).mean(), "mae": err.abs().mean()}

    history = fit(model, step, (x, y), num_epochs=2, batch_size=100, progress=False)
    assert set(history) == {"loss", "mae"} and len(history["mae"]) == 2
    history = fit(model, step, (x, y), num_steps=5, batch_size=8, progress=False)
    assert len(history["loss"]) == 5


def test_after_period_sees_each_epoch_and_may_add_entries():
    x, y = regression()
    model = torch.nn.Linear(3, 1)
    seen = []

    def after(epoch, history):
        seen.append((epoch, len(history["loss"])))
        history.setdefault("val", []).append(float(epoch))

    history = fit(model, mse_step(model), (x, y), num_epochs=3, after_period=after, progress=False)
    assert seen == [(0, 1), (1, 2), (2, 3)] and history["val"] == [0.0, 1.0, 2.0]


def test_phases_move_only_their_own_parameters():
    x, y = regression()
    a, b = torch.nn.Linear(3, 1), torch.nn.Linear(3, 1)
    model = torch.nn.ModuleDict({"a": a, "b": b})
    b_before = b.weight.detach().clone()
    opt_a = torch.optim.SGD(a.parameters(), lr=0.01)
    opt_b = torch.optim.SGD(b.parameters(), lr=0.0)  # b's phase never moves b
    # phase "a" minimises a loss that also depends on b: only a may change
    phase_a = Phase(lambda xb, yb: ((a(xb) + b(xb)).squeeze(1) - yb).pow(2).mean(), opt_a)
    phase_b = Phase(lambda xb, yb: {"b_loss": (b(xb).squeeze(1) - yb).pow(2).mean()}, opt_b,
                    minimize="b_loss")
    history = fit(model, [phase_a, phase_b], (x, y), num_epochs=2, progress=False)
    assert torch.equal(b.weight, b_before) and set(history) == {"loss", "b_loss"}


def test_divergence_is_caught_before_the_step_and_named():
    x, y = regression()
    model = torch.nn.Linear(3, 1)
    before = model.weight.detach().clone()
    step = lambda xb, yb: {"loss": mse_step(model)(xb, yb) * float("inf")}  # noqa: E731
    with pytest.raises(DivergedError, match=r"loss is inf at epoch 0, batch at 0.*smaller lr"):
        fit(model, step, (x, y), 1, progress=False)
    assert torch.equal(model.weight, before) and not model.training


def test_bad_arguments_are_named():
    x, y = regression()
    model = torch.nn.Linear(3, 1)
    with pytest.raises(ValueError, match=r"differ in length: \[256, 10\]"):
        fit(model, mse_step(model), (x, y[:10]), 1, progress=False)
    with pytest.raises(ValueError, match="num_epochs must be an int >= 1, got 0"):
        fit(model, mse_step(model), (x, y), 0, progress=False)
    with pytest.raises(ValueError, match="exactly one of num_epochs and num_steps"):
        fit(model, mse_step(model), (x, y), 1, num_steps=3, progress=False)
    with pytest.raises(ValueError, match="lr must be a finite number > 0, got -1.0"):
        fit(model, mse_step(model), (x, y), 1, lr=-1.0, progress=False)
    with pytest.raises(KeyError, match="without the loss"):
        fit(model, lambda xb, yb: {"mse": mse_step(model)(xb, yb)}, (x, y), 1, progress=False)
