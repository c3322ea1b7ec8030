"""Retrain shipped models from their recipes and rewrite genzoo_lite/weights/ and its manifest.

The only program that writes the package's weights. Usage:

    python tools/retrain_weights.py --all            # every recipe, dependencies first
    python tools/retrain_weights.py vqvae2           # vqvae2 and every recipe that requires it
    python tools/retrain_weights.py --stale          # the recipes changed since their weights
    python tools/retrain_weights.py --list           # the recipes and what each requires

A recipe is retrained together with every recipe that requires it, directly or through another
(``vqvae2`` brings ``vqvae2_prior`` and ``vqvae2_vqgan``): their weights were trained from the
old one. The recipes a retrained one requires are taken as shipped (or as just retrained).
Each model is saved as ``<name>.safetensors`` with its history as ``<name>.history.json`` (the
history holds ``train_seconds``, the measured wall time), both listed with their SHA-256 in
``manifest.json``; the weights file records the recipe's settings (``recipe_record``).
Training uses one thread, as in the notebooks, so the weights are the same on every run of the
same torch version.
"""
from __future__ import annotations

import argparse
import sys

import torch

from genzoo_lite.registry.checkpoints import WEIGHTS_DIR, save_history, save_weights
from genzoo_lite.registry.pretrained import (
    RECIPES,
    load_pretrained,
    recipe_record,
    stale_weights,
    train_recipe,
)


def with_dependents(names: list[str]) -> list[str]:
    """names and every recipe that requires one of them, directly or transitively."""
    found = list(dict.fromkeys(names))
    grew = True
    while grew:
        grew = False
        for name, recipe in RECIPES.items():
            if name not in found and any(dep in found for dep in recipe.requires):
                found.append(name)
                grew = True
    return found


def in_dependency_order(names: list[str]) -> list[str]:
    """names, each after the recipes it requires (those among names)."""
    ordered: list[str] = []

    def visit(name: str) -> None:
        for dep in RECIPES[name].requires:
            if dep in names:
                visit(dep)
        if name not in ordered:
            ordered.append(name)

    for name in names:
        visit(name)
    return ordered


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="recipes to retrain")
    parser.add_argument("--all", action="store_true", help="retrain every recipe")
    parser.add_argument("--stale", action="store_true",
                        help="retrain the recipes whose shipped weights record other settings")
    parser.add_argument("--dry-run", action="store_true",
                        help="print what would be retrained, in order, and stop")
    parser.add_argument("--list", action="store_true", help="list the recipes and stop")
    args = parser.parse_args(argv)
    if args.list:
        for name, recipe in RECIPES.items():
            print(f"{name:26s} requires {list(recipe.requires) or '-'}; {recipe.taught_in}")
        return 0
    names = list(RECIPES) if args.all else [*args.names, *(stale_weights() if args.stale else [])]
    unknown = [n for n in names if n not in RECIPES]
    if unknown or not (names or args.stale):
        parser.error(f"unknown recipes {unknown}; valid: {sorted(RECIPES)}" if unknown
                     else "name recipes to retrain, or --all, or --stale")
    order = in_dependency_order(with_dependents(names))
    if args.dry_run or not order:
        print("would retrain, in this order:" if order else "nothing to retrain",
              *order, flush=True)
        return 0
    torch.set_num_threads(1)
    trained: dict[str, torch.nn.Module] = {}
    for name in order:
        deps = {d: trained[d] if d in trained else load_pretrained(d, "shipped")
                for d in RECIPES[name].requires}
        model, history = train_recipe(name, deps)
        save_weights(model, name, WEIGHTS_DIR, record=recipe_record(name))
        save_history(history, name, WEIGHTS_DIR)
        trained[name] = model
        print(f"{name}: trained in {history['train_seconds'][0]:.1f} s, saved", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
