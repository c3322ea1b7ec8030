"""Training time of the shipped digits models of the zoo table, retrained from scratch.

Each model is trained by ``train_recipe(name)``, so with exactly the settings of its recipe in
``genzoo_lite/registry/recipes.py`` (the only place they are written); nothing is saved, so the
shipped weights are never touched. One thread, as in the notebooks.

Usage: python benchmarks/bench_training.py [--quick] [RECIPE ...]
  RECIPE   names from genzoo_lite.RECIPES (default: the zoo table's, bench_zoo.ZOO, except
           those that bench_likelihood trains and times)
  --quick  one epoch (or step) each: checks that the recipes run, the seconds mean nothing
Prints one JSON line: {"training_seconds": {recipe: seconds}}.
"""
from __future__ import annotations

import argparse
import json

import torch

try:
    from benchmarks.bench_likelihood import TARGETS
    from benchmarks.bench_zoo import ZOO
except ImportError:  # run as `python benchmarks/bench_training.py`: its folder comes first
    from bench_likelihood import TARGETS
    from bench_zoo import ZOO

from genzoo_lite import RECIPES, best_time, train_recipe


def training_seconds(name: str, quick: bool = False) -> float:
    """Wall seconds of one ``train_recipe(name)``; ``quick``: one epoch or step only."""
    overrides = {key: 1 for key in ("num_epochs", "num_steps")
                 if quick and key in RECIPES[name].settings}
    return best_time(lambda: train_recipe(name, overrides=overrides, progress=False), repeat=1)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # bench_likelihood already trains (and times) the recipes with a likelihood target
    default = [name for name in ZOO.values() if name not in TARGETS]
    parser.add_argument("recipes", nargs="*", default=default, metavar="RECIPE")
    parser.add_argument("--quick", action="store_true", help="one epoch or step per recipe")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.recipes) - set(RECIPES))
    if unknown:
        parser.error(f"unknown recipes {unknown}; valid: {sorted(RECIPES)}")
    torch.set_num_threads(1)
    return {"training_seconds": {name: round(training_seconds(name, args.quick), 1)
                                 for name in args.recipes}}


if __name__ == "__main__":
    print(json.dumps(main()))
