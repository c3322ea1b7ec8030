"""The registry of shipped models: how each is built, on which data, and how it is trained.

``RECIPES[name]`` is the one place a shipped model's settings are written. Notebooks call
:func:`load_pretrained`, benchmarks and tests call :func:`train_recipe` (with fewer epochs for a
short test, via ``overrides``), and ``tools/retrain_weights.py``, the only writer of
``genzoo_lite/weights/``, trains every recipe. ``GENZOO_RETRAIN=1`` makes :func:`load_pretrained`
train instead of load, and save into the user cache (:func:`genzoo_lite.core.utils.cache_dir`),
never into the package.

Every saved weights file records the recipe it was trained from (:func:`recipe_record`: the
constructor's arguments, the training settings, the seed and the required recipes); a shipped
file whose record differs from its recipe today is *stale* (:func:`stale_weights`), and
``tests/test_recipes_one_source.py`` fails on it: retrain it with ``tools/retrain_weights.py``.
"""
from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from genzoo_lite.core.checks import check_choice
from genzoo_lite.core.train import History
from genzoo_lite.core.utils import cache_dir, retrain_requested, seeded
from genzoo_lite.registry.checkpoints import (
    WEIGHTS_DIR,
    load_history,
    load_weights,
    save_history,
    save_weights,
    saved_record,
)
from genzoo_lite.registry.recipes import RECIPES, Recipe

__all__ = ["Recipe", "RECIPES", "load_pretrained", "pretrained_history", "train_recipe",
           "build_model", "recipe_record", "stale_weights"]


def _recipe(name: str) -> Recipe:
    check_choice("pretrained model", name, RECIPES)
    return RECIPES[name]


def build_model(name: str) -> nn.Module:
    """The untrained model of recipe ``name``, initialised reproducibly from its seed."""
    recipe = _recipe(name)
    with seeded(recipe.seed):
        return recipe.build(**recipe.model)


def recipe_record(name: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What the weights of recipe ``name`` are trained from, as JSON values: the builder's name,
    its arguments (``model``), the training settings (with ``overrides``), the seed and the
    recipes it requires. Saved in every weights file's metadata (``saved_record``)."""
    recipe = _recipe(name)
    record = {"build": getattr(recipe.build, "__name__", type(recipe.build).__name__),
              "model": dict(recipe.model), "settings": {**recipe.settings, **(overrides or {})},
              "seed": recipe.seed, "requires": list(recipe.requires)}
    return json.loads(json.dumps(record))  # tuples become lists, as they are read back


def stale_weights(directory: Any = WEIGHTS_DIR) -> dict[str, dict[str, Any]]:
    """The recipes whose saved weights in ``directory`` (default: the shipped ones) were trained
    from other settings than the recipe has now: ``{name: {"weights": saved, "recipe": now}}``.
    A missing file, or one saved without a record, counts as stale."""
    stale = {}
    for name in RECIPES:
        try:
            saved = saved_record(name, directory)
        except FileNotFoundError:
            saved = None
        now = recipe_record(name)
        if saved != now:
            stale[name] = {"weights": saved, "recipe": now}
    return stale


def train_recipe(name: str, deps: Mapping[str, nn.Module] | None = None,
                 overrides: Mapping[str, Any] | None = None,
                 progress: bool = True) -> tuple[nn.Module, History]:
    """Build and train recipe ``name``; returns ``(model in eval mode, history)``.

    ``deps`` gives the trained models it requires (default: :func:`load_pretrained` of each);
    ``overrides`` replaces settings (e.g. ``{"num_epochs": 1}`` for a short test). Same
    arguments, same weights: the randomness comes from a generator seeded with the recipe's seed.
    """
    recipe = _recipe(name)
    if deps is None:
        deps = {dep: load_pretrained(dep) for dep in recipe.requires}
    missing = [dep for dep in recipe.requires if dep not in deps]
    if missing:
        raise ValueError(f"recipe {name!r} needs the trained models {missing} in deps")
    unknown = sorted(set(overrides or {}) - set(recipe.settings))
    if unknown:
        raise ValueError(f"unknown settings {unknown} for recipe {name!r}; "
                         f"valid: {sorted(recipe.settings)}")
    model = build_model(name)
    settings = {**recipe.settings, **(overrides or {})}
    generator = torch.Generator().manual_seed(recipe.seed)
    start = time.perf_counter()
    history = recipe.train(model, **recipe.data(deps), **settings, generator=generator,
                           progress=progress)
    history["train_seconds"] = [round(time.perf_counter() - start, 2)]  # wall clock, measured
    return model.eval(), history


def _source(source: str | None) -> str:
    source = source or ("train" if retrain_requested() else "shipped")
    check_choice("source", source, ("shipped", "cache", "train"))
    return source


def load_pretrained(name: str, source: str | None = None, progress: bool = True) -> nn.Module:
    """The trained model ``name`` in eval mode.

    Args:
        source: ``"shipped"`` (the default): the weights in ``genzoo_lite/weights/``, checked
            against their SHA-256; ``"cache"``: weights retrained earlier into the user cache;
            ``"train"`` (the default when ``GENZOO_RETRAIN=1``): train now with the recipe and
            save the result to the cache (its required models come from the cache if there,
            else are trained and cached too).
    """
    source = _source(source)
    if source == "train":
        deps = {dep: (load_pretrained(dep, "cache") if _cached(dep)
                      else load_pretrained(dep, "train", progress))
                for dep in _recipe(name).requires}
        model, history = train_recipe(name, deps, progress=progress)
        save_weights(model, name, cache_dir(), record=recipe_record(name))
        save_history(history, name, cache_dir())
        return model
    model = build_model(name)
    load_weights(model, name, WEIGHTS_DIR if source == "shipped" else cache_dir())
    return model.eval()


def _cached(name: str) -> bool:
    return (cache_dir() / f"{name}.safetensors").exists()


def pretrained_history(name: str, source: str | None = None) -> History:
    """The training history saved beside the weights of ``name`` (per-epoch losses)."""
    _recipe(name)
    source = _source(source)
    return load_history(name, WEIGHTS_DIR if source == "shipped" else cache_dir())
