"""Experiment: a pair of Gated PixelCNNs at 1.75 test bits/dim within 60 s of training?

The target (benchmarks/RESULTS.md, "The Gated PixelCNN within 60 s"): at most 1.75 test bits/dim
with at most 60 CPU seconds of training on one thread. Each candidate is the shipped pair
(``gated_pixelcnn_pair_digits``) with some settings changed, trained with seed 0 on the 1000
``train`` digits, early-stopped on ``val``, and compared on its ``val`` bits/dim: the
candidates are chosen on ``val`` only. ``crop_kernels`` trains every masked convolution
cropped to its mask's bounding box (2x3 instead of a masked 3x3, 3x7 instead of a masked
7x7, ...): the same model, fewer multiply-adds per step, so more epochs fit in the budget.

Training time: the CPU seconds of the training thread (``time.process_time``, including the
validation checks), run with one thread (``torch.set_num_threads(1)``).

Usage: python benchmarks/bench_gated_fast.py [--only NAME ...] [--test NAME] [--save DIR]
  --only  train only these candidates (default: all)
  --test  score the candidate NAME (the one chosen on val) once on the 447 test digits
Prints one JSON line per candidate: {"candidate", "settings", "val_bits_per_dim",
"members_best_epoch", "train_cpu_seconds"[, "test_bits_per_dim"]}.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from genzoo_lite.core.data import load_digits
from genzoo_lite.core.utils import seeded
from genzoo_lite.registry.pretrained import RECIPES

PAIR = "gated_pixelcnn_pair_digits"
#: name -> changes to the shipped pair's training settings
CANDIDATES = {
    "shipped pair, cropped kernels": dict(crop_kernels=True),
    "cropped, cosine over 16 epochs, no early stop": dict(crop_kernels=True, num_epochs=16,
                                                          patience=None),
    "cropped, cosine over 20 epochs, no early stop": dict(crop_kernels=True, num_epochs=20,
                                                          patience=None),
    "three members, cropped, cosine over 12 epochs, no early stop": dict(
        num_members=3, crop_kernels=True, num_epochs=12, patience=None),
    "three members, cosine over 9 epochs, no early stop": dict(
        num_members=3, num_epochs=9, patience=None),
}
#: the changes that go to the model (PixelCNNEnsemble) rather than to its training
MODEL_KEYS = ("num_members",)


def train_candidate(changes: dict) -> tuple[torch.nn.Module, dict]:
    """Train the pair with ``changes`` to its settings (seed 0, as ``train_recipe``)."""
    recipe = RECIPES[PAIR]
    model_changes = {k: v for k, v in changes.items() if k in MODEL_KEYS}
    with seeded(recipe.seed):  # as build_model
        model = recipe.build(**{**recipe.model, **model_changes})
    settings = {**recipe.settings,
                **{k: v for k, v in changes.items() if k not in MODEL_KEYS}}
    cpu0 = time.process_time()
    history = recipe.train(model, **recipe.data({}), **settings,
                           generator=torch.Generator().manual_seed(recipe.seed), progress=False)
    cpu = time.process_time() - cpu0
    return model.eval(), {"settings": settings, "model_changes": model_changes,
                          "val_bits_per_dim": round(history["ensemble_val_bpd"][0], 4),
                          "members_best_epoch": history["best_epoch"],
                          "epochs_trained": len(history["val_bpd"]),
                          "train_cpu_seconds": round(cpu, 1)}


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(CANDIDATES))
    parser.add_argument("--test", choices=sorted(CANDIDATES))
    parser.add_argument("--save", type=Path, help="save each trained pair here (NAME.pt), and "
                        "--test scores the saved pair instead of training it again")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    results = []
    names = [args.test] if args.test else (args.only or list(CANDIDATES))
    for name in names:
        saved = args.save / f"{name}.pt" if args.save else None
        if args.test and saved and saved.exists():
            model_changes = {k: v for k, v in CANDIDATES[name].items() if k in MODEL_KEYS}
            with seeded(RECIPES[PAIR].seed):
                model = RECIPES[PAIR].build(**{**RECIPES[PAIR].model, **model_changes})
            row = {}
            model.load_state_dict(torch.load(saved))
            model.eval()
        else:
            model, row = train_candidate(CANDIDATES[name])
            if saved:
                saved.parent.mkdir(parents=True, exist_ok=True)
                torch.save(model.state_dict(), saved)
        row = {"candidate": name, **row}
        if args.test:
            x_test = load_digits("test")[0].long()
            with torch.no_grad():
                row["test_bits_per_dim"] = round(model.bits_per_dim(x_test), 4)
        print(json.dumps(row), flush=True)
        results.append(row)
    return results


if __name__ == "__main__":
    main()
