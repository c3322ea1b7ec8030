"""RECIPES is the one source of every shipped model's settings.

* every constructor argument is written in its recipe (none left to a class default);
* the shipped weights record the settings they were trained from, and those are the recipe's
  today (a recipe changed without retraining fails here, naming the command to run);
* the measured variants, ``build_model``, ``train_recipe`` and the weights check all follow a
  changed recipe (the test changes one with monkeypatch);
* ``tools/retrain_weights.py NAME`` retrains NAME and every recipe that requires it.
"""
from __future__ import annotations

import dataclasses
import inspect
import json
from pathlib import Path

import pytest
import torch
from torch import nn

from genzoo_lite.models.adversarial.vqgan import PatchDiscriminator
from genzoo_lite.models.autoregressive.gated_pixelcnn import GatedPixelCNN
from genzoo_lite.models.quantized.vqvae2 import VQVAE2
from genzoo_lite.registry import variants
from genzoo_lite.registry.checkpoints import WEIGHTS_DIR, save_weights, saved_record
from genzoo_lite.registry.pretrained import (
    RECIPES,
    build_model,
    recipe_record,
    stale_weights,
    train_recipe,
)

ROOT = Path(__file__).resolve().parents[1]


def _arguments(build) -> set[str]:
    """The named parameters of a model class or builder function."""
    return {p.name for p in inspect.signature(build).parameters.values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_every_architecture_argument_is_written_in_the_recipe(name):
    recipe = RECIPES[name]
    missing = _arguments(recipe.build) - set(recipe.model)
    assert not missing, f"{name}: write {sorted(missing)} in its recipe's model=dict(...)"
    # builders that pass their arguments on: every argument of what they build is written too
    if recipe.build.__name__ == "PixelCNNEnsemble":
        assert _arguments(GatedPixelCNN) <= set(recipe.model), name
    if recipe.build.__name__ == "build_vqgan_from":
        assert _arguments(VQVAE2) == set(recipe.model["vqvae"]), name
        assert _arguments(PatchDiscriminator) == set(recipe.model["discriminator"]), name
    assert build_model(name) is not None


def test_the_shipped_weights_were_trained_from_the_recipes_as_they_are():
    stale = stale_weights()
    assert not stale, (
        "these recipes changed since their weights were trained; retrain them with "
        f"`python tools/retrain_weights.py {' '.join(stale)}` (it retrains what requires them "
        f"too): {json.dumps(stale, indent=1)[:2000]}")


def test_every_shipped_weights_file_records_its_recipe():
    for name in RECIPES:
        saved = saved_record(name)
        assert saved is not None, f"{name}.safetensors carries no record"
        assert set(saved) == {"build", "model", "settings", "seed", "requires"}, name


def test_the_shipped_variant_rows_are_the_recipes():
    gated = {row["variant"].split(":")[0]: row for row in variants.GATED_VARIANTS}
    single, pair = RECIPES["gated_pixelcnn_digits"], RECIPES["gated_pixelcnn_pair_digits"]
    assert gated["shipped"]["model"] == single.model
    assert gated["shipped"]["train"] == single.settings
    assert {**gated["shipped pair"]["model"], "num_members": gated["shipped pair"]["members"]} \
        == pair.model
    assert gated["shipped pair"]["train"] == pair.settings
    vae = {row["variant"].split(":")[0]: row for row in variants.VAE_VARIANTS}
    assert vae["shipped"]["model"] == RECIPES["vae_digits_8d"].model
    assert vae["shipped"]["train"] == RECIPES["vae_digits_8d"].settings


def _changed(name: str, model: dict | None = None, settings: dict | None = None):
    recipe = RECIPES[name]
    return dataclasses.replace(recipe, model={**recipe.model, **(model or {})},
                               settings={**recipe.settings, **(settings or {})})


def test_a_changed_recipe_is_followed_everywhere(monkeypatch):
    """Change the shipped Gated PixelCNN's dropout and learning rate and the VAE's latent size in
    RECIPES only: every consumer follows, and the weights check names both as stale."""
    monkeypatch.setitem(RECIPES, "gated_pixelcnn_digits",
                        _changed("gated_pixelcnn_digits", {"dropout": 0.35}, {"lr": 4e-3}))
    monkeypatch.setitem(RECIPES, "vae_digits_8d", _changed("vae_digits_8d", {"latent_dim": 6}))

    # build_model builds the new architecture
    model = build_model("gated_pixelcnn_digits")
    assert {layer.dropout.p for layer in model.layers} == {0.35}
    assert build_model("vae_digits_8d").latent_dim == 6

    # the measured variants: the shipped rows, and the rows that are changes to them
    rows = {row["variant"]: row for row in variants.GATED_VARIANTS}
    shipped = next(row for name, row in rows.items() if name.startswith("shipped:"))
    assert shipped["model"]["dropout"] == 0.35 and shipped["train"]["lr"] == 4e-3
    vae_rows = variants.VAE_VARIANTS
    assert all(row["model"]["latent_dim"] == 6 for row in vae_rows
               if row["variant"].startswith("shipped") and "16-D" not in row["variant"])
    assert next(row for row in vae_rows if "16-D" in row["variant"])["model"]["latent_dim"] == 16

    # train_recipe trains with the new settings
    seen = {}

    def train(model, x, x_val=None, **settings):
        seen.update(settings)
        return {"loss": [0.0]}

    monkeypatch.setitem(RECIPES, "gated_pixelcnn_digits",
                        dataclasses.replace(RECIPES["gated_pixelcnn_digits"], train=train))
    train_recipe("gated_pixelcnn_digits", progress=False)
    assert seen["lr"] == 4e-3

    # the shipped weights no longer match: the check names exactly the changed recipes
    stale = stale_weights()
    assert set(stale) == {"gated_pixelcnn_digits", "vae_digits_8d"}
    assert stale["gated_pixelcnn_digits"]["weights"]["model"]["dropout"] == 0.2
    assert stale["gated_pixelcnn_digits"]["recipe"]["model"]["dropout"] == 0.35


def test_weights_saved_for_a_recipe_record_it_and_retraining_clears_the_staleness(
        tmp_path, monkeypatch):
    monkeypatch.setitem(RECIPES, "independent_digits",
                        _changed("independent_digits", settings={"pseudo_count": 0.25}))
    model, _ = train_recipe("independent_digits", progress=False)
    save_weights(model, "independent_digits", tmp_path, record=recipe_record("independent_digits"))
    assert saved_record("independent_digits", tmp_path)["settings"]["pseudo_count"] == 0.25
    assert "independent_digits" not in stale_weights(tmp_path)
    assert "pixelcnn_digits" in stale_weights(tmp_path)  # never saved there: stale
    assert saved_record("independent_digits", WEIGHTS_DIR)["settings"]["pseudo_count"] == 0.5


def _retrain_tool():
    from tools import retrain_weights
    return retrain_weights


def test_retraining_a_recipe_retrains_what_requires_it_in_order(capsys):
    tool = _retrain_tool()
    assert tool.in_dependency_order(tool.with_dependents(["vqvae2"])) == \
        ["vqvae2", "vqvae2_prior", "vqvae2_vqgan"]
    assert tool.with_dependents(["gan_digits_8d"]) == ["gan_digits_8d", "vae_disl_8d"]
    assert tool.with_dependents(["pixelcnn_digits"]) == ["pixelcnn_digits"]
    assert tool.main(["vqvae2", "--dry-run"]) == 0
    assert capsys.readouterr().out.split() == ["would", "retrain,", "in", "this", "order:",
                                               "vqvae2", "vqvae2_prior", "vqvae2_vqgan"]


def test_retraining_a_dependency_for_real_retrains_its_dependents(tmp_path, monkeypatch):
    """A two-recipe stand-in registry: retraining the first retrains the second, which gets
    the first's new model, and both are saved with their records."""
    tool = _retrain_tool()
    trained_with = {}

    def fit_first(model, progress, generator, scale):
        with torch.no_grad():
            model.weight.fill_(scale)
        return {"loss": [0.0]}

    def fit_second(model, first, progress, generator):
        trained_with["first"] = float(first.weight.detach().mean())
        return {"loss": [0.0]}

    first = dataclasses.replace(RECIPES["independent_digits"], build=nn.Linear,
                                model=dict(in_features=2, out_features=1, bias=False),
                                data=lambda deps: {}, train=fit_first, settings={"scale": 3.0})
    second = dataclasses.replace(first, data=lambda deps: {"first": deps["first"]},
                                 train=fit_second, settings={}, requires=("first",))
    monkeypatch.setattr(tool, "RECIPES", {"first": first, "second": second})
    monkeypatch.setitem(RECIPES, "first", first)
    monkeypatch.setitem(RECIPES, "second", second)
    monkeypatch.setattr(tool, "WEIGHTS_DIR", tmp_path)
    threads = torch.get_num_threads()
    try:
        assert tool.main(["first"]) == 0
    finally:
        torch.set_num_threads(threads)
    assert trained_with["first"] == 3.0
    assert saved_record("second", tmp_path)["requires"] == ["first"]
    assert saved_record("first", tmp_path)["settings"] == {"scale": 3.0}
