"""Benchmark: the likelihood targets, each model retrained from its recipe on one thread.

* ``gated_pixelcnn_digits`` and ``gated_pixelcnn_pair_digits`` (two of them, conditionals
  averaged): test bits/dim (target at most 1.75) and the training time (target 60 CPU s);
* ``vae_digits_8d``: test negative IWAE bound with k = 1000, nats per digit (target at most 90),
  and its training time.

Each model is trained by ``train_recipe(name)`` (nothing is saved; the shipped weights are never
touched), then scored on the 447 test digits (and on the 350 val digits, the split the recipes
were chosen on). Training time is given twice: the CPU seconds of
the one training thread (``time.process_time``, the fair figure on a shared machine) and the wall
seconds. Bits/dim and nats reproduce exactly; the seconds vary with the machine and its load.

Usage: python benchmarks/bench_likelihood.py [--quick] [--variants {gated,vae,all}]
  --quick     one epoch each, IWAE k = 10: checks that it runs, the figures mean nothing
  --variants  also retrain the variants of genzoo_lite/registry/variants.py and score each on
              val only (they are compared on val; the test figure is the shipped recipe's,
              above): the Gated PixelCNN's (about 10 minutes of CPU), the VAE's (about 6
              minutes) or both; not part of `make bench`
Prints one JSON line: {"likelihood": {recipe: {...}}, "variants": {variant: {...}},
"vae_variants": {variant: {...}}} (the last two with --variants).
"""
from __future__ import annotations

import argparse
import json
import time

import torch

from genzoo_lite import train_recipe
from genzoo_lite.core.data import load_digits
from genzoo_lite.core.utils import seeded
from genzoo_lite.models.autoregressive.ensemble import PixelCNNEnsemble, train_ensemble
from genzoo_lite.models.autoregressive.gated_pixelcnn import GatedPixelCNN
from genzoo_lite.models.autoregressive.logistic_mixture import LogisticMixtureGatedPixelCNN
from genzoo_lite.models.autoregressive.pixelcnn import train_autoregressive
from genzoo_lite.models.latent.vae import VAE, train_vae
from genzoo_lite.registry.variants import GATED_VARIANTS, VAE_VARIANTS

TARGETS = {"gated_pixelcnn_digits": ("test_bits_per_dim", 1.75),
           "gated_pixelcnn_pair_digits": ("test_bits_per_dim", 1.75),
           "vae_digits_8d": ("test_nll_iwae1000_nats", 90.0)}


def score(name: str, model: torch.nn.Module, k: int, split: str = "test") -> float:
    """The recipe's figure on ``split``: bits/dim, or the negative IWAE_k bound in nats per
    digit."""
    x = load_digits(split)[0]
    with torch.no_grad():
        if name == "vae_digits_8d":
            bound = model.iwae_bound(x, k, generator=torch.Generator().manual_seed(5))
            return round(-bound.mean().item(), 2)
        return round(model.bits_per_dim(x.long()), 4)


def measure(name: str, quick: bool = False) -> dict:
    """Train ``name`` from its recipe and score it: figure, target, met, CPU and wall seconds."""
    overrides = {"num_epochs": 1} if quick else {}
    cpu0, wall0 = time.process_time(), time.perf_counter()
    model, _ = train_recipe(name, overrides=overrides, progress=False)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    key, target = TARGETS[name]
    figure = score(name, model, 10 if quick else 1000)
    val = score(name, model, 10 if quick else 1000, "val")
    return {key: figure, key.replace("test", "val", 1): val, "target": target,
            "met": figure <= target and cpu <= 60,
            "train_cpu_seconds": round(cpu, 1), "train_wall_seconds": round(wall, 1)}


def measure_variant(variant: dict) -> dict:
    """Train one Gated PixelCNN variant (seed 0) on train, stop on val where it has early
    stopping: its val bits/dim (the figure the variants are compared on; test is not scored)."""
    x, x_val = (load_digits(split)[0].long() for split in ("train", "val"))
    extra = {"x_val": x_val} if variant["train"].get("ema_decay") else {}
    with seeded(0):
        if variant.get("members"):
            model = PixelCNNEnsemble(variant["members"], **variant["model"])
        elif variant.get("mixtures"):
            model = LogisticMixtureGatedPixelCNN(**variant["model"])
        else:
            model = GatedPixelCNN(**variant["model"])
    train = train_ensemble if variant.get("members") else train_autoregressive
    cpu0, wall0 = time.process_time(), time.perf_counter()
    history = train(model, x, **variant["train"], **extra,
                    generator=torch.Generator().manual_seed(0), progress=False)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {"val_bits_per_dim": score("gated", model.eval(), 0, "val"),
            "best_epoch": history.get("best_epoch", [len(history["loss"])]),
            "train_cpu_seconds": round(cpu, 1), "train_wall_seconds": round(wall, 1)}


def measure_vae_variant(variant: dict) -> dict:
    """Train one VAE variant (seed 0, as ``train_recipe``) on train, stop on val: its val
    negative IWAE_1000 bound (the figure the variants are compared on; test is not scored)."""
    with seeded(0):
        model = VAE(**variant["model"])
    x, x_val = (load_digits(split)[0] for split in ("train", "val"))
    cpu0, wall0 = time.process_time(), time.perf_counter()
    history = train_vae(model, x, x_val, **variant["train"],
                        generator=torch.Generator().manual_seed(0), progress=False)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {"val_nll_iwae1000_nats": score("vae_digits_8d", model.eval(), 1000, "val"),
            "best_epoch": history["best_epoch"][0],
            "train_cpu_seconds": round(cpu, 1), "train_wall_seconds": round(wall, 1)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one epoch each, IWAE k = 10")
    parser.add_argument("--variants", choices=("gated", "vae", "all"),
                        help="also retrain these variants")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    result = {"likelihood": {name: measure(name, args.quick) for name in TARGETS}}
    if args.variants in ("gated", "all"):
        result["variants"] = {v["variant"]: measure_variant(v) for v in GATED_VARIANTS}
    if args.variants in ("vae", "all"):
        result["vae_variants"] = {v["variant"]: measure_vae_variant(v) for v in VAE_VARIANTS}
    return result


if __name__ == "__main__":
    print(json.dumps(main()))
