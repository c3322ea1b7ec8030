"""The registry of shipped models: every recipe loads, and retraining never touches the package."""
import hashlib
import json

import pytest
import torch

from genzoo_lite.registry.checkpoints import WEIGHTS_DIR
from genzoo_lite.registry.pretrained import (
    RECIPES,
    load_pretrained,
    pretrained_history,
    train_recipe,
)


def package_weights_digest() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(WEIGHTS_DIR.iterdir()) if p.is_file()}


def test_every_shipped_file_belongs_to_a_recipe_and_every_recipe_ships():
    manifest = json.loads((WEIGHTS_DIR / "manifest.json").read_text())
    stems = {name.split(".")[0] for name in manifest}
    assert stems == set(RECIPES)
    for name in RECIPES:
        assert f"{name}.safetensors" in manifest, name


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_every_recipe_loads_in_eval_mode(name):
    model = load_pretrained(name, "shipped")
    assert isinstance(model, torch.nn.Module) and not model.training


def test_every_history_is_json_lists_of_numbers_with_its_training_time():
    for name in RECIPES:
        history = pretrained_history(name, "shipped")
        assert history["train_seconds"][0] >= 0, name
        assert all(isinstance(v, list) and all(isinstance(x, (int, float)) for x in v)
                   for v in history.values()), name


def test_unknown_names_and_settings_are_named():
    with pytest.raises(ValueError, match="unknown pretrained model 'vae_3d'; valid:"):
        load_pretrained("vae_3d")
    with pytest.raises(ValueError, match=r"unknown settings \['epochs'\]"):
        train_recipe("pixelcnn_digits", overrides={"epochs": 1})
    with pytest.raises(ValueError, match="unknown source 'disk'"):
        load_pretrained("pixelcnn_digits", "disk")


def test_retraining_writes_to_the_cache_never_the_package(tmp_path, monkeypatch):
    monkeypatch.setenv("GENZOO_RETRAIN", "1")
    monkeypatch.setenv("GENZOO_CACHE_DIR", str(tmp_path))
    before = package_weights_digest()
    model = load_pretrained("independent_digits", progress=False)
    assert package_weights_digest() == before
    assert (tmp_path / "independent_digits.safetensors").exists()
    cached = load_pretrained("independent_digits", "cache")
    for (k, a), (_, b) in zip(model.state_dict().items(), cached.state_dict().items()):
        assert torch.equal(a, b), k
    assert pretrained_history("independent_digits")["train_seconds"][0] >= 0
